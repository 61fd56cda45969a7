from odoo import models
from odoo.tools import format_date


class NpsSurvey(models.Model):
    _inherit = "nps.survey"

    def _nps_customer_documents(self, company):
        """The customer's open tickets come first in the callback workspace, newest first.

        Read as superuser as the core reads its documents: the core calls this hook once the survey
        is known readable by the agent.
        """
        Ticket = self.env["helpdesk.ticket"].sudo()
        tickets = Ticket.search(
            Ticket._nps_open_tickets_domain(company.ids), order="create_date desc", limit=self._NPS_CONTEXT_LIMIT
        )
        return [
            (
                ticket,
                self.env._("Open ticket"),
                f"{ticket.stage_id.display_name}, {format_date(self.env, ticket.create_date)}",
            )
            for ticket in tickets
        ] + super()._nps_customer_documents(company)
