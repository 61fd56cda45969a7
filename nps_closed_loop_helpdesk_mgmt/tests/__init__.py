from . import test_context_rules
from . import test_helpdesk_ticket
from . import test_triggers
from . import test_workspace
