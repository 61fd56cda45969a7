from . import nps_report
from . import nps_survey
from . import portal
from . import nps_gdpr
from . import nps_employee
