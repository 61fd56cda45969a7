import re
from datetime import timedelta

from dateutil.relativedelta import relativedelta

from odoo import fields
from odoo.exceptions import AccessError
from odoo.tests import HttpCase, new_test_user, tagged

from . import common


class OverviewCommon(common.NpsCommon):
    """A campaign with ten answers of the last weeks (three of them follow-ups), a callback team of two,
    one detractor in the control group and one repurchase, plus an answer of five months ago and four
    invitations not answered.

    Answers: 10 and 9 (promoters), 8 (passive), detractors D 3 (called back on time, re-surveyed 8: recovered,
    repurchased), E 2 (called back late, re-surveyed 4), F 0 (control group, re-surveyed 9), G 6 (callback
    still open, past its deadline). Promoters 10, 9, 9; passives 8, 8; detractors 3, 2, 0, 6, 4:
    NPS = 100 × (3 − 5) / 10 = −20.
    """

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.env["res.lang"]._activate_lang("en_US")
        cls.caller_a = new_test_user(
            cls.env, login="nps_ov_caller_a", groups="nps_closed_loop.group_nps_user", name="Alice Caller"
        )
        cls.caller_b = new_test_user(
            cls.env, login="nps_ov_caller_b", groups="nps_closed_loop.group_nps_user", name="Bob Caller"
        )
        cls.overview_campaign = cls.env["nps.campaign"].create({"name": "Overview campaign"})
        cls.answered_at = fields.Datetime.now() - timedelta(days=10)
        partners = cls.env["res.partner"].create(
            [{"name": f"Overview customer {letter}", "email": f"{letter}@overview.example.com"} for letter in "ABCDEFG"]
        )
        cls.partner = dict(zip("ABCDEFG", partners, strict=True))

        def answer(letter, score, **values):
            return cls._create_answered(
                score,
                partner=cls.partner[letter],
                campaign_id=cls.overview_campaign.id,
                answer_date=cls.answered_at,
                contact_allowed=True,
                **values,
            )

        deadline = cls.answered_at + timedelta(hours=48)
        answer("A", 10)
        answer("B", 9)
        answer("C", 8)
        cls.survey_d = answer(
            "D",
            3,
            comment="Late delivery, parcel damaged",
            loop_state="closed",
            callback_user_id=cls.caller_a.id,
            callback_deadline=deadline,
            first_contact_date=cls.answered_at + timedelta(hours=1),
            customer_revenue=1000.0,
        )
        cls.survey_e = answer(
            "E",
            2,
            comment="Too expensive",
            loop_state="closed",
            callback_user_id=cls.caller_a.id,
            callback_deadline=deadline,
            first_contact_date=cls.answered_at + timedelta(hours=50),
            customer_revenue=500.0,
        )
        cls.survey_f = answer("F", 0, comment="The invoice was wrong", holdout=True, customer_revenue=250.0)
        cls.survey_g = answer(
            "G",
            6,
            comment="Rude salesman",
            loop_state="open",
            callback_user_id=cls.caller_b.id,
            callback_deadline=deadline,
            customer_revenue=100.0,
        )
        for letter, parent, score in (("D", cls.survey_d, 8), ("E", cls.survey_e, 4), ("F", cls.survey_f, 9)):
            cls._create_answered(
                score,
                partner=cls.partner[letter],
                campaign_id=cls.overview_campaign.id,
                answer_date=cls.answered_at + timedelta(days=5),
                followup_of_id=parent.id,
            )
        # D's company orders again two days after its answer; nobody else does
        cls.env["sale.order"].create(
            {"partner_id": cls.partner["D"].id, "state": "sale", "date_order": cls.answered_at + timedelta(days=2)}
        )
        # invitations of the period: sent and waiting, expired, cancelled, not sent yet
        for state in ("sent", "expired", "cancelled", "scheduled"):
            cls._create_survey(partner=cls.partner["A"], campaign_id=cls.overview_campaign.id, state=state)
        # a promoter of five months ago: in the last 6 months, not in the last 3
        five_months_ago = fields.Datetime.now() - relativedelta(months=5)
        cls._create_answered(
            10,
            partner=cls.partner["A"],
            campaign_id=cls.overview_campaign.id,
            scheduled_date=five_months_ago,
            answer_date=five_months_ago,
        )
        cls.filters = {"months": 3, "campaign_id": cls.overview_campaign.id}

    def _overview(self, user, **filters):
        return self.env["nps.overview"].with_user(user).get_nps_overview({**self.filters, **filters})


class TestOverviewFigures(OverviewCommon):
    def test_manager_figures(self):
        overview = self._overview(self.user_manager)
        nps = overview["nps"]
        self.assertEqual(
            {key: nps[key] for key in ("count", "promoters", "passives", "detractors")},
            {"count": 10, "promoters": 3, "passives": 2, "detractors": 5},
        )
        self.assertAlmostEqual(nps["value"], -20.0)
        # 1.96 × 100 × √((0.3 + 0.5 − (0.3 − 0.5)²) / 10) = 1.96 × 100 × √0.076
        self.assertAlmostEqual(nps["margin"], 54.03, places=2)
        self.assertFalse(nps["significant"], "10 answers are too few")
        # 14 invitations planned, 12 reached their customer (10 answered, 1 sent, 1 expired)
        self.assertEqual(
            overview["funnel"],
            {
                "planned": 14,
                "sent": 12,
                "answered": 10,
                "cancelled": 1,
                "failed": 0,
                "waiting": 1,
                "response_rate": 100 * 10 / 12,
            },
        )
        # D on time, E late, G open past its deadline; D and E re-surveyed, D recovered
        self.assertEqual(
            overview["callbacks"],
            {
                "count": 3,
                "due": 3,
                "on_time": 1,
                "on_time_rate": 100 / 3,
                "open": 1,
                "late": 1,
                "closed": 2,
                "followups": 2,
                "recovered": 1,
                "recovery_rate": 50.0,
            },
        )
        currency = self.env.company.currency_id
        self.assertEqual(
            overview["revenue_at_risk"],
            [{"amount": 1850.0, "currency_id": currency.id, "currency": currency.name}],
        )

    def test_themes_of_detractors(self):
        themes = self._overview(self.user_manager)["themes"]
        self.assertEqual(themes["total"], {"count": 10, "nps": -20.0, "detractors": 5, "untagged": 7})
        self.assertEqual(
            [(theme["name"], theme["detractors"], theme["count"]) for theme in themes["top"]],
            [("Delivery", 1, 1), ("Invoicing", 1, 1), ("Price", 1, 1), ("Product quality", 1, 1)],
        )
        self.assertAlmostEqual(themes["top"][0]["detractor_share"], 20.0)

    def test_holdout_comparison(self):
        holdout = self._overview(self.user_manager)["holdout"]
        self.assertEqual(
            holdout["called"],
            {
                "count": 3,
                "repurchased": 1,
                "followups": 2,
                "later_nps": -50.0,
                "recovered": 1,
                "repurchase_rate": 100 / 3,
                "recovery_rate": 50.0,
            },
        )
        self.assertEqual(
            holdout["control"],
            {
                "count": 1,
                "repurchased": 0,
                "followups": 1,
                "later_nps": 100.0,
                "recovered": 1,
                "repurchase_rate": 0.0,
                "recovery_rate": 100.0,
            },
        )
        # pooled 1/4, standard error √(0.25 × 0.75 × (1/3 + 1)) = 0.5, z = (1/3) / 0.5: p ≈ 0.505
        self.assertAlmostEqual(holdout["repurchase"]["difference"], 100 / 3)
        self.assertAlmostEqual(holdout["repurchase"]["p_value"], 0.505, places=3)
        self.assertFalse(holdout["repurchase"]["significant"])
        self.assertAlmostEqual(holdout["recovery"]["difference"], -50.0)
        self.assertFalse(holdout["recovery"]["significant"])

    def test_trend(self):
        trend = self._overview(self.user_manager)["trend"]
        self.assertEqual(len(trend), 3, "one point per month of the period, empty months included")
        first_day = fields.Date.context_today(self.env["nps.survey"]).replace(day=1) - relativedelta(months=2)
        self.assertEqual(trend[0]["period"], first_day.isoformat())
        self.assertEqual(sum(point["count"] for point in trend), 10)
        self.assertFalse(any(point["significant"] for point in trend))

    def test_period_filter(self):
        """The promoter of five months ago counts over 6 months, not over 3: (4 − 5) / 11."""
        overview = self._overview(self.user_manager, months=6)
        self.assertEqual(overview["nps"]["count"], 11)
        self.assertAlmostEqual(overview["nps"]["value"], -100 / 11)
        self.assertEqual(len(overview["trend"]), 6)
        self.assertEqual(self._overview(self.user_manager, months=7)["filters"]["months"], 12, "3, 6, 12 or 24")

    def test_agents_and_words_for_the_nps_team(self):
        overview = self._overview(self.user_manager)
        self.assertEqual(
            overview["agents"],
            [
                {
                    "id": self.caller_a.id,
                    "name": "Alice Caller",
                    "count": 2,
                    "due": 2,
                    "on_time": 1,
                    "on_time_rate": 50.0,
                    "recovered": 1,
                },
                {
                    "id": self.caller_b.id,
                    "name": "Bob Caller",
                    "count": 1,
                    "due": 1,
                    "on_time": 0,
                    "on_time_rate": 0.0,
                    "recovered": 0,
                },
            ],
        )
        # G's comment is the only detractor comment no theme covers
        expected_words = [{"word": "rude", "count": 1}, {"word": "salesman", "count": 1}]
        self.assertEqual(overview["uncovered_words"], expected_words)
        self.assertEqual(overview["access"], {"agents": True, "words": True, "surveys": True})
        agent_view = self._overview(self.user_nps)
        self.assertNotIn("agents", agent_view, "agents are not compared with one another by an agent")
        self.assertEqual(agent_view["uncovered_words"], expected_words)

    def test_salesperson_sees_company_figures_only(self):
        """Sam serves none of these customers: he sees the company's figures all the same, and nothing that
        compares employees or quotes the customers."""
        self.assertFalse(self.env["nps.survey"].with_user(self.user_salesman).search([("id", "=", self.survey_d.id)]))
        overview = self._overview(self.user_salesman)
        manager = self._overview(self.user_manager)
        for key in ("nps", "funnel", "callbacks", "revenue_at_risk", "themes", "holdout", "trend"):
            self.assertEqual(overview[key], manager[key], key)
        self.assertNotIn("agents", overview)
        self.assertNotIn("uncovered_words", overview)
        self.assertEqual(overview["access"], {"agents": False, "words": False, "surveys": False})
        with self.assertRaises(AccessError):
            self.env["nps.overview"].with_user(self.user_salesman)._agents([])

    def test_companies_apart(self):
        with self.assertRaises(AccessError):
            self._overview(self.user_salesman, company_id=self.other_company.id)
        other = self.env["nps.overview"].with_user(self.user_other_company).get_nps_overview({"months": 3})
        self.assertEqual(other["nps"]["count"], 0)
        self.assertEqual(other["options"]["companies"], [{"id": self.other_company.id, "name": "Other Company"}])

    def test_portal_user_refused(self):
        with self.assertRaises(AccessError):
            self._overview(self.user_portal)


@tagged("post_install", "-at_install")
class TestOverviewTour(OverviewCommon, HttpCase):
    def test_manager_reads_the_overview(self):
        """In the browser, the manager picks the campaign and reads the hand-computed figures: NPS −20 ± 54 on
        10 answers, response rate 83 %, callbacks on time 33 %, the themes, the agents."""
        self.start_tour("/odoo/action-nps_closed_loop.nps_overview_action", "nps_overview_tour", login="nps_manager")

    def test_salesperson_reads_the_company_figures(self):
        self.start_tour(
            "/odoo/action-nps_closed_loop.nps_overview_action", "nps_overview_salesperson_tour", login="nps_salesman"
        )


class TestCustomerScoreTrend(common.NpsCommon):
    """The customer form shows the last 8 scores in time order, coloured by category."""

    BAR = re.compile(r'text-bg-(\w+)" style="[^"]*"></span><small class="text-\w+ fw-bold lh-1 mt-1">(\d+)</small>')

    def _bars(self, partner):
        partner.invalidate_recordset(["nps_score_trend"])
        return self.BAR.findall(str(partner.nps_score_trend or ""))

    def test_last_eight_scores_oldest_first(self):
        start = fields.Datetime.now() - timedelta(days=30)
        for day, score in enumerate((10, 0, 2, 4, 6, 7, 8, 9, 3)):
            self._create_answered(score, answer_date=start + timedelta(days=day))
        self._create_survey(state="sent")  # not answered: not a score
        self.assertEqual(
            self._bars(self.customer),
            [
                ("danger", "0"),
                ("danger", "2"),
                ("danger", "4"),
                ("danger", "6"),
                ("warning", "7"),
                ("warning", "8"),
                ("success", "9"),
                ("danger", "3"),
            ],
        )

    def test_company_shows_its_contacts_scores(self):
        colleague = self.env["res.partner"].create({"name": "Paul Dupont", "parent_id": self.customer_company.id})
        now = fields.Datetime.now()
        self._create_answered(9, answer_date=now - timedelta(days=3))
        self._create_answered(5, partner=colleague, answer_date=now - timedelta(days=2))
        self._create_answered(8, answer_date=now - timedelta(days=1))
        self.assertEqual(self._bars(self.customer_company), [("success", "9"), ("danger", "5"), ("warning", "8")])
        self.assertEqual(self._bars(colleague), [("danger", "5")])
        self.assertFalse(self.customer_2.nps_score_trend)

    def test_one_query_whatever_the_number_of_customers(self):
        partners = self.customer | self.customer_2 | self.customer_company
        for partner in partners:
            self._create_answered(9, partner=partner if not partner.is_company else self.customer)
        partners.mapped("nps_score_trend")  # the bars' QWeb template is read once per process, then cached
        self.env.invalidate_all()
        partners.mapped("is_company")
        with self.assertQueryCount(1):
            partners.mapped("nps_score_trend")
