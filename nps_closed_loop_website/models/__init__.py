from . import nps_survey
from . import res_config_settings
from . import website
