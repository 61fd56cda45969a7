import logging
import time

from lxml import html

from odoo.tests import Form
from odoo.tools import format_datetime

from . import common

_logger = logging.getLogger(__name__)

DETRACTOR = {"score": "2", "comment": "Livraison en retard, personne ne nous a prévenus.", "contact_allowed": "1"}


class TestDiscussAlert(common.LoopCommon, common.PortalCommon):
    """A detractor's answer given on the survey page is posted, once, in the campaign's Discuss channel by
    the job that follows the answers: score, comment, who calls back by when, a link to the answer; in the
    language of the campaign's responsible."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.env["res.lang"]._activate_lang("fr_FR")
        cls.env["ir.module.module"]._load_module_terms(["nps_closed_loop"], ["fr_FR"], overwrite=True)
        cls.user_manager.write({"lang": "fr_FR", "tz": "Europe/Paris"})
        cls.channel = cls.env["discuss.channel"].create({"name": "nps-alerts", "channel_type": "channel"})
        cls.campaign.alert_channel_id = cls.channel
        cls.odoobot = cls.env.ref("base.partner_root")

    def _run_after_answers_job(self):
        """The job as the cron runner starts it: its server action, as the cron's user (OdooBot)."""
        cron = self.env.ref("nps_closed_loop.ir_cron_nps_after_answers")
        started = time.perf_counter()
        cron.ir_actions_server_id.with_user(cron.user_id).run()
        _logger.info("NPS after-answers job: %.0f ms", (time.perf_counter() - started) * 1000)
        self.env.invalidate_all()

    def _channel_alerts(self, channel=None):
        return (channel or self.channel).message_ids.filtered(lambda message: message.message_type == "comment")

    def test_detractor_posted_once_in_french(self):
        survey = self._sent_survey()
        self._post(survey, DETRACTOR)
        self.assertEqual(survey.reaction_pending, "answer")
        self.assertFalse(self._channel_alerts(), "the customer does not wait for the alert")

        self._run_after_answers_job()
        alert = self._channel_alerts()
        self.assertEqual(len(alert), 1)
        self.assertEqual(alert.author_id, self.odoobot)
        self.assertTrue(survey.callback_user_id)
        deadline = format_datetime(
            self.env(context={"lang": "fr_FR"}), survey.callback_deadline, tz=self.user_manager.tz
        )
        body = str(alert.body)
        customer = self.customer.display_name
        for expected in (
            f"Détracteur NPS : {customer}",
            f"{customer} a répondu 2/10 à Test campaign.",
            "Livraison en retard, personne ne nous a prévenus.",
            f"{survey.callback_user_id.name} rappellera le client d'ici le {deadline}.",
        ):
            self.assertIn(expected, body)
        link = html.fromstring(body).xpath("//a[@data-oe-model='nps.survey']")
        self.assertEqual([(a.get("data-oe-id"), a.text) for a in link], [(str(survey.id), survey.display_name)])
        # the followers are told as before, with the same text
        notified = self.env["mail.message"].search(
            [("model", "=", "nps.survey"), ("res_id", "=", survey.id), ("subject", "=like", "Détracteur NPS%")]
        )
        self.assertEqual(len(notified), 1)

        # a second run, and a changed answer, post nothing again
        self._run_after_answers_job()
        self._post(survey, {**DETRACTOR, "score": "1"})
        self._run_after_answers_job()
        self.assertEqual(self._channel_alerts(), alert)

    def test_statuses_without_callback(self):
        """A detractor who refused contact: the channel says there is no callback."""
        self.user_manager.lang = "en_US"
        survey = self._sent_survey()
        self._post(survey, {"score": "2", "comment": "Late delivery."})
        self._run_after_answers_job()
        self.assertFalse(survey.callback_user_id)
        alert = self._channel_alerts()
        self.assertEqual(len(alert), 1)
        self.assertIn("The customer did not allow us to contact them: no callback.", str(alert.body))

    def test_promoter_posts_nothing(self):
        survey = self._sent_survey(partner=self.customer_2)
        self._post(survey, {"score": "10", "comment": "Great team."})
        self._run_after_answers_job()
        self.assertEqual(survey.category, "promoter")
        self.assertFalse(self._channel_alerts())

    def test_no_channel_posts_nothing(self):
        self.campaign.alert_channel_id = False
        other_channel = self.env["discuss.channel"].create({"name": "elsewhere", "channel_type": "channel"})
        survey = self._sent_survey()
        self._post(survey, DETRACTOR)
        self._run_after_answers_job()
        self.assertTrue(survey.detractor_alert_date, "the followers were alerted")
        self.assertFalse(self._channel_alerts() | self._channel_alerts(other_channel))

    def test_channel_chosen_on_the_campaign_form(self):
        self.campaign.alert_channel_id = False
        # as the NPS manager, who is no administrator, through the form the web client loads
        with Form(self.campaign.with_user(self.user_manager)) as form:
            form.alert_channel_id = self.channel
        self.assertEqual(self.campaign.alert_channel_id, self.channel)
