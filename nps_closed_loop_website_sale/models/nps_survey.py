from odoo import fields, models

#: the channel of a survey answered on the order confirmation page instead of being sent
WEB_CHANNEL = ("web", "Order confirmation page")


class NpsSurvey(models.Model):
    _inherit = "nps.survey"

    channel = fields.Selection(selection_add=[WEB_CHANNEL], ondelete={"web": "set default"})
