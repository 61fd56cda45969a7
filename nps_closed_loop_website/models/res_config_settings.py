from odoo import fields, models

from .website import DEFAULT_MIN_ANSWERS, DEFAULT_PERIOD_MONTHS, MIN_ANSWERS_PARAM, PERIOD_MONTHS_PARAM


class ResConfigSettings(models.TransientModel):
    _inherit = "res.config.settings"

    nps_website_min_answers = fields.Integer(
        string="Minimum answers shown",
        config_parameter=MIN_ANSWERS_PARAM,
        default=DEFAULT_MIN_ANSWERS,
        help="The website's recommendation rate stays hidden while the period has fewer answers than this.",
    )
    nps_website_period_months = fields.Integer(
        string="Recommendation period (months)",
        config_parameter=PERIOD_MONTHS_PARAM,
        default=DEFAULT_PERIOD_MONTHS,
        help="The website's recommendation rate counts the answers of this many months up to now.",
    )
