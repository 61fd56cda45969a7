from odoo.addons.nps_closed_loop.tests import common as nps_common
from odoo.tests import tagged

from . import common


@tagged("post_install", "-at_install")
class TestTicketsInTheWorkspace(common.TicketFixtures, nps_common.LoopCommon):
    """The callback workspace lists the customer's open tickets before the orders (the core's hook)."""

    def test_workspace_shows_the_company_open_tickets_first(self):
        colleague = self.env["res.partner"].create({"name": "Paul Dupont", "parent_id": self.customer_company.id})
        mine = self._ticket(self.customer, name="Missing parts")
        colleagues = self._ticket(colleague, name="Wrong invoice address")
        self._ticket(self.customer, self.stage_closed, name="Solved long ago")
        self._ticket(self.customer_2, name="Another customer's ticket")
        self.order.action_confirm()
        survey = self._answer(2)
        agent_view = survey.with_user(survey.callback_user_id)
        for ticket in (mine, colleagues):
            self.assertIn(ticket.display_name, agent_view.customer_context)
        self.assertNotIn("Solved long ago", agent_view.customer_context, "a closed ticket is not open")
        self.assertNotIn("Another customer", agent_view.customer_context)
        documents = [document for document, __, __ in survey._nps_customer_documents(survey.commercial_partner_id)]
        self.assertEqual(set(documents[:2]), {mine, colleagues}, "the open tickets come first")
        self.assertEqual(documents[2:], [self.order])
