from datetime import datetime, timedelta

from freezegun import freeze_time
from psycopg2.errors import SerializationFailure

from odoo import SUPERUSER_ID, api
from odoo.tests import Form, tagged
from odoo.tests.common import TransactionCase
from odoo.tools import mute_logger

from . import common


@tagged("post_install", "-at_install")
class TestHelpdeskTrigger(common.NpsCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        if "helpdesk.ticket" not in cls.env:
            return
        cls.Stage = cls.env["helpdesk.ticket.stage"]
        cls.stage_open = cls.Stage.search([("closed", "=", False)], limit=1)
        cls.stage_closed = cls.Stage.search([("closed", "=", True)], limit=1)
        cls.agent = cls.user_salesman

    def setUp(self):
        super().setUp()
        if "helpdesk.ticket" not in self.env:
            self.skipTest("No helpdesk ticket model (helpdesk_mgmt or helpdesk) is installed.")

    def _ticket_surveys(self, ticket):
        return self.env["nps.survey"].search([("res_model", "=", "helpdesk.ticket"), ("res_id", "=", ticket.id)])

    def test_campaign_and_rule_created_at_install(self):
        campaign = self.env.ref("nps_closed_loop.nps_campaign_ticket_closed")
        self.assertEqual(campaign.automation_ids.model_name, "helpdesk.ticket")
        self.assertTrue(campaign.automation_ids.active)
        # idempotent: neither an update nor the settings button makes a second one
        self.assertEqual(self.env["nps.campaign"]._nps_setup_helpdesk_campaign(), campaign)
        settings = self.env["res.config.settings"].create({})
        self.assertEqual(settings.nps_helpdesk_campaign_id, campaign)
        self.assertEqual(settings.action_nps_setup_helpdesk_campaign()["res_id"], campaign.id)

    def test_settings_page_sees_the_installed_helpdesk(self):
        """The settings page, opened as the web client opens it, knows the helpdesk is installed and
        shows its campaign instead of "install a helpdesk app first"."""
        campaign = self.env.ref("nps_closed_loop.nps_campaign_ticket_closed")
        page = Form(self.env["res.config.settings"])
        self.assertTrue(page.nps_helpdesk_available)
        self.assertEqual(page.nps_helpdesk_campaign_id, campaign)

    def test_settings_button_recreates_a_deleted_campaign(self):
        campaign = self.env.ref("nps_closed_loop.nps_campaign_ticket_closed")
        campaign.automation_ids.unlink()
        campaign.action_server_ids.unlink()
        campaign.unlink()
        self.assertFalse(self.env["nps.campaign"]._nps_setup_helpdesk_campaign(), "An update does not resurrect it")
        action = self.env["res.config.settings"].create({}).action_nps_setup_helpdesk_campaign()
        new_campaign = self.env["nps.campaign"].browse(action["res_id"])
        self.assertEqual(new_campaign.name, "After ticket closed")
        self.assertEqual(new_campaign.automation_ids.model_name, "helpdesk.ticket")

    def test_closed_ticket_schedules_one_survey(self):
        campaign = self.env.ref("nps_closed_loop.nps_campaign_ticket_closed")
        campaign.quiet_period_days = 0  # only the one-survey-per-document rule is at stake
        ticket = self.env["helpdesk.ticket"].create(
            {
                "name": "Printer on fire",
                "description": "<p>It smokes.</p>",
                "partner_id": self.customer.id,
                "user_id": self.agent.id,
                "stage_id": self.stage_open.id,
            }
        )
        self.assertFalse(self._ticket_surveys(ticket), "An open ticket is not surveyed")
        now = datetime(2026, 11, 25, 10, 0, 0)
        with freeze_time(now):
            ticket.stage_id = self.stage_closed
        survey = self._ticket_surveys(ticket)
        self.assertRecordValues(
            survey,
            [
                {
                    "state": "scheduled",
                    "partner_id": self.customer.id,
                    "contact_user_id": self.agent.id,
                    "campaign_id": campaign.id,
                    "scheduled_date": now + timedelta(hours=campaign.delay_hours),
                }
            ],
        )
        ticket.stage_id = self.stage_open
        ticket.stage_id = self.stage_closed
        self.assertEqual(len(self._ticket_surveys(ticket)), 1, "Reopened then closed again: still one survey")


@tagged("post_install", "-at_install")
class TestConcurrentSending(common.CommittedWorkers, TransactionCase):
    """Two cron workers at once, on real committed data (each worker has its own cursor and transaction)."""

    SURVEYS = 40

    def setUp(self):
        super().setUp()
        with self.registry.cursor() as cr:
            env = api.Environment(cr, SUPERUSER_ID, {"tracking_disable": True})
            campaign = env["nps.campaign"].create(
                {"name": "Concurrency test", "quiet_period_days": 0, "reminder_days": 0, "expiry_days": 0}
            )
            partners = env["res.partner"].create(
                [
                    {"name": f"Concurrent {index}", "email": f"concurrent{index}@example.com"}
                    for index in range(self.SURVEYS)
                ]
            )
            surveys = env["nps.survey"].create(
                [
                    {
                        "partner_id": partner.id,
                        "campaign_id": campaign.id,
                        "scheduled_date": datetime.now() - timedelta(hours=1),
                    }
                    for partner in partners
                ]
            )
            self.campaign_id, self.partner_ids, self.survey_ids = campaign.id, partners.ids, surveys.ids
        self.addCleanup(self._cleanup)

    def _cleanup(self):
        with self.registry.cursor() as cr:
            env = api.Environment(cr, SUPERUSER_ID, {"tracking_disable": True})
            env["mail.mail"].search([("model", "=", "nps.survey"), ("res_id", "in", self.survey_ids)]).unlink()
            env["mail.message"].search([("model", "=", "nps.survey"), ("res_id", "in", self.survey_ids)]).unlink()
            env["nps.survey"].browse(self.survey_ids).unlink()
            env["nps.campaign"].browse(self.campaign_id).unlink()
            env["res.partner"].browse(self.partner_ids).unlink()

    def _mails_per_survey(self):
        with self.registry.cursor() as cr:
            env = api.Environment(cr, SUPERUSER_ID, {})
            groups = env["mail.mail"]._read_group(
                [("model", "=", "nps.survey"), ("res_id", "in", self.survey_ids)], ["res_id"], ["__count"]
            )
            states = env["nps.survey"].browse(self.survey_ids).mapped("state")
        return dict(groups), states

    def test_two_workers_share_the_batch_and_never_send_twice(self):
        cr1, env1 = self._worker()
        cr2, env2 = self._worker()
        # worker 1 takes a batch and is still working on it (not committed) when worker 2 starts
        env1["nps.survey.send"]._cron_send_surveys(batch_size=25)
        env2["nps.survey.send"]._cron_send_surveys(batch_size=self.SURVEYS)
        cr1.commit()
        cr2.commit()
        mails, states = self._mails_per_survey()
        self.assertEqual(set(states), {"sent"})
        self.assertEqual(sorted(mails), sorted(self.survey_ids), "Every survey has a mail")
        self.assertEqual(set(mails.values()), {1}, "No survey was sent twice")
        # a third run finds nothing left to send
        cr3, env3 = self._worker()
        env3["nps.survey.send"]._cron_send_surveys()
        cr3.commit()
        self.assertEqual(set(self._mails_per_survey()[0].values()), {1})

    def test_worker_with_an_older_snapshot_sends_nothing_again(self):
        cr1, env1 = self._worker()
        cr2, env2 = self._worker()
        cr2.execute("SELECT 1")  # worker 2's transaction (and snapshot) starts before worker 1 commits
        env1["nps.survey.send"]._cron_send_surveys(batch_size=self.SURVEYS)
        cr1.commit()
        # worker 2 still sees the surveys as scheduled, but may not lock rows changed since its snapshot:
        # PostgreSQL stops it; the cron runner rolls back and the job runs again later
        with self.assertRaises(SerializationFailure), mute_logger("odoo.sql_db"):
            env2["nps.survey.send"]._cron_send_surveys(batch_size=self.SURVEYS)
        cr2.rollback()
        mails, states = self._mails_per_survey()
        self.assertEqual(set(states), {"sent"})
        self.assertEqual(len(mails), self.SURVEYS)
        self.assertEqual(set(mails.values()), {1}, "No survey was sent twice")
