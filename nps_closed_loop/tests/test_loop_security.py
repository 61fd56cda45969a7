from odoo import Command
from odoo.exceptions import AccessError, UserError

from . import common_loop


class TestLoopSecurity(common_loop.LoopCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.customer_2.user_id = cls.user_salesman

    def _closed_survey(self):
        survey = self._answer(2, partner=self.customer_2, contact_user_id=self.user_salesman.id)
        self._close_loop(survey)
        return survey

    def test_callback_notes_hidden_from_salesperson_and_customer(self):
        survey = self._closed_survey()
        self.assertEqual(survey.with_user(self.user_salesman).loop_state, "closed", "the salesperson sees the loop")
        with self.assertRaises(AccessError):
            survey.with_user(self.user_salesman).read(["loop_notes"])
        self.assertTrue(survey.with_user(self.caller_b).read(["loop_notes"])[0]["loop_notes"])

    def test_only_nps_users_close_loops(self):
        survey = self._answer(2, partner=self.customer_2, contact_user_id=self.user_salesman.id)
        with self.assertRaises(AccessError):
            self.env["nps.close.loop.wizard"].with_user(self.user_salesman).create(
                {"survey_id": survey.id, "outcome": "resolved"}
            )
        with self.assertRaises(AccessError):
            survey.with_user(self.user_salesman).action_nps_close_loop()
        self.assertEqual(survey.loop_state, "open")

    def test_invalid_resurvey_delay_stores_nothing(self):
        survey = self._answer(2)
        wizard = self.env["nps.close.loop.wizard"].create(
            {"survey_id": survey.id, "outcome": "resolved", "schedule_resurvey": True, "resurvey_days": 0}
        )
        with self.assertRaisesRegex(UserError, "greater than zero"):
            wizard.action_confirm()
        self.assertEqual(survey.loop_state, "open")
        self.assertFalse(survey.followup_survey_ids)

    def test_reasons_readable_by_employees_managed_by_managers(self):
        reasons = self.env["nps.reason"].with_user(self.user_employee).search([])
        self.assertIn(self.reason_delivery, reasons)
        with self.assertRaises(AccessError):
            self.env["nps.reason"].with_user(self.user_nps).create({"name": "Packaging"})
        reason = self.env["nps.reason"].with_user(self.user_manager).create({"name": "Packaging"})
        self.assertEqual(reason.name, "Packaging")

    def test_reasons_of_another_company_are_hidden(self):
        foreign = self.env["nps.reason"].create({"name": "Customs", "company_id": self.other_company.id})
        self.assertNotIn(foreign, self.env["nps.reason"].with_user(self.user_manager).search([]))

    def test_views_load_for_every_kind_of_user(self):
        for user in (self.user_salesman, self.user_nps, self.user_manager, self.caller_a):
            views = (
                self.env["nps.survey"].with_user(user).get_views([(False, "form"), (False, "list"), (False, "search")])
            )
            form = views["views"]["form"]["arch"]
            self.assertIn("closing_the_loop", form)
            self.assertEqual("loop_notes" in form, user.has_group("nps_closed_loop.group_nps_user"))
        campaign_form = self.env["nps.campaign"].with_user(self.user_manager).get_views([(False, "form")])
        self.assertIn("called_repurchase_rate", campaign_form["views"]["form"]["arch"])
        survey = self._answer(2)
        wizard_views = self.env["nps.close.loop.wizard"].with_user(self.caller_a).get_views([(False, "form")])
        self.assertIn("outcome", wizard_views["views"]["form"]["arch"])
        self.assertTrue(survey.with_user(self.user_manager).read(["reason_ids", "holdout", "sla_met"]))

    def test_assignee_without_rights_on_the_record_can_still_be_checked(self):
        """The assignment check reads the original contact (manager-only field) whoever assigns."""
        survey = self._answer(2)
        activity = self._callbacks(survey)
        activity.with_user(self.caller_b).write({"user_id": self.caller_c.id})
        self.assertEqual(survey.callback_user_id, self.caller_c)
        self.campaign.callback_user_ids = [Command.unlink(self.caller_c.id)]
        self.assertEqual(survey.callback_user_id, self.caller_c, "removing a member keeps their callbacks")
