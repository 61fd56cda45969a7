from datetime import datetime, timedelta

from freezegun import freeze_time
from lxml import etree

from odoo import Command, fields
from odoo.exceptions import AccessError

from . import common


class TestCallbackWorkspace(common.LoopCommon):
    """What the callback agent sees: the customer, not a number; the deadline; the customer's situation."""

    def test_activity_and_kanban_views_name_the_customer(self):
        survey = self._answer(2)
        views = (
            self.env["nps.survey"]
            .with_user(survey.callback_user_id)
            .get_views([(False, "activity"), (False, "kanban")])
        )
        for view_type in ("activity", "kanban"):
            arch = etree.fromstring(views["views"][view_type]["arch"])
            self.assertTrue(arch.xpath("//templates//field[@name='partner_id']"), view_type)
        self.assertIn("Jeanne Dupont", survey.display_name)

    def test_callback_activity_reads_call_back_not_warning(self):
        survey = self._answer(2)
        self.assertFalse(self.callback_type.decoration_type, "no 'Warning' decoration on every callback")
        self.assertFalse(survey.activity_exception_decoration)
        self.assertEqual(survey.activity_summary, "Call back Brasserie Dupont, Jeanne Dupont (2/10)")

    def test_callback_lists_sorted_by_deadline_with_status_and_agent(self):
        for xmlid in ("nps_closed_loop.nps_survey_action_callbacks", "nps_closed_loop.nps_survey_action_my_callbacks"):
            action = self.env.ref(xmlid)
            list_view = action.view_ids.filtered(lambda view: view.view_mode == "list").view_id
            arch = etree.fromstring(list_view.arch)
            self.assertTrue(arch.get("default_order").startswith("callback_deadline asc"), xmlid)
            for name in ("callback_deadline", "loop_state", "callback_user_id", "partner_id", "score"):
                field = arch.xpath(f"//field[@name='{name}']")[0]
                self.assertNotEqual(field.get("optional"), "hide", f"{name} is always shown")
        later = self._answer(3, partner=self.customer_2)
        sooner = self._answer(2)
        later.callback_deadline = sooner.callback_deadline + timedelta(hours=5)
        found = self.env["nps.survey"].search([("id", "in", (later | sooner).ids)], order="callback_deadline asc, id")
        self.assertEqual(found, sooner | later)

    def test_late_callback_shows_as_overdue_before_the_hourly_escalation(self):
        with freeze_time("2026-03-02 10:00:00"):
            survey = self._answer(2)
        with freeze_time(survey.callback_deadline - timedelta(minutes=1)):
            survey.invalidate_recordset(["callback_late"])
            self.assertFalse(survey.callback_late)
        with freeze_time(survey.callback_deadline + timedelta(minutes=1)):
            survey.invalidate_recordset(["callback_late"])
            self.assertTrue(survey.callback_late)
            self.assertFalse(survey.loop_overdue, "not escalated yet, but already shown late")

    def test_workspace_shows_previous_answers_and_the_customer_situation(self):
        colleague = self.env["res.partner"].create({"name": "Paul Dupont", "parent_id": self.customer_company.id})
        previous = self._create_answered(9, partner=colleague, answer_date=fields.Datetime.now() - timedelta(days=200))
        self.order.action_confirm()
        survey = self._answer(2)
        agent_view = survey.with_user(survey.callback_user_id)
        self.assertEqual(agent_view.customer_answer_ids, previous, "the company's other answers, not this one")
        self.assertIn(self.order.name, agent_view.customer_context)
        # the number the customer gave, shown once: as their mobile, or as their phone where a partner has one
        # number only
        shown = [number for number in (agent_view.partner_mobile, agent_view.partner_phone) if number]
        self.assertEqual(shown, [common.CUSTOMER_MOBILE])


class TestSalespersonScreens(common.LoopCommon):
    """The account's NPS does not hide bad news; the score shows where the salesperson works."""

    def test_company_headline_is_the_account_nps_over_twelve_months(self):
        contacts = self.env["res.partner"].create(
            [{"name": f"Contact {index}", "parent_id": self.customer_company.id} for index in range(3)]
        )
        now = fields.Datetime.now()
        for contact in contacts:
            self._create_answered(3, partner=contact, answer_date=now - timedelta(days=30))
        self._create_answered(10, partner=self.customer, answer_date=now - timedelta(days=1))
        self._create_answered(0, partner=self.customer, answer_date=now - timedelta(days=400))  # too old
        company = self.customer_company.with_user(self.seller)
        self.assertEqual(company.nps_last_score, 10, "the last answer alone would say 10/10")
        self.assertEqual(company.nps_account_answer_count, 4)
        self.assertEqual(company.nps_account_nps, -50, "(1 promoter - 3 detractors) / 4 answers")
        self.assertEqual(self.customer.with_user(self.seller).nps_account_nps, -50, "its contacts show the same")

    def test_history_keeps_invitations_apart_from_answers(self):
        answered = self._create_answered(8)
        pending = self._sent_survey()
        scheduled = self._create_survey()
        customer = self.customer.with_user(self.seller)
        self.assertEqual(customer.nps_answer_ids, answered)
        self.assertEqual(customer.nps_invitation_ids, pending | scheduled)

    def test_sales_order_shows_its_answer_and_the_customer_last_score(self):
        self._answer(4, res_model="sale.order", res_id=self.order.id)
        order = self.order.with_user(self.seller)
        self.assertEqual((order.nps_score, order.nps_category), (4, "detractor"))
        self.assertEqual(order.nps_customer_last_score, 4)
        other_order = self.env["sale.order"].create({"partner_id": self.customer.id})
        self.assertFalse(other_order.nps_category, "an order that was not surveyed shows no score of its own")
        self.assertEqual(other_order.nps_customer_last_category, "detractor")


class TestCampaignFigures(common.NpsCommon):
    def test_no_answer_is_not_an_nps_of_zero(self):
        self._create_survey(state="sent", sent_date=datetime(2026, 3, 1))
        self.assertEqual(self.campaign.answered_count, 0)
        form = etree.fromstring(self.env["nps.campaign"].get_view(view_type="form")["arch"])
        nps_values = form.xpath("//button[@name='action_view_surveys']//field[@name='nps']/..")
        self.assertEqual(nps_values[0].get("invisible"), "answered_count == 0", "no figure without answers")

    def test_campaign_nps_is_rounded_as_the_pivot_shows_it(self):
        for score in (10, 3, 3):
            self._create_answered(score)
        self.campaign.invalidate_recordset()
        [(pivot_nps,)] = self.env["nps.survey"]._read_group(
            [("campaign_id", "=", self.campaign.id)], [], ["nps_value:avg"]
        )
        self.assertAlmostEqual(pivot_nps, -33.33, places=2)
        self.assertEqual(self.campaign.nps, -33)

    def test_units_are_said_once(self):
        """A field followed by its unit in the form ("24 hours") has no unit in its label."""
        Campaign = self.env["nps.campaign"]
        form = etree.fromstring(Campaign.get_view(view_type="form")["arch"])
        checked = 0
        for field in form.xpath("//div[contains(@class, 'o_row')]/field"):
            unit = (field.tail or "").strip()
            if unit.split(" ")[0] in ("hours", "days"):
                checked += 1
                label = Campaign._fields[field.get("name")].string
                self.assertNotIn("(", label, f"{label} … {unit}")
        self.assertGreaterEqual(checked, 7)
        self.assertNotIn("(", self.env["nps.close.loop.wizard"]._fields["resurvey_days"].string)


class TestManagerTunesTriggers(common.NpsCommon):
    """An NPS manager runs the campaigns' triggers without being an administrator; code stays with admins."""

    def setUp(self):
        super().setUp()
        self.sale_campaign = self.env.ref("nps_closed_loop.nps_campaign_sale_order")
        self.rule = self.sale_campaign.automation_ids[:1]
        self.other_rule = self.env["base.automation"].create(
            {
                "name": "Not an NPS rule",
                "model_id": self.env["ir.model"]._get_id("res.partner"),
                "trigger": "on_create",
                "action_server_ids": [
                    Command.create(
                        {
                            "name": "Code",
                            "model_id": self.env["ir.model"]._get_id("res.partner"),
                            "state": "code",
                            "code": "pass",
                        }
                    )
                ],
            }
        )

    def test_manager_sees_switches_and_tunes_the_campaign_triggers(self):
        campaign = self.sale_campaign.with_user(self.user_manager)
        self.assertEqual(campaign.automation_ids, self.rule, "the triggers tab lists the campaign's rule")
        rule = self.rule.with_user(self.user_manager)
        rule.action_archive()
        self.assertFalse(rule.active)
        rule.action_unarchive()
        rule.write({"filter_domain": "[('amount_total', '>', 100)]"})
        self.assertTrue(rule.active)
        self.assertEqual(rule.action_nps_edit_trigger()["res_id"], self.rule.id)

    def test_manager_adds_a_preset_trigger(self):
        campaign = self.campaign.with_user(self.user_manager)
        action = campaign.action_add_trigger_sale_order()
        rule = self.env["base.automation"].browse(action["res_id"])
        self.assertEqual(rule.action_server_ids.state, "nps_survey")
        self.assertEqual(rule.action_server_ids.nps_campaign_id, self.campaign)

    def test_manager_cannot_run_code_nor_touch_other_rules(self):
        rule = self.rule.with_user(self.user_manager)
        nps_action = rule.action_server_ids.with_user(self.user_manager)
        with self.assertRaises(AccessError):
            nps_action.write({"state": "code", "code": "env.cr.execute('DROP TABLE nps_survey')"})
        with self.assertRaises(AccessError):
            rule.write({"action_server_ids": [Command.link(self.other_rule.action_server_ids.id)]})
        with self.assertRaises(AccessError):
            self.env["base.automation"].with_user(self.user_manager).create(
                {"name": "Mine", "model_id": self.env["ir.model"]._get_id("res.partner"), "trigger": "on_create"}
            )
        with self.assertRaises(AccessError):
            self.other_rule.with_user(self.user_manager).read(["name"])
        with self.assertRaises(AccessError):
            self.other_rule.with_user(self.user_manager).write({"active": False})
        self.assertEqual(nps_action.state, "nps_survey")

    def test_nps_user_and_salesperson_have_no_access(self):
        for user in (self.user_nps, self.user_salesman):
            with self.assertRaises(AccessError):
                self.rule.with_user(user).read(["name"])

    def test_administrator_who_is_nps_manager_keeps_every_rule(self):
        admin = self.env.ref("base.user_admin")
        self.assertTrue(admin.has_group("nps_closed_loop.group_nps_manager"))
        self.assertEqual(self.other_rule.with_user(admin).read(["name"])[0]["name"], "Not an NPS rule")
