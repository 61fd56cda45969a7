from . import nps_campaign
from . import nps_survey
from . import res_partner
from . import mail_activity
from . import nps_reason
from . import ir_actions_server
from . import res_config_settings
from . import ir_http
