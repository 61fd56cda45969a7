from datetime import timedelta

from psycopg2 import IntegrityError

from odoo.exceptions import ValidationError
from odoo.tools import SQL, mute_logger

from . import common


class TestNpsSurvey(common.NpsCommon):
    def test_category_boundaries(self):
        expected = {
            0: ("detractor", -100),
            6: ("detractor", -100),
            7: ("passive", 0),
            8: ("passive", 0),
            9: ("promoter", 100),
            10: ("promoter", 100),
        }
        for score, (category, nps_value) in expected.items():
            with self.subTest(score=score):
                survey = self._create_answered(score)
                self.assertEqual(survey.score, score)
                self.assertEqual(survey.category, category)
                self.assertEqual(survey.nps_value, nps_value)

    def test_unanswered_survey_has_no_score(self):
        survey = self._create_survey()
        self.assertIs(survey.score, False)
        self.assertFalse(survey.category)
        self.assertIs(survey.nps_value, False)
        self.env.flush_all()
        self.env.cr.execute("SELECT score, nps_value FROM nps_survey WHERE id = %s", [survey.id])
        self.assertEqual(self.env.cr.fetchone(), (None, None), "unanswered must be NULL, not 0")

    def test_score_zero_is_an_answer(self):
        survey = self._create_answered(0)
        survey.invalidate_recordset()
        self.assertEqual(survey.score, 0)
        self.assertEqual(survey.category, "detractor")

    def test_category_follows_score_change(self):
        survey = self._create_answered(3)
        survey.score = 10
        self.assertEqual(survey.category, "promoter")
        self.assertEqual(survey.nps_value, 100)

    def test_invalid_scores_rejected(self):
        for bad in (-1, 11, 5.5, "7", True, 100):
            with self.subTest(score=bad), self.assertRaises(ValidationError):
                self._create_answered(bad)
        survey = self._create_answered(5)
        for bad in (-1, 11, 7.2):
            with self.subTest(score=bad), self.assertRaises(ValidationError):
                survey.write({"score": bad})
        self.assertEqual(survey.score, 5, "a rejected write changes nothing")

    def test_whole_float_score_accepted(self):
        self.assertEqual(self._create_answered(7.0).score, 7)

    @mute_logger("odoo.sql_db")
    def test_database_rejects_out_of_range(self):
        survey = self._create_answered(5)
        self.env.flush_all()
        with self.assertRaises(IntegrityError), self.env.cr.savepoint():
            self.env.cr.execute("UPDATE nps_survey SET score = 11 WHERE id = %s", [survey.id])

    def test_nps_through_read_group(self):
        campaign = self.env["nps.campaign"].create({"name": "Read group campaign"})
        # 5 promoters, 3 passives, 2 detractors: NPS = 50 % - 20 % = +30
        for score in (10, 10, 9, 9, 9, 8, 7, 7, 6, 0):
            self._create_answered(score, campaign_id=campaign.id)
        self._create_survey(campaign_id=campaign.id)  # unanswered: must not count
        [(nps,)] = self.env["nps.survey"]._read_group([("campaign_id", "=", campaign.id)], [], ["nps_value:avg"])
        self.assertAlmostEqual(nps, 30.0)
        self.assertAlmostEqual(campaign.nps, 30.0)
        self.assertEqual(campaign.answered_count, 10)
        self.assertEqual(campaign.survey_count, 11)

    def test_nps_bounds(self):
        promoters = self.env["nps.campaign"].create({"name": "All promoters"})
        detractors = self.env["nps.campaign"].create({"name": "All detractors"})
        for _i in range(3):
            self._create_answered(10, campaign_id=promoters.id)
            self._create_answered(2, campaign_id=detractors.id)
        self.assertEqual(promoters.nps, 100.0)
        self.assertEqual(detractors.nps, -100.0)

    def test_access_token_unique_and_not_copied(self):
        survey = self._create_survey()
        other = self._create_survey()
        self.assertTrue(survey.access_token)
        self.assertGreaterEqual(len(survey.access_token), 32)
        self.assertNotEqual(survey.access_token, other.access_token)
        self.assertNotEqual(survey.copy().access_token, survey.access_token)
        self.assertEqual(survey.access_url, f"/nps/{survey.access_token}")

    def test_partner_required_unless_anonymised(self):
        with self.assertRaises(ValidationError):
            self.env["nps.survey"].create({"campaign_id": self.campaign.id})
        anonymous = self.env["nps.survey"].create({"is_anonymized": True, "score": 4})
        self.assertEqual(anonymous.category, "detractor")

    def test_source_document(self):
        order = self.env["sale.order"].create({"partner_id": self.customer.id})
        survey = self._create_survey(res_model="sale.order", res_id=order.id)
        self.assertEqual(survey.res_name, order.name)
        self.assertEqual(survey.resource_ref, order)
        action = survey.action_open_source_document()
        self.assertEqual((action["res_model"], action["res_id"]), ("sale.order", order.id))
        self.assertIn(order.name, survey.display_name)

    def test_record_answer(self):
        survey = self._create_survey(state="sent")
        survey._record_answer(8, comment="Bien", followup="Plus vite", contact_allowed=True)
        self.assertEqual(survey.state, "answered")
        self.assertEqual((survey.score, survey.category), (8, "passive"))
        self.assertEqual((survey.comment, survey.followup), ("Bien", "Plus vite"))
        self.assertTrue(survey.contact_allowed)
        self.assertTrue(survey.answer_date)
        self.assertEqual(survey.answer_month, survey.answer_date.date().replace(day=1))
        self.assertEqual(survey.answer_editable_until, survey.answer_date + timedelta(days=7))
        first_deadline = survey.answer_editable_until
        survey._record_answer(9)
        self.assertEqual(survey.answer_editable_until, first_deadline, "a change does not extend the window")


class TestDatabaseConstraints(common.NpsCommon):
    """The SQL constraints are declared once for both series (compat.sql_constraints) and must exist in the
    database on each: 19.0 ignores the 18.0 way with a mere warning."""

    CONSTRAINTS = {
        "nps_survey": {"score_range", "access_token_unique", "partner_required"},
        "nps_campaign": {
            "delay_hours_positive",
            "quiet_period_positive",
            "sampling_rate_range",
            "reminder_days_positive",
            "expiry_days_positive",
        },
        "nps_reason": {"name_company_unique"},
        "nps_callback_counter": {"user_unique"},
        "nps_relationship_queue": {"campaign_partner_unique"},
    }

    def test_every_constraint_exists(self):
        for table, names in self.CONSTRAINTS.items():
            with self.subTest(table=table):
                self.env.cr.execute(SQL("SELECT conname FROM pg_constraint WHERE conrelid = %s::regclass", table))
                existing = {row[0] for row in self.env.cr.fetchall()}
                self.assertLessEqual({f"{table}_{name}" for name in names}, existing)

    @mute_logger("odoo.sql_db")
    def test_violations_are_refused_by_the_database(self):
        campaign = self.env["nps.campaign"].create({"name": "Constraint campaign"})
        with self.assertRaises(IntegrityError), self.env.cr.savepoint():
            self.env.cr.execute(SQL("UPDATE nps_campaign SET sampling_rate = 101 WHERE id = %s", campaign.id))
        self.env["nps.reason"].create({"name": "Twice", "company_id": self.company.id})
        with self.assertRaises(IntegrityError), self.env.cr.savepoint():
            self.env["nps.reason"].create({"name": "Twice", "company_id": self.company.id})
            self.env.flush_all()
