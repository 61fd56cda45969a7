from lxml import etree

from odoo.tests import new_test_user
from odoo.tests.common import TransactionCase


class TestTicketBadge(TransactionCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.agent = new_test_user(cls.env, login="nps_ticket_agent", groups="helpdesk_mgmt.group_helpdesk_user")
        cls.customer = cls.env["res.partner"].create({"name": "Ticket customer", "email": "t@example.com"})
        cls.ticket = cls.env["helpdesk.ticket"].create(
            {"name": "Broken", "description": "x", "partner_id": cls.customer.id, "user_id": cls.agent.id}
        )
        cls.other_ticket = cls.env["helpdesk.ticket"].create(
            {"name": "Other", "description": "x", "partner_id": cls.customer.id, "user_id": cls.agent.id}
        )

    def test_ticket_shows_its_answer_and_the_customer_last_score(self):
        self.env["nps.survey"].create(
            {
                "partner_id": self.customer.id,
                "res_model": "helpdesk.ticket",
                "res_id": self.ticket.id,
                "contact_user_id": self.agent.id,
                "state": "answered",
                "score": 9,
            }
        )
        ticket = self.ticket.with_user(self.agent)
        self.assertEqual((ticket.nps_score, ticket.nps_category), (9, "promoter"))
        other = self.other_ticket.with_user(self.agent)
        self.assertFalse(other.nps_category, "a ticket that was not surveyed has no score of its own")
        self.assertEqual(other.nps_customer_last_score, 9)

    def test_ticket_form_loads_for_the_agent(self):
        """The source document's badge (nps.source.mixin) on the ticket form: the ticket's own score in the
        button box, the customer's last score next to the customer."""
        arch = etree.fromstring(self.env["helpdesk.ticket"].with_user(self.agent).get_view(view_type="form")["arch"])
        self.assertTrue(
            arch.xpath("//field[@name='partner_id']/following-sibling::field[@name='nps_customer_last_score']")
        )
        button = arch.xpath("//div[@name='button_box']/button[@name='action_open_nps_survey']")
        self.assertTrue(button, "the ticket's own answer opens from the button box")
        self.assertEqual(len(button[0].xpath(".//field[@name='nps_score']")), 3, "one colour per category")
