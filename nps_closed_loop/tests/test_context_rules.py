from datetime import timedelta

from odoo.tests import tagged

from . import common

NOW = common.NOW


@tagged("post_install", "-at_install", "is_query_count")
class TestContextRules(common.ContextRulesCommon):
    """A campaign holds a due survey back while the customer's situation makes it inappropriate."""

    def test_rules_off_sent(self):
        self.campaign.write(common.RULES_OFF)
        self.customer_company.nps_excluded = True
        self._invoice(self.colleague, (NOW - timedelta(days=20)).date())
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

    def test_query_budget(self):
        """One query per rule for a whole batch: twice the surveys, the same number of queries."""
        self._assert_query_budget()

    def test_every_rule_is_complete(self):
        """The rules of the core and of every installed bridge: a campaign flag, a survey key, a matching."""
        rules = self.env["nps.survey.send"]._context_hold_rules()
        self.assertTrue(
            {"hold_excluded_company", "hold_unpaid_invoice", "hold_cancelled_order"} <= {rule["flag"] for rule in rules}
        )
        for rule in rules:
            self.assertEqual(self.env["nps.campaign"]._fields[rule["flag"]].type, "boolean", rule["flag"])
            self.assertIn(rule["key"], self.env["nps.survey"]._fields, rule["flag"])
            self.assertTrue(callable(rule["matching"]), rule["flag"])
            self.assertTrue(rule["label"] and rule["reason"] and isinstance(rule["sequence"], int), rule["flag"])
