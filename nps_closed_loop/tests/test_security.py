from odoo.exceptions import AccessError

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
