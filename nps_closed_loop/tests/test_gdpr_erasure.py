import io
import json
import logging
import time
import zipfile
from datetime import datetime

from odoo import SUPERUSER_ID
from odoo.exceptions import AccessError
from odoo.tests import HttpCase, tagged
from odoo.tools import SQL

from .common import LoopCommon, NpsCommon

_logger = logging.getLogger(__name__)

SECRET = "Zanzibar pickles arrived late and broken"
OTHER_SECRET = "Arthur's secret complaint about deliveries"


@tagged("post_install", "-at_install")
class TestGdprErasure(LoopCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.customer_2.lang = "en_US"

    def _answered(self, score, partner, comment):
        # the other customer's answers come from no document of the first customer
        source = {} if partner == self.customer else {"res_model": False, "res_id": False}
        return self._answer(score, partner=partner, comment=comment, **source)

    def _figures(self):
        Report = self.env["nps.report"].sudo()
        figures = {}
        for groupby in ("answer_date:month", "campaign_id", "theme_ids"):
            figures[groupby] = [
                tuple(str(value) if groupby == "theme_ids" else value for value in row)
                for row in Report._read_group(
                    [], [groupby], ["__count", "nps_value:avg", "promoter_count:sum", "detractor_count:sum"]
                )
            ]
        return figures

    def _count(self, query):
        return self.env.execute_query(query)[0][0]

    # ------------------------------------------------------------------
    # Right of access
    # ------------------------------------------------------------------
    def test_export_contains_the_customer_data_only(self):
        survey = self._answered(2, self.customer, SECRET)
        self._close_loop(survey)
        self._answered(3, self.customer_2, OTHER_SECRET)
        self.customer.nps_consent = "granted"

        data = self.env["nps.survey.privacy"].with_user(self.user_manager)._export_data(self.customer)
        dumped = json.dumps(data)
        self.assertIn(SECRET, dumped)
        self.assertIn("Apologised", dumped, "the callback notes are exported")
        self.assertEqual([row["id"] for row in data["surveys"]], survey.ids)
        self.assertNotIn(OTHER_SECRET, dumped)
        self.assertNotIn("Arthur", dumped)
        self.assertNotIn("arthur@example.com", dumped)
        self.assertNotIn(survey.sudo().access_token, dumped, "the customer's key is not exported")
        self.assertEqual(data["customers"][0]["email"], "jeanne@dupont.example.com")

        # a company's export includes its contacts
        company_data = self.env["nps.survey.privacy"].with_user(self.user_manager)._export_data(self.customer_company)
        self.assertEqual({row["id"] for row in company_data["customers"]}, {self.customer_company.id, self.customer.id})
        self.assertIn(SECRET, json.dumps(company_data))
        self.assertNotIn(OTHER_SECRET, json.dumps(company_data))

        filename, content = self.env["nps.survey.privacy"].with_user(self.user_manager)._export_zip(self.customer)
        self.assertTrue(filename.endswith(".zip"))
        with zipfile.ZipFile(io.BytesIO(content)) as archive:
            names = archive.namelist()
            self.assertEqual(sorted(name.rsplit(".", 1)[1] for name in names), ["json", "xlsx"])
            exported = json.loads(archive.read(next(name for name in names if name.endswith(".json"))))
        self.assertEqual([row["id"] for row in exported["surveys"]], survey.ids)
        self.assertTrue(
            self.customer.message_ids.filtered(lambda message: "NPS data exported by Max Manager" in message.body)
        )

    def test_only_managers_export_or_erase(self):
        self._answered(2, self.customer, SECRET)
        for user in (self.user_salesman, self.user_nps, self.user_employee):
            partner = self.customer.with_user(user)
            with self.assertRaises(AccessError):
                partner.action_nps_export()
            with self.assertRaises(AccessError):
                self.env["nps.survey.privacy"].with_user(user)._export_zip(partner)
            with self.assertRaises(AccessError):
                partner.action_nps_anonymize()
        action = self.customer.with_user(self.user_manager).action_nps_export()
        self.assertEqual(action["url"], f"/nps/partner/{self.customer.id}/export")

    # ------------------------------------------------------------------
    # Right to erasure
    # ------------------------------------------------------------------
    def test_erasure_leaves_no_trace_and_the_same_figures(self):
        survey = self._answered(2, self.customer, SECRET)
        self._close_loop(survey)
        pending = self._answered(1, self.customer, SECRET + " again")  # callback still open
        self._sent_survey()  # invitation not answered yet
        other = self._answered(9, self.customer_2, OTHER_SECRET)
        self.assertTrue(survey.sudo().theme_ids)
        self.assertTrue(self._callbacks(pending))
        surveys = self.env["nps.survey"].sudo().search([("partner_id", "=", self.customer.id)])
        self.assertEqual(len(surveys), 3)
        themes = {record: record.theme_ids for record in surveys}
        before = self._figures()

        self.customer.with_user(self.user_manager).action_nps_anonymize()

        self.assertEqual(self._figures(), before)
        self.assertTrue(all(surveys.mapped("is_anonymized")))
        self.assertEqual(sorted(score for score in surveys.mapped("score") if score is not False), [1, 2])
        self.assertEqual({record: record.theme_ids for record in surveys}, themes)
        self.assertFalse(surveys.partner_id | surveys.commercial_partner_id)
        self.assertFalse(other.is_anonymized)
        ids = tuple(surveys.ids)
        for text in (SECRET, "Jeanne", "Dupont", "jeanne@dupont.example.com", "12 34 56 78", self.order.name):
            pattern = f"%{text}%"
            self.assertFalse(
                self._count(SQL("SELECT count(*) FROM nps_survey s WHERE s::text ILIKE %s", pattern)), text
            )
            self.assertFalse(
                self._count(
                    SQL("SELECT count(*) FROM mail_message WHERE model = 'nps.survey' AND body ILIKE %s", pattern)
                ),
                text,
            )
            self.assertFalse(self._count(SQL("SELECT count(*) FROM mail_mail WHERE body_html ILIKE %s", pattern)))
        self.assertFalse(
            self._count(SQL("SELECT count(*) FROM mail_message WHERE model = 'nps.survey' AND res_id IN %s", ids))
        )
        self.assertFalse(
            self._count(SQL("SELECT count(*) FROM mail_activity WHERE res_model = 'nps.survey' AND res_id IN %s", ids))
        )
        self.assertFalse(
            self._count(SQL("SELECT count(*) FROM mail_followers WHERE res_model = 'nps.survey' AND res_id IN %s", ids))
        )
        self.assertFalse(
            self.env["nps.report"].sudo().search([("commercial_partner_id", "=", self.customer_company.id)])
        )
        self.assertEqual(self.env["nps.report"].sudo().search_count([("survey_id", "in", surveys.ids)]), 2)
        # the other customer's answer is untouched
        self.assertEqual(other.comment, OTHER_SECRET)
        # the former customer's summary no longer counts the answers; the erasure is logged without their words
        self.assertFalse(self.customer.nps_last_score)
        log = self.customer.message_ids.filtered(lambda message: "erased" in message.body)
        self.assertEqual(len(log), 1)
        self.assertIn("2 answer(s) kept anonymously", log.body)
        self.assertNotIn("Zanzibar", log.body)

    def test_erasure_withdraws_the_surveys_asked_for_and_not_planned(self):
        """An order confirmed just before the erasure: its survey is asked for (a request the sending job
        plans); after the erasure the job plans nothing for the customer."""
        request_values = {"campaign_id": self.campaign.id, "res_model": "res.partner", "res_id": self.customer.id}
        Request = self.env["nps.survey.request"].sudo()
        mine = Request.create({**request_values, "partner_id": self.customer.id})
        other = Request.create({**request_values, "partner_id": self.customer_2.id})

        self.customer.with_user(self.user_manager).action_nps_anonymize()

        self.assertFalse(mine.exists())
        self.assertTrue(other.exists())
        start = time.perf_counter()
        self.env["nps.survey.send"]._cron_send_surveys()
        _logger.info("send job after the erasure: %.2f s", time.perf_counter() - start)
        self.assertFalse(
            self.env["nps.survey"].search_count([("partner_id", "=", self.customer.id), ("state", "=", "scheduled")])
        )

    def test_anonymize_batch_clears_links_to_surveys_kept(self):
        first = self._answered(2, self.customer, SECRET)
        self._close_loop(first, schedule_resurvey=True)
        followup = first.sudo().followup_survey_ids
        self.assertTrue(followup)
        token = first.sudo().access_token
        self.env["nps.survey.privacy"]._anonymize(first)
        self.assertFalse(followup.followup_of_id, "a customer's survey no longer points to the anonymous one")
        self.assertNotEqual(first.sudo().access_token, token)
        self.assertFalse(first.comment or first.sudo().loop_notes or first.res_model or first.res_id)

    def test_unlink_customer_anonymises_the_surveys(self):
        survey = self._answered(8, self.customer_2, OTHER_SECRET)
        before = self._figures()
        self.customer_2.unlink()
        self.assertTrue(survey.exists())
        self.assertTrue(survey.is_anonymized)
        self.assertEqual(survey.score, 8)
        self.assertFalse(survey.comment)
        self.assertEqual(self._figures(), before)

    # ------------------------------------------------------------------
    # Erasure and companies: each company erases what it holds
    # ------------------------------------------------------------------
    def _answers_in_two_companies(self, partner=None, **values):
        """The customer's answer to company A (callback open) and their answer to the other company."""
        ours = self._answered(3, partner or self.customer, SECRET)
        theirs = self._create_answered(
            6,
            partner=partner or self.customer,
            company_id=self.other_company.id,
            campaign_id=False,
            comment=OTHER_SECRET,
            **values,
        )
        self.assertEqual(ours.company_id, self.company)
        self.assertTrue(self._callbacks(ours))
        return ours, theirs

    def _assert_erased(self, survey, score):
        self.assertRecordValues(
            survey.sudo(),
            [
                {
                    "is_anonymized": True,
                    "score": score,
                    "comment": False,
                    "partner_id": False,
                    "company_id": survey.company_id.id,
                }
            ],
        )

    def _assert_intact(self, survey, comment):
        self.assertRecordValues(
            survey.sudo(),
            [{"is_anonymized": False, "comment": comment, "partner_id": self.customer.id}],
        )

    def _erasure_logs(self):
        return self.customer.message_ids.filtered(lambda message: "erased" in message.body)

    def _check_other_company_erasure(self, partner):
        ours, theirs = self._answers_in_two_companies()
        before = self._figures()

        partner.with_user(self.user_other_company).action_nps_anonymize()

        self.assertEqual(self._figures(), before)
        self._assert_erased(theirs, 6)
        self.assertEqual(theirs.company_id, self.other_company)
        # company A's answer, its callback and its history are not the other company's to erase
        self._assert_intact(ours, SECRET)
        self.assertTrue(self._callbacks(ours))
        self.assertEqual(ours.sudo().res_model, "sale.order")
        self.assertEqual(self.customer.nps_last_score, 3)
        log = partner.message_ids.filtered(lambda message: "erased" in message.body)
        self.assertEqual(len(log), 1)
        self.assertIn("1 answer(s) kept anonymously", log.body)

    def test_other_company_manager_erases_only_their_answers(self):
        self._check_other_company_erasure(self.customer)

    def test_other_company_manager_erases_only_their_answers_of_a_company(self):
        self._check_other_company_erasure(self.customer_company)

    def test_manager_does_not_erase_other_company_answers(self):
        ours, theirs = self._answers_in_two_companies()
        before = self._figures()

        self.customer.with_user(self.user_manager).action_nps_anonymize()

        self.assertEqual(self._figures(), before)
        self._assert_erased(ours, 3)
        self.assertFalse(self._callbacks(ours))
        self._assert_intact(theirs, OTHER_SECRET)
        self.assertEqual(self.customer.nps_last_score, 6)
        self.assertIn("1 answer(s) kept anonymously", self._erasure_logs().body)

    def test_manager_of_both_companies_erases_everything(self):
        # the erasure covers every company the manager works for, not only the one active in their session
        self.user_manager.company_ids = self.company | self.other_company
        ours, theirs = self._answers_in_two_companies()
        before = self._figures()

        self.customer.with_user(self.user_manager).action_nps_anonymize()

        self.assertEqual(self._figures(), before)
        self._assert_erased(ours, 3)
        self._assert_erased(theirs, 6)
        self.assertFalse(self.customer.nps_last_score)
        self.assertIn("2 answer(s) kept anonymously", self._erasure_logs().body)

    def test_deletion_and_retention_erase_in_every_company(self):
        # the system's erasures (customer deleted, retention period over) are not limited to a company
        ours, theirs = (
            self._answered(2, self.customer_2, SECRET),
            self._create_answered(
                7, partner=self.customer_2, company_id=self.other_company.id, campaign_id=False, comment=OTHER_SECRET
            ),
        )
        before = self._figures()
        self.customer_2.unlink()
        self.assertEqual(self._figures(), before)
        self.assertRecordValues(
            ours | theirs, [{"is_anonymized": True, "score": 2}, {"is_anonymized": True, "score": 7}]
        )

        self.env["ir.config_parameter"].set_param("nps_closed_loop.retention_months", "12")
        old = datetime(2020, 1, 1)
        ours, theirs = self._answers_in_two_companies(answer_date=old)
        ours.sudo().answer_date = old
        self.env["nps.survey.privacy"].with_user(SUPERUSER_ID)._cron_anonymize_old()
        self.env.invalidate_all()
        self._assert_erased(ours, 3)
        self._assert_erased(theirs, 6)


@tagged("post_install", "-at_install")
class TestGdprExportDownload(NpsCommon, HttpCase):
    def test_download_zip_managers_only(self):
        self._create_answered(2, comment=SECRET)
        self.authenticate("nps_manager", "nps_manager")
        response = self.url_open(f"/nps/partner/{self.customer.id}/export")
        self.assertEqual(response.status_code, 200)
        self.assertIn("attachment", response.headers["Content-Disposition"])
        with zipfile.ZipFile(io.BytesIO(response.content)) as archive:
            self.assertEqual(len(archive.namelist()), 2)
        self.assertEqual(self.url_open("/nps/partner/999999999/export").status_code, 404)
        self.authenticate("nps_salesman", "nps_salesman")
        response = self.url_open(f"/nps/partner/{self.customer.id}/export")
        self.assertEqual(response.status_code, 403, "refused, not broken")
        self.assertNotIn(SECRET.encode(), response.content)
