from datetime import timedelta

from odoo.addons.nps_closed_loop.tests import common as nps_common
from odoo.tests import tagged

from . import common

NOW = nps_common.NOW


@tagged("post_install", "-at_install", "is_query_count")
class TestOpenTicketRule(common.TicketFixtures, nps_common.ContextRulesCommon):
    """The bridge's hold rule, through the core's hook: a survey waits while its customer has an open ticket."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.campaign.hold_open_ticket = True

    def _hold_setups(self):
        return [*super()._hold_setups(), lambda company, order: self._ticket(company, self.stage_open)]

    def test_rules_off_sent(self):
        self.campaign.write({**nps_common.RULES_OFF, "hold_open_ticket": False})
        self.customer_company.nps_excluded = True
        self._invoice(self.colleague, (NOW - timedelta(days=20)).date())
        self._ticket(self.colleague, self.stage_open)
        survey = self._due_survey(self.customer)
        self._run_cron()
        self._assert_sent(survey)

    def test_open_ticket_held_then_released(self):
        """A colleague's ticket holds the survey: the company's open tickets count, as in the workspace."""
        ticket = self._ticket(self.colleague, self.stage_open)
        survey = self._due_survey(self.customer)
        self._run_cron()
        self._assert_held(survey, "open helpdesk ticket")
        ticket.stage_id = self.stage_closed
        self._run_cron(NOW + timedelta(hours=2))
        self._assert_sent(survey)

    def test_reasons_follow_the_rules_order(self):
        """Held by two rules: the core's and the bridge's reasons, in the rules' order."""
        self.customer_company.nps_excluded = True
        self._ticket(self.colleague, self.stage_open)
        self._invoice(self.colleague, (NOW - timedelta(days=5)).date())
        survey = self._due_survey(self.customer)
        self._run_cron()
        self._assert_held(survey, "open helpdesk ticket")
        self.assertEqual(
            survey.hold_reason,
            "The customer's company is excluded from NPS surveys. The customer's company has an open helpdesk "
            "ticket. The customer's company has an overdue or disputed invoice.",
        )

    def test_query_budget(self):
        """One query per rule, the bridge's included, for a whole batch."""
        self._assert_query_budget()
