from . import test_nps_survey
from . import test_res_partner
from . import test_security
