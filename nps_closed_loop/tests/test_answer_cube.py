import logging
import random
import time
from contextlib import contextmanager
from datetime import datetime, timedelta
from unittest.mock import patch

from psycopg2.errors import LockNotAvailable

from odoo import SUPERUSER_ID, api, fields
from odoo.tests import TransactionCase, tagged
from odoo.tools import SQL

from ..report.nps_answer_cube import NpsAnswerCube
from ..report.nps_report import CUBE_MEASURES
from . import common

_logger = logging.getLogger(__name__)

PIVOTS = (
    ["answer_date:month", "campaign_id"],
    ["category"],
    ["company_id", "answer_date:day"],
    ["answer_date:week"],
    ["answer_date:quarter", "category", "company_id"],
    [],
)


@contextmanager
def rows_only():
    """The figures read from the surveys' rows, the figures per hour left aside: the reference."""
    with patch.object(NpsAnswerCube, "_holds_domain", lambda *args, **kwargs: False):
        yield


@tagged("post_install", "-at_install")
class TestAnswerCube(common.NpsCommon):
    """The figures per hour (nps.answer.cube) against the surveys' rows, on random answers in two companies and
    two campaigns over two years, at minutes of any hour: every figure of the Overview and of the analysis's
    pivot, before and after the deltas are folded, after answers changed, anonymised and deleted."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        rng = random.Random(20261207)
        cls.campaigns = cls.env["nps.campaign"].create(
            [
                {"name": "Cube campaign", "company_id": cls.company.id},
                {"name": "Cube campaign 2", "company_id": cls.company.id},
                {"name": "Cube campaign 3", "company_id": cls.other_company.id, "user_id": cls.user_other_company.id},
            ]
        )
        partners = cls.env["res.partner"].create(
            [{"name": f"Cube customer {index}", "email": f"cube{index}@example.com"} for index in range(8)]
        )
        now = fields.Datetime.now()
        values = []
        for _index in range(300):
            campaign = rng.choice(cls.campaigns)
            survey = {
                "partner_id": rng.choice(partners).id,
                "campaign_id": campaign.id,
                "company_id": campaign.company_id.id,
                "scheduled_date": now - timedelta(minutes=rng.randrange(60 * 24 * 760)),
                "customer_revenue": rng.choice([0, 120.5, 2000]),
            }
            if rng.random() < 0.75:
                survey.update(
                    state="answered",
                    score=rng.randrange(11),
                    answer_date=now - timedelta(minutes=rng.randrange(60 * 24 * 760)),
                )
            else:
                survey["state"] = rng.choice(["scheduled", "sent", "expired", "failed"])
            values.append(survey)
        cls.surveys = cls.env["nps.survey"].sudo().create(values)
        cls.partners = partners
        cls.rng = rng
        cls.manager = cls.user_manager
        cls.manager.write({"company_ids": [(4, cls.other_company.id)], "tz": "Europe/Brussels"})

    def _manager_env(self, tz="Europe/Brussels"):
        companies = (self.company | self.other_company).ids
        return self.env(user=self.manager, context={"tz": tz, "allowed_company_ids": companies})

    def _overviews(self, env):
        filters = [
            {"months": months, **extra}
            for months in (3, 12, 24)
            for extra in ({}, {"campaign_id": self.campaigns[1].id}, {"company_id": self.other_company.id})
        ]
        return [env["nps.overview"].get_nps_overview(flt) for flt in filters]

    def _pivots(self, env):
        report = env["nps.report"]
        since = datetime.combine(fields.Date.today().replace(day=1), datetime.min.time()) - timedelta(days=200)
        domains = (
            [],
            [("answer_date", ">=", since)],
            [("category", "=", "detractor")],
            [("campaign_id", "in", self.campaigns[1].ids), ("company_id", "=", self.company.id)],
        )
        return [report._read_group(domain, groupby, list(CUBE_MEASURES)) for domain in domains for groupby in PIVOTS]

    def _assert_same_as_rows(self, tz="Europe/Brussels"):
        env = self._manager_env(tz)
        cube_figures = self._overviews(env), self._pivots(env)
        with rows_only():
            row_figures = self._overviews(env), self._pivots(env)
        self.assertEqual(cube_figures[0], row_figures[0], "Overview")
        for cube_groups, row_groups in zip(cube_figures[1], row_figures[1], strict=True):
            self.assertEqual(len(cube_groups), len(row_groups))
            for cube_group, row_group in zip(cube_groups, row_groups, strict=True):
                for cube_value, row_value in zip(cube_group, row_group, strict=True):
                    if isinstance(row_value, float):
                        self.assertAlmostEqual(cube_value, row_value, places=6)
                    else:
                        self.assertEqual(cube_value, row_value)

    def _assert_cube_read(self, tz="Europe/Brussels"):
        """The comparison compares something: the pivot's reads above are served by the cube."""
        report = self._manager_env(tz)["nps.report"]
        for groupby in PIVOTS:
            self.assertIsNotNone(report._cube_read_group([], groupby, list(CUBE_MEASURES), (), 0, None, None))

    def _fold(self):
        start = time.perf_counter()
        folded = self.env["nps.answer.cube"]._cron_fold()
        elapsed = time.perf_counter() - start
        self.assertGreater(folded, 0)
        self.assertEqual(self._delta_rows(), 0)
        self.assertLess(elapsed, 5, f"folding {folded} deltas took {elapsed:.2f} s")
        return folded

    def _delta_rows(self):
        return self.env.execute_query(SQL("SELECT COUNT(*) FROM nps_answer_cube_delta"))[0][0]

    def _raw_month_campaign(self, tz):
        """Answers, NPS points per month of ``tz`` and campaign, in plain SQL over the rows."""
        self.env.flush_all()
        return {
            (month, campaign_id): (count, total)
            for month, campaign_id, count, total in self.env.execute_query(
                SQL(
                    """SELECT date_trunc('month', timezone(%(tz)s, timezone('UTC', answer_date))), campaign_id,
                              COUNT(*), SUM(nps_value)
                         FROM nps_survey WHERE category IS NOT NULL AND id = ANY(%(ids)s) GROUP BY 1, 2""",
                    tz=tz,
                    ids=self.surveys.ids,
                )
            )
        }

    def test_figures_equal_the_rows_through_changes(self):
        self.assertGreater(self._delta_rows(), 0, "The surveys of the test are deltas not folded yet")
        self._assert_cube_read()
        self._assert_same_as_rows()
        self._fold()
        self._assert_same_as_rows()
        # answers change: scores, categories, campaigns, dates
        answered = self.surveys.filtered("category")
        for survey in answered[:40]:
            survey.write({"score": self.rng.randrange(11)})
        answered.filtered(lambda survey: survey.company_id == self.company)[:10].write(
            {"campaign_id": self.campaigns[0].id}
        )
        answered[50:60].write({"answer_date": fields.Datetime.now() - timedelta(days=400, minutes=7)})
        self.surveys.filtered(lambda survey: survey.state == "scheduled")[:5].write({"state": "cancelled"})
        # a customer erased (answers kept anonymously, surveys not answered cancelled), surveys deleted
        self.env["nps.survey.privacy"].sudo()._anonymize(
            self.surveys.filtered(lambda s: s.partner_id == self.partners[0])
        )
        self.surveys[-30:].unlink()
        self.surveys = self.surveys.exists()
        self._assert_same_as_rows()
        self._fold()
        self._assert_same_as_rows()

    def test_pivot_against_plain_sql(self):
        report = self._manager_env()["nps.report"]
        groups = report._read_group(
            [("id", "in", self.surveys.ids)], ["answer_date:month", "campaign_id"], ["__count", "nps_value:sum"]
        )
        cube_groups = report._read_group(
            [("campaign_id", "in", self.campaigns.ids)],
            ["answer_date:month", "campaign_id"],
            ["__count", "nps_value:sum"],
        )
        expected = self._raw_month_campaign("Europe/Brussels")
        for found in (groups, cube_groups):
            self.assertEqual(
                {(month, campaign.id): (count, total) for month, campaign, count, total in found}, expected
            )

    def test_time_zone_off_the_hour_reads_the_rows(self):
        """India is 5 h 30 from UTC: its months do not start on an hour of UTC, the rows are read."""
        report = self._manager_env("Asia/Kolkata")["nps.report"]
        self.assertIsNone(report._cube_read_group([], ["answer_date:month"], ["__count"], (), 0, None, None))
        self.assertIsNotNone(report._cube_read_group([], ["category"], ["__count"], (), 0, None, None))
        self._assert_same_as_rows("Asia/Kolkata")
        half_past = datetime(2026, 1, 1, 10, 30)
        self.assertIsNone(
            report._cube_read_group([("answer_date", ">=", half_past)], ["category"], ["__count"], (), 0, None, None)
        )

    def test_other_filters_and_measures_read_the_rows(self):
        report = self._manager_env()["nps.report"]
        self.assertIsNone(report._cube_read_group([("channel", "=", "sms")], [], ["__count"], (), 0, None, None))
        self.assertIsNone(report._cube_read_group([], ["team_id"], ["__count"], (), 0, None, None))
        self.assertIsNone(report._cube_read_group([], [], ["callback_count:sum"], (), 0, None, None))
        self.assertIsNone(report._cube_read_group([], ["category"], ["__count"], (), 0, None, "__count desc"))

    def test_an_employee_sees_the_cube_of_the_companies_selected(self):
        """The cube's record rule is the analysis's: a manager of one company sees its figures only."""
        env = self.env(user=self.user_other_company, context={"allowed_company_ids": self.other_company.ids})
        ((count,),) = env["nps.report"]._read_group([], [], ["__count"])
        self.assertEqual(count, len(self.surveys.filtered(lambda s: s.category and s.company_id == self.other_company)))


@tagged("post_install", "-at_install")
class TestAnswerCubeConcurrency(common.CommittedWorkers, TransactionCase):
    """Two customers answering at once, in the same hour, campaign and category: neither waits for the other."""

    def setUp(self):
        super().setUp()
        with self.registry.cursor() as cr:
            env = api.Environment(cr, SUPERUSER_ID, {"tracking_disable": True})
            self.campaign_id = env["nps.campaign"].create({"name": "Cube concurrency"}).id
            partners = env["res.partner"].create([{"name": f"Cube concurrent {index}"} for index in range(2)])
            self.partner_ids = partners.ids
            self.survey_ids = (
                env["nps.survey"]
                .create(
                    [
                        {"partner_id": partner.id, "campaign_id": self.campaign_id, "state": "sent"}
                        for partner in partners
                    ]
                )
                .ids
            )
        self.addCleanup(self._cleanup)

    def _cleanup(self):
        with self.registry.cursor() as cr:
            env = api.Environment(cr, SUPERUSER_ID, {"tracking_disable": True})
            env["nps.survey"].browse(self.survey_ids).unlink()
            env["nps.campaign"].browse(self.campaign_id).unlink()
            env["res.partner"].browse(self.partner_ids).unlink()

    def test_two_answers_in_one_cell_at_once(self):
        answered_at = fields.Datetime.now().replace(minute=0, second=0, microsecond=0)
        cr1, env1 = self._worker()
        cr2, env2 = self._worker()
        env1["nps.survey"].browse(self.survey_ids[0]).write(
            {"state": "answered", "score": 2, "answer_date": answered_at}
        )
        env1.flush_all()  # worker 1's answer and its delta are written, not committed
        cr2.execute(SQL("SET LOCAL lock_timeout = '2s'"))
        try:
            env2["nps.survey"].browse(self.survey_ids[1]).write(
                {"state": "answered", "score": 3, "answer_date": answered_at + timedelta(minutes=20)}
            )
            env2.flush_all()
        except LockNotAvailable:
            self.fail("The second answer waited for the first one's transaction")
        cr1.commit()
        cr2.commit()
        cr3, env3 = self._worker()
        ((count, points),) = env3["nps.answer.cube"]._read_group(
            [("kind", "=", "answer"), ("campaign_id", "=", self.campaign_id)],
            [],
            ["survey_count:sum", "nps_value_sum:sum"],
        )
        self.assertEqual((count, points), (2, -200))
        cr3.rollback()

    def _answer(self, env, survey_id, score, answered_at):
        env["nps.survey"].browse(survey_id).write({"state": "answered", "score": score, "answer_date": answered_at})
        env.flush_all()

    def _cube_figures(self):
        cr, env = self._worker()
        ((count, points),) = env["nps.answer.cube"]._read_group(
            [("kind", "=", "answer"), ("campaign_id", "=", self.campaign_id)],
            [],
            ["survey_count:sum", "nps_value_sum:sum"],
        )
        cr.rollback()
        return count, points

    def test_two_folds_at_once_and_an_answer_during_a_fold(self):
        """The cron folds while an administrator runs it by hand, and a customer answers in the same cell
        meanwhile: the second run neither waits nor fails, nothing is counted twice or lost, and the answer
        given during the fold is folded by the next run."""
        answered_at = fields.Datetime.now().replace(minute=0, second=0, microsecond=0)
        cr0, env0 = self._worker()
        self._answer(env0, self.survey_ids[0], 2, answered_at)
        cr0.commit()
        cr1, env1 = self._worker()
        started = time.perf_counter()
        self.assertGreaterEqual(env1["nps.answer.cube"]._cron_fold(), 1)
        _logger.info("The fold job ran in %.0f ms", (time.perf_counter() - started) * 1000)
        # the first run's transaction is open; a customer answers in the same cell (hour, campaign, category)
        cr3, env3 = self._worker()
        self._answer(env3, self.survey_ids[1], 3, answered_at + timedelta(minutes=5))
        cr3.commit()
        self.assertEqual(self._cube_figures(), (2, -200), "the view adds the delta to the totals")
        cr2, env2 = self._worker()
        cr2.execute(SQL("SET LOCAL lock_timeout = '2s'"))
        try:
            self.assertEqual(env2["nps.answer.cube"]._cron_fold(), 0, "the second run leaves the work to the first")
        except LockNotAvailable:
            self.fail("The second fold waited for the first one's transaction")
        cr2.commit()
        cr1.commit()
        self.assertEqual(self._cube_figures(), (2, -200), "each answer counted once")
        cr4, env4 = self._worker()
        self.assertGreaterEqual(env4["nps.answer.cube"]._cron_fold(), 1, "the next run folds the second answer")
        cr4.commit()
        self.assertEqual(self._cube_figures(), (2, -200))
        cr5, env5 = self._worker()
        remaining = env5.execute_query(SQL("SELECT COUNT(*) FROM nps_answer_cube_delta"))[0][0]
        cr5.rollback()
        self.assertEqual(remaining, 0, "every delta folded")
