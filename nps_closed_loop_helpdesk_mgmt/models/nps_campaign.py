from odoo import api, fields, models

TICKET_CAMPAIGN_XMLID = "nps_closed_loop_helpdesk_mgmt.nps_campaign_ticket_closed"
# set once the campaign was created: a campaign the admin deleted is not created again by an update
TICKET_CAMPAIGN_CREATED_PARAM = "nps_closed_loop_helpdesk_mgmt.campaign_created"


class NpsCampaign(models.Model):
    _inherit = "nps.campaign"

    # the flag of the "open ticket" context rule (see nps.survey.send._context_hold_rules)
    hold_open_ticket = fields.Boolean(
        string="Hold while a ticket is open",
        help="A survey waits while the customer's company has an open ticket in the helpdesk. It is checked "
        "again at each run, sent once the tickets are closed, and cancelled if still held after the expiry delay.",
    )

    def action_add_trigger_ticket_closed(self):
        """Preset: a survey when a helpdesk ticket is closed."""
        self.ensure_one()
        return self._nps_create_automation(
            "helpdesk.ticket", self._nps_ticket_closed_trigger_values()
        )._get_records_action(context={})

    @api.model
    def _nps_ticket_closed_trigger_values(self):
        """The automation rule that fires when a ticket reaches a stage flagged ``closed``."""
        return {
            "trigger": "on_create_or_write",
            # reopened then closed again also passes: the one-survey-per-document rule stops a second survey
            "filter_pre_domain": repr([("stage_id.closed", "=", False)]),
            "filter_domain": repr([("stage_id.closed", "=", True)]),
        }

    @api.model
    def _nps_setup_helpdesk_campaign(self, force=False):
        """Create the "After ticket closed" campaign and its rule.

        Runs at each install and update of this addon (data/nps_campaign_data.xml), once only: a campaign
        the admin deleted is not resurrected. The NPS settings' button (``force``) creates it again.
        """
        campaign = self.env.ref(TICKET_CAMPAIGN_XMLID, raise_if_not_found=False)
        if campaign:
            return campaign
        params = self.env["ir.config_parameter"].sudo()
        if not force and params.get_param(TICKET_CAMPAIGN_CREATED_PARAM):
            return self.browse()
        campaign = self.create({"name": self.env._("After ticket closed"), "sequence": 20})
        self.env["ir.model.data"]._update_xmlids(
            [{"xml_id": TICKET_CAMPAIGN_XMLID, "record": campaign, "noupdate": True}]
        )
        campaign._nps_create_automation("helpdesk.ticket", self._nps_ticket_closed_trigger_values())
        params.set_param(TICKET_CAMPAIGN_CREATED_PARAM, "1")
        return campaign
