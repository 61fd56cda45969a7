from . import nps_survey
from . import portal
