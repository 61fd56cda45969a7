"""The comments tagged as a person reads them: the evaluation set (tests/data/verbatims_eval.csv) through the
installed themes, the traps of issue 20, the mentions and their polarity, the lexicon a manager writes, the upgrade
from the keywords and the job that tags the past answers again."""

import importlib.util
from datetime import datetime
from pathlib import Path
from unittest.mock import patch

from odoo import SUPERUSER_ID, Command, api
from odoo.tests import tagged
from odoo.tests.common import TransactionCase
from odoo.tools import SQL

from .. import compat
from ..models.nps_theme import ThemeMatcher
from ..tools import verbatim_eval
from . import common

_MIGRATION = Path(__file__).resolve().parent.parent / "migrations" / "1.3.0" / "post-migration.py"


def _load_migration():
    spec = importlib.util.spec_from_file_location("nps_migration_1_3_0", _MIGRATION)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


class TestEvaluationSet(common.ThemeCommon):
    """The figures of the issue on the set written as customers write, tagged by the installed themes (their
    lexicon records, not the CSV they were filled from)."""

    def _predictions(self, rows):
        themes = {self.env.ref(f"nps_closed_loop.nps_reason_{key}").id: key for key in verbatim_eval.THEME_KEYS}
        matcher = ThemeMatcher(self.env)
        company_id = self.env.company.id
        return [
            {
                themes.get(theme, f"other theme {theme}"): polarity
                for theme, polarity in matcher.tag(row["comment"], row["lang"], company_id, row["score"])
            }
            for row in rows
        ]

    def test_theme_f1_and_polarity_accuracy(self):
        rows = verbatim_eval.load_set()
        self.assertGreaterEqual(len(rows), 300)
        self.assertEqual({row["lang"] for row in rows}, {"fr_FR", "en_US"})
        predictions = self._predictions(rows)
        held_out = [index for index in range(len(rows)) if verbatim_eval.is_held_out(index)]
        for part, indexes in (("all", range(len(rows))), ("held-out third", held_out)):
            figures = verbatim_eval.evaluate([rows[i] for i in indexes], [predictions[i] for i in indexes])
            with self.subTest(part=part):
                self.assertGreaterEqual(figures["f1"], verbatim_eval.TARGET_F1)
                self.assertGreaterEqual(figures["polarity"], verbatim_eval.TARGET_POLARITY)
        # each theme pulls its weight, Communication included (no keyword at all before the lexicon)
        for theme, f1 in verbatim_eval.per_theme(rows, predictions).items():
            with self.subTest(theme=theme):
                self.assertGreaterEqual(f1, 0.85)

    def test_installed_lexicon_is_the_shipped_one(self):
        """Every shipped theme has its English and French lexicon, the terms of the data file."""
        shipped = self.env["nps.reason"]._nps_shipped_lexicons()
        self.assertEqual(len(shipped), 7)
        for xmlid, lexicons in shipped.items():
            reason = self.env.ref(xmlid)
            with self.subTest(theme=xmlid):
                self.assertEqual(set(lexicons), {"en_US", "fr_FR"})
                self.assertEqual(reason.with_context(lang="en_US").lexicon, lexicons["en_US"])
                self.assertEqual(reason.with_context(lang="fr_FR").lexicon, lexicons["fr_FR"])
        communication = self.env.ref("nps_closed_loop.nps_reason_communication")
        self.assertIn("prévenu", communication.with_context(lang="fr_FR").lexicon)


class TestTraps(common.ThemeCommon):
    """The comments of the issue that the keywords tagged wrong or not at all."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.communication = cls.env.ref("nps_closed_loop.nps_reason_communication")

    def _mentions(self, survey):
        return {mention.reason_id: mention.polarity for mention in survey.mention_ids}

    def test_communication_tagged_in_french_and_english(self):
        for comment, partner in (
            ("Personne ne m'a prévenu du retard", self.customer_fr),
            ("Promesses non tenues", self.customer_fr),
            ("Never kept informed", self.customer_en),
        ):
            with self.subTest(comment=comment):
                survey = self._answered(3, comment, partner=partner)
                self.assertIn(self.communication, survey.theme_ids)
                self.assertEqual(self._mentions(survey)[self.communication], "complaint")

    def test_inflections_not_listed_are_found(self):
        self.assertEqual(self._answered(2, "Tombée en panne au bout d'un mois").theme_ids, self.quality)
        self.assertEqual(self._answered(3, "Finitions bâclées").theme_ids, self.quality)
        self.assertEqual(
            self._answered(3, "Waited on hold for an hour", partner=self.customer_en).theme_ids, self.support
        )

    def test_a_word_alone_does_not_decide(self):
        """ "arrivé"/"arrived" is Delivery only when no other theme is the subject."""
        self.assertNotIn(self.delivery, self._answered(2, "Le rappel promis n'est jamais arrivé").theme_ids)
        self.assertEqual(self._answered(2, "Le remboursement n'est jamais arrivé").theme_ids, self.invoicing)
        self.assertEqual(
            self._answered(2, "The refund never arrived", partner=self.customer_en).theme_ids, self.invoicing
        )
        self.assertEqual(self._answered(2, "Colis jamais arrivé").theme_ids, self.delivery)

    def test_praise_apart_from_complaints(self):
        """The same themes, praised by a promoter, criticised by a detractor."""
        praised = self._answered(10, "Livraison rapide et prix correct")
        criticised = self._answered(2, "Livraison en retard, trop cher")
        self.assertEqual(praised.theme_ids, self.delivery | self.price)
        self.assertEqual(criticised.theme_ids, self.delivery | self.price)
        self.assertEqual(self._mentions(praised), {self.delivery: "praise", self.price: "praise"})
        self.assertEqual(self._mentions(criticised), {self.delivery: "complaint", self.price: "complaint"})

    def test_negation_flips_the_polarity(self):
        self.assertEqual(self._mentions(self._answered(8, "Pas cher du tout")), {self.price: "praise"})
        self.assertEqual(
            self._mentions(self._answered(6, "Not sturdy at all", partner=self.customer_en)),
            {self.quality: "complaint"},
        )

    def test_several_themes_with_their_own_polarity(self):
        survey = self._answered(6, "SAV très sympa mais la facture était fausse")
        self.assertEqual(self._mentions(survey), {self.support: "praise", self.invoicing: "complaint"})


class TestFrenchAnswer(common.ThemeCommon):
    def test_french_answer_tagged_in_french(self):
        """A French customer's words are read with the French lexicon and stems: "livrée" is "livraison"."""
        survey = self._answered(3, "Commande livrée cassée, le SAV ne répond jamais")
        self.assertEqual(survey.theme_ids, self.delivery | self.quality | self.support)
        self.assertEqual(set(survey.mention_ids.mapped("polarity")), {"complaint"})
        # the same words from an English customer: no French lexicon for them
        english = self._answered(3, "Commande livrée cassée, le SAV ne répond jamais", partner=self.customer_en)
        self.assertNotEqual(english.theme_ids, survey.theme_ids)

    def test_country_variant_reads_the_language(self):
        """A Belgian customer (fr_BE) is read with the French lexicon."""
        self.assertEqual(
            ThemeMatcher(self.env).match("Facture fausse", "fr_BE", self.env.company.id), set(self.invoicing.ids)
        )


class TestLexicon(common.ThemeCommon):
    def test_manager_lexicon_syntax(self):
        """Terms on lines or after commas, a star for the words a term starts, phrases, ~ for a term that does
        not tag alone."""
        parking = self.env["nps.reason"].create(
            {"name": "Parking", "lexicon": "parking\nstationn*, place de parc\n~garé"}
        )
        self.assertEqual(self._answered(4, "Impossible de stationner").theme_ids, parking)
        self.assertEqual(self._answered(4, "Aucune place de parc").theme_ids, parking)
        self.assertEqual(self._answered(4, "Garé loin").theme_ids, parking, "a weak term alone still tags")
        self.assertEqual(
            self._answered(4, "Garé loin, livraison en retard").theme_ids,
            parking | self.delivery,
            "another sentence part: the weak term tags its own",
        )
        self.assertEqual(self._answered(4, "Garé devant le colis").theme_ids, self.delivery, "yields to a theme")

    def test_theme_without_lexicon_uses_its_keywords(self):
        packaging = self.env["nps.reason"].create({"name": "Packaging", "keywords": "packag*, emballage cadeau"})
        self.assertEqual(self._answered(3, "Badly packaged", partner=self.customer_en).theme_ids & packaging, packaging)
        self.assertEqual(self._answered(3, "Emballage cadeau raté").theme_ids & packaging, packaging)

    def test_lexicon_per_language(self):
        """The French lexicon for French customers, the English one for the others."""
        theme = self.env["nps.reason"].create({"name": "Parking", "lexicon": "car park"})
        theme.with_context(lang="fr_FR").lexicon = "stationnement"
        self.assertEqual(self._answered(4, "Stationnement impossible").theme_ids, theme)
        self.assertFalse(self._answered(4, "Car park full").theme_ids & theme)
        self.assertEqual(self._answered(4, "Car park full", partner=self.customer_en).theme_ids, theme)


class TestMentions(common.ThemeCommon):
    def test_mentions_follow_the_words_and_the_hand_corrections(self):
        survey = self._answered(2, "Livraison en retard, trop cher")
        self.assertEqual(survey.mention_ids.reason_id, self.delivery | self.price)
        mention = survey.mention_ids[0]
        self.assertEqual(
            (mention.company_id, mention.campaign_id, mention.category, mention.score, mention.nps_value),
            (survey.company_id, self.campaign_themes, "detractor", 2, -100),
        )
        # a theme removed by hand takes its mention along; one added by hand has none (no polarity known)
        survey.with_user(self.user_nps).theme_ids = [Command.unlink(self.price.id), Command.link(self.support.id)]
        self.assertEqual(survey.mention_ids.reason_id, self.delivery)
        # new words: tagged again
        survey.comment = "Facture fausse"
        self.assertEqual(survey.theme_ids, self.invoicing)
        self.assertEqual(survey.mention_ids.reason_id, self.invoicing)
        # a deleted answer takes its mentions along
        mentions = survey.mention_ids
        survey.unlink()
        self.assertFalse(mentions.exists())

    def test_erasure_keeps_themes_and_mentions(self):
        """Anonymisation removes the words but keeps the themes for the statistics: their mentions stay too."""
        survey = self._answered(2, "Livraison en retard, trop cher")
        mentions = survey.mention_ids
        self.env["nps.survey.privacy"]._anonymize(survey)
        self.assertFalse(survey.comment)
        self.assertEqual(survey.theme_ids, self.delivery | self.price)
        self.assertEqual(survey.mention_ids, mentions)

    def test_tag_themes_keep_adds_to_the_hand_set_themes(self):
        survey = self._answered(3, "Emballage cadeau déchiré")
        survey.theme_ids = [Command.set(self.support.ids)]
        gift = self.env["nps.reason"].create({"name": "Gift wrapping", "lexicon": "emballage cadeau"})
        self.env["nps.survey.loop"]._tag_themes(survey, keep=True)
        self.assertIn(gift, survey.theme_ids)
        self.assertIn(self.support, survey.theme_ids)
        self.assertIn(gift, survey.mention_ids.reason_id)


class TestUpgrade(common.ThemeCommon):
    """From 1.2.0: the keywords become lexicon terms, the answers are queued for the job."""

    def _clear_lexicons(self):
        self.env["nps.reason"].flush_model()
        self.env.cr.execute(SQL("UPDATE nps_reason SET lexicon = NULL"))
        self.env["nps.reason"].invalidate_model(["lexicon"])

    def test_keywords_become_lexicon_terms_in_their_language(self):
        own = self.env["nps.reason"].create({"name": "Parking", "keywords": "parking, car park"})
        own.with_context(lang="fr_FR").keywords = "stationnement, parking*"
        # a manager's addition to a shipped theme, not covered by the shipped lexicon
        self.delivery.keywords = f"{self.delivery.keywords}, drone"
        answer = self._answered(3, "Trop cher")
        self._clear_lexicons()
        self.env["nps.survey"].flush_model()
        self.env.cr.execute(SQL("UPDATE nps_survey SET themes_pending = FALSE WHERE id = %s", answer.id))
        self.env["nps.survey"].invalidate_model(["themes_pending"])
        with patch.object(type(self.env["ir.cron"]), "_trigger") as trigger:
            _load_migration().migrate_lexicons(self.env)
        self.assertEqual(own.with_context(lang="en_US").lexicon, "parking\ncar park")
        self.assertEqual(own.with_context(lang="fr_FR").lexicon, "stationnement\nparking*")
        shipped = self.env["nps.reason"]._nps_shipped_lexicons()["nps_closed_loop.nps_reason_delivery"]
        self.assertEqual(self.delivery.with_context(lang="en_US").lexicon, shipped["en_US"] + "\ndrone")
        self.assertEqual(self.delivery.with_context(lang="fr_FR").lexicon, shipped["fr_FR"])
        self.assertTrue(answer.themes_pending, "the answers are tagged again by the job, not by the upgrade")
        trigger.assert_called()
        self.assertEqual(self._answered(3, "Parking introuvable").theme_ids, own)
        self.assertIn(self.delivery, self._answered(3, "Delivered by drone", partner=self.customer_en).theme_ids)


class TestRetagJob(common.ThemeCommon):
    def test_job_tags_the_queued_answers_in_batches(self):
        answers = self.env["nps.survey"]
        for comment in ("Trop cher", "Colis perdu", "Facture fausse"):
            answers |= self._answered(3, comment)
        answers.theme_ids = [Command.clear()]
        with patch.object(type(self.env["ir.cron"]), "_trigger"):
            self.env["nps.survey.loop"]._queue_tag_themes(answers)
        self.assertEqual(answers.mapped("themes_pending"), [True] * 3)
        self.assertFalse(answers.theme_ids)
        with patch.object(compat, "notify_progress") as progress:
            self.env["nps.survey.loop"]._cron_tag_themes(batch_size=2)
        self.assertEqual(progress.call_args.kwargs["done"], 2)
        self.assertEqual(answers.filtered("themes_pending"), answers[2])
        self.env["nps.survey.loop"]._cron_tag_themes(batch_size=2)
        self.assertFalse(any(answers.mapped("themes_pending")))
        self.assertEqual([a.theme_ids for a in answers], [self.price, self.delivery, self.invoicing])


@tagged("post_install", "-at_install")
class TestRetagJobConcurrency(common.CommittedWorkers, TransactionCase):
    """Two workers run the job at once: each answer is tagged once, by one of them."""

    ANSWERS = 6

    def setUp(self):
        super().setUp()

        def create(env):
            campaign = env["nps.campaign"].create({"name": "Concurrent tagging"})
            customer = env["res.partner"].create({"name": "Tagged customer", "lang": "en_US"})
            surveys = env["nps.survey"].create(
                [
                    {
                        "partner_id": customer.id,
                        "campaign_id": campaign.id,
                        "state": "answered",
                        "score": 3,
                        "answer_date": datetime.now(),
                        "comment": "Far too expensive",
                    }
                    for _index in range(self.ANSWERS)
                ]
            )
            surveys.themes_pending = True
            return campaign.id, customer.id, surveys.ids

        with self.registry.cursor() as cr:
            env = api.Environment(cr, SUPERUSER_ID, {"tracking_disable": True, "mail_create_nosubscribe": True})
            self.campaign_id, self.customer_id, self.survey_ids = create(env)
        self.addCleanup(self._cleanup)

    def _cleanup(self):
        with self.registry.cursor() as cr:
            env = api.Environment(cr, SUPERUSER_ID, {})
            env["nps.survey"].browse(self.survey_ids).unlink()
            env["nps.campaign"].browse(self.campaign_id).unlink()
            env["res.partner"].browse(self.customer_id).unlink()

    def test_two_workers_tag_each_answer_once(self):
        cr1, env1 = self._worker()
        cr2, env2 = self._worker()
        tagged_by = {}
        original = type(env1["nps.survey.loop"])._tag_themes

        def spy(loop, surveys, keep=False):
            tagged_by.setdefault(loop.env.cr, []).extend(surveys.ids)
            return original(loop, surveys, keep=keep)

        with patch.object(type(env1["nps.survey.loop"]), "_tag_themes", spy):
            # worker 1 holds its batch (not committed) while worker 2 runs
            env1["nps.survey.loop"]._cron_tag_themes(batch_size=self.ANSWERS // 2)
            env2["nps.survey.loop"]._cron_tag_themes(batch_size=self.ANSWERS)
        cr1.commit()
        cr2.commit()
        first, second = tagged_by.get(cr1, []), tagged_by.get(cr2, [])
        self.assertEqual(len(first), self.ANSWERS // 2)
        self.assertFalse(set(first) & set(second), "no answer tagged by both")
        self.assertEqual(sorted(first + second), sorted(self.survey_ids))
        with self.registry.cursor() as cr:
            env = api.Environment(cr, SUPERUSER_ID, {})
            surveys = env["nps.survey"].browse(self.survey_ids)
            self.assertFalse(any(surveys.mapped("themes_pending")))
            price = env.ref("nps_closed_loop.nps_reason_price")
            self.assertEqual(set(surveys.mapped("mention_ids.reason_id").ids), {price.id})
            self.assertEqual(len(surveys.mention_ids), self.ANSWERS, "one mention per answer, not two")
