from . import nps_sql_view
from . import nps_report
from . import nps_answer_cube
from . import nps_report_funnel
from . import nps_holdout_report
from . import nps_theme_report
from . import nps_workbook
