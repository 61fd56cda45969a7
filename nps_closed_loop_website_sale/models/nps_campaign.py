from odoo import fields, models


class NpsCampaign(models.Model):
    _inherit = "nps.campaign"

    ask_on_confirmation_page = fields.Boolean(
        string="Ask on the order confirmation page",
        default=True,
        help="For the orders this campaign surveys that are placed in the web shop: the question is asked on the "
        "order confirmation page, right after payment, and the email goes only to a customer who leaves without "
        "answering. Unticked, the email is the only way, after the campaign's delay.",
    )
