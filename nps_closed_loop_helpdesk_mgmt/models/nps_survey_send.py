from odoo import api, models


class NpsSurveySend(models.AbstractModel):
    _inherit = "nps.survey.send"

    @api.model
    def _context_hold_rules(self):
        """Adds "hold while a ticket is open", between the core's excluded companies and unpaid invoices."""
        return [
            *super()._context_hold_rules(),
            {
                "flag": "hold_open_ticket",
                "matching": self._held_open_tickets,
                "key": "commercial_partner_id",
                "label": self.env._("Open ticket"),
                "reason": self.env._("The customer's company has an open helpdesk ticket."),
                "sequence": 20,
            },
        ]

    @api.model
    def _held_open_tickets(self, company_ids, now):
        """The companies among ``company_ids`` with an open ticket, in one query."""
        Ticket = self.env["helpdesk.ticket"].sudo()
        groups = Ticket._read_group(Ticket._nps_open_tickets_domain(company_ids), ["commercial_partner_id"])
        return {company.id for (company,) in groups}
