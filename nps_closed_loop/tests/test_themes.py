from unittest.mock import patch

from odoo import Command
from odoo.exceptions import AccessError

from ..models import nps_theme
from ..models.nps_theme import ThemeMatcher
from ..tools.verbatim import VerbatimAnalyser
from . import common


class TestThemeTagging(common.ThemeCommon):
    def test_shipped_keywords_in_french(self):
        """The six shipped themes have English keywords and their French translation."""
        for reason in (self.delivery, self.price, self.quality, self.product, self.support, self.invoicing):
            with self.subTest(reason=reason.name):
                self.assertTrue(reason.keywords)
                french = reason.with_context(lang="fr_FR").keywords
                self.assertTrue(french)
                self.assertNotEqual(french, reason.keywords)
        self.assertIn("livraison", self.delivery.with_context(lang="fr_FR").keywords)
        self.assertIn("abîmé", self.quality.with_context(lang="fr_FR").keywords)

    def test_french_comment_with_accents_tagged_when_answered(self):
        """The customer answers on the survey page: delivery (livraison, retard, colis) and quality (abîmé)."""
        survey = self._create_survey(partner=self.customer_fr, state="sent", campaign_id=self.campaign_themes.id)
        survey.sudo()._record_answer(3, comment="Livraison très en retard, colis abîmé")
        self.assertEqual(survey.theme_ids, self.delivery | self.quality)

    def test_follow_up_answer_tagged_too(self):
        survey = self._answered(4, "Déçu.", followup="Le service client ne répond jamais")
        self.assertEqual(survey.theme_ids, self.support)

    def test_case_and_accents_ignored(self):
        for comment in ("LIVRAISON TRÈS EN RETARD, COLIS ABÎMÉ", "livraison tres en retard, colis abime"):
            with self.subTest(comment=comment):
                self.assertEqual(self._answered(2, comment).theme_ids, self.delivery | self.quality)

    def test_no_tag_on_part_of_a_word(self):
        """ "cher" is a price term, not in "chercher" nor "recherche"; "support" not in "supportable" nor
        "supportive", "product" not in "productive"."""
        survey = self._answered(5, "Nous avons dû chercher nous-mêmes, la recherche était insupportable")
        self.assertFalse(survey.theme_ids)
        survey = self._answered(5, "Trop cher pour ce que c'est")
        self.assertEqual(survey.theme_ids, self.price)
        survey = self._answered(5, "They were supportive and productive", partner=self.customer_en)
        self.assertFalse(survey.theme_ids)

    def test_keyword_ending_with_a_star_matches_the_words_it_starts(self):
        shop = self.env["nps.reason"].create({"name": "Shop", "keywords": "showcas*, vitrin*"})
        survey = self._answered(3, "Vitrines sales")
        self.assertEqual(survey.theme_ids, shop)
        survey = self._answered(3, "Dusty showcases", partner=self.customer_en)
        self.assertEqual(survey.theme_ids, shop)

    def test_customer_language_then_english(self):
        """A comment is read in its customer's language: the themes' lexicon in that language, English for a
        theme that has none in it; an English customer's with the English lexicon only."""
        self.assertEqual(self._answered(3, "Facture fausse, prix élevé").theme_ids, self.invoicing | self.price)
        english = self._answered(3, "Facture fausse, invoice wrong", partner=self.customer_en)
        self.assertEqual(english.theme_ids, self.invoicing)
        self.assertFalse(self._answered(3, "Facture fausse", partner=self.customer_en).theme_ids)
        english_only = self.env["nps.reason"].create({"name": "Parking", "lexicon": "parking"})
        self.assertEqual(self._answered(3, "Pas de parking").theme_ids, english_only)

    def test_multi_word_keywords(self):
        self.assertEqual(self._answered(4, "Le service client est injoignable").theme_ids, self.support)
        self.assertEqual(
            self._answered(4, "Customer service never called back", partner=self.customer_en).theme_ids,
            self.support,
        )

    def test_other_company_theme_not_used(self):
        self.env["nps.reason"].create({"name": "Parking", "keywords": "parking", "company_id": self.other_company.id})
        self.assertFalse(self._answered(4, "Pas de parking").theme_ids)

    def test_archived_theme_not_used(self):
        self.price.active = False
        self.assertFalse(self._answered(4, "Trop cher").theme_ids)

    def test_changed_answer_retagged_hand_correction_kept_otherwise(self):
        survey = self._create_survey(partner=self.customer_fr, state="sent", campaign_id=self.campaign_themes.id)
        survey.sudo()._record_answer(3, comment="Trop cher")
        self.assertEqual(survey.theme_ids, self.price)
        # an NPS user adds a theme the keywords missed
        survey.with_user(self.user_nps).theme_ids = [Command.link(self.product.id)]
        self.assertEqual(survey.theme_ids, self.price | self.product)
        # the customer changes the score only: the comment is the same, the correction stays
        survey.sudo()._record_answer(4, comment="Trop cher")
        self.assertEqual(survey.theme_ids, self.price | self.product)
        # the customer rewrites the comment: tagged again from the new words
        survey.sudo()._record_answer(4, comment="Livraison en retard")
        self.assertEqual(survey.theme_ids, self.delivery)

    def test_answer_on_the_survey_page_tagged_by_the_job_that_follows(self):
        """The customer does not wait for the themes: the job that follows the answer tags them."""
        survey = self._create_survey(partner=self.customer_fr, state="sent", campaign_id=self.campaign_themes.id)
        page = survey.sudo().with_context(nps_defer_after_answer=True)
        page._record_answer(3, comment="Colis abîmé")
        self.assertFalse(survey.theme_ids)
        self.assertTrue(survey.themes_pending)
        self.env["nps.survey.loop"]._cron_after_answers()
        self.assertEqual(survey.theme_ids, self.delivery | self.quality)
        self.assertFalse(survey.themes_pending)
        # corrected by hand, then the customer changes the score only: nothing to tag again
        survey.with_user(self.user_nps).theme_ids = [Command.unlink(self.quality.id)]
        page._record_answer(4, comment="Colis abîmé")
        self.assertFalse(survey.themes_pending)
        self.env["nps.survey.loop"]._cron_after_answers()
        self.assertEqual(survey.theme_ids, self.delivery)

    def test_themes_corrected_by_nps_users_only(self):
        survey = self._answered(3, "Far too expensive", partner=self.customer)  # Sam is its salesperson
        self.assertEqual(survey.with_user(self.user_salesman).theme_ids, self.price, "read by the salesperson")
        with self.assertRaises(AccessError):
            survey.with_user(self.user_salesman).theme_ids = [Command.link(self.delivery.id)]
        survey.with_user(self.user_nps).theme_ids = [Command.set(self.delivery.ids)]
        self.assertEqual(survey.theme_ids, self.delivery)

    def test_batch_tagged_with_lexicons_read_once(self):
        """Answers created together are tagged with the lexicons read and compiled once per language,
        whatever the number of answers (and not again for the next batch while they do not change)."""
        comments = ("Trop cher", "Colis perdu", "Facture fausse", "Rien à dire") * 5
        vals = [
            {
                "partner_id": partner.id,
                "campaign_id": self.campaign_themes.id,
                "state": "answered",
                "score": 3,
                "comment": comment,
            }
            for comment in comments
            for partner in (self.customer_fr, self.customer_en)
        ]
        nps_theme._analysers.clear()
        from_rows = VerbatimAnalyser.from_rows
        with (
            patch.object(VerbatimAnalyser, "from_rows", side_effect=from_rows) as compile_lexicons,
            patch.object(ThemeMatcher, "__init__", autospec=True, side_effect=ThemeMatcher.__init__) as read_lexicons,
        ):
            surveys = self.env["nps.survey"].sudo().create(vals)
        # the lexicons read once; one analyser for the French customers, one for the English
        self.assertEqual(read_lexicons.call_count, 1)
        self.assertEqual(compile_lexicons.call_count, 2)
        with patch.object(VerbatimAnalyser, "from_rows", side_effect=from_rows) as compile_lexicons:
            self.env["nps.survey"].sudo().create(vals[:4])
        compile_lexicons.assert_not_called()
        self.assertEqual(
            [survey.theme_ids for survey in surveys[:8]],
            [self.price, self.env["nps.reason"], self.delivery, self.env["nps.reason"], self.invoicing]
            + [self.env["nps.reason"]] * 3,
        )

    def test_tag_themes_action_finds_past_answers(self):
        """A theme added later finds the past answers it covers; themes set by hand stay."""
        survey = self._answered(3, "Vitrine poussiéreuse")
        other = self._answered(3, "Trop cher")
        other.theme_ids = [Command.link(self.support.id)]
        self.assertFalse(survey.theme_ids)
        shop = self.env["nps.reason"].create({"name": "Shop", "keywords": "vitrine*"})
        (survey | other).with_user(self.user_manager).action_nps_tag_themes()
        self.assertEqual(survey.theme_ids, shop)
        self.assertEqual(other.theme_ids, self.price | self.support)


class TestThemeFigures(common.ThemeCommon):
    """Five answers, one with two themes: each theme counts it once, the total counts it once."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.answers = (
            cls._answered(2, "Livraison en retard et prix trop cher")  # delivery + price, detractor
            | cls._answered(5, "Trop cher")  # price, detractor
            | cls._answered(9, "Livraison rapide")  # delivery, promoter
            | cls._answered(7, "Rien à signaler")  # no theme, passive
            | cls._answered(0, "Vitrine poussiéreuse, vitrines jetées")  # no theme, detractor
        )
        cls.domain = [("campaign_id", "=", cls.campaign_themes.id)]

    def test_each_answer_tagged(self):
        self.assertEqual(
            [survey.theme_ids for survey in self.answers],
            [self.delivery | self.price, self.price, self.delivery, self.env["nps.reason"], self.env["nps.reason"]],
        )

    def test_theme_figures(self):
        figures = self.env["nps.overview"]._theme_figures(self.domain)
        # 1 promoter, 1 passive, 3 detractors: (1 - 3) / 5 = -40; 2 answers without theme
        self.assertEqual(figures["total"], {"count": 5, "nps": -40.0, "detractors": 3, "untagged": 2})
        themes = {theme["id"]: theme for theme in figures["themes"]}
        self.assertEqual(set(themes), {self.delivery.id, self.price.id})
        # price: the 2 and the 5, both detractors
        self.assertEqual(
            {key: themes[self.price.id][key] for key in ("count", "nps", "detractors")},
            {"count": 2, "nps": -100.0, "detractors": 2},
        )
        self.assertAlmostEqual(themes[self.price.id]["detractor_share"], 200 / 3)
        # delivery: the 2 (detractor) and the 9 (promoter): NPS 0
        self.assertEqual(
            {key: themes[self.delivery.id][key] for key in ("count", "nps", "detractors")},
            {"count": 2, "nps": 0.0, "detractors": 1},
        )
        self.assertEqual(figures["themes"][0]["id"], self.price.id, "most detractors first")

    def test_total_does_not_depend_on_themes(self):
        """The answer with two themes counts twice over the themes (4 theme counts for 3 tagged answers),
        never in the total, which equals the survey's own NPS and stays the same without any theme."""
        figures = self.env["nps.overview"]._theme_figures(self.domain)
        self.assertEqual(sum(theme["count"] for theme in figures["themes"]), 4)
        [(count, nps)] = self.env["nps.survey"]._read_group(
            [*self.domain, ("category", "!=", False)], [], ["__count", "nps_value:avg"]
        )
        self.assertEqual((figures["total"]["count"], figures["total"]["nps"]), (count, nps))
        self.answers.theme_ids = [Command.clear()]
        untagged = self.env["nps.overview"]._theme_figures(self.domain)
        self.assertEqual(untagged["themes"], [])
        self.assertEqual(untagged["total"], {**figures["total"], "untagged": 5})

    def test_theme_figures_follow_the_domain(self):
        figures = self.env["nps.overview"]._theme_figures([*self.domain, ("category", "=", "detractor")])
        self.assertEqual(figures["total"], {"count": 3, "nps": -100.0, "detractors": 3, "untagged": 1})
        self.assertEqual(
            {theme["id"]: theme["count"] for theme in figures["themes"]}, {self.price.id: 2, self.delivery.id: 1}
        )
