from odoo import fields, models


class ResConfigSettings(models.TransientModel):
    _inherit = "res.config.settings"

    nps_send_batch_size = fields.Integer(
        string="NPS batch size",
        config_parameter="nps_closed_loop.send_batch_size",
        default=500,
        help="How many surveys the sending job handles at a time: lower it if sending slows down other work.",
    )
    nps_retention_months = fields.Integer(
        string="Anonymise NPS answers after (months)",
        config_parameter="nps_closed_loop.retention_months",
        default=24,
        help="Answers older than this many months are anonymised by a daily job: the customer's personal data "
        "is erased, the score is kept for statistics. 0 keeps them for ever.",
    )
