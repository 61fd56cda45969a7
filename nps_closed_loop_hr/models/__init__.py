from . import nps_employee_campaign
from . import nps_employee_invitation
