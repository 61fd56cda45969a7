import logging
import time
from datetime import datetime, timedelta

from freezegun import freeze_time
from lxml import etree

from odoo import fields
from odoo.addons.nps_closed_loop.tests import common as nps_common
from odoo.modules.migration import load_script
from odoo.tests import Form, new_test_user, tagged

from . import common

TICKET_CAMPAIGN = "nps_closed_loop_helpdesk_mgmt.nps_campaign_ticket_closed"

_logger = logging.getLogger(__name__)


@tagged("post_install", "-at_install")
class TestTicketClosedTrigger(common.TicketFixtures, nps_common.NpsCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.agent = new_test_user(cls.env, login="nps_trigger_agent", groups="helpdesk_mgmt.group_helpdesk_user")

    def _ticket_surveys(self, ticket):
        return self.env["nps.survey"].search([("res_model", "=", "helpdesk.ticket"), ("res_id", "=", ticket.id)])

    def _run_send_job(self, when):
        """The closing only asks for the survey: the send job plans it, run as the cron runner runs it (again
        while it reports work done); how long it took is logged."""
        started = time.perf_counter()
        with freeze_time(when):
            while self.env["nps.survey.send"]._cron_send_surveys():
                pass
        elapsed = time.perf_counter() - started
        _logger.info("The send job ran in %.0f ms", elapsed * 1000)
        self.assertLess(elapsed, 10, f"the send job took {elapsed:.2f} s")

    def test_campaign_and_rule_created_at_install(self):
        campaign = self.env.ref(TICKET_CAMPAIGN)
        self.assertEqual(campaign.automation_ids.model_name, "helpdesk.ticket")
        self.assertTrue(campaign.automation_ids.active)
        # idempotent: neither an update nor the settings button makes a second one
        self.assertEqual(self.env["nps.campaign"]._nps_setup_helpdesk_campaign(), campaign)
        settings = self.env["res.config.settings"].create({})
        self.assertEqual(settings.nps_helpdesk_campaign_id, campaign)
        self.assertEqual(settings.action_nps_setup_helpdesk_campaign()["res_id"], campaign.id)

    def test_settings_page_shows_the_campaign(self):
        """The settings page, opened as the web client opens it, shows the campaign in the NPS app's
        settings instead of the button that creates it."""
        campaign = self.env.ref(TICKET_CAMPAIGN)
        page = Form(self.env["res.config.settings"])
        self.assertEqual(page.nps_helpdesk_campaign_id, campaign)
        arch = etree.fromstring(self.env["res.config.settings"].get_view(view_type="form")["arch"])
        setting = arch.xpath("//app[@name='nps_closed_loop']//setting[@id='nps_helpdesk_campaign']")
        self.assertTrue(setting, "the helpdesk block sits in the NPS app's settings")
        self.assertTrue(setting[0].xpath(".//field[@name='nps_helpdesk_campaign_id']"))
        self.assertEqual(
            setting[0].xpath(".//button[@name='action_nps_setup_helpdesk_campaign']")[0].get("invisible"),
            "nps_helpdesk_campaign_id",
        )

    def test_settings_button_recreates_a_deleted_campaign(self):
        campaign = self.env.ref(TICKET_CAMPAIGN)
        campaign.automation_ids.unlink()
        campaign.action_server_ids.unlink()
        campaign.unlink()
        self.assertFalse(self.env["nps.campaign"]._nps_setup_helpdesk_campaign(), "An update does not resurrect it")
        action = self.env["res.config.settings"].create({}).action_nps_setup_helpdesk_campaign()
        new_campaign = self.env["nps.campaign"].browse(action["res_id"])
        self.assertEqual(new_campaign.name, "After ticket closed")
        self.assertEqual(new_campaign.automation_ids.model_name, "helpdesk.ticket")
        self.assertEqual(self.env.ref(TICKET_CAMPAIGN), new_campaign)

    def test_update_from_1_0_keeps_the_campaign_the_core_created(self):
        """Before 1.1.0 the core created the campaign under its own external id: the update adopts it,
        neither duplicating it nor resurrecting one the admin deleted."""
        campaign = self.env.ref(TICKET_CAMPAIGN)
        params = self.env["ir.config_parameter"].sudo()
        # the database as 1.0.0 left it
        self.env["ir.model.data"].search(
            [("module", "=", "nps_closed_loop_helpdesk_mgmt"), ("name", "=", "nps_campaign_ticket_closed")]
        ).module = "nps_closed_loop"
        params.set_param("nps_closed_loop_helpdesk_mgmt.campaign_created", False)
        params.set_param("nps_closed_loop.helpdesk_campaign_created", "1")
        self.env.flush_all()
        load_script("nps_closed_loop_helpdesk_mgmt/migrations/1.1.0/pre-migration.py", "nps_pre_migration").migrate(
            self.env.cr, "1.0.0"
        )
        self.env.invalidate_all()
        self.env.registry.clear_cache()
        self.assertEqual(self.env["nps.campaign"]._nps_setup_helpdesk_campaign(), campaign)
        self.assertEqual(self.env["nps.campaign"].search_count([("name", "=", "After ticket closed")]), 1)
        self.assertFalse(params.get_param("nps_closed_loop.helpdesk_campaign_created"))
        campaign.automation_ids.unlink()
        campaign.action_server_ids.unlink()
        campaign.unlink()
        self.assertFalse(self.env["nps.campaign"]._nps_setup_helpdesk_campaign(), "a deleted one stays deleted")

    def test_closed_ticket_schedules_one_survey(self):
        campaign = self.env.ref(TICKET_CAMPAIGN)
        campaign.quiet_period_days = 0  # only the one-survey-per-document rule is at stake
        ticket = self._ticket(self.customer, self.stage_open, user_id=self.agent.id)
        self.assertFalse(self._ticket_surveys(ticket), "An open ticket is not surveyed")
        now = datetime(2026, 11, 25, 10, 0, 0)
        with freeze_time(now):
            ticket.stage_id = self.stage_closed
        self.assertFalse(self._ticket_surveys(ticket), "asked for, not created in the agent's transaction")
        self.assertTrue(ticket.with_user(self.agent).nps_survey_planned, "the agent sees it planned")
        form = Form(ticket.with_user(self.agent))
        shown = nps_common.buttons_shown(form, "action_open_nps_survey")
        self.assertEqual(len(shown), 1, "one button: the survey is planned, not answered")
        self.assertIn("Survey planned", etree.tostring(shown[0], encoding="unicode"))
        self._run_send_job(now + timedelta(minutes=20))
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
        self._run_send_job(now + timedelta(hours=1))
        self.assertEqual(len(self._ticket_surveys(ticket)), 1, "Reopened then closed again: still one survey")

    def test_manager_adds_the_ticket_closed_trigger_from_the_campaign(self):
        """The campaign form offers the preset to an NPS manager, who is no administrator."""
        campaign = self.campaign.with_user(self.user_manager)
        arch = etree.fromstring(campaign.get_view(view_type="form")["arch"])
        self.assertTrue(arch.xpath("//page[@name='triggers']//button[@name='action_add_trigger_ticket_closed']"))
        action = campaign.action_add_trigger_ticket_closed()
        automation = self.env["base.automation"].browse(action["res_id"])
        self.assertEqual(campaign.automation_ids, automation)
        self.assertRecordValues(
            automation,
            [
                {
                    "model_name": "helpdesk.ticket",
                    "trigger": "on_create_or_write",
                    "filter_pre_domain": "[('stage_id.closed', '=', False)]",
                    "filter_domain": "[('stage_id.closed', '=', True)]",
                }
            ],
        )
        self.env.ref(TICKET_CAMPAIGN).automation_ids.active = False  # only the new rule fires
        ticket = self._ticket(self.customer, self.stage_open, user_id=self.agent.id)
        ticket.stage_id = self.stage_closed
        self._run_send_job(fields.Datetime.now())
        self.assertEqual(self._ticket_surveys(ticket).campaign_id, self.campaign)
