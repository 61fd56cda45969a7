"""GDPR: consent with its proof, objections honoured everywhere, per-answer permissions, retention."""

from datetime import datetime, timedelta

from freezegun import freeze_time

from odoo.exceptions import ValidationError
from odoo.tests import tagged
from odoo.tools import mute_logger
from odoo.tools.safe_eval import safe_eval

from .. import compat
from . import common

NOW = common.NOW


@tagged("post_install", "-at_install")
class TestGdprSending(common.SendingCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        fr = cls.env.ref("base.fr")
        cls.refuser = cls.env["res.partner"].create(
            {
                "name": "Refuser",
                "email": "refuser@example.com",
                compat.PARTNER_MOBILE_FIELD: "06 10 20 30 40",
                "country_id": fr.id,
                "nps_consent": "refused",
            }
        )
        cls.mail_blacklisted = cls.env["res.partner"].create(
            {"name": "Mail blacklisted", "email": "Black@Example.com", "country_id": fr.id}
        )
        cls.phone_blacklisted = cls.env["res.partner"].create(
            {"name": "Phone blacklisted", compat.PARTNER_MOBILE_FIELD: "06 98 76 54 32", "country_id": fr.id}
        )
        cls.env["mail.blacklist"].create({"email": "black@example.com"})
        cls.env["phone.blacklist"].create({"number": "+33698765432"})
        cls.granted = cls.env["res.partner"].create(
            {
                "name": "Agreed",
                "email": "agreed@example.com",
                compat.PARTNER_MOBILE_FIELD: "06 11 11 11 11",
                "nps_consent": "granted",
            }
        )
        cls.unknown = cls.env["res.partner"].create(
            {"name": "Not asked", "email": "unknown@example.com", compat.PARTNER_MOBILE_FIELD: "06 22 22 22 22"}
        )
        cls.opted_out = cls.refuser | cls.mail_blacklisted | cls.phone_blacklisted

    def _messages(self, partners):
        mails = self.env["mail.mail"].search([("model", "=", "nps.survey"), ("recipient_ids", "in", partners.ids)])
        mails |= self.env["mail.mail"].search(
            [("email_to", "in", [partner.email_formatted for partner in partners if partner.email])]
        )
        return mails, self._survey_sms(partners)

    def _assert_nothing_sent(self, partners, surveys):
        mails, sms = self._messages(partners)
        self.assertFalse(mails, "no email to a customer who objected")
        self.assertFalse(sms, "no SMS to a customer who objected")
        self.assertFalse(surveys.filtered(lambda survey: survey.state in ("sent", "answered")))

    # ------------------------------------------------------------------
    # Objections
    # ------------------------------------------------------------------
    def test_order_confirmation_never_surveys_a_refusal_or_a_blacklist(self):
        self.campaign_so.quiet_period_days = 0  # each confirmation is a new trigger
        surveys = self.Survey
        for channel in ("email", "sms", "email_sms"):
            with self.subTest(channel=channel):
                self.campaign_so.channel = channel
                with freeze_time(NOW):
                    orders = self.env["sale.order"].browse(
                        [self._confirm_order(partner).id for partner in self.opted_out]
                    )
                channel_surveys = self._order_surveys(orders)
                self.assertEqual(len(channel_surveys), 3, "the trigger ran")
                self._run_cron(NOW + timedelta(hours=25))
                self._run_cron(NOW + timedelta(days=4))
                surveys |= channel_surveys
                self.assertFalse({"sent", "answered"} & set(channel_surveys.mapped("state")), channel)
        self._assert_nothing_sent(self.opted_out, surveys)

    def test_send_now_never_surveys_a_refusal_or_a_blacklist(self):
        for channel, partner, reason in (
            ("email", self.refuser, "The customer refused NPS surveys."),
            ("sms", self.refuser, "The customer refused NPS surveys."),
            ("email", self.mail_blacklisted, "The email address is on the blacklist."),
            ("sms", self.phone_blacklisted, "The mobile number is on the phone blacklist."),
        ):
            with self.subTest(channel=channel, partner=partner.name):
                self.campaign.channel = channel
                survey = self._create_survey(partner=partner, channel=channel)
                survey.with_user(self.user_nps).action_send_now()
                self.assertEqual(survey.state, "cancelled")
                self.assertEqual(survey.state_reason, reason)
        self._assert_nothing_sent(self.opted_out, self.Survey.search([("partner_id", "in", self.opted_out.ids)]))

    def test_no_reminder_after_an_objection(self):
        self.campaign.write({"channel": "email_sms", "reminder_days": 3})
        surveys = self.Survey.browse(
            [self._due_survey(partner).id for partner in (self.unknown, self.granted, self.customer_2)]
        )
        self._run_cron()
        self.assertEqual(set(surveys.mapped("state")), {"sent"})
        self.assertTrue(all(surveys.mapped("reminder_date")))
        # after the invitation: one refuses by hand, one blacklists the phone, one the email
        self.unknown.nps_consent = "refused"
        self.env["phone.blacklist"].create({"number": "+33611111111"})
        self.env["mail.blacklist"].create({"email": "arthur@example.com"})
        self.assertEqual(surveys[0].state, "cancelled", "a refusal cancels the pending survey")
        self.assertFalse(surveys[0].reminder_date, "and its reminder")
        sms_before = self._survey_sms(self.unknown | self.granted)
        self._run_cron(NOW + timedelta(days=3, hours=1))
        self.assertEqual(self._survey_sms(self.unknown | self.granted), sms_before, "no SMS reminder")
        self.assertFalse(surveys[1].reminder_sent_date)
        self.assertFalse(surveys[1].reminder_date, "tried once, not at every run")

    def test_relationship_wizard_excludes_refusals_blacklists_and_missing_consent(self):
        campaign = self.env.ref("nps_closed_loop.nps_campaign_relationship")
        campaign.write({"quiet_period_days": 0, "sampling_rate": 100, "channel": "email", "active": True})
        segment = self.opted_out | self.granted | self.unknown
        wizard = self.env["nps.relationship.wizard"].with_user(self.user_manager).create({"campaign_id": campaign.id})
        wizard.partner_domain = repr([("id", "in", segment.ids)])
        self.assertEqual(wizard.survey_count, 2)
        for reason in ("Refused surveys", "Blacklisted"):
            self.assertIn(reason, wizard.exclusion_summary)
        campaign.lawful_basis = "consent"
        wizard = self.env["nps.relationship.wizard"].with_user(self.user_manager).create({"campaign_id": campaign.id})
        wizard.partner_domain = repr([("id", "in", segment.ids)])
        self.assertEqual(wizard.survey_count, 1, "only the customer who agreed")
        self.assertIn("No consent", wizard.exclusion_summary)

    def test_consent_basis_surveys_only_customers_who_agreed(self):
        self.assertEqual(self.env["nps.campaign"].create({"name": "Default basis"}).lawful_basis, "legitimate_interest")
        self.campaign.write({"lawful_basis": "consent", "channel": "email"})
        granted, unknown, refused = (
            self._due_survey(partner) for partner in (self.granted, self.unknown, self.refuser)
        )
        self._run_cron()
        self.assertEqual(granted.state, "sent")
        self.assertEqual(unknown.state, "cancelled")
        self.assertEqual(
            unknown.state_reason, "The campaign surveys only customers who agreed, and this customer has not."
        )
        self.assertEqual(refused.state, "cancelled")
        self.assertEqual(refused.state_reason, "The customer refused NPS surveys.")
        # "Send now" applies the same rule
        survey = self._create_survey(partner=self.unknown)
        survey.action_send_now()
        self.assertEqual(survey.state, "cancelled")
        # legitimate interest: everyone but refusals
        self.campaign.lawful_basis = "legitimate_interest"
        survey = self._due_survey(self.unknown)
        self._run_cron()
        self.assertEqual(survey.state, "sent")

    def test_manual_refusal_cancels_pending_surveys_and_a_later_trigger_sends_nothing(self):
        scheduled = self._due_survey(self.customer_2)
        sent = self._create_survey(
            partner=self.customer_2, state="sent", sent_date=NOW, reminder_date=NOW + timedelta(days=3)
        )
        answered = self._create_answered(9, partner=self.customer_2)
        with freeze_time(NOW):
            self.customer_2.nps_consent = "refused"
        self.assertRecordValues(
            scheduled | sent | answered,
            [
                {"state": "cancelled", "reminder_date": False},
                {"state": "cancelled", "reminder_date": False},
                {"state": "answered", "reminder_date": False},
            ],
        )
        self.assertRecordValues(
            self.customer_2, [{"nps_consent_date": NOW, "nps_consent_source": "manual", "nps_consent": "refused"}]
        )
        with freeze_time(NOW + timedelta(days=1)):
            order = self._confirm_order(self.customer_2)
        self._run_cron(NOW + timedelta(days=3))
        self._run_cron(NOW + timedelta(days=10))
        self.assertEqual(set(self._order_surveys(order).mapped("state")), {"cancelled"})
        self.assertFalse(self._survey_mails(self._order_surveys(order) | scheduled | sent))

    def test_sms_carries_a_short_opt_out_link(self):
        self.campaign.channel = "sms"
        survey = self._due_survey(self.unknown, channel="sms")
        self._run_cron()
        self.assertEqual(survey.state, "sent")
        sms = self._survey_sms(self.unknown)
        self.assertEqual(len(sms), 1)
        self.assertIn(f"Stop: {survey.get_base_url()}/nps/{survey.access_token}/optout", sms.body)
        self.assertLess(len(sms.body), 200, "still a short message")

    # ------------------------------------------------------------------
    # Proof of consent
    # ------------------------------------------------------------------
    def test_consent_date_and_source_manual_and_import(self):
        partner = self.env["res.partner"].create({"name": "New", "email": "new@example.com"})
        self.assertFalse(partner.nps_consent_date)
        self.assertFalse(partner.nps_consent_source)
        with freeze_time(NOW):
            partner.nps_consent = "granted"
        self.assertRecordValues(partner, [{"nps_consent_date": NOW, "nps_consent_source": "manual"}])
        # writing the same value again proves nothing new
        with freeze_time(NOW + timedelta(days=1)):
            partner.write({"nps_consent": "granted", "comment": "unchanged"})
        self.assertEqual(partner.nps_consent_date, NOW)
        with freeze_time(NOW + timedelta(days=2)):
            partner.with_context(import_file=True).nps_consent = "refused"
        self.assertRecordValues(
            partner, [{"nps_consent_date": NOW + timedelta(days=2), "nps_consent_source": "import"}]
        )
        with freeze_time(NOW):
            imported = (
                self.env["res.partner"]
                .with_context(import_file=True)
                .create({"name": "Imported", "email": "imported@example.com", "nps_consent": "granted"})
            )
        self.assertRecordValues(imported, [{"nps_consent_date": NOW, "nps_consent_source": "import"}])
        # a forged source in the context is no proof
        partner.with_context(nps_consent_source="forged").nps_consent = "granted"
        self.assertEqual(partner.nps_consent_source, "manual")

    def test_consent_history_in_the_chatter(self):
        partner = self.env["res.partner"].with_context(tracking_disable=False).create({"name": "Tracked"})
        self.flush_tracking()
        partner.nps_consent = "granted"
        self.flush_tracking()
        tracked = (
            self.env["mail.tracking.value"]
            .search([("mail_message_id.model", "=", "res.partner"), ("mail_message_id.res_id", "=", partner.id)])
            .field_id.mapped("name")
        )
        for name in ("nps_consent", "nps_consent_date", "nps_consent_source"):
            self.assertIn(name, tracked)


@tagged("post_install", "-at_install")
class TestGdprOptOutRoutes(common.PortalCommon):
    def _assert_untouched(self):
        self.customer.invalidate_recordset()
        self.assertEqual(self.customer.nps_consent, "unknown")
        self.assertFalse(self.customer.nps_consent_date)
        self.assertEqual(self.survey.state, "sent")

    def test_opt_out_from_the_survey_page(self):
        page = self._get(f"/nps/{self.survey.access_token}")
        self.assertIn(f"/nps/{self.survey.access_token}/optout?from=page", page.text)
        confirmation = self._get(f"/nps/{self.survey.access_token}/optout?from=page")
        self.assertIn('name="from" value="page"', confirmation.text)
        self.assertEqual(self._post(data={"from": "page"}, path="/optout").status_code, 200)
        self.assertEqual(self.customer.nps_consent, "refused")
        self.assertEqual(self.customer.nps_consent_source, "survey_page")
        self.assertTrue(self.customer.nps_consent_date)
        self.assertEqual(self.survey.state, "cancelled")

    def test_opt_out_from_the_email_link(self):
        self.assertNotIn('name="from"', self._get(f"/nps/{self.survey.access_token}/optout").text)
        self.assertEqual(self._post(path="/optout").status_code, 200)
        self.assertEqual(self.customer.nps_consent_source, "email_link")
        self.assertEqual(self.customer.nps_consent, "refused")

    def test_one_click_opt_out(self):
        scheduled = self._create_survey(state="scheduled")
        self.survey.reminder_date = datetime.now() + timedelta(days=2)
        self.opener.cookies.clear()
        response = self.opener.post(
            self.base_url() + f"/nps/{self.survey.access_token}/optout",
            data={"List-Unsubscribe": "One-Click"},
            allow_redirects=False,
        )
        self.env.invalidate_all()
        self.assertEqual(response.status_code, 200)
        self.assertRecordValues(self.customer, [{"nps_consent": "refused", "nps_consent_source": "one_click"}])
        self.assertRecordValues(
            self.survey | scheduled,
            [{"state": "cancelled", "reminder_date": False}, {"state": "cancelled", "reminder_date": False}],
        )

    @mute_logger("odoo.http")
    def test_forged_foreign_and_reused_tokens_are_refused(self):
        token = self.survey.access_token
        forged = [
            "0" * 32,
            token[:-1] + ("0" if token[-1] != "0" else "1"),
            token.upper() if token.upper() != token else token.lower(),
            token[:16],
            token + "00",
        ]
        csrf = self._csrf()
        for bad in forged:
            with self.subTest(token=bad):
                self.assertEqual(self._get(f"/nps/{bad}/optout").status_code, 404)
                for data in ({"List-Unsubscribe": "One-Click"}, {"csrf_token": csrf, "from": "page"}):
                    response = self.url_open(f"/nps/{bad}/optout", data=data)
                    self.assertEqual(response.status_code, 404)
                    self.assertIn("Survey not found", response.text)
        self._assert_untouched()

    @mute_logger("odoo.http")
    def test_another_customers_token_only_concerns_that_customer(self):
        other = self._create_survey(partner=self.customer_2, state="sent")
        response = self.url_open(f"/nps/{other.access_token}/optout", data={"List-Unsubscribe": "One-Click"})
        self.env.invalidate_all()
        self.assertEqual(response.status_code, 200)
        self.assertEqual(self.customer_2.nps_consent, "refused")
        self._assert_untouched()

    @mute_logger("odoo.http")
    def test_anonymised_survey_token_is_refused(self):
        token = self.survey.access_token
        self.env["nps.survey.privacy"]._anonymize(self.survey)
        self.env.invalidate_all()
        for response in (
            self._get(f"/nps/{token}/optout"),
            self.url_open(f"/nps/{token}/optout", data={"List-Unsubscribe": "One-Click"}),
            self._get(f"/nps/{token}"),
        ):
            self.assertEqual(response.status_code, 404)
        self.env.invalidate_all()
        self.assertEqual(self.customer.nps_consent, "unknown")

    def test_quote_permission_from_the_page(self):
        form = self._get(f"/nps/{self.survey.access_token}").text
        self.assertIn('name="quote_allowed"', form)
        self.assertNotRegex(form, r'name="quote_allowed"[^>]*checked', "unticked by default")
        self.assertEqual(self._post(data={"score": "10", "comment": "Great", "quote_allowed": "1"}).status_code, 200)
        self.assertRecordValues(self.survey, [{"state": "answered", "quote_allowed": True}])
        self.assertTrue(self.survey.quote_allowed_date)
        self.assertFalse(self.survey.contact_allowed_date)
        self.assertEqual(self._post(data={"score": "10", "quote_allowed": "yes"}).status_code, 400)


@tagged("post_install", "-at_install")
class TestGdprAnswerPermissions(common.NpsCommon):
    def test_permissions_stored_with_their_date(self):
        survey = self._create_survey(state="sent")
        with freeze_time(NOW):
            survey._record_answer(10, comment="Lovely people", contact_allowed=True, quote_allowed=True)
        self.assertRecordValues(
            survey,
            [
                {
                    "contact_allowed": True,
                    "contact_allowed_date": NOW,
                    "quote_allowed": True,
                    "quote_allowed_date": NOW,
                }
            ],
        )
        # a change keeps the date the permission was given, a withdrawal removes it
        with freeze_time(NOW + timedelta(hours=1)):
            survey._record_answer(9, comment="Lovely people", contact_allowed=True, quote_allowed=False)
        self.assertRecordValues(
            survey,
            [{"contact_allowed_date": NOW, "quote_allowed": False, "quote_allowed_date": False}],
        )

    def test_only_quotable_answers_are_testimonials(self):
        quotable = self._create_survey(state="sent")
        quotable._record_answer(10, comment="Best bakery in town", quote_allowed=True)
        private = self._create_survey(partner=self.customer_2, state="sent")
        private._record_answer(10, comment="Do not quote me")
        quotable.with_user(self.user_nps).is_testimonial = True
        self.assertTrue(quotable.is_testimonial)
        with self.assertRaises(ValidationError):
            private.with_user(self.user_nps).is_testimonial = True
        action = self.env["ir.actions.act_window"]._for_xml_id("nps_closed_loop.nps_survey_action_testimonials")
        listed = self.env["nps.survey"].search(safe_eval(action["domain"]))
        self.assertIn(quotable, listed)
        self.assertNotIn(private, listed)
        # the customer withdraws the permission: the testimonial goes with it
        quotable._record_answer(10, comment="Best bakery in town", quote_allowed=False)
        self.assertFalse(quotable.is_testimonial)
        self.assertNotIn(quotable, self.env["nps.survey"].search(safe_eval(action["domain"])))


@tagged("post_install", "-at_install")
class TestGdprRetention(common.NpsCommon):
    def test_answers_anonymised_at_the_retention_limit(self):
        self.env["ir.config_parameter"].set_param("nps_closed_loop.retention_months", "24")
        limit = datetime(2024, 11, 26, 12, 0, 0)
        kept = self._create_answered(9, answer_date=limit + timedelta(days=1), comment="Kept")
        at_limit = self._create_answered(3, answer_date=limit, comment="At the limit")
        older = self._create_answered(7, partner=self.customer_2, answer_date=limit - timedelta(days=1), comment="Old")
        unanswered = self._create_survey(state="expired")
        self.env.cr.execute(
            "UPDATE nps_survey SET create_date = %s WHERE id = %s", (limit - timedelta(days=1), unanswered.id)
        )
        recent_invitation = self._create_survey(state="expired")
        self.env.invalidate_all()
        with freeze_time(datetime(2026, 11, 26, 12, 0, 0)):
            self.env["nps.survey.privacy"]._cron_anonymize_old()
        self.env.invalidate_all()
        self.assertRecordValues(
            kept | at_limit | older | unanswered | recent_invitation,
            [
                {"is_anonymized": False, "comment": "Kept", "score": 9},
                {"is_anonymized": True, "comment": False, "score": 3},
                {"is_anonymized": True, "comment": False, "score": 7},
                {"is_anonymized": True, "comment": False, "score": False},
                {"is_anonymized": False, "comment": False, "score": False},
            ],
        )
        self.assertFalse(at_limit.partner_id)

    def test_retention_zero_keeps_everything(self):
        self.env["ir.config_parameter"].set_param("nps_closed_loop.retention_months", "0")
        survey = self._create_answered(9, answer_date=datetime(2000, 1, 1))
        self.env["nps.survey.privacy"]._cron_anonymize_old()
        self.assertFalse(survey.is_anonymized)

    def test_retention_in_batches(self):
        self.env["ir.config_parameter"].set_param("nps_closed_loop.retention_months", "12")
        surveys = self.env["nps.survey"].browse(
            [self._create_answered(8, answer_date=datetime(2020, 1, 1)).id for _index in range(3)]
        )
        self.assertEqual(self.env["nps.survey.privacy"]._cron_anonymize_old(batch_size=2), 2)
        self.assertEqual(self.env["nps.survey.privacy"]._cron_anonymize_old(batch_size=2), 1)
        self.env.invalidate_all()
        self.assertEqual(set(surveys.mapped("is_anonymized")), {True})

    def test_retention_setting(self):
        settings = self.env["res.config.settings"].create({})
        self.assertEqual(settings.nps_retention_months, 24)
        settings.nps_retention_months = 6
        settings.execute()
        self.assertEqual(self.env["ir.config_parameter"].get_param("nps_closed_loop.retention_months"), "6")
        self.assertTrue(self.env.ref("nps_closed_loop.ir_cron_nps_anonymize_old_answers").active)
