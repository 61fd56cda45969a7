import math
from datetime import datetime, timedelta

from odoo import Command
from odoo.exceptions import AccessError, UserError
from odoo.tests import Form, tagged

from . import common


@tagged("post_install", "-at_install")
class TestImprovement(common.NpsCommon):
    """The outer loop: improvements made because of the answers, told to the customers, and their effect."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.theme = cls.env["nps.reason"].create({"name": "Delivery slots"})
        cls.done_date = datetime(2026, 3, 1, 12, 0)

    def _improvement(self, surveys=None, **values):
        values = {"name": "Delivery slots confirmed by phone", **values}
        if surveys:
            values["survey_ids"] = [Command.set(surveys.ids)]
        return self.env["nps.improvement"].with_user(self.user_manager).create(values)

    def _mails(self, improvement):
        return self.env["mail.mail"].sudo().search([("model", "=", "nps.improvement"), ("res_id", "=", improvement.id)])

    def test_lifecycle_and_access(self):
        improvement = self._improvement()
        self.assertEqual(improvement.state, "proposed")
        self.assertEqual(improvement.user_id, self.user_manager)
        improvement.action_plan()
        self.assertEqual(improvement.state, "planned")
        improvement.action_done()
        self.assertEqual(improvement.state, "done")
        self.assertTrue(improvement.done_date)
        improvement.action_reset()
        self.assertEqual(improvement.state, "proposed")
        self.assertFalse(improvement.done_date)
        improvement.action_drop()
        self.assertEqual(improvement.state, "dropped")
        # NPS users read, managers write, salespeople see nothing
        as_user = improvement.with_user(self.user_nps)
        self.assertEqual(as_user.name, "Delivery slots confirmed by phone")
        with self.assertRaises(AccessError):
            as_user.write({"name": "Changed"})
        with self.assertRaises(AccessError):
            self.env["nps.improvement"].with_user(self.user_nps).create({"name": "Mine"})
        with self.assertRaises(AccessError):
            improvement.with_user(self.user_salesman).read(["name"])
        # other companies' improvements stay hidden
        self.assertFalse(
            self.env["nps.improvement"].with_user(self.user_other_company).search([("id", "=", improvement.id)])
        )

    def test_created_from_answers_and_theme(self):
        first = self._create_answered(3, theme_ids=[Command.set(self.theme.ids)])
        second = self._create_answered(5, partner=self.customer_2)
        manager_env = self.env(user=self.user_manager)
        action = manager_env["nps.improvement"].action_create_from_surveys(first | second)
        improvement = Form.from_action(manager_env, action).save()
        self.assertEqual(improvement.survey_ids, first | second)
        self.assertEqual(improvement.theme_ids, self.theme)
        self.assertIn("Delivery slots", improvement.name)
        action = self.theme.with_user(self.user_manager).action_create_improvement()
        improvement = Form.from_action(manager_env, action).save()
        self.assertEqual(improvement.name, "Delivery slots")
        self.assertEqual(improvement.theme_ids, self.theme)
        self.assertEqual(improvement.survey_ids, first)

    def test_announcement(self):
        self.env["res.lang"]._activate_lang("fr_FR")
        template = self.env.ref("nps_closed_loop.mail_template_nps_improvement_announce")
        template.with_context(lang="fr_FR").subject = "Vous l'avez dit, nous l'avons fait : {{ object.name }}"
        Partner = self.env["res.partner"]
        french = Partner.create({"name": "Louis Bernard", "email": "louis@example.com", "lang": "fr_FR"})
        refused = Partner.create({"name": "Rita Refus", "email": "rita@example.com", "nps_consent": "refused"})
        blacklisted = Partner.create({"name": "Bob Blacklist", "email": "bob@example.com"})
        self.env["mail.blacklist"].sudo()._add("bob@example.com")
        no_consent = Partner.create({"name": "Nina Neutral", "email": "nina@example.com"})
        consent_campaign = self.env["nps.campaign"].create(
            {"name": "Consent campaign", "user_id": self.user_manager.id, "lawful_basis": "consent"}
        )
        surveys = (
            self._create_answered(3, contact_allowed=True)
            | self._create_answered(5, contact_allowed=True)  # the same customer twice: told once
            | self._create_answered(4, partner=french)  # legitimate interest: may be told
            | self._create_answered(2, partner=refused, contact_allowed=True)
            | self._create_answered(6, partner=blacklisted, contact_allowed=True)
            | self._create_answered(1, partner=no_consent, campaign_id=consent_campaign.id)
            | self._create_answered(0, partner_id=False, is_anonymized=True)
        )
        improvement = self._improvement(surveys)
        self.assertFalse(common.button_shown(Form(improvement), "action_announce"), "not done yet")
        wizard = Form.from_action(improvement.env, improvement.action_announce())
        with self.assertRaises(UserError):
            common.click(wizard, "action_send")  # refused all the same
        improvement.action_done()
        # the manager opens "You said, we did" from the improvement, as the web client does
        wizard = Form.from_action(improvement.env, common.click(Form(improvement), "action_announce"))
        self.assertEqual(improvement.env["res.partner"].browse(wizard.partner_ids.ids), self.customer | french)
        self.assertEqual(wizard.recipient_count, 2)
        self.assertEqual(wizard.excluded_count, 4)
        self.assertIn("Anonymised answer: 1", wizard.excluded_summary)
        self.assertIn("Blacklisted: 1", wizard.excluded_summary)
        self.assertIn("No consent: 1", wizard.excluded_summary)
        self.assertIn("Refused surveys: 1", wizard.excluded_summary)
        wizard.message = "<p>We now call before every delivery.</p>"
        self.assertEqual(common.click(wizard, "action_send"), {"type": "ir.actions.act_window_close"})
        mails = self._mails(improvement)
        self.assertEqual(len(mails), 2)
        self.assertEqual(mails.recipient_ids, self.customer | french)
        by_partner = {mail.recipient_ids: mail for mail in mails}
        self.assertEqual(
            by_partner[french].subject, "Vous l'avez dit, nous l'avons fait : Delivery slots confirmed by phone"
        )
        self.assertEqual(by_partner[self.customer].subject, "You said, we did: Delivery slots confirmed by phone")
        self.assertIn("We now call before every delivery.", by_partner[french].body_html)
        self.assertIn("Louis Bernard", by_partner[french].body_html)
        self.assertEqual(improvement.announced_partner_ids, self.customer | french)
        told = surveys.filtered(lambda survey: survey.partner_id in (self.customer | french))
        for survey in surveys:
            logged = survey.message_ids.filtered(lambda message: "Told about improvement" in (message.body or ""))
            self.assertEqual(bool(logged), survey in told, survey.partner_id.name)
        # a second send reaches nobody again
        wizard = Form.from_action(improvement.env, improvement.action_announce())
        self.assertFalse(wizard.partner_ids.ids)
        self.assertIn("Already told: 3", wizard.excluded_summary)
        self.assertFalse(common.button_shown(wizard, "action_send"), "nobody to tell: no button")
        with self.assertRaises(UserError):
            wizard.save().action_send()  # refused all the same
        self.assertEqual(len(self._mails(improvement)), 2)

    def test_before_after_nps(self):
        before = self.done_date - timedelta(days=10)
        customer_3 = self.env["res.partner"].create({"name": "Claire Durand", "email": "claire@example.com"})
        linked = (
            self._create_answered(9, answer_date=before)  # promoter
            | self._create_answered(3, answer_date=before)  # detractor
            | self._create_answered(7, partner=self.customer_2, answer_date=before)  # passive
            | self._create_answered(2, partner=customer_3, answer_date=before)  # detractor
            | self._create_answered(0, partner_id=False, is_anonymized=True, answer_date=before)  # left out
        )
        # after: each customer's first answer once the improvement is done
        self._create_answered(10, answer_date=self.done_date + timedelta(days=1))  # promoter, counted
        self._create_answered(4, answer_date=self.done_date + timedelta(days=2))  # later: not counted
        self._create_answered(0, partner=self.customer_2, answer_date=self.done_date + timedelta(days=3))
        self._create_answered(10, partner=customer_3, answer_date=self.done_date - timedelta(days=1))  # before
        improvement = self._improvement(linked)
        improvement.write({"state": "done", "done_date": self.done_date})
        improvement.invalidate_recordset()
        # before: 4 answers, 1 promoter, 2 detractors: NPS = 100 × (1/4 − 2/4) = −25,
        # margin = 1.96 × 100 × √((0.75 − 0.0625) / 4) = 81.26
        self.assertEqual(improvement.before_count, 4)
        self.assertAlmostEqual(improvement.before_nps, -25.0)
        # (the margins are stored rounded to one decimal, as shown)
        self.assertAlmostEqual(improvement.before_margin, round(196 * math.sqrt(0.6875 / 4), 1))
        self.assertAlmostEqual(improvement.before_margin, 81.3)
        # after: 2 answers, 1 promoter, 1 detractor: NPS = 0, margin = 1.96 × 100 × √(1 / 2) = 138.59
        self.assertEqual(improvement.after_count, 2)
        self.assertAlmostEqual(improvement.after_nps, 0.0)
        self.assertAlmostEqual(improvement.after_margin, round(196 * math.sqrt(1 / 2), 1))
        self.assertAlmostEqual(improvement.after_margin, 138.6)
