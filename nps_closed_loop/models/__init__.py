# In the order of the flow: trigger -> campaign -> survey -> sending -> answer -> callback loop
from . import ir_actions_server
from . import nps_campaign
from . import nps_relationship_queue
from . import nps_survey
from . import nps_survey_send
from . import nps_reason
from . import mail_activity
from . import res_partner
from . import res_config_settings
from . import ir_http
