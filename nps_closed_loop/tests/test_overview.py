import re
from datetime import timedelta

from dateutil.relativedelta import relativedelta

from odoo import Command, fields
from odoo.exceptions import AccessError, UserError
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
        """D complains about Delivery and Product quality, E about Price, F about Invoicing: each a detractor's
        complaint, one answer of the 10: 10 NPS points lost each, ± 1.96 × 100 × √(0.1 × 0.9 / 10) = 18.6."""
        themes = self._overview(self.user_manager)["themes"]
        self.assertEqual(themes["total"], {"count": 10, "nps": -20.0, "detractors": 5, "untagged": 7})
        self.assertEqual(
            [
                (theme["name"], theme["detractors"], theme["count"], theme["complaints"], theme["praise"])
                for theme in themes["top"]
            ],
            [
                ("Delivery", 1, 1, 1, 0),
                ("Invoicing", 1, 1, 1, 0),
                ("Price", 1, 1, 1, 0),
                ("Product quality", 1, 1, 1, 0),
            ],
        )
        for theme in themes["top"]:
            self.assertAlmostEqual(theme["cost"], 10.0)
            self.assertAlmostEqual(theme["cost_margin"], 18.594, places=3)
            self.assertEqual((theme["nps"], theme["margin"]), (-100.0, 0.0))
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
        # G's comment is the only comment no theme covers; "rude" says how, not what
        expected_suggestions = [
            {
                "key": "en:salesman",
                "term": "salesman",
                "lang": "en_US",
                "phrase": False,
                "answers": 1,
                "detractors": 1,
                "nps": -100.0,
                "margin": 0.0,
            }
        ]
        self.assertEqual(overview["suggested_themes"], expected_suggestions)
        self.assertEqual(overview["access"], {"agents": True, "words": True, "surveys": True, "themes": True})
        agent_view = self._overview(self.user_nps)
        self.assertNotIn("agents", agent_view, "agents are not compared with one another by an agent")
        self.assertEqual(agent_view["suggested_themes"], expected_suggestions)
        self.assertEqual(
            agent_view["access"], {"agents": False, "words": True, "surveys": True, "themes": False}, "no theme created"
        )

    def test_salesperson_sees_company_figures_only(self):
        """Sam serves none of these customers: he sees the company's figures all the same, and nothing that
        compares employees or quotes the customers."""
        self.assertFalse(self.env["nps.survey"].with_user(self.user_salesman).search([("id", "=", self.survey_d.id)]))
        overview = self._overview(self.user_salesman)
        manager = self._overview(self.user_manager)
        for key in ("nps", "funnel", "callbacks", "revenue_at_risk", "themes", "holdout", "trend"):
            self.assertEqual(overview[key], manager[key], key)
        self.assertNotIn("agents", overview)
        self.assertNotIn("suggested_themes", overview)
        self.assertEqual(overview["access"], {"agents": False, "words": False, "surveys": False, "themes": False})
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


class TestThemeCosts(common.ThemeCostsCommon):
    """What each theme costs, on the ten answers of ThemeCostsCommon (NPS 100 × (3 − 5) / 10 = −20):

    - Delivery: the 10, 9, 8, 6 and 4: 2 promoters, 1 passive, 2 detractors: NPS 0 ± 1.96 × 100 × √(0.8 / 5)
      = 78.4; 3 complaints (8, 6, 4), 2 praise; the 6 and the 4 are detractors complaining: 2 of the 10 answers,
      20 points lost ± 1.96 × 100 × √(0.2 × 0.8 / 10) = 24.79;
    - Price: the 9, 7, 6 and 2: 1 promoter, 1 passive, 2 detractors: NPS −25 ± 1.96 × 100 × √((0.25 + 0.5 −
      0.25²) / 4) = 81.26; complaints 7 and 6, praise 2, neutral 9; the 6 alone is a detractor complaining:
      10 points lost ± 1.96 × 100 × √(0.1 × 0.9 / 10) = 18.59;
    - Support, set by hand on the 0: one detractor, no complaint known: nothing lost.
    """

    EXPECTED = {
        "Delivery": {
            "count": 5, "promoters": 2, "passives": 1, "detractors": 2, "nps": 0.0, "margin": 78.4,
            "complaints": 3, "praise": 2, "neutral": 0, "detractor_complaints": 2, "cost": 20.0, "cost_margin": 24.792,
        },
        "Price": {
            "count": 4, "promoters": 1, "passives": 1, "detractors": 2, "nps": -25.0, "margin": 81.257,
            "complaints": 2, "praise": 1, "neutral": 1, "detractor_complaints": 1, "cost": 10.0, "cost_margin": 18.594,
        },
        "Support": {
            "count": 1, "promoters": 0, "passives": 0, "detractors": 1, "nps": -100.0, "margin": 0.0,
            "complaints": 0, "praise": 0, "neutral": 0, "detractor_complaints": 0, "cost": 0.0, "cost_margin": 0.0,
        },
    }  # fmt: skip

    def _assert_figures(self, themes):
        self.assertEqual([theme["name"] for theme in themes], list(self.EXPECTED), "the costliest first")
        for theme in themes:
            for key, expected in self.EXPECTED[theme["name"]].items():
                with self.subTest(theme=theme["name"], key=key):
                    self.assertAlmostEqual(theme[key], expected, places=3)

    def test_theme_figures(self):
        figures = self.env["nps.overview"]._theme_figures(self.costs_domain)
        self.assertEqual(figures["total"], {"count": 10, "nps": -20.0, "detractors": 5, "untagged": 2})
        self._assert_figures(figures["themes"])
        self.assertFalse(any(theme["significant"] for theme in figures["themes"]), "too few answers")

    def test_overview_shows_the_costs_to_every_employee(self):
        filters = {"months": 3, "campaign_id": self.costs_campaign.id}
        for user in (self.user_manager, self.user_salesman):
            with self.subTest(user=user.login):
                themes = self.env["nps.overview"].with_user(user).get_nps_overview(filters)["themes"]
                self._assert_figures(themes["top"])

    def test_costs_follow_the_answers_filtered(self):
        """Among the detractors alone (6, 4, 2, 0, 5): Delivery's two complaints are 2 of 5 answers, 40 points."""
        figures = self.env["nps.overview"]._theme_figures([*self.costs_domain, ("category", "=", "detractor")])
        costs = {theme["name"]: theme["cost"] for theme in figures["themes"]}
        self.assertEqual(costs, {"Delivery": 40.0, "Price": 20.0, "Support": 0.0})

    def test_analysis_per_theme(self):
        """The theme costs analysis, grouped by theme as the pivot asks: the same figures, every answer in every
        theme (answer count 10), the other themes costing nothing."""
        report = self.env["nps.theme.report"].with_user(self.user_nps)
        measures = [
            "answer_count:sum",
            "mention_count:sum",
            "complaint_count:sum",
            "praise_count:sum",
            "neutral_count:sum",
            "detractor_complaint_count:sum",
            "cost:avg",
            "nps_value:avg",
        ]
        groups = common.client_read_group(report, self.costs_domain, ["reason_id"], measures)
        themes = self.env["nps.reason"].search([])
        self.assertEqual(len(groups), len(themes), "the web client's pivot: one row per active theme")
        rows = {
            theme.name: figures for theme, *figures in report._read_group(self.costs_domain, ["reason_id"], measures)
        }
        for name, expected in self.EXPECTED.items():
            with self.subTest(theme=name):
                answers, mentions, complaints, praise, neutral, lost, cost, nps = rows[name]
                self.assertEqual(answers, 10)
                self.assertEqual(
                    (mentions, complaints, praise, neutral, lost),
                    tuple(
                        expected[key] for key in ("count", "complaints", "praise", "neutral", "detractor_complaints")
                    ),
                )
                self.assertAlmostEqual(cost, expected["cost"])
                self.assertAlmostEqual(nps, expected["nps"])
        others = [figures for name, figures in rows.items() if name not in self.EXPECTED]
        self.assertTrue(others, "the other active themes are there, costing nothing")
        for answers, mentions, *_counts, cost, _nps in others:
            self.assertEqual((answers, mentions, cost), (10, 0, 0.0))
        # per category: the detractors' share of Delivery's cost is theirs alone (2 of the 5 detractors)
        by_category = report._read_group(
            [*self.costs_domain, ("reason_id", "=", self.delivery.id)], ["category"], ["cost:avg", "__count"]
        )
        self.assertEqual(by_category, [("detractor", 40.0, 5), ("passive", 0.0, 2), ("promoter", 0.0, 3)])

    def test_analysis_for_nps_users_of_the_company(self):
        with self.assertRaises(AccessError):
            self.env["nps.theme.report"].with_user(self.user_salesman).search(self.costs_domain)
        other = self.env["nps.theme.report"].with_user(self.user_other_company).search(self.costs_domain)
        self.assertFalse(other, "another company's answers")


class TestSuggestedThemes(OverviewCommon):
    """Comments no shipped theme covers, besides the Overview's data set (whose G says "Rude salesman"): the
    car park, in English (three answers, one of them a promoter's) and in French (three detractors), written
    differently each time.

    Suggested: the French "parking" (3 answers, 3 detractors: NPS −100; "parkings" and "parking" one stem),
    then "parking lot" (3 answers, 2 detractors: NPS 100 × (1 − 2) / 3 = −33.3; "parking lot" twice, "parking
    lots" once), a phrase whose words are used in no other answer: "parking" and "lot" alone are not suggested.
    "rude", "great"... say how, not what: no suggestion.
    """

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.env["res.lang"]._activate_lang("fr_FR")
        customer_fr = cls.env["res.partner"].create({"name": "Client Lefèvre", "lang": "fr_FR"})
        cls.parking = cls.env["nps.survey"]
        for score, comment, partner in (
            (0, "Parking lot full", cls.partner["A"]),
            (3, "The parking lots were full", cls.partner["B"]),
            (9, "Big parking lot, great!", cls.partner["C"]),
            (2, "Parkings complets", customer_fr),
            (4, "Le parking est plein", customer_fr),
            (1, "Aucune place de parking", customer_fr),
        ):
            cls.parking |= cls._create_answered(
                score,
                partner=partner,
                comment=comment,
                campaign_id=cls.overview_campaign.id,
                answer_date=cls.answered_at,
            )
        cls.parking_en, cls.parking_fr = cls.parking[:3], cls.parking[3:]

    def test_stems_and_phrases_of_the_comments_no_theme_covers(self):
        self.assertFalse(self.parking.theme_ids, "no theme covers them yet")
        suggestions = self._overview(self.user_nps)["suggested_themes"]
        self.assertEqual(
            [(item["term"], item["lang"], item["phrase"], item["answers"], item["detractors"]) for item in suggestions[:2]],
            [("parking", "fr_FR", False, 3, 3), ("parking lot", "en_US", True, 3, 2)],
        )  # fmt: skip
        self.assertEqual((suggestions[0]["nps"], suggestions[0]["margin"]), (-100.0, 0.0))
        self.assertAlmostEqual(suggestions[1]["nps"], -100 / 3)
        # 1.96 × 100 × √((1/3 + 2/3 − (1/3)²) / 3)
        self.assertAlmostEqual(suggestions[1]["margin"], 1.96 * 100 * ((1 - 1 / 9) / 3) ** 0.5)
        terms = [(item["lang"], item["term"]) for item in suggestions]
        for word in ("parking", "lot", "lots", "rude", "great"):
            self.assertNotIn(("en_US", word), terms)
        self.assertIn(("en_US", "salesman"), terms)
        self.assertEqual(len({item["key"] for item in suggestions}), len(suggestions))

    def test_one_click_creates_the_theme_and_tags_the_past_answers(self):
        """The manager clicks "Create theme" on a suggestion: the dashboard calls the server method with the
        suggestion's term and language."""
        [suggestion] = [item for item in self._overview(self.user_manager)["suggested_themes"] if item["phrase"]]
        overview = self.env["nps.overview"].with_user(self.user_manager)
        result = overview.create_suggested_theme(suggestion["term"], suggestion["lang"])
        theme = self.env["nps.reason"].browse(result["id"])
        self.assertEqual((theme.name, theme.lexicon), ("Parking lot", "parking lot"))
        self.assertEqual((result["name"], result["tagged"]), ("Parking lot", 3))
        self.assertEqual(self.parking_en.mapped("theme_ids"), theme)
        self.assertEqual(
            {survey.score: survey.mention_ids.polarity for survey in self.parking_en},
            {0: "complaint", 3: "complaint", 9: "praise"},
        )
        self.assertFalse(self.parking_fr.theme_ids, "no lot in French")
        # the answers already tagged are tagged again by the batch job
        self.assertTrue(self.survey_d.themes_pending)
        self.assertGreaterEqual(result["queued"], 3)
        after = self._overview(self.user_manager)
        self.assertNotIn("parking lot", [item["term"] for item in after["suggested_themes"]])
        costs = {item["name"]: item for item in after["themes"]["top"]}
        # 2 detractors complaining among the 16 answers of the period
        self.assertAlmostEqual(costs["Parking lot"]["cost"], 100 * 2 / 16)
        self.assertEqual((costs["Parking lot"]["complaints"], costs["Parking lot"]["praise"]), (2, 1))
        with self.assertRaisesRegex(UserError, "A theme named Parking lot exists already"):
            overview.create_suggested_theme("parking lot", "en_US")

    def test_suggestion_in_french(self):
        suggestion = self._overview(self.user_manager)["suggested_themes"][0]
        result = (
            self.env["nps.overview"]
            .with_user(self.user_manager)
            .create_suggested_theme(suggestion["term"], suggestion["lang"])
        )
        theme = self.env["nps.reason"].browse(result["id"])
        self.assertEqual(theme.with_context(lang="fr_FR").lexicon, "parking")
        self.assertEqual(self.parking_fr.mapped("theme_ids"), theme, "plural and singular alike")
        # the first value of a translated field is also the English one, which every language falls back on:
        # the English answers that say "parking" are tagged too
        self.assertEqual(theme.with_context(lang="en_US").lexicon, "parking")
        self.assertEqual(self.parking_en.mapped("theme_ids"), theme)
        self.assertEqual(result["tagged"], 6)

    def test_only_nps_managers_create_themes(self):
        themes = self.env["nps.reason"].search_count([])
        for user in (self.user_nps, self.user_salesman, self.user_employee):
            with self.subTest(user=user.login), self.assertRaises(AccessError):
                self.env["nps.overview"].with_user(user).create_suggested_theme("parking lot", "en_US")
        self.assertEqual(self.env["nps.reason"].search_count([]), themes)
        self.assertFalse(self.parking.theme_ids)

    def test_nothing_to_look_for(self):
        with self.assertRaisesRegex(UserError, "A theme needs a word to look for."):
            self.env["nps.overview"].with_user(self.user_manager).create_suggested_theme(" , ~ ", "en_US")


class TestSuggestedWords(common.NpsCommon):
    """A French customer's answers about the shop window ("vitrine"), one about a late parcel (Delivery covers
    it), one a promoter's."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.env["res.lang"]._activate_lang("fr_FR")
        customer_fr = cls.env["res.partner"].create({"name": "Brasserie Lefèvre", "lang": "fr_FR"})
        cls.words_campaign = cls.env["nps.campaign"].create({"name": "Shop window campaign"})
        for score, comment in (
            (0, "Vitrine poussiéreuse, vitrines jetés"),
            (1, "La vitrine était poussiéreuse et sale"),
            (3, "Vendeur impoli, VITRINE moyenne"),
            (2, "Colis en retard, vitrine ouverte"),  # delivery: covered
            (10, "Vitrine parfaite, vendeur charmant"),
        ):
            cls._create_answered(score, partner=customer_fr, comment=comment, campaign_id=cls.words_campaign.id)
        cls.domain = [("campaign_id", "=", cls.words_campaign.id)]

    def _suggestions(self, **kwargs):
        return [
            (item["term"], item["answers"], item["detractors"])
            for item in self.env["nps.overview"]._suggested_themes(self.domain, **kwargs)
        ]

    def test_frequent_words_no_theme_covers(self):
        """Counted once per answer on their stem (vitrine and vitrines are one), shown as written most often,
        the promoter's included; stop words (la, était, et), words of less than 3 letters and the words that
        say how (impoli, moyenne, parfaite) left out; no phrase used twice."""
        words = self._suggestions()
        self.assertEqual(
            words,
            [
                ("vitrine", 4, 3),
                ("poussiéreuse", 2, 2),
                ("vendeur", 2, 1),
                ("jetés", 1, 1),
                ("sale", 1, 1),
                ("charmant", 1, 0),
            ],
        )
        self.assertEqual(self._suggestions(limit=2), words[:2])

    def test_words_covered_once_a_theme_is_added(self):
        """A manager adds the theme the words suggest: its keywords cover those comments at once."""
        self.env["nps.reason"].create({"name": "Shop", "keywords": "vitrine*"})
        self.assertEqual(self._suggestions(), [])

    def test_comment_with_a_theme_set_by_hand_is_covered(self):
        survey = self.env["nps.survey"].search([*self.domain, ("comment", "ilike", "impoli")])
        survey.theme_ids = [Command.link(self.env.ref("nps_closed_loop.nps_reason_support").id)]
        words = {term: answers for term, answers, _detractors in self._suggestions()}
        self.assertEqual((words["vendeur"], words["vitrine"]), (1, 3))


@tagged("post_install", "-at_install")
class TestOverviewTour(OverviewCommon, HttpCase):
    def test_manager_reads_the_overview(self):
        """In the browser, the manager picks the campaign and reads the hand-computed figures: NPS −20 ± 54 on
        10 answers, response rate 83 %, callbacks on time 33 %, the themes' complaints and cost, the agents; then
        turns the suggested "salesman" into a theme, which G's past answer is tagged with."""
        self.start_tour("/odoo/action-nps_closed_loop.nps_overview_action", "nps_overview_tour", login="nps_manager")
        theme = self.env["nps.reason"].search([("name", "=", "Salesman")])
        self.assertEqual(theme.lexicon, "salesman")
        self.assertIn(theme, self.survey_g.theme_ids)
        self.assertEqual(self.survey_g.mention_ids.mapped("polarity"), ["complaint"])

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
