from datetime import datetime

from . import common


class TestResPartnerNps(common.NpsCommon):
    def test_last_answer_fields(self):
        self.assertEqual(self.customer.nps_survey_count, 0)
        self.assertIs(self.customer.nps_last_score, False)
        self._create_answered(9, answer_date=datetime(2026, 1, 10, 10, 0))
        self._create_answered(3, answer_date=datetime(2026, 3, 5, 10, 0))
        self._create_answered(10, answer_date=datetime(2026, 2, 1, 10, 0))
        self._create_survey()  # pending: counted, but has no score
        self.assertEqual(self.customer.nps_survey_count, 4)
        self.assertEqual(self.customer.nps_last_score, 3)
        self.assertEqual(self.customer.nps_last_category, "detractor")
        self.assertEqual(self.customer.nps_last_answer_date, datetime(2026, 3, 5, 10, 0))

    def test_last_score_zero(self):
        self._create_answered(0, answer_date=datetime(2026, 3, 5, 10, 0))
        self.assertEqual(self.customer.nps_last_score, 0)
        self.assertEqual(self.customer.nps_last_category, "detractor")

    def test_company_sees_its_contacts_surveys(self):
        colleague = self.env["res.partner"].create({"name": "Paul Dupont", "parent_id": self.customer_company.id})
        self._create_answered(4, answer_date=datetime(2026, 1, 1))
        self._create_answered(9, partner=colleague, answer_date=datetime(2026, 2, 1))
        self._create_answered(10, partner=self.customer_2, answer_date=datetime(2026, 3, 1))
        company = self.customer_company
        self.assertEqual(company.nps_survey_count, 2)
        self.assertEqual(company.nps_company_survey_ids.partner_id, self.customer | colleague)
        self.assertEqual(company.nps_last_score, 9)
        self.assertEqual(self.customer.nps_last_score, 4, "a person keeps their own history")
        action = company.action_view_nps_surveys()
        self.assertEqual(self.env["nps.survey"].search(action["domain"]), company.nps_company_survey_ids)

    def test_consent_default(self):
        self.assertEqual(self.customer.nps_consent, "unknown")
        self.customer.nps_consent = "refused"
        self.assertEqual(self.customer.nps_consent, "refused")

    def test_last_category_filter(self):
        self._create_answered(2, answer_date=datetime(2026, 1, 1))
        self._create_answered(10, partner=self.customer_2, answer_date=datetime(2026, 1, 1))
        detractors = self.env["res.partner"].search([("nps_last_category", "=", "detractor")])
        self.assertIn(self.customer, detractors)
        self.assertNotIn(self.customer_2, detractors)
