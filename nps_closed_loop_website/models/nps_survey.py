from odoo import fields, models


class NpsSurvey(models.Model):
    _inherit = "nps.survey"

    testimonial_sequence = fields.Integer(
        string="Testimonial order",
        default=10,
        copy=False,
        help="The order of the testimonials on the website: drag them in NPS > Testimonials.",
    )
