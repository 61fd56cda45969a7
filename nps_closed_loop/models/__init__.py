from . import nps_campaign
from . import nps_survey
from . import res_partner
