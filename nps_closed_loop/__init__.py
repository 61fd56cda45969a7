from . import controllers
from . import models
from . import report
from . import wizard


def uninstall_hook(env):
    """What Odoo does not remove by itself: the storage of the figures per hour (tables and trigger function)."""
    env["nps.answer.cube"]._drop_storage()
