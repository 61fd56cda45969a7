from . import helpdesk_ticket
from . import nps_campaign
from . import nps_survey
from . import nps_survey_send
from . import res_config_settings
