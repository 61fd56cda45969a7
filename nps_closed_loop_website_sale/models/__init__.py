from . import nps_campaign
from . import nps_survey
from . import nps_survey_request
from . import sale_order
