from . import test_enps_hr
