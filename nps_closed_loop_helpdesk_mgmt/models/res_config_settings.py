from odoo import fields, models

from .nps_campaign import TICKET_CAMPAIGN_XMLID


class ResConfigSettings(models.TransientModel):
    _inherit = "res.config.settings"

    # A default, not a compute: the settings page is a new record filled by onchange, which leaves
    # dependency-less computed fields empty.
    nps_helpdesk_campaign_id = fields.Many2one(
        "nps.campaign",
        string="Survey after ticket closed",
        default=lambda self: self.env.ref(TICKET_CAMPAIGN_XMLID, raise_if_not_found=False),
        readonly=True,
    )

    def action_nps_setup_helpdesk_campaign(self):
        """Create the "After ticket closed" campaign again, e.g. after it was deleted."""
        self.ensure_one()
        # settings are for administrators only (model access): they may create the campaign and its rule
        campaign = self.env["nps.campaign"].sudo()._nps_setup_helpdesk_campaign(force=True)
        return campaign.with_env(self.env)._get_records_action(context={})
