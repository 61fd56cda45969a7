from datetime import timedelta

from odoo import Command
from odoo.tests import tagged

from .test_sending import NOW, SendingCommon

RULES_ON = {
    "hold_open_ticket": True,
    "hold_unpaid_invoice": True,
    "hold_cancelled_order": True,
    "hold_excluded_company": True,
}
RULES_OFF = dict.fromkeys(RULES_ON, False)


@tagged("post_install", "-at_install", "is_query_count")
class TestContextRules(SendingCommon):
    """A campaign holds a due survey back while the customer's situation makes it inappropriate."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.campaign.write({**RULES_ON, "expiry_days": 30, "reminder_days": 3, "send_window": False})
        cls.colleague = cls.env["res.partner"].create(
            {"name": "Paul Dupont", "parent_id": cls.customer_company.id, "email": "paul@dupont.example.com"}
        )
        cls.has_helpdesk = "helpdesk.ticket" in cls.env
        if cls.has_helpdesk:
            Stage = cls.env["helpdesk.ticket.stage"]
            flag = "closed" if "closed" in Stage._fields else "fold"
            cls.stage_open = Stage.search([(flag, "=", False)], limit=1)
            cls.stage_closed = Stage.search([(flag, "=", True)], limit=1)

    def _assert_held(self, survey, words, when=NOW, since=NOW):
        self.assertEqual(survey.state, "scheduled")
        self.assertIn(words, survey.hold_reason)
        self.assertEqual(survey.held_since, since, "the hold limit counts from the first hold")
        self.assertEqual(survey.scheduled_date, when + timedelta(hours=1), "checked again at the next run")
        self.assertFalse(self._survey_mails(survey))

    def _assert_sent(self, survey):
        self.assertEqual(survey.state, "sent")
        self.assertFalse(survey.hold_reason)
        self.assertFalse(survey.held_since)
        self.assertEqual(len(self._survey_mails(survey)), 1)

    def _order(self, partner):
        """A confirmed order; the survey its confirmation schedules is left out, the tests make their own."""
        order = self._confirm_order(partner)
        self._order_surveys(order).unlink()
        return order

    def _ticket(self, partner, stage):
        return self.env["helpdesk.ticket"].create(
            {
                "name": "Printer on fire",
                "description": "<p>It smokes.</p>",
                "partner_id": partner.id,
                "stage_id": stage.id,
            }
        )

    def _invoice(self, partner, due_date):
        move = self.env["account.move"].create(
            {
                "move_type": "out_invoice",
                "partner_id": partner.id,
                "invoice_date": due_date,
                "invoice_date_due": due_date,
                "invoice_line_ids": [
                    Command.create({"name": "Beer", "quantity": 1, "price_unit": 100.0, "tax_ids": [Command.clear()]})
                ],
            }
        )
        move.action_post()
        return move

    def test_rules_off_sent(self):
        self.campaign.write(RULES_OFF)
        self.customer_company.nps_excluded = True
        self._invoice(self.colleague, (NOW - timedelta(days=20)).date())
        if self.has_helpdesk:
            self._ticket(self.colleague, self.stage_open)
        survey = self._due_survey(self.customer)
        self._run_cron()
        self._assert_sent(survey)

    def test_excluded_company_held_then_released(self):
        self.assertTrue(self.env["nps.campaign"].create({"name": "New"}).hold_excluded_company, "on by default")
        self.customer_company.nps_excluded = True
        survey = self._due_survey(self.customer)
        self._run_cron()
        self._assert_held(survey, "excluded from NPS surveys")
        # checked again at the next run: still excluded, still held, the first hold date kept
        self._run_cron(NOW + timedelta(hours=2))
        self._assert_held(survey, "excluded", when=NOW + timedelta(hours=2))
        self.customer_company.nps_excluded = False
        self._run_cron(NOW + timedelta(hours=4))
        self._assert_sent(survey)

    def test_open_ticket_held_then_released(self):
        if not self.has_helpdesk:
            self.skipTest("No helpdesk installed.")
        ticket = self._ticket(self.colleague, self.stage_open)
        survey = self._due_survey(self.customer)
        self._run_cron()
        self._assert_held(survey, "open helpdesk ticket")
        ticket.stage_id = self.stage_closed
        self._run_cron(NOW + timedelta(hours=2))
        self._assert_sent(survey)

    def test_unpaid_invoice_held_then_released(self):
        not_due = self._invoice(self.colleague, (NOW + timedelta(days=10)).date())
        survey = self._due_survey(self.customer)
        self._run_cron(NOW - timedelta(minutes=30))
        self.assertEqual(survey.state, "sent", "an invoice not due yet holds nothing")
        overdue = self._invoice(self.colleague, (NOW - timedelta(days=5)).date())
        survey = self._due_survey(self.customer)
        self._run_cron()
        self._assert_held(survey, "overdue or disputed invoice")
        # paid: released
        self.env["account.payment.register"].with_context(active_model="account.move", active_ids=overdue.ids).create(
            {}
        )._create_payments()
        self.assertIn(overdue.payment_state, ("paid", "in_payment"))
        # disputed (payment blocked), even if not due yet: still held
        not_due.action_toggle_block_payment()
        self._run_cron(NOW + timedelta(hours=2))
        self._assert_held(survey, "overdue or disputed invoice", when=NOW + timedelta(hours=2))
        not_due.action_toggle_block_payment()
        self._run_cron(NOW + timedelta(hours=4))
        self._assert_sent(survey)

    def test_cancelled_order_held_then_released(self):
        order = self._order(self.customer_2)
        survey = self._due_survey(self.customer_2, res_model="sale.order", res_id=order.id)
        order._action_cancel()
        self._run_cron()
        self._assert_held(survey, "sales order was cancelled")
        order.action_draft()
        order.action_confirm()
        self._run_cron(NOW + timedelta(hours=2))
        self._assert_sent(survey)

    def test_held_survey_takes_no_quiet_period_turn(self):
        self.campaign.write({"quiet_period_days": 90, "quiet_period_scope": "customer"})
        order = self._order(self.customer_2)
        order._action_cancel()
        held = self._due_survey(self.customer_2, res_model="sale.order", res_id=order.id)
        other = self._due_survey(self.customer_2)
        self._run_cron()
        self._assert_held(held, "sales order was cancelled")
        self._assert_sent(other)

    def test_cancelled_at_hold_limit(self):
        self.customer_company.nps_excluded = True
        survey = self._due_survey(self.customer)
        self._run_cron()
        self._run_cron(NOW + timedelta(days=29, hours=23))
        self._assert_held(survey, "excluded", when=NOW + timedelta(days=29, hours=23))
        self._run_cron(NOW + timedelta(days=30, hours=1))
        self.assertEqual(survey.state, "cancelled")
        self.assertIn("Held back for 30 days", survey.state_reason)
        self.assertIn("excluded from NPS surveys", survey.state_reason)
        self.assertFalse(self._survey_mails(survey))

    def test_reminders_not_held(self):
        survey = self._due_survey(self.customer)
        self._run_cron()
        self._assert_sent(survey)
        self.customer_company.nps_excluded = True
        self._run_cron(NOW + timedelta(days=3, hours=1))
        self.assertTrue(survey.reminder_sent_date, "the survey was sent: its reminder is not held back")

    def _batch(self, size, tag):
        """``size`` due surveys of different companies: of every five, four held by each rule in turn, one sent."""
        surveys = held = self.Survey
        for index in range(size):
            company = self.env["res.partner"].create(
                {"name": f"Company {tag}{index}", "is_company": True, "email": f"c{tag}{index}@example.com"}
            )
            order = self._order(company)
            kind = index % 5
            if kind == 0:
                company.nps_excluded = True
            elif kind == 1:
                order._action_cancel()
            elif kind == 2:
                self._invoice(company, (NOW - timedelta(days=5)).date())
            elif kind == 3 and self.has_helpdesk:
                self._ticket(company, self.stage_open)
            survey = self._due_survey(company, res_model="sale.order", res_id=order.id)
            surveys |= survey
            if kind < 3 or (kind == 3 and self.has_helpdesk):
                held |= survey
        return surveys, held

    def _check_batch(self, surveys, held):
        self.assertEqual(held.mapped("state"), ["scheduled"] * len(held))
        self.assertTrue(all(held.mapped("hold_reason")))
        self.assertEqual((surveys - held).mapped("state"), ["sent"] * len(surveys - held))

    def _run_counted(self, when, queries=None):
        self.env.flush_all()
        self.env.invalidate_all()
        if queries is not None:
            with self.assertQueryCount(queries):
                self._run_cron(when)
            return queries
        count = self.cr.sql_log_count
        self._run_cron(when)
        self.env.flush_all()  # as assertQueryCount counts
        return self.cr.sql_log_count - count

    def test_query_budget(self):
        """One query per rule for a whole batch: twice the surveys, the same number of queries."""
        warm_up = self._batch(5, "w")
        self._run_counted(NOW - timedelta(minutes=50))  # caches filled
        self._check_batch(*warm_up)
        small = self._batch(5, "a")
        queries = self._run_counted(NOW - timedelta(minutes=40))
        self._check_batch(*small)
        large = self._batch(10, "b")
        self._run_counted(NOW - timedelta(minutes=30), queries)
        self._check_batch(*large)
