from odoo import Command
from odoo.exceptions import AccessError, UserError

from . import common


class TestNpsSecurity(common.NpsCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.portal_partner = cls.user_portal.partner_id
        cls.survey = cls._create_answered(3, contact_user_id=cls.user_salesman.id, comment="Trop cher")
        cls.survey_other_customer = cls._create_answered(10, partner=cls.customer_2)
        cls.survey_portal = cls._create_answered(8, partner=cls.portal_partner)
        cls.survey_other_company = cls._create_answered(
            9, partner=cls.customer_2, company_id=cls.other_company.id, campaign_id=False
        )
        cls.all_surveys = cls.survey | cls.survey_other_customer | cls.survey_portal | cls.survey_other_company

    def _visible(self, user):
        return self.env["nps.survey"].with_user(user).search([("id", "in", self.all_surveys.ids)])

    def test_employee_without_customers_sees_nothing(self):
        self.assertFalse(self._visible(self.user_employee))
        with self.assertRaises(AccessError):
            self.survey.with_user(self.user_employee).read(["score"])

    def test_salesperson_reads_own_customers_history(self):
        visible = self._visible(self.user_salesman)
        self.assertEqual(visible, self.survey)
        self.assertEqual(self.survey.with_user(self.user_salesman).comment, "Trop cher")
        with self.assertRaises(AccessError):
            self.survey.with_user(self.user_salesman).write({"comment": "changed"})
        with self.assertRaises(AccessError):
            self.env["nps.survey"].with_user(self.user_salesman).create({"partner_id": self.customer.id})

    def test_per_employee_data_is_manager_only(self):
        for user in (self.user_salesman, self.user_nps):
            with self.subTest(user=user.login):
                survey = self.survey.with_user(user)
                with self.assertRaises(AccessError):
                    survey.read(["contact_user_id"])
                with self.assertRaises(AccessError):
                    self.env["nps.survey"].with_user(user).read_group([], ["nps_value:avg"], ["contact_user_id"])
        manager_view = self.survey.with_user(self.user_manager)
        self.assertEqual(manager_view.contact_user_id, self.user_salesman)
        groups = (
            self.env["nps.survey"]
            .with_user(self.user_manager)
            ._read_group([("id", "in", self.all_surveys.ids)], ["contact_user_id"], ["nps_value:avg"])
        )
        self.assertIn((self.user_salesman, -100.0), groups)

    def test_nps_user_reads_all_of_company_and_works_on_answers(self):
        visible = self._visible(self.user_nps)
        self.assertEqual(visible, self.survey | self.survey_other_customer | self.survey_portal)
        self.survey.with_user(self.user_nps).write({"comment": "Trop cher (noted)"})
        with self.assertRaises(AccessError):
            self.survey.with_user(self.user_nps).unlink()
        with self.assertRaises(AccessError):
            self.env["nps.campaign"].with_user(self.user_nps).create({"name": "Not allowed"})
        with self.assertRaises(AccessError):
            self.campaign.with_user(self.user_nps).write({"name": "Not allowed"})

    def test_manager_configures_campaigns(self):
        campaign = self.env["nps.campaign"].with_user(self.user_manager).create({"name": "Managers may"})
        campaign.write({"name": "Managers may, indeed"})
        self.survey_other_customer.with_user(self.user_manager).unlink()
        self.assertFalse(self.survey_other_customer.exists())

    def test_portal_reads_only_own_answers(self):
        visible = self._visible(self.user_portal)
        self.assertEqual(visible, self.survey_portal)
        with self.assertRaises(AccessError):
            self.survey.with_user(self.user_portal).read(["score"])
        with self.assertRaises(AccessError):
            self.survey_portal.with_user(self.user_portal).write({"score": 10})
        with self.assertRaises(AccessError):
            self.env["nps.campaign"].with_user(self.user_portal).search([])

    def test_portal_cannot_read_loop_data(self):
        survey = self.survey_portal.with_user(self.user_portal)
        self.assertEqual(survey.score, 8)
        for field_name in ("holdout", "loop_state", "callback_user_id", "outcome", "loop_overdue"):
            with self.subTest(field=field_name), self.assertRaises(AccessError):
                survey.read([field_name])

    def test_public_has_no_access(self):
        with self.assertRaises(AccessError):
            self.env["nps.survey"].with_user(self.user_public).search([])
        with self.assertRaises(AccessError):
            self.env["nps.campaign"].with_user(self.user_public).search([])

    def test_multi_company(self):
        other = self.env["nps.survey"].with_user(self.user_other_company)
        self.assertEqual(other.search([("id", "in", self.all_surveys.ids)]), self.survey_other_company)
        with self.assertRaises(AccessError):
            self.survey.with_user(self.user_other_company).read(["score"])
        self.assertFalse(
            self.env["nps.campaign"].with_user(self.user_other_company).search([("id", "=", self.campaign.id)])
        )


class TestLoopSecurity(common.LoopCommon):
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
