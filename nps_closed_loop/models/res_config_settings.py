from odoo import fields, models
from odoo.exceptions import UserError


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
    # Defaults, not computes: the settings page is a new record filled by onchange, which leaves
    # dependency-less computed fields empty (the page said "install a helpdesk" with one installed).
    nps_helpdesk_available = fields.Boolean(default=lambda self: "helpdesk.ticket" in self.env, readonly=True)
    nps_helpdesk_campaign_id = fields.Many2one(
        "nps.campaign",
        default=lambda self: self.env.ref("nps_closed_loop.nps_campaign_ticket_closed", raise_if_not_found=False),
        readonly=True,
    )

    def action_nps_setup_helpdesk_campaign(self):
        """Create the "After ticket closed" campaign for a helpdesk app installed after NPS."""
        self.ensure_one()
        if "helpdesk.ticket" not in self.env:
            raise UserError(self.env._("Install a helpdesk app first (OCA Helpdesk or Odoo Helpdesk)."))
        # settings are for administrators only (model access): they may create the campaign and its rule
        campaign = self.env["nps.campaign"].sudo()._nps_setup_helpdesk_campaign(force=True)
        return campaign.with_env(self.env)._get_records_action(context={})
