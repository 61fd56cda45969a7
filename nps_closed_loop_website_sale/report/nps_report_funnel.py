from odoo import fields, models

from ..models.nps_survey import WEB_CHANNEL


class NpsReportFunnel(models.Model):
    _inherit = "nps.report.funnel"

    channel = fields.Selection(selection_add=[WEB_CHANNEL])
