from odoo import api, models


class HelpdeskTicket(models.Model):
    """A ticket shows the answer it got and the customer's last score (``nps.source.mixin``)."""

    _name = "helpdesk.ticket"
    _inherit = ["helpdesk.ticket", "nps.source.mixin"]

    @api.model
    def _nps_open_tickets_domain(self, company_ids):
        """The open tickets of the customers' companies ``company_ids``: the one definition shared by the
        "hold while a ticket is open" rule and the callback workspace. helpdesk_mgmt flags the stages that
        close a ticket with ``closed``."""
        return [("commercial_partner_id", "in", company_ids), ("stage_id.closed", "=", False)]
