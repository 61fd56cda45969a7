from datetime import datetime, timedelta

from odoo.tests import tagged

from . import common

SUMMARY_FIELDS = ["nps_last_score", "nps_last_category", "nps_last_answer_date"]
START = datetime(2025, 1, 1, 9, 0)


@tagged("post_install", "-at_install")
class TestPartnerSummary(common.NpsCommon):
    """Last score, category and date of a customer: a person's own, or the newest of a company's contacts."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.company_partner = cls.env["res.partner"].create({"name": "Café Lumière", "is_company": True})
        cls.contacts = cls.env["res.partner"].create(
            [{"name": f"Contact {index}", "parent_id": cls.company_partner.id} for index in range(3)]
        )

    @classmethod
    def _history(cls, partner, count):
        """``count`` answers of ``partner``, one a day from START, in one batch."""
        return (
            cls.env["nps.survey"]
            .sudo()
            .create(
                [
                    {
                        "partner_id": partner.id,
                        "campaign_id": cls.campaign.id,
                        "state": "answered",
                        "score": index % 11,
                        "answer_date": START + timedelta(days=index),
                    }
                    for index in range(count)
                ]
            )
        )

    def _summary(self, partner):
        partner.invalidate_recordset(SUMMARY_FIELDS)
        return partner.nps_last_score, partner.nps_last_category, partner.nps_last_answer_date

    def _new_answer(self, partner, score, when):
        survey = self._create_survey(partner, state="sent")
        self.env.flush_all()
        self.env.invalidate_all()
        survey.write({"state": "answered", "score": score, "answer_date": when})
        return survey

    def test_person_keeps_their_newest_answer(self):
        person = self.contacts[0]
        self.assertEqual(self._summary(person), (False, False, False))
        self._create_answered(9, partner=person, answer_date=datetime(2026, 1, 10))
        self._create_answered(3, partner=person, answer_date=datetime(2026, 3, 5))
        self._create_answered(10, partner=person, answer_date=datetime(2026, 2, 1))
        self._create_survey(person, state="sent")  # no answer yet: ignored
        self.assertEqual(self._summary(person), (3, "detractor", datetime(2026, 3, 5)))
        self._create_answered(0, partner=person, answer_date=datetime(2026, 4, 1))
        self.assertEqual(self._summary(person), (0, "detractor", datetime(2026, 4, 1)), "0 is a score, not nothing")
        self._create_answered(8, partner=person, answer_date=datetime(2026, 4, 1))
        self.assertEqual(self._summary(person), (8, "passive", datetime(2026, 4, 1)), "same date: the latest recorded")
        self.assertEqual(self._summary(self.contacts[1]), (False, False, False), "a colleague's answers are not theirs")

    def test_company_shows_its_contacts_latest(self):
        first, second, third = self.contacts
        self._create_answered(10, partner=first, answer_date=datetime(2026, 1, 1))
        self._create_answered(2, partner=second, answer_date=datetime(2026, 3, 1))
        self._create_answered(7, partner=third, answer_date=datetime(2026, 2, 1))
        self._create_answered(9, partner=self.customer_2, answer_date=datetime(2026, 6, 1))  # another customer
        self.assertEqual(self._summary(self.company_partner), (2, "detractor", datetime(2026, 3, 1)))
        self.assertEqual(self._summary(first), (10, "promoter", datetime(2026, 1, 1)))
        self.assertEqual(self._summary(third), (7, "passive", datetime(2026, 2, 1)))
        # answered in the company's own name, later
        self._create_answered(9, partner=self.company_partner, answer_date=datetime(2026, 4, 1))
        self.assertEqual(self._summary(self.company_partner), (9, "promoter", datetime(2026, 4, 1)))
        # a contact answers again: both the contact and the company move on, in one recomputation
        self._new_answer(first, 6, datetime(2026, 5, 1))
        self.env.flush_all()
        self.assertEqual(self._summary(first), (6, "detractor", datetime(2026, 5, 1)))
        self.assertEqual(self._summary(self.company_partner), (6, "detractor", datetime(2026, 5, 1)))
        self.assertEqual(self._summary(second), (2, "detractor", datetime(2026, 3, 1)))
        self.assertEqual(self.company_partner.nps_survey_count, 5)
        self.assertEqual(first.nps_survey_count, 2)
        # stored: customers are searched and grouped on it
        detractors = self.env["res.partner"].search(
            [("id", "in", (self.contacts | self.company_partner).ids), ("nps_last_category", "=", "detractor")]
        )
        self.assertEqual(detractors, first | second | self.company_partner)

    def test_new_answer_query_count(self):
        """The summary of a customer with 50 answers, and of their company, is recomputed in a fixed number
        of queries: the partners' columns, the newest answers (one query), the update."""
        person = self.contacts[0]
        history = self._history(person, 50)
        self._new_answer(person, 2, START + timedelta(days=100))
        survey_model = self.env["nps.survey"]
        survey_model.flush_model()
        with self.assertQueryCount(3):
            self.env["res.partner"].flush_model(SUMMARY_FIELDS)
        # nothing of the history was loaded
        for field_name in ("score", "answer_date", "category"):
            cached = survey_model.browse(self.env.cache.get_records(survey_model, survey_model._fields[field_name]).ids)
            self.assertFalse(cached & history, field_name)
        self.assertEqual(self._summary(person), (2, "detractor", START + timedelta(days=100)))
        self.assertEqual(self._summary(self.company_partner), (2, "detractor", START + timedelta(days=100)))

    def test_new_answer_cost_does_not_grow_with_history(self):
        counts = {}
        for contact, history in zip(self.contacts[:2], (1, 50), strict=True):
            self._history(contact, history)
            self.env.flush_all()
            survey = self._new_answer(contact, 9, START + timedelta(days=100))
            queries = self.cr.sql_log_count
            survey.write({"score": 4})  # the customer changes their mind: recorded again
            self.env.flush_all()
            counts[history] = self.cr.sql_log_count - queries
            self.assertEqual(self._summary(contact), (4, "detractor", START + timedelta(days=100)))
        self.assertEqual(counts[1], counts[50])
