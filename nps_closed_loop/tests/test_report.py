import io
import zipfile
from datetime import date, datetime, timedelta
from unittest.mock import patch

from freezegun import freeze_time

from odoo import Command
from odoo.exceptions import AccessError, UserError, ValidationError
from odoo.tests import Form, HttpCase, tagged
from odoo.tools import SQL

from ..models.nps_statistics import nps_figures, two_proportion_p_value
from . import common

try:
    import openpyxl
except ImportError:  # pragma: no cover - openpyxl is in the virtualenv
    openpyxl = None


class TestNpsStatistics(common.NpsCommon):
    def test_margin_worked_examples(self):
        """p = .5, d = .2: NPS 30, variance p + d - (p - d)² = .7 - .09 = .61; margin 196 × √(.61 / n)."""
        for count, expected_margin, rounded in ((10, 48.4084, 48), (30, 27.9486, 28), (100, 15.3081, 15)):
            with self.subTest(count=count):
                nps, margin, significant = nps_figures(count, count // 2, count // 5)
                self.assertAlmostEqual(nps, 30.0)
                self.assertAlmostEqual(margin, expected_margin, places=3)
                self.assertEqual(round(margin), rounded)
                self.assertFalse(significant, "a margin wider than ±10 points is not significant")
        # 400 answers: ±7.65, significant
        nps, margin, significant = nps_figures(400, 200, 80)
        self.assertAlmostEqual(margin, 7.6540, places=3)
        self.assertTrue(significant)
        # unanimous answers have no margin, but fewer than 30 of them are still not significant
        self.assertEqual(nps_figures(29, 29, 0), (100.0, 0.0, False))
        self.assertEqual(nps_figures(30, 30, 0), (100.0, 0.0, True))
        self.assertEqual(nps_figures(0, 0, 0), (None, None, False))

    def test_two_proportion_z_test(self):
        # 40/100 against 20/100: pooled .3, standard error √(.3 × .7 × (1/100 + 1/100)) = .064807,
        # z = .2 / .064807 = 3.0861, two-sided p = erfc(3.0861 / √2) = .00203
        self.assertAlmostEqual(two_proportion_p_value(40, 100, 20, 100), 0.0020282, places=6)
        self.assertAlmostEqual(two_proportion_p_value(20, 100, 40, 100), 0.0020282, places=6)
        # 1/3 against 1/2: pooled .4, error √(.24 × 5/6) = .44721, z = -.16667 / .44721 = -.37268, p = .70939
        self.assertAlmostEqual(two_proportion_p_value(1, 3, 1, 2), 0.709388, places=5)
        self.assertIsNone(two_proportion_p_value(1, 3, 0, 0), "an empty group: no test")
        self.assertIsNone(two_proportion_p_value(0, 3, 0, 2), "no variance: no test")


class ReportCommon(common.NpsCommon):
    """Eight answers of 2024 in two campaigns, February empty:

    ====================  =========================  =========================
    month                 Test campaign (A)          Second campaign (B)
    ====================  =========================  =========================
    January               10 F, 9 B, 7 F, 3 B         10 F (SMS)
    March                 8 F, 7 B
    April                 2 F
    ====================  =========================  =========================

    F: Jeanne Dupont, of Brasserie Dupont (France); B: Arthur Martin (Belgium).
    """

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.customer_company.country_id = cls.env.ref("base.fr")
        cls.customer_2.country_id = cls.env.ref("base.be")
        cls.campaign_b = cls.env["nps.campaign"].create({"name": "Second campaign", "user_id": cls.user_manager.id})
        answers = [
            (cls.campaign, 10, cls.customer, datetime(2024, 1, 10, 10, 0), {}),
            (cls.campaign, 9, cls.customer_2, datetime(2024, 1, 11, 10, 0), {}),
            (cls.campaign, 7, cls.customer, datetime(2024, 1, 12, 10, 0), {}),
            (cls.campaign, 3, cls.customer_2, datetime(2024, 1, 13, 10, 0), {"comment": "Delivered a week late."}),
            (cls.campaign_b, 10, cls.customer, datetime(2024, 1, 20, 10, 0), {"channel": "sms"}),
            (cls.campaign, 8, cls.customer, datetime(2024, 3, 5, 10, 0), {}),
            (cls.campaign, 7, cls.customer_2, datetime(2024, 3, 6, 10, 0), {}),
            (cls.campaign, 2, cls.customer, datetime(2024, 4, 2, 10, 0), {}),
        ]
        cls.answers = cls.env["nps.survey"]
        for campaign, score, partner, answer_date, values in answers:
            cls.answers |= cls._create_answered(
                score, partner=partner, campaign_id=campaign.id, answer_date=answer_date, **values
            )
        # not answers: not in the analysis
        cls._create_survey(state="sent", sent_date=datetime(2024, 1, 9, 10, 0))
        cls._create_survey(state="expired", sent_date=datetime(2024, 1, 9, 10, 0))
        cls.delivery = cls.env["nps.reason"].create({"name": "Delivery (report test)", "sequence": 1})
        cls.price = cls.env["nps.reason"].create({"name": "Price (report test)", "sequence": 2})
        cls.answers.sudo().theme_ids = [Command.clear()]
        cls.answers[0].sudo().theme_ids = [Command.set((cls.delivery | cls.price).ids)]
        cls.answers[3].sudo().theme_ids = [Command.set(cls.delivery.ids)]
        cls.domain = [("campaign_id", "in", (cls.campaign | cls.campaign_b).ids)]

    def _report(self, user=None):
        return self.env["nps.report"].with_user(user or self.user_manager)


class TestNpsReport(ReportCommon):
    def test_one_row_per_answer(self):
        rows = self._report().search(self.domain)
        self.assertEqual(rows.survey_id, self.answers)
        self.assertEqual(rows.ids, rows.survey_id.ids, "a row's id is its survey's")

    def test_measures_per_campaign(self):
        groups = self._report()._read_group(
            self.domain,
            ["campaign_id"],
            [
                "__count",
                "score:avg",
                "nps_value:avg",
                "promoter_count:sum",
                "passive_count:sum",
                "detractor_count:sum",
                "promoter_share:avg",
                "passive_share:avg",
                "detractor_share:avg",
            ],
        )
        (campaign_a, *figures_a), (campaign_b, *figures_b) = groups
        self.assertEqual((campaign_a, campaign_b), (self.campaign, self.campaign_b))
        # A: 10 9 7 3 8 7 2 -> 7 answers, score 46 / 7, 2 promoters, 3 passives, 2 detractors, NPS 0
        expected_a = [7, 46 / 7, 0.0, 2, 3, 2, 200 / 7, 300 / 7, 200 / 7]
        for value, expected in zip(figures_a, expected_a, strict=True):
            self.assertAlmostEqual(value, expected, places=6)
        # B: a single promoter
        for value, expected in zip(figures_b, [1, 10, 100, 1, 0, 0, 100, 0, 0], strict=True):
            self.assertAlmostEqual(value, expected, places=6)

    def test_dimensions(self):
        report = self._report()
        by_country = dict(report._read_group(self.domain, ["country_id"], ["nps_value:avg"]))
        # France 10 7 10 8 2: 2 promoters, 1 detractor of 5 -> 20; Belgium 9 3 7 -> 0
        self.assertEqual(by_country, {self.env.ref("base.fr"): 20.0, self.env.ref("base.be"): 0.0})
        by_customer = dict(report._read_group(self.domain, ["commercial_partner_id"], ["__count"]))
        self.assertEqual(by_customer, {self.customer_company: 5, self.customer_2: 3})
        self.assertEqual(dict(report._read_group(self.domain, ["channel"], ["__count"])), {"email": 7, "sms": 1})
        by_category = dict(report._read_group(self.domain, ["category"], ["nps_value:avg"]))
        self.assertEqual(by_category, {"detractor": -100.0, "passive": 0.0, "promoter": 100.0})
        by_year = report._read_group(self.domain, ["answer_date:year"], ["__count", "nps_value:avg"])
        self.assertEqual([(period.year, count, nps) for period, count, nps in by_year], [(2024, 8, 12.5)])
        by_day = report._read_group(
            [*self.domain, ("answer_date", "<", "2024-01-12")], ["answer_date:day"], ["__count"]
        )
        self.assertEqual(
            [(period.date(), count) for period, count in by_day], [(date(2024, 1, 10), 1), (date(2024, 1, 11), 1)]
        )
        self.assertEqual(dict(report._read_group(self.domain, ["company_id"], ["__count"])), {self.company: 8})
        self.assertEqual(dict(report._read_group(self.domain, ["holdout"], ["__count"])), {False: 8})

    def test_themes_count_each_answer_once_per_theme(self):
        groups = self._report()._read_group(self.domain, ["theme_ids"], ["__count", "nps_value:avg"])
        # Delivery: the 10 and the 3 -> NPS 0; Price: the 10 -> 100; no theme: 9 7 10 8 7 2 -> 2 P, 1 D of 6
        self.assertEqual(
            [(theme, count, round(nps, 2)) for theme, count, nps in groups],
            [(self.delivery, 2, 0.0), (self.price, 1, 100.0), (self.env["nps.reason"], 6, 16.67)],
        )

    def test_trend_by_month_with_margin(self):
        trend = self._report().get_nps_trend(self.domain, "month")
        self.assertEqual(
            trend,
            [
                # 5 answers, p = .6, d = .2: margin 196 × √((.8 - .16) / 5) = 70.12
                {"period": "2024-01-01", "label": "January 2024", "count": 5, "nps": 40.0, "margin": 70.1,
                 "significant": False},
                {"period": "2024-02-01", "label": "February 2024", "count": 0, "nps": None, "margin": None,
                 "significant": False},
                # passives only: NPS 0, no variance
                {"period": "2024-03-01", "label": "March 2024", "count": 2, "nps": 0.0, "margin": 0.0,
                 "significant": False},
                {"period": "2024-04-01", "label": "April 2024", "count": 1, "nps": -100.0, "margin": 0.0,
                 "significant": False},
            ],
        )  # fmt: skip

    def test_trend_other_intervals(self):
        report = self._report()
        # Q1: 7 answers, 3 promoters, 1 detractor: NPS 28.57, margin 196 × √((4/7 - 4/49) / 7) = 51.85
        self.assertEqual(
            [(row["period"], row["label"], row["count"], row["nps"], row["margin"]) for row in
             report.get_nps_trend(self.domain, "quarter")],
            [("2024-01-01", "Q1 2024", 7, 28.6, 51.8), ("2024-04-01", "Q2 2024", 1, -100.0, 0.0)],
        )  # fmt: skip
        # 8 answers, 3 promoters, 2 detractors: 12.5 ± 196 × √((.625 - .015625) / 8) = 54.09
        self.assertEqual(
            report.get_nps_trend(self.domain, "year"),
            [{"period": "2024-01-01", "label": "2024", "count": 8, "nps": 12.5, "margin": 54.1, "significant": False}],
        )
        days = report.get_nps_trend([("campaign_id", "=", self.campaign.id), ("answer_date", "<", "2024-01-14")], "day")
        self.assertEqual([(row["period"], row["count"]) for row in days][::3], [("2024-01-10", 1), ("2024-01-13", 1)])
        self.assertEqual(report.get_nps_trend([("id", "=", 0)], "week"), [])
        with self.assertRaises(UserError):
            report.get_nps_trend(self.domain, "hour")

    def test_callback_measures(self):
        campaign = self.env["nps.campaign"].create({"name": "Callbacks"})
        answer = datetime(2024, 1, 10, 10, 0)

        def detractor(**values):
            return self._create_answered(2, campaign_id=campaign.id, answer_date=answer, **values)

        # made on time after 24 h; made late after 72 h; due and not made; not due yet; no callback
        detractor(
            loop_state="closed",
            callback_deadline=answer + timedelta(hours=48),
            first_contact_date=answer + timedelta(hours=24),
        )
        detractor(
            loop_state="contacted",
            callback_deadline=answer + timedelta(hours=48),
            first_contact_date=answer + timedelta(hours=72),
        )
        detractor(loop_state="open", callback_deadline=answer + timedelta(hours=48))
        detractor(loop_state="open", callback_deadline=datetime(2099, 1, 1))
        detractor()
        [figures] = self._report()._read_group(
            [("campaign_id", "=", campaign.id)],
            [],
            ["callback_count:sum", "sla_met_count:sum", "sla_met_rate:avg", "time_to_first_contact:avg", "recovered_count:sum"],
        )  # fmt: skip
        callbacks, on_time, rate, hours, recovered = figures
        self.assertEqual((callbacks, on_time, recovered), (4, 1, 0))
        self.assertAlmostEqual(rate, 100 / 3, places=6, msg="1 on time of the 3 made or due")
        self.assertAlmostEqual(hours, 48.0, msg="(24 + 72) / 2")

    def test_recovered_detractors(self):
        campaign = self.env["nps.campaign"].create({"name": "Recovery"})
        first = self._create_answered(3, campaign_id=campaign.id, answer_date=datetime(2024, 1, 10))
        second = self._create_answered(4, campaign_id=campaign.id, answer_date=datetime(2024, 1, 10))
        self._create_answered(8, campaign_id=campaign.id, answer_date=datetime(2024, 2, 10), followup_of_id=first.id)
        self._create_answered(5, campaign_id=campaign.id, answer_date=datetime(2024, 2, 10), followup_of_id=second.id)
        self.assertTrue(first.recovered)
        [(count, recovered, detractors)] = self._report()._read_group(
            [("campaign_id", "=", campaign.id)], [], ["__count", "recovered_count:sum", "detractor_count:sum"]
        )
        self.assertEqual((count, recovered, detractors), (4, 1, 3), "follow-up answers are answers too")

    def test_sales_team_and_salesperson(self):
        campaign = self.env["nps.campaign"].create({"name": "Teams"})
        order_team = self.env["crm.team"].create({"name": "Order team"})
        sam_team = self.env["crm.team"].create(
            {"name": "Sam's team", "member_ids": [Command.link(self.user_salesman.id)]}
        )
        self.assertEqual(self.user_salesman.sale_team_id, sam_team)
        order = self.env["sale.order"].create(
            {"partner_id": self.customer.id, "user_id": self.user_employee.id, "team_id": order_team.id}
        )
        when = datetime(2024, 5, 1)
        from_order = self._create_answered(
            9, campaign_id=campaign.id, answer_date=when, res_model="sale.order", res_id=order.id
        )
        self._create_answered(5, campaign_id=campaign.id, answer_date=when)  # Jeanne: Sam is her salesperson
        self._create_answered(7, partner=self.customer_2, campaign_id=campaign.id, answer_date=when)
        from_order.callback_user_id = self.user_nps
        domain = [("campaign_id", "=", campaign.id)]
        manager = self._report()
        self.assertEqual(
            dict(manager._read_group(domain, ["team_id"], ["__count"])),
            {order_team: 1, sam_team: 1, self.env["crm.team"]: 1},
        )
        self.assertEqual(
            dict(manager._read_group(domain, ["user_id"], ["nps_value:avg"])),
            {self.user_employee: 100.0, self.user_salesman: -100.0, self.env["res.users"]: 0.0},
        )
        self.assertEqual(
            dict(manager._read_group(domain, ["callback_user_id"], ["__count"])),
            {self.user_nps: 1, self.env["res.users"]: 2},
        )
        by_source = dict(manager._read_group(domain, ["res_model_id"], ["__count"]))
        self.assertEqual(by_source, {self.env["ir.model"]._get("sale.order"): 1, self.env["ir.model"]: 2})
        self.assertEqual(self.env["ir.model"]._get("sale.order").display_name, "Sales Order")


class TestNpsReportAccess(ReportCommon):
    def test_nps_user_has_no_per_employee_dimension(self):
        report = self._report(self.user_nps)
        self.assertEqual(report.search_count(self.domain), 8)
        self.assertEqual(len(report._read_group(self.domain, ["team_id"], ["__count"])), 1)
        for dimension in ("user_id", "callback_user_id"):
            with self.subTest(dimension=dimension):
                self.assertNotIn(dimension, report.fields_get())
                with self.assertRaises(AccessError):
                    report._read_group(self.domain, [dimension], ["__count"])
                with self.assertRaises(AccessError):
                    report.search_read(self.domain, [dimension])
                with self.assertRaises(AccessError):
                    report.search([(dimension, "!=", False)])
        manager = self._report()
        self.assertIn("user_id", manager.fields_get())
        self.assertEqual(len(manager._read_group(self.domain, ["user_id"], ["__count"])), 2)

    def test_employees_do_not_read_the_reports(self):
        for user in (self.user_salesman, self.user_employee, self.user_portal):
            for model in ("nps.report", "nps.report.funnel", "nps.holdout.report"):
                with self.subTest(user=user.login, model=model), self.assertRaises(AccessError):
                    self.env[model].with_user(user).search([])
            with self.assertRaises(AccessError):
                self._report(user).get_nps_trend(self.domain)
            with self.assertRaises(AccessError):
                self._report(user)._nps_workbook_content(self.domain)

    def test_companies_apart(self):
        other_campaign = self.env["nps.campaign"].create(
            {"name": "Other", "company_id": self.other_company.id, "user_id": self.user_other_company.id}
        )
        other = self._create_answered(
            9,
            partner=self.customer_2,
            campaign_id=other_campaign.id,
            company_id=self.other_company.id,
            answer_date=datetime(2024, 1, 10),
        )
        domain = [("survey_id", "=", other.id)]
        self.assertEqual(self._report().search_count(domain), 0)
        self.assertEqual(self._report(self.user_other_company).search_count(domain), 1)
        self.assertEqual(self._report(self.user_other_company).search_count(self.domain), 0)


class TestAnswerPeriodsPlanned(common.NpsCommon):
    """PostgreSQL knows how many days, weeks, months... the answers span (statistics on the answer date's periods):
    a pivot of the answers by month is planned at the months they span, not at one group per answer, which made it
    sort every answer on disk (3x slower at a million answers)."""

    def _estimated_groups(self, groupby):
        """The number of groups PostgreSQL expects from the ORM's grouping of the answers by ``groupby``."""
        queries = []
        cursor_class = type(self.env.cr)
        real_execute = cursor_class.execute

        def execute(cr, query, params=None, log_exceptions=True):
            queries.append(query if isinstance(query, SQL) else SQL(query, *(params or ())))
            return real_execute(cr, query, params, log_exceptions)

        with patch.object(cursor_class, "execute", execute):
            self.env["nps.survey"]._read_group([("answer_date", "!=", False)], [groupby], ["__count"])
        grouping = next(query for query in reversed(queries) if "GROUP BY" in query.code)
        self.env.cr.execute(SQL("EXPLAIN (FORMAT JSON) %s", grouping))
        return self.env.cr.fetchone()[0][0]["Plan"]["Plan Rows"]

    def test_grouping_by_period_is_planned_at_the_periods_answered(self):
        for months_ago in range(4):
            for score in range(30):
                self._create_answered(score % 11, answer_date=datetime(2026, 11 - months_ago * 2, 10, 12))
        self.env.flush_all()
        self.env.cr.execute(SQL("ANALYZE nps_survey"))
        for period in ("day", "week", "month", "quarter", "year"):
            with self.subTest(period=period):
                self.env.cr.execute(
                    SQL(
                        "SELECT COUNT(DISTINCT date_trunc(%s, answer_date)) FROM nps_survey"
                        " WHERE answer_date IS NOT NULL",
                        period,
                    )
                )
                periods = self.env.cr.fetchone()[0]
                # without the statistics: as many groups as answers (120 and more)
                self.assertLessEqual(self._estimated_groups(f"answer_date:{period}"), 2 * periods + 2)


class TestNpsCampaignMargin(common.NpsCommon):
    def test_campaign_margin(self):
        # 5 promoters, 3 passives, 2 detractors of 10: NPS 30 ± 48.4
        for score in (10, 9, 10, 9, 10, 8, 7, 7, 6, 0):
            self._create_answered(score)
        self._create_survey(state="sent")
        empty = self.env["nps.campaign"].create({"name": "Nothing yet"})
        campaigns = self.campaign | empty
        campaigns.invalidate_recordset()
        with self.assertQueryCount(__system__=1):
            campaigns.mapped("nps_margin")
        self.assertAlmostEqual(self.campaign.nps, 30.0)
        self.assertEqual(self.campaign.nps_margin, 48.0, "±48.41, shown as a whole number of points")
        self.assertFalse(self.campaign.nps_significant)
        self.assertEqual((empty.nps_margin, empty.nps_significant), (0.0, False))
        for score in [10] * 25:
            self._create_answered(score)
        # 35 answers: 30 promoters, 2 detractors: p = 6/7, d = 2/35, NPS 80, margin 196 × √((32/35 - .64) / 35) = 17.35
        self.campaign.invalidate_recordset()
        self.assertEqual(self.campaign.nps_margin, 17.0)
        self.assertFalse(self.campaign.nps_significant, "30 answers or more, but wider than ±10")


class TestNpsFunnel(common.NpsCommon):
    def test_response_rate(self):
        campaign = self.env["nps.campaign"].create({"name": "Funnel"})
        for state in ("sent", "sent", "answered", "expired", "scheduled", "cancelled", "failed"):
            values = {"score": 9, "answer_date": datetime(2024, 1, 12)} if state == "answered" else {}
            self._create_survey(campaign_id=campaign.id, state=state, sent_date=datetime(2024, 1, 10), **values)
        self._create_survey(
            campaign_id=campaign.id, state="answered", score=3, sent_date=datetime(2024, 2, 10), channel="sms"
        )
        funnel = self.env["nps.report.funnel"].with_user(self.user_nps)
        domain = [("campaign_id", "=", campaign.id)]
        [(sent, answered, rate)] = funnel._read_group(
            domain, [], ["sent_count:sum", "answered_count:sum", "response_rate:avg"]
        )
        # reached: 2 sent, 2 answered, 1 expired; never sent: scheduled, cancelled, failed
        self.assertEqual((sent, answered, rate), (5, 2, 40.0))
        self.assertAlmostEqual(campaign.response_rate, 40.0, msg="the campaign counts alike")
        by_month = funnel._read_group(domain, ["sent_date:month"], ["response_rate:avg"])
        self.assertEqual([(month.month, value) for month, value in by_month], [(1, 25.0), (2, 100.0)])
        self.assertEqual(dict(funnel._read_group(domain, ["channel"], ["__count"])), {"email": 4, "sms": 1})


class TestRevenueAtRisk(common.LoopCommon):
    def _invoice(self, partner, invoice_date, amount, move_type="out_invoice", post=True):
        move = self.env["account.move"].create(
            {
                "move_type": move_type,
                "partner_id": partner.id,
                "invoice_date": invoice_date,
                "invoice_line_ids": [
                    Command.create({"name": "Beer", "quantity": 1, "price_unit": amount, "tax_ids": [Command.clear()]})
                ],
            }
        )
        if post:
            move.action_post()
        return move

    def test_revenue_of_the_twelve_months_before_the_answer(self):
        company = self.customer_company
        self._invoice(self.customer, "2024-01-05", 1000)  # a contact's invoice counts for the company
        self._invoice(company, "2023-06-01", 500)
        self._invoice(self.customer, "2024-02-01", 200, move_type="out_refund")  # deducted
        self._invoice(company, "2024-03-10", 250)  # the answer's day: counted
        self._invoice(company, "2023-03-10", 300)  # the same day a year before: not
        self._invoice(company, "2024-02-15", 700, post=False)  # draft
        self._invoice(company, "2024-03-20", 400)  # after the answer
        self._invoice(company, "2024-01-05", 900, move_type="in_invoice")  # a vendor bill
        with freeze_time("2024-03-10 10:00:00"):
            detractor = self._answer(3)
            promoter = self._answer(9)
            no_invoice = self._answer(2, partner=self.customer_2)
        # 1000 + 500 - 200 + 250
        self.assertEqual(detractor.customer_revenue, 1550.0)
        # more credited than invoiced: nothing at risk, not a negative amount
        self._invoice(self.customer_2, "2024-01-10", 100)
        self._invoice(self.customer_2, "2024-01-20", 300, move_type="out_refund")
        self.env["nps.survey.loop"]._store_customer_revenue(no_invoice)
        self.assertEqual(promoter.customer_revenue, 1550.0)
        self.assertEqual(no_invoice.customer_revenue, 0.0)
        report = self.env["nps.report"].with_user(self.user_manager)
        domain = [("campaign_id", "=", self.campaign.id)]
        self.assertEqual(
            dict(report._read_group(domain, ["category"], ["revenue_at_risk:sum"])),
            {"detractor": 1550.0, "promoter": 0.0},
            "what detractors' companies bought is at risk, not what promoters' did",
        )
        self.assertEqual(report.search(domain).currency_id, self.company.currency_id)

    def test_imported_answer_gets_its_revenue(self):
        self._invoice(self.customer, "2024-01-05", 1000)
        survey = self._sent_survey()
        survey.with_user(self.user_manager).with_context(import_file=True).write(
            {"state": "answered", "score": 2, "answer_date": datetime(2024, 3, 10, 10, 0)}
        )
        self.assertEqual(survey.customer_revenue, 1000.0)
        created = (
            self.env["nps.survey"]
            .with_user(self.user_manager)
            .with_context(import_file=True)
            .create(
                {
                    "partner_id": self.customer.id,
                    "campaign_id": self.campaign.id,
                    "state": "answered",
                    "score": 4,
                    "answer_date": datetime(2025, 1, 6, 10, 0),
                }
            )
        )
        self.assertEqual(created.customer_revenue, 0.0, "the invoice is more than 12 months older")

    def test_no_answer_date_no_revenue(self):
        self._invoice(self.customer, "2024-01-05", 1000)
        survey = self._create_answered(2)
        self.env["nps.survey.loop"]._store_customer_revenue(survey)
        self.assertEqual(survey.customer_revenue, 0.0)


class TestHoldoutReport(common.HoldoutCommon):
    def test_called_versus_control(self):
        answer_date = datetime(2026, 1, 10, 9, 0)
        called, control = self.env["nps.survey"], self.env["nps.survey"]
        with freeze_time(answer_date):
            for partner in self.customers[:3]:
                called |= self._answer(2, partner=partner, contact_user_id=False)
            self.campaign.holdout_percent = 100.0
            for partner in self.customers[3:]:
                control |= self._answer(3, partner=partner, contact_user_id=False)
            refused = self._answer(1, partner=self.customers[0], contact_allowed=False)
        # repurchased within 30 days: called[0] and control[0] only
        self._confirmed_order(self.customers[0], answer_date + timedelta(days=10))
        self._confirmed_order(self.customers[1], answer_date + timedelta(days=40))
        self._confirmed_order(self.customers[2], answer_date + timedelta(days=5), state="draft")
        self._confirmed_order(self.customers[3], answer_date + timedelta(days=5))
        self._confirmed_order(self.customers[4], answer_date - timedelta(days=5))
        # later answers: called 9 (recovered) and 4, control 7 (recovered)
        for survey, score in ((called[0], 9), (called[1], 4), (control[0], 7)):
            followup = survey.followup_survey_ids or self.env["nps.survey.loop"]._schedule_followup(survey, 30)
            followup.state = "sent"
            followup._record_answer(score, contact_allowed=True)

        report = self.env["nps.holdout.report"].with_user(self.user_nps)
        rows = report.search([("campaign_id", "=", self.campaign.id)])
        self.assertEqual(rows.survey_id, called | control | refused, "first answers of detractors only")
        groups = report._read_group(
            [("campaign_id", "=", self.campaign.id)],
            ["loop_group"],
            ["__count", "repurchase_rate:avg", "followup_count:sum", "later_nps:avg", "recovery_rate:avg",
             "contact_refused_count:sum"],
        )  # fmt: skip
        self.assertEqual(
            [(group, count, round(repurchase, 2), followups, later, recovery, refused_count)
             for group, count, repurchase, followups, later, recovery, refused_count in groups],
            [
                ("called", 3, 33.33, 2, 0.0, 50.0, 0),  # later NPS: (+100 - 100) / 2
                ("control", 2, 50.0, 1, 0.0, 100.0, 0),
                ("refused", 1, 100.0, 0, 0.0, 0.0, 1),  # Client 0 bought 10 days after
            ],
        )  # fmt: skip

        campaign = self.campaign
        campaign.invalidate_recordset()
        self.assertEqual((campaign.called_detractor_count, campaign.holdout_detractor_count), (3, 2))
        self.assertEqual(campaign.contact_refused_count, 1)
        # repurchase 1/3 against 1/2: p = .70939 (see TestNpsStatistics); recovery 1/2 against 1/1:
        # pooled 2/3, error √(2/9 × 3/2) = .57735, z = -.5 / .57735 = -.86603, p = erfc(.61237) = .38648
        self.assertEqual(campaign.repurchase_p_value, 0.709)
        self.assertFalse(campaign.repurchase_significant)
        self.assertEqual(campaign.recovery_p_value, 0.386)
        self.assertFalse(campaign.recovery_significant)

    def test_no_control_group_no_test(self):
        self._answer(2)
        self.campaign.invalidate_recordset()
        self.assertEqual(self.campaign.called_detractor_count, 1)
        self.assertEqual((self.campaign.repurchase_p_value, self.campaign.repurchase_significant), (1.0, False))
        self.assertEqual((self.campaign.recovery_p_value, self.campaign.recovery_significant), (1.0, False))


@tagged("post_install", "-at_install")
class TestNpsWorkbook(ReportCommon):
    def _workbook(self, user=None, domain=None):
        content = self._report(user)._nps_workbook_content(self.domain if domain is None else domain)
        self.assertIsInstance(content, bytes)
        return content, openpyxl.load_workbook(io.BytesIO(content))

    def _rows(self, sheet):
        return [list(row) for row in sheet.iter_rows(values_only=True)]

    def test_sheets_and_summary(self):
        content, book = self._workbook()
        self.assertEqual(
            book.sheetnames, ["Summary", "Test campaign", "Second campaign", "Detractor follow-ups", "Themes"]
        )
        rows = self._rows(book["Summary"])
        self.assertEqual(rows[0][0], "NPS analysis")
        self.assertEqual(
            rows[2][1:8], ["Answers", "Promoters", "Passives", "Detractors", "NPS", "Margin (±)", "Significant"]
        )
        self.assertEqual(rows[3][:8], ["Total", 8, 3, 3, 2, 12.5, 54.1, "No"])
        self.assertEqual(rows[5][0], "Month")
        months = [row[:8] for row in rows[6:]]
        self.assertEqual(
            months,
            [
                ["January 2024", 5, 3, 1, 1, 40, 70.1, "No"],
                ["March 2024", 2, 0, 2, 0, 0, 0, "No"],
                ["April 2024", 1, 0, 0, 1, -100, 0, "No"],
            ],
        )
        # the same figures as the pivot's
        pivot = self._report()._read_group(self.domain, ["answer_date:month"], ["__count", "nps_value:avg"])
        self.assertEqual([(row[1], row[5]) for row in months], [(count, nps) for __, count, nps in pivot])
        with zipfile.ZipFile(io.BytesIO(content)) as archive:
            self.assertIn("xl/charts/chart1.xml", archive.namelist(), "the NPS trend's line chart")
            chart = archive.read("xl/charts/chart1.xml").decode()
        self.assertIn("<c:lineChart>", chart)
        self.assertIn("Summary!$F$7:$F$9", chart)

    def test_campaign_sheets(self):
        __, book = self._workbook()
        rows = self._rows(book["Test campaign"])
        self.assertEqual(rows[0][0], "Test campaign")
        # A: 7 answers, 2 promoters, 3 passives, 2 detractors; 196 × √((4/7 - 0) / 7) = 56.0
        self.assertEqual(rows[3][:8], ["Total", 7, 2, 3, 2, 0, 56, "No"])
        self.assertEqual([row[0] for row in rows[6:]], ["January 2024", "March 2024", "April 2024"])
        self.assertEqual(rows[6][1:6], [4, 2, 1, 1, 25])
        rows = self._rows(book["Second campaign"])
        self.assertEqual(rows[3][:8], ["Total", 1, 1, 0, 0, 100, 0, "No"])

    def test_detractor_followups_agent_for_managers_only(self):
        self.answers[3].sudo().write(
            {"callback_user_id": self.user_nps.id, "loop_state": "closed", "outcome": "resolved"}
        )
        __, book = self._workbook()
        rows = self._rows(book["Detractor follow-ups"])
        self.assertEqual(
            rows[0], ["Answer date", "Customer", "Campaign", "Score", "Comment", "Callback agent", "Outcome", "SLA met"]
        )
        self.assertEqual(
            rows[1],
            [datetime(2024, 1, 13), "Arthur Martin", "Test campaign", 3, "Delivered a week late.", "Nora NPS",
             "Resolved", "No"],
        )  # fmt: skip
        self.assertEqual(rows[2][:4], [datetime(2024, 4, 2), "Brasserie Dupont, Jeanne Dupont", "Test campaign", 2])
        self.assertEqual(len(rows), 3)
        __, book = self._workbook(self.user_nps)
        rows = self._rows(book["Detractor follow-ups"])
        self.assertEqual(rows[0], ["Answer date", "Customer", "Campaign", "Score", "Comment", "Outcome", "SLA met"])
        self.assertNotIn("Nora NPS", rows[1])

    def test_themes_sheet(self):
        __, book = self._workbook()
        rows = self._rows(book["Themes"])
        self.assertEqual(rows[2][:6], ["Theme", "Answers", "Promoters", "Passives", "Detractors", "NPS"])
        self.assertEqual(
            [row[:6] for row in rows[3:]],
            [
                ["Delivery (report test)", 2, 1, 0, 1, 0],
                ["Price (report test)", 1, 1, 0, 0, 100],
                ["No theme", 6, 2, 3, 1, 16.7],
            ],
        )

    def test_filtered_and_empty(self):
        domain = self.env["nps.report"]._nps_workbook_domain([self.campaign_b.id], date(2024, 1, 20), date(2024, 1, 20))
        __, book = self._workbook(domain=domain)
        self.assertEqual(book.sheetnames, ["Summary", "Second campaign", "Detractor follow-ups", "Themes"])
        self.assertEqual(self._rows(book["Summary"])[3][:2], ["Total", 1])
        __, book = self._workbook(domain=[("id", "=", 0)])
        self.assertEqual(book.sheetnames, ["Summary", "Detractor follow-ups", "Themes"])
        self.assertEqual(self._rows(book["Summary"])[3][:2], ["Total", 0])

    def test_sheet_names_excel_accepts(self):
        self.campaign.name = "Summary"
        self.campaign_b.name = "Q1/2024: [very] long campaign name, really long"
        __, book = self._workbook()
        self.assertEqual(book.sheetnames[:3], ["Summary", "Summary (2)", "Q12024 very long campaign name,"])

    def test_export_actions(self):
        action = self.campaign.with_user(self.user_manager).action_nps_export_workbook()
        self.assertEqual(action["url"], f"/nps/workbook?campaign_ids={self.campaign.id}")
        # the analysis list's button opens the wizard, where the NPS user picks the campaigns and the period
        wizard = self._workbook_wizard()
        wizard.campaign_ids.add(self.campaign)
        wizard.campaign_ids.add(self.campaign_b)
        wizard.date_from = date(2024, 1, 1)
        self.assertEqual(
            common.click(wizard, "action_export")["url"],
            f"/nps/workbook?campaign_ids={self.campaign.id}%2C{self.campaign_b.id}&date_from=2024-01-01",
        )

    def _workbook_wizard(self):
        action = self._report(self.user_nps).action_nps_export_workbook()
        self.assertEqual(action["res_model"], "nps.workbook.wizard")
        return Form.from_action(self.env(user=self.user_nps), action)

    def test_workbook_wizard_refuses_a_reversed_period(self):
        wizard = self._workbook_wizard()
        wizard.date_from = date(2024, 3, 1)
        wizard.date_to = date(2024, 2, 1)
        with self.assertRaisesRegex(ValidationError, "The period must start before it ends."):
            common.click(wizard, "action_export")
        wizard.date_to = date(2024, 3, 1)  # one day is a period
        self.assertEqual(
            common.click(wizard, "action_export")["url"], "/nps/workbook?date_from=2024-03-01&date_to=2024-03-01"
        )

    def test_workbook_wizard_refuses_campaigns_of_other_companies(self):
        foreign = self.env["nps.campaign"].create(
            {"name": "Foreign campaign", "company_id": self.other_company.id, "user_id": self.user_other_company.id}
        )
        wizard = self._workbook_wizard()
        wizard.campaign_ids.add(foreign)
        with self.assertRaises(AccessError):
            common.click(wizard, "action_export")


@tagged("post_install", "-at_install")
class TestThemeCostsWorkbook(common.ThemeCostsCommon):
    def test_themes_sheet_costliest_first(self):
        """The themes of ThemeCostsCommon, the costliest first, with their complaints, praise and the NPS points
        lost (detractors complaining among the 10 answers): Delivery 2 → 20 ± 24.8, Price 1 → 10 ± 18.6,
        Support (set by hand) 0; the two answers without theme (a 9 and a 5) last: NPS 0 ± 1.96 × 100 × √(1 / 2)."""
        content = self.env["nps.report"].with_user(self.user_nps)._nps_workbook_content(self.costs_domain)
        rows = [list(row) for row in openpyxl.load_workbook(io.BytesIO(content))["Themes"].iter_rows(values_only=True)]
        self.assertEqual(
            rows[2],
            ["Theme", "Answers", "Promoters", "Passives", "Detractors", "NPS", "Margin (±)", "Significant",
             "Complaints", "Praise", "Neutral", "Detractors complaining", "NPS points lost", "Margin (±)"],
        )  # fmt: skip
        self.assertEqual(
            rows[3:],
            [
                ["Delivery", 5, 2, 1, 2, 0, 78.4, "No", 3, 2, 0, 2, 20, 24.8],
                ["Price", 4, 1, 1, 2, -25, 81.3, "No", 2, 1, 1, 1, 10, 18.6],
                ["Support", 1, 0, 0, 1, -100, 0, "No", 0, 0, 0, 0, 0, 0],
                ["No theme", 2, 1, 0, 1, 0, 138.6, "No", None, None, None, None, None, None],
            ],
        )


@tagged("post_install", "-at_install")
class TestNpsWorkbookDownload(ReportCommon, HttpCase):
    def test_download(self):
        self.authenticate("nps_manager", "nps_manager")
        response = self.url_open(f"/nps/workbook?campaign_ids={self.campaign.id}&date_from=2024-03-01")
        self.assertEqual(response.status_code, 200)
        self.assertIn("spreadsheetml", response.headers["Content-Type"])
        book = openpyxl.load_workbook(io.BytesIO(response.content))
        self.assertEqual(book["Summary"]["B4"].value, 3, "March and April of the test campaign")
        for query in ("campaign_ids=1;2", "date_from=2024-13-01", "date_to=yesterday", "domain=[]"):
            with self.subTest(query=query):
                self.assertEqual(self.url_open(f"/nps/workbook?{query}").status_code, 404)

    def test_download_refused_to_employees(self):
        self.authenticate("nps_salesman", "nps_salesman")
        response = self.url_open("/nps/workbook")
        self.assertEqual(response.status_code, 403, "refused, not broken")
        self.assertNotIn("spreadsheetml", response.headers.get("Content-Type", ""))
