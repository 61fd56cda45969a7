from . import nps_close_loop_wizard
from . import nps_relationship_wizard
from . import nps_workbook_wizard
from . import nps_improvement_announce_wizard
