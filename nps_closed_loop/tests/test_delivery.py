import smtplib
from contextlib import contextmanager
from datetime import timedelta
from unittest.mock import patch

from freezegun import freeze_time

from odoo.addons.sms.tools.sms_api import SmsApi
from odoo.tests import tagged
from odoo.tools import mute_logger

from .. import compat
from . import common

NOW = common.NOW

BOUNCE = """\
From: MAILER-DAEMON@mail.example.com (Mail Delivery System)
To: {to}
Subject: Undelivered Mail Returned to Sender
Auto-Submitted: auto-replied
MIME-Version: 1.0
Content-Type: multipart/report; report-type=delivery-status; boundary="BOUNDARY"
Message-Id: <bounce.{to}@mail.example.com>

--BOUNDARY
Content-Type: text/plain; charset=us-ascii

Your message could not be delivered: 550 No such person at this address.

--BOUNDARY
Content-Type: message/delivery-status

Reporting-MTA: dns; mail.example.com

Final-Recipient: rfc822; {email}
Action: failed
Status: 5.1.1

--BOUNDARY
Content-Type: text/rfc822-headers

Message-Id: {message_id}
From: {email_from}
To: {email}
Subject: One question

--BOUNDARY--
"""


@tagged("post_install", "-at_install")
class TestDelivery(common.SendingCommon):
    """A survey is sent only if its message leaves: one that could not be delivered is sent again a few
    times, then fails with the reason, and never counts as sent."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.Send = cls.env["nps.survey.send"]
        cls.campaign.write({"reminder_days": 3, "expiry_days": 30})
        cls.customers = cls.env["res.partner"].create(
            [{"name": f"Customer {index}", "email": f"customer{index}@example.com"} for index in range(5)]
        )

    def _process_mail_queue(self, when, smtp_down=False):
        """The mail scheduler's run at ``when``; with ``smtp_down`` the mail server refuses connections."""
        with freeze_time(when), self.mock_mail_gateway(), mute_logger("odoo.addons.mail.models.mail_mail"):
            if smtp_down:
                self.connect_mocked.side_effect = ConnectionRefusedError(111, "Connection refused")
            self.env["mail.mail"].process_email_queue()
            return list(self._mails)

    def _delivered_to(self, mails, email):
        return [mail for mail in mails if any(email in address for address in mail["email_to"])]

    def test_smtp_down_then_back(self):
        surveys = self.Survey.browse([self._due_survey(customer).id for customer in self.customers])
        self._run_cron()
        self.assertEqual(set(surveys.mapped("state")), {"sent"}, "Queued: sent unless the mail server refuses it")

        # the mail server is down: no survey stays sent, none is lost
        self.assertFalse(self._process_mail_queue(NOW + timedelta(minutes=1), smtp_down=True))
        for survey in surveys:
            self.assertRecordValues(
                survey,
                [
                    {
                        "state": "scheduled",
                        "send_attempt_count": 1,
                        "scheduled_date": NOW + timedelta(minutes=1, hours=1),
                        "sent_date": False,
                        "reminder_date": False,
                        "expiry_date": False,
                    }
                ],
            )
            self.assertIn("Not delivered by Email (attempt 1 of 3)", survey.state_reason)
            self.assertIn("Connection failed (outgoing mail server problem)", survey.state_reason)
            self.assertIn("Connection refused", survey.state_reason)
            self.assertIn("Connection refused", survey.message_ids[0].body, "The failure stays in the history")
        self.assertEqual(set(self._survey_mails(surveys).mapped("state")), {"cancel"}, "Never retried as is")
        self.campaign.invalidate_recordset()
        self.assertEqual(self.campaign.sent_count, 0, "Nobody received anything")
        self.assertEqual(self.Survey.search_count([("id", "in", surveys.ids), ("state", "in", ("sent",))]), 0)

        # before the delay nothing leaves; once the server is back, each customer gets one email
        self._run_cron(NOW + timedelta(minutes=30))
        self.assertEqual(set(surveys.mapped("state")), {"scheduled"})
        retry_time = NOW + timedelta(hours=1, minutes=5)
        self._run_cron(retry_time)
        self.assertEqual(set(surveys.mapped("state")), {"sent"})
        delivered = self._process_mail_queue(retry_time + timedelta(minutes=1))
        self.assertEqual(len(delivered), 5)
        for survey in surveys:
            self.assertEqual(len(self._delivered_to(delivered, survey.partner_id.email)), 1)
            self.assertRecordValues(
                survey,
                [{"state": "sent", "send_attempt_count": 1, "state_reason": False, "sent_date": retry_time}],
            )
            self.assertTrue(survey.sent_message_id)
        mails = self._survey_mails(surveys)
        self.assertEqual(len(mails.filtered(lambda mail: mail.state == "sent")), 5, "One delivered email each")
        self.assertEqual(len(mails.filtered(lambda mail: mail.state == "cancel")), 5, "The refused ones stay unsent")
        self.campaign.invalidate_recordset()
        self.assertEqual(self.campaign.sent_count, 5)
        # nothing more leaves: not the cancelled emails, not a second invitation
        self._run_cron(retry_time + timedelta(hours=5))
        self.assertFalse(self._process_mail_queue(retry_time + timedelta(hours=5)))

    def test_connection_lost_while_sending(self):
        """The mail queue stops without reporting when the server drops the connection: the email stays in
        exception and the next sending run puts its survey back."""
        surveys = self.Survey.browse([self._due_survey(customer).id for customer in self.customers[:2]])
        self._run_cron()
        mails = self._survey_mails(surveys)
        # the queue holds these two only: an email queued before them (demo data) would be tried, and stop
        # the queue, first
        self.env["mail.mail"].search([("state", "=", "outgoing"), ("id", "not in", mails.ids)]).cancel()
        with (
            freeze_time(NOW + timedelta(minutes=1)),
            self.mock_mail_gateway(),
            mute_logger("odoo.addons.mail.models.mail_mail"),
        ):
            self.send_email_mocked.side_effect = smtplib.SMTPServerDisconnected("Connection unexpectedly closed")
            self.env["mail.mail"].process_email_queue()
        self.assertEqual(self.send_email_mocked.call_count, 1, "one email tried, then the queue stopped")
        self.assertEqual(sorted(mails.mapped("state")), ["exception", "outgoing"], "The queue stopped at the first")
        stuck = mails.filtered(lambda mail: mail.state == "exception")
        self.assertEqual(set(surveys.mapped("state")), {"sent"})

        self._run_cron(NOW + timedelta(minutes=2))
        self.assertRecordValues(
            stuck.nps_survey_id,
            [{"state": "scheduled", "send_attempt_count": 1, "scheduled_date": NOW + timedelta(minutes=2, hours=1)}],
        )
        self.assertIn("Not delivered by Email (attempt 1 of 3)", stuck.nps_survey_id.state_reason)
        self.assertEqual(stuck.state, "cancel")
        self.assertEqual((surveys - stuck.nps_survey_id).state, "sent", "Still queued: it may leave")
        self._run_cron(NOW + timedelta(minutes=3))
        self.assertEqual(stuck.nps_survey_id.send_attempt_count, 1, "Taken once")

    def test_fails_with_the_reason_after_the_last_attempt(self):
        survey = self._due_survey(self.customers[0])
        when = NOW
        for attempt in (1, 2, 3):
            self._run_cron(when)
            self.assertEqual(survey.state, "sent", f"Attempt {attempt} queued")
            self._process_mail_queue(when + timedelta(minutes=1), smtp_down=True)
            self.assertEqual(survey.send_attempt_count, attempt)
            when = survey.scheduled_date + timedelta(minutes=1)
        self.assertEqual(survey.state, "failed")
        self.assertIn("Not delivered by Email after 3 attempts", survey.state_reason)
        self.assertIn("Connection refused", survey.state_reason)
        self.assertEqual(len(self._survey_mails(survey)), 3)
        self._run_cron(when + timedelta(days=1))
        self.assertEqual(len(self._survey_mails(survey)), 3, "A failed survey is not sent again by itself")
        # sending it again by hand starts a new round of attempts
        with freeze_time(when + timedelta(days=1)):
            survey.action_send_now()
        self.assertRecordValues(survey, [{"state": "sent", "send_attempt_count": 0, "state_reason": False}])

    def test_send_logged_on_the_order_only_once_delivered(self):
        self.campaign_so.quiet_period_days = 0
        with freeze_time(NOW):
            order = self._confirm_order(self.customers[0])
        survey = self._order_surveys(order)
        self._run_cron(NOW + timedelta(hours=25))
        self.assertEqual(survey.state, "sent")
        logged = order.message_ids.filtered(lambda message: "NPS survey sent" in message.body)
        self.assertFalse(logged, "Queued is not sent yet")
        self._process_mail_queue(NOW + timedelta(hours=25, minutes=1), smtp_down=True)
        self.assertEqual(survey.state, "scheduled")
        self.assertFalse(order.message_ids.filtered(lambda message: "NPS survey sent" in message.body))
        self._run_cron(NOW + timedelta(hours=27))
        self._process_mail_queue(NOW + timedelta(hours=27, minutes=1))
        logged = order.message_ids.filtered(lambda message: "NPS survey sent" in message.body)
        self.assertEqual(len(logged), 1)
        self.assertIn(self.customers[0].name, logged.body)

    def test_failed_reminder_leaves_the_survey_sent(self):
        survey = self._due_survey(self.customers[0])
        self._run_cron()
        self._process_mail_queue(NOW + timedelta(minutes=1))
        self.assertEqual(survey.state, "sent")
        reminder_time = NOW + timedelta(days=3, hours=1)
        self._run_cron(reminder_time)
        self.assertEqual(survey.reminder_sent_date, reminder_time)
        self._process_mail_queue(reminder_time + timedelta(minutes=1), smtp_down=True)
        self.assertRecordValues(
            survey,
            [
                {
                    "state": "sent",
                    "send_attempt_count": 0,
                    "sent_date": NOW,
                    "expiry_date": NOW + timedelta(days=30),
                    "state_reason": False,
                }
            ],
        )
        self.assertIn("The reminder by Email could not be delivered", survey.message_ids[0].body)
        reminder = self._survey_mails(survey).filtered(lambda mail: mail.nps_reminder)
        self.assertEqual(reminder.state, "exception", "A reminder is not replaced: it may be retried by hand")

    def test_bounce_puts_the_survey_back(self):
        survey = self._due_survey(self.customers[0])
        self._run_cron()
        self._process_mail_queue(NOW + timedelta(minutes=1))
        self.assertEqual(survey.state, "sent")
        message_id = survey.sent_message_id
        self.assertTrue(message_id)
        bounce = BOUNCE.format(
            to="bounce@example.com",
            email=self.customers[0].email,
            message_id=message_id,
            email_from=self._survey_mails(survey).email_from,
        )
        with freeze_time(NOW + timedelta(minutes=10)):
            self.env["mail.thread"].message_process(False, bounce)
        self.assertRecordValues(
            survey,
            [
                {
                    "state": "scheduled",
                    "send_attempt_count": 1,
                    "sent_date": False,
                    "sent_message_id": False,
                    "scheduled_date": NOW + timedelta(minutes=10, hours=1),
                }
            ],
        )
        self.assertIn(f"The email to {self.customers[0].email} bounced", survey.state_reason)
        # the same bounce again changes nothing
        self.env["mail.thread"].message_process(False, bounce.replace("<bounce.", "<bounce2."))
        self.assertEqual(survey.send_attempt_count, 1)

    def test_reached_states_never_count_a_failed_invitation(self):
        answered = self._due_survey(self.customers[1])
        failing = self._due_survey(self.customers[0])
        self._run_cron()
        with self.mock_mail_gateway():
            answered_mail = self._survey_mails(answered)
            answered_mail.send()
            answered._record_answer(9)

            def refuse(*args, **kwargs):
                raise smtplib.SMTPRecipientsRefused({self.customers[0].email: (550, b"No such user")})

            self.send_email_mocked.side_effect = refuse
            with mute_logger("odoo.addons.mail.models.mail_mail"):
                self._survey_mails(failing).send()
        self.assertEqual(failing.state, "scheduled")
        self.assertIn("No such user", failing.state_reason)
        self.campaign.invalidate_recordset()
        self.assertRecordValues(self.campaign, [{"sent_count": 1, "answered_count": 1, "response_rate": 100.0}])


@tagged("post_install", "-at_install")
class TestSmsDelivery(common.SendingCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.campaign.channel = "sms"
        cls.mobile_customer = cls.env["res.partner"].create(
            {"name": "Mobile", compat.PARTNER_MOBILE_FIELD: "06 12 34 56 78", "country_id": cls.env.ref("base.fr").id}
        )

    @contextmanager
    def _mock_iap(self, state):
        """The SMS provider (IAP) answering ``state`` for every SMS, as Odoo's own SMS tests mock it."""
        sent = []

        def _contact_iap(_api, local_endpoint, params, timeout=15):
            self.assertEqual(local_endpoint, "/api/sms/3/send")
            results = []
            for message in params["messages"]:
                for number in message["numbers"]:
                    results.append({"uuid": number["uuid"], "state": state, "credit": 0 if state != "success" else 1})
                    if state == "success":
                        sent.append(number["number"])
            return results

        with patch.object(SmsApi, "_contact_iap", autospec=True, side_effect=_contact_iap):
            yield sent

    def _process_sms_queue(self):
        """What the SMS queue job sends (its own method commits in 19.0, which a test may not)."""
        self.env["sms.sms"].search([("state", "=", "outgoing")])._send(unlink_failed=False, unlink_sent=True)

    def test_sms_error_puts_the_survey_back_then_sent(self):
        survey = self._due_survey(self.mobile_customer, channel="sms")
        self._run_cron()
        self.assertEqual(survey.state, "sent")
        with freeze_time(NOW + timedelta(minutes=1)), self._mock_iap("insufficient_credit") as sent:
            self._process_sms_queue()
        self.assertFalse(sent)
        self.assertEqual(survey.state, "scheduled")
        self.assertEqual(survey.send_attempt_count, 1)
        self.assertIn("Not delivered by SMS (attempt 1 of 3)", survey.state_reason)
        self.assertIn("Insufficient Credit", survey.state_reason)
        self.assertEqual(self._survey_sms(self.mobile_customer).state, "canceled", "Never resent as is")

        retry_time = NOW + timedelta(hours=2)
        self._run_cron(retry_time)
        with freeze_time(retry_time), self._mock_iap("success") as sent:
            self._process_sms_queue()
        self.assertEqual(sent, ["+33612345678"])
        self.assertRecordValues(survey, [{"state": "sent", "sent_date": retry_time, "send_attempt_count": 1}])
