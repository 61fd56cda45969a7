from odoo import fields, models

from ..models.nps_survey import WEB_CHANNEL


class NpsReport(models.Model):
    _inherit = "nps.report"

    channel = fields.Selection(selection_add=[WEB_CHANNEL])
