from contextlib import contextmanager

from odoo import Command, fields
from odoo.exceptions import AccessError, UserError
from odoo.tests import Form

from .. import compat
from . import common


class TestNpsSecurity(common.NpsCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.portal_partner = cls.user_portal.partner_id
        cls.survey = cls._create_answered(3, contact_user_id=cls.user_salesman.id, comment="Trop cher")
        cls.survey_other_customer = cls._create_answered(10, partner=cls.customer_2)
        cls.survey_portal = cls._create_answered(8, partner=cls.portal_partner)
        cls.survey_other_company = cls._create_answered(
            9, partner=cls.customer_2, company_id=cls.other_company.id, campaign_id=False
        )
        cls.all_surveys = cls.survey | cls.survey_other_customer | cls.survey_portal | cls.survey_other_company

    def _visible(self, user):
        return self.env["nps.survey"].with_user(user).search([("id", "in", self.all_surveys.ids)])

    def test_employee_without_customers_sees_nothing(self):
        self.assertFalse(self._visible(self.user_employee))
        with self.assertRaises(AccessError):
            self.survey.with_user(self.user_employee).read(["score"])

    def test_salesperson_reads_own_customers_history(self):
        visible = self._visible(self.user_salesman)
        self.assertEqual(visible, self.survey)
        self.assertEqual(self.survey.with_user(self.user_salesman).comment, "Trop cher")
        with self.assertRaises(AccessError):
            self.survey.with_user(self.user_salesman).write({"comment": "changed"})
        with self.assertRaises(AccessError):
            self.env["nps.survey"].with_user(self.user_salesman).create({"partner_id": self.customer.id})

    def test_per_employee_data_is_manager_only(self):
        for user in (self.user_salesman, self.user_nps):
            with self.subTest(user=user.login):
                survey = self.survey.with_user(user)
                with self.assertRaises(AccessError):
                    survey.read(["contact_user_id"])
                with self.assertRaises(AccessError):
                    common.client_read_group(
                        self.env["nps.survey"].with_user(user), [], ["contact_user_id"], ["nps_value:avg"]
                    )
        manager_view = self.survey.with_user(self.user_manager)
        self.assertEqual(manager_view.contact_user_id, self.user_salesman)
        groups = (
            self.env["nps.survey"]
            .with_user(self.user_manager)
            ._read_group([("id", "in", self.all_surveys.ids)], ["contact_user_id"], ["nps_value:avg"])
        )
        self.assertIn((self.user_salesman, -100.0), groups)

    def test_nps_user_reads_all_of_company_and_works_on_callbacks(self):
        visible = self._visible(self.user_nps)
        self.assertEqual(visible, self.survey | self.survey_other_customer | self.survey_portal)
        self.survey.with_user(self.user_nps).write({"loop_notes": "<p>Too expensive: offered a discount.</p>"})
        self.assertIn("discount", self.survey.loop_notes)
        with self.assertRaises(AccessError):
            self.survey.with_user(self.user_nps).unlink()
        with self.assertRaises(AccessError):
            self.env["nps.campaign"].with_user(self.user_nps).create({"name": "Not allowed"})
        with self.assertRaises(AccessError):
            self.campaign.with_user(self.user_nps).write({"name": "Not allowed"})

    def test_manager_configures_campaigns(self):
        campaign = self.env["nps.campaign"].with_user(self.user_manager).create({"name": "Managers may"})
        campaign.write({"name": "Managers may, indeed"})
        self.survey_other_customer.with_user(self.user_manager).unlink()
        self.assertFalse(self.survey_other_customer.exists())

    def test_portal_reads_only_own_answers(self):
        visible = self._visible(self.user_portal)
        self.assertEqual(visible, self.survey_portal)
        with self.assertRaises(AccessError):
            self.survey.with_user(self.user_portal).read(["score"])
        with self.assertRaises(AccessError):
            self.survey_portal.with_user(self.user_portal).write({"score": 10})
        with self.assertRaises(AccessError):
            self.env["nps.campaign"].with_user(self.user_portal).search([])

    def test_portal_cannot_read_loop_data(self):
        survey = self.survey_portal.with_user(self.user_portal)
        self.assertEqual(survey.score, 8)
        for field_name in ("holdout", "loop_state", "callback_user_id", "outcome", "loop_overdue"):
            with self.subTest(field=field_name), self.assertRaises(AccessError):
                survey.read([field_name])

    def test_public_has_no_access(self):
        with self.assertRaises(AccessError):
            self.env["nps.survey"].with_user(self.user_public).search([])
        with self.assertRaises(AccessError):
            self.env["nps.campaign"].with_user(self.user_public).search([])

    def test_multi_company(self):
        other = self.env["nps.survey"].with_user(self.user_other_company)
        self.assertEqual(other.search([("id", "in", self.all_surveys.ids)]), self.survey_other_company)
        with self.assertRaises(AccessError):
            self.survey.with_user(self.user_other_company).read(["score"])
        self.assertFalse(
            self.env["nps.campaign"].with_user(self.user_other_company).search([("id", "=", self.campaign.id)])
        )


class TestLoopSecurity(common.LoopCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.customer_2.user_id = cls.user_salesman

    def _closed_survey(self):
        survey = self._answer(2, partner=self.customer_2, contact_user_id=self.user_salesman.id)
        self._close_loop(survey)
        return survey

    def test_callback_notes_hidden_from_salesperson_and_customer(self):
        survey = self._closed_survey()
        self.assertEqual(survey.with_user(self.user_salesman).loop_state, "closed", "the salesperson sees the loop")
        with self.assertRaises(AccessError):
            survey.with_user(self.user_salesman).read(["loop_notes"])
        self.assertTrue(survey.with_user(self.caller_b).read(["loop_notes"])[0]["loop_notes"])

    def test_only_nps_users_close_loops(self):
        survey = self._answer(2, partner=self.customer_2, contact_user_id=self.user_salesman.id)
        with self.assertRaises(AccessError):
            self.env["nps.close.loop.wizard"].with_user(self.user_salesman).create(
                {"survey_id": survey.id, "outcome": "resolved"}
            )
        with self.assertRaises(AccessError):
            survey.with_user(self.user_salesman).action_nps_close_loop()
        self.assertEqual(survey.loop_state, "open")

    def test_invalid_resurvey_delay_stores_nothing(self):
        survey = self._answer(2)
        wizard = self.env["nps.close.loop.wizard"].create(
            {"survey_id": survey.id, "outcome": "resolved", "schedule_resurvey": True, "resurvey_days": 0}
        )
        with self.assertRaisesRegex(UserError, "greater than zero"):
            wizard.action_confirm()
        self.assertEqual(survey.loop_state, "open")
        self.assertFalse(survey.followup_survey_ids)

    def test_reasons_readable_by_employees_managed_by_managers(self):
        reasons = self.env["nps.reason"].with_user(self.user_employee).search([])
        self.assertIn(self.reason_delivery, reasons)
        with self.assertRaises(AccessError):
            self.env["nps.reason"].with_user(self.user_nps).create({"name": "Packaging"})
        reason = self.env["nps.reason"].with_user(self.user_manager).create({"name": "Packaging"})
        self.assertEqual(reason.name, "Packaging")

    def test_reasons_of_another_company_are_hidden(self):
        foreign = self.env["nps.reason"].create({"name": "Customs", "company_id": self.other_company.id})
        self.assertNotIn(foreign, self.env["nps.reason"].with_user(self.user_manager).search([]))

    def test_views_load_for_every_kind_of_user(self):
        for user in (self.user_salesman, self.user_nps, self.user_manager, self.caller_a):
            views = (
                self.env["nps.survey"].with_user(user).get_views([(False, "form"), (False, "list"), (False, "search")])
            )
            form = views["views"]["form"]["arch"]
            self.assertIn("closing_the_loop", form)
            self.assertEqual("loop_notes" in form, user.has_group("nps_closed_loop.group_nps_user"))
        campaign_form = self.env["nps.campaign"].with_user(self.user_manager).get_views([(False, "form")])
        self.assertIn("called_repurchase_rate", campaign_form["views"]["form"]["arch"])
        survey = self._answer(2)
        wizard_views = self.env["nps.close.loop.wizard"].with_user(self.caller_a).get_views([(False, "form")])
        self.assertIn("outcome", wizard_views["views"]["form"]["arch"])
        self.assertTrue(survey.with_user(self.user_manager).read(["reason_ids", "holdout", "sla_met"]))

    def test_assignee_without_rights_on_the_record_can_still_be_checked(self):
        """The assignment check reads the original contact (manager-only field) whoever assigns."""
        survey = self._answer(2)
        activity = self._callbacks(survey)
        activity.with_user(self.caller_b).write({"user_id": self.caller_c.id})
        self.assertEqual(survey.callback_user_id, self.caller_c)
        self.campaign.callback_user_ids = [Command.unlink(self.caller_c.id)]
        self.assertEqual(survey.callback_user_id, self.caller_c, "removing a member keeps their callbacks")


class TestTokenSecrecy(common.LoopCommon):
    """The token lets anyone answer in the customer's name: no employee reads it, whatever the way."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.customer_2.user_id = cls.user_salesman
        cls.staff = cls.user_salesman | cls.user_employee | cls.user_nps | cls.user_manager
        cls.env.ref("base.group_allow_export").write(
            {compat.GROUP_USERS: [Command.link(user.id) for user in cls.staff]}
        )
        # the salesperson reads it as the customer's salesperson, the employee as the person they dealt with
        cls.survey = cls._create_survey(
            partner=cls.customer_2,
            state="sent",
            contact_user_id=cls.user_employee.id,
            res_model="sale.order",
            res_id=cls.order.id,
        )
        cls.token = cls.survey.access_token

    def test_staff_cannot_read_the_token(self):
        for user in self.staff:
            with self.subTest(user=user.login):
                Survey = self.env["nps.survey"].with_user(user)
                survey = self.survey.with_user(user)
                self.assertEqual(survey.read(["state"])[0]["state"], "sent", "the survey itself is readable")
                for field_name in ("access_token", "access_url"):
                    reads = (
                        lambda field_name=field_name, survey=survey: survey.read([field_name]),
                        lambda field_name=field_name, survey=survey: survey.web_read({field_name: {}}),
                        lambda field_name=field_name, Survey=Survey: Survey.search_read(
                            [("id", "=", self.survey.id)], [field_name]
                        ),
                        lambda field_name=field_name, survey=survey: survey.export_data([field_name]),
                        lambda field_name=field_name, user=user: self.customer_2.with_user(user).export_data(
                            [f"nps_survey_ids/{field_name}"]
                        ),
                    )
                    for read in reads:
                        if field_name == "access_token":
                            with self.assertRaises(AccessError):
                                read()
                        else:
                            # the link is computed for its holders only: "#" for staff
                            self._assert_no_token(read)
                with self.assertRaises(AccessError):
                    Survey.search([("access_token", "=", self.token)])
                # what they may read of it: everything but the token
                everything = Survey.search_read([("id", "=", self.survey.id)])
                self.assertTrue(everything)
                self.assertNotIn(self.token, repr(everything))
                readable = [name for name in Survey.fields_get(attributes=["type"]) if name != "id"]
                self.assertNotIn(self.token, repr(survey.web_read({name: {} for name in readable})))
                self.assertNotIn(self.token, repr(survey.export_data(readable)))
                # nor through the portal helpers callable over RPC or from the share wizard
                with self.assertRaises(AccessError):
                    survey.get_portal_url()
                self.assertNotIn(self.token, survey.access_url)
                with self.assertRaises(AccessError):
                    self.env["portal.share"].with_user(user).with_context(
                        active_model="nps.survey", active_id=self.survey.id
                    ).default_get(["share_link"])

    def _assert_no_token(self, read):
        """``read()`` is refused, or gives nothing holding the customer's token."""
        try:
            result = read()
        except AccessError:
            return
        self.assertNotIn(self.token, repr(result))

    def test_a_forged_context_gives_no_token(self):
        survey = self.survey.with_user(self.user_manager).with_context(nps_token_grant=True)
        self.assertNotIn(self.token, survey.access_url)
        with self.assertRaises(AccessError):
            survey.get_portal_url()

    def _survey_messages(self):
        return self.env["mail.message"].search([("model", "=", "nps.survey"), ("res_id", "=", self.survey.id)])

    def test_no_message_of_the_survey_holds_the_token(self):
        """Sent, answered, written to, resent from the composer and closed: the token goes to the customer
        in their emails only, never into a message of the survey or of its source document."""
        self.survey.write({"state": "scheduled"})
        template = self.env.ref("nps_closed_loop.nps_mail_template_survey")
        with self.mock_mail_gateway():
            self.env["nps.survey.send"]._send(self.survey)
            self.survey._record_answer(2, comment="Late again", contact_allowed=True)
            caller = self.survey.callback_user_id
            self.survey.with_user(caller).message_post(
                body="We will call you today.",
                partner_ids=self.customer_2.ids,
                message_type="comment",
                subtype_xmlid="mail.mt_comment",
            )
            # an agent picking the invitation template in the chatter, as an employee who may not edit
            # templates (the default: rendered as superuser then) and as a template editor
            editor = self.env.ref("mail.group_mail_template_editor")
            for may_edit in (False, True):
                if may_edit:
                    editor.write({compat.GROUP_USERS: [Command.link(caller.id)]})
                self.assertEqual(caller.has_group("mail.group_mail_template_editor"), may_edit)
                composer = (
                    self.env["mail.compose.message"]
                    .with_user(caller)
                    .with_context(
                        default_model="nps.survey",
                        default_res_ids=self.survey.ids,
                        default_template_id=template.id,
                        default_composition_mode="comment",
                    )
                    .create({})
                )
                self.assertIn("score=10", composer.body, "the template was rendered")
                self.assertNotIn(self.token, composer.body)
                composer.action_send_mail()
            self._close_loop(self.survey)
        mails = self.env["mail.mail"].sudo().search([("model", "=", "nps.survey"), ("res_id", "=", self.survey.id)])
        self.assertTrue(any(self.token in (mail.body_html or "") for mail in mails), "the customer's emails hold it")
        messages = self._survey_messages()
        self.assertGreaterEqual(len(messages), 4)
        for message in messages | self.order.message_ids:
            self.assertNotIn(self.token, f"{message.body} {message.subject} {message.preview}")
        for user in self.staff:
            with self.subTest(user=user.login):
                bodies = (
                    self.env["mail.message"]
                    .with_user(user)
                    .search_read([("model", "=", "nps.survey"), ("res_id", "=", self.survey.id)], ["body", "subject"])
                )
                self.assertTrue(bodies)
                self.assertNotIn(self.token, repr(bodies))

    def test_customer_gets_their_links(self):
        """The customer on the portal reads their own links; the sending service and the system too."""
        portal_survey = self._create_survey(partner=self.user_portal.partner_id, state="sent")
        token = portal_survey.access_token
        mine = portal_survey.with_user(self.user_portal)
        self.assertEqual(mine.access_url, f"/nps/{token}")
        self.assertIn(f"/nps/{token}?access_token={token}", mine.get_portal_url())
        with self.assertRaises(AccessError):
            self.survey.with_user(self.user_portal).get_portal_url()
        self.assertEqual(portal_survey.access_url, f"/nps/{token}", "the system (OdooBot)")
        self.assertEqual(portal_survey.sudo()._nps_with_token().access_url, f"/nps/{token}")


class TestAnswersComeFromCustomers(common.LoopCommon):
    """Callback agents and managers cannot write answers nor the control group; the customer and the
    system can, and an NPS manager may import answers, logged on the survey."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.customer_2.user_id = cls.user_salesman
        cls.team = cls.caller_a | cls.user_manager

    def _answered(self):
        survey = self._answer(2, partner=self.customer_2, contact_user_id=self.user_salesman.id)
        self.assertEqual(survey.state, "answered")
        return survey

    def test_answers_cannot_be_rewritten(self):
        survey = self._answered()
        before = survey.read(["score", "comment", "followup", "contact_allowed", "answer_date", "state", "holdout"])
        rewrites = [
            {"score": 9},
            {"comment": "All good in the end"},
            {"followup": False},
            {"contact_allowed": False},
            {"answer_date": fields.Datetime.now()},
            {"answer_editable_until": fields.Datetime.now()},
            {"state": "sent"},
            {"holdout": True},
        ]
        for user in self.team:
            for values in rewrites:
                with self.subTest(user=user.login, values=values), self.assertRaises(AccessError):
                    survey.with_user(user).write(values)
        # a manager's forged import context does not reach the control group
        with self.assertRaises(AccessError):
            survey.with_user(self.user_manager).with_context(import_file=True).write({"holdout": True})
        self.assertEqual(survey.read(list(before[0]))[0], before[0])
        # the agents still work on the loop
        survey.with_user(self.caller_a).write({"reason_ids": [Command.set(self.reason_delivery.ids)]})
        self.assertEqual(survey.reason_ids, self.reason_delivery)

    def test_control_group_is_not_left_by_hand(self):
        self.campaign.holdout_percent = 100.0
        survey = self._answered()
        self.assertTrue(survey.holdout, "drawn by the system when the customer answered")
        for user in self.team:
            with self.subTest(user=user.login), self.assertRaises(AccessError):
                survey.with_user(user).write({"holdout": False})
        self.assertTrue(survey.holdout)
        self.assertFalse(self._callbacks(survey))

    def test_no_survey_created_answered(self):
        Survey = self.env["nps.survey"]
        base = {"partner_id": self.customer_2.id, "campaign_id": self.campaign.id}
        for user in self.team:
            for values in (
                {"state": "answered", "score": 9},
                {"state": "answered"},
                {"score": 3},
                {"comment": "Said on the phone"},
                {"contact_allowed": True},
                {"holdout": True},
                {"access_token": "0123456789abcdef0123456789abcdef"},
            ):
                with self.subTest(user=user.login, values=values), self.assertRaises(AccessError):
                    Survey.with_user(user).create({**base, **values})
        self.assertFalse(Survey.search([("partner_id", "=", self.customer_2.id)]))
        # an invitation is still created by hand
        survey = Survey.with_user(self.caller_a).create(base)
        self.assertEqual(survey.state, "scheduled")

    def test_survey_form_cannot_answer(self):
        survey = self._sent_survey(partner=self.customer_2)
        for user in self.team:
            with self.subTest(user=user.login):
                form = Form(survey.with_user(user), view="nps_closed_loop.nps_survey_view_form")
                with self.assertRaises(AssertionError):
                    form.score = 9  # read-only on the form
                form.state = "answered"
                with self.assertRaises(AccessError):
                    form.save()
                new = Form(
                    self.env["nps.survey"]
                    .with_user(user)
                    .with_context(default_partner_id=self.customer_2.id, default_state="answered", default_score=9),
                    view="nps_closed_loop.nps_survey_view_form",
                )
                with self.assertRaises(AccessError):
                    new.save()
        self.assertEqual(survey.state, "sent")
        self.assertFalse(survey.score)
        self.assertEqual(self.env["nps.survey"].search_count([("partner_id", "=", self.customer_2.id)]), 1)

    def test_customer_answer_goes_through(self):
        """The survey page records the answer on the survey as superuser: callbacks follow as usual."""
        survey = self._sent_survey(partner=self.customer_2)
        survey.with_user(self.env.ref("base.public_user")).sudo()._record_answer(
            3, comment="Slow", contact_allowed=True
        )
        self.assertEqual((survey.state, survey.score, survey.comment), ("answered", 3, "Slow"))
        self.assertTrue(self._callbacks(survey))
        with self.assertRaises(AccessError):
            survey.with_user(self.caller_a)._record_answer(10)
        self.assertEqual(survey.score, 3)

    def _import(self, user):
        return (
            self.env["nps.survey"]
            .with_user(user)
            .with_context(import_file=True)
            .load(
                ["partner_id/.id", "campaign_id/.id", "state", "score", "comment"],
                [[str(self.customer_2.id), str(self.campaign.id), "answered", "7", "Said at the trade fair"]],
            )
        )

    def test_manager_imports_answers_logged(self):
        result = self._import(self.user_manager)
        self.assertFalse(result["messages"])
        survey = self.env["nps.survey"].browse(result["ids"])
        self.assertEqual((survey.state, survey.score, survey.comment), ("answered", 7, "Said at the trade fair"))
        log = survey.message_ids.filtered(lambda message: "Answer imported by Max Manager" in str(message.body))
        self.assertEqual(len(log), 1)
        self.assertEqual(log.author_id, self.user_manager.partner_id)
        self.assertIn("Score", str(log.body))

    def test_agent_cannot_import_answers(self):
        result = self._import(self.caller_a)
        self.assertFalse(result["ids"])
        self.assertIn("Only the customer answers a survey", str(result["messages"]))
        self.assertFalse(self.env["nps.survey"].search([("partner_id", "=", self.customer_2.id)]))


class TestCallbackNotesStayInternal(common.LoopCommon):
    """What the customer said on the callback is for the NPS team: never in the chatter, which the
    salesperson and the employee the customer dealt with read."""

    NOTES = "Customer says Sam promised a discount and never called back"

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.customer_2.user_id = cls.user_salesman
        cls.staff = cls.user_salesman | cls.user_employee

    def _survey(self):
        survey = self._answer(2, partner=self.customer_2, contact_user_id=self.user_employee.id)
        self.flush_tracking()  # created in an earlier transaction: what follows is tracked
        return survey.with_context(tracking_disable=False)

    def _assert_notes_internal(self, survey):
        self.assertIn("promised a discount", survey.loop_notes, "kept in the internal notes")
        self.assertEqual(survey.loop_state, "closed")
        everything = self.env["mail.message"].search([("model", "=", "nps.survey"), ("res_id", "=", survey.id)])
        self.assertTrue(everything)
        self.assertFalse(everything.filtered(lambda message: "promised a discount" in str(message.body)))
        for user in self.staff:
            with self.subTest(user=user.login):
                messages = (
                    self.env["mail.message"]
                    .with_user(user)
                    .search_read([("model", "=", "nps.survey"), ("res_id", "=", survey.id)], ["body"])
                )
                self.assertTrue(messages, "the chatter is readable")
                self.assertNotIn("promised a discount", repr(messages))
                chatter = survey.with_user(user).message_ids
                self.assertTrue(chatter)
                self.assertNotIn("promised a discount", repr(chatter.read(["body"])))

    def test_close_the_loop_keeps_notes_out_of_the_chatter(self):
        survey = self._survey()
        caller = survey.callback_user_id
        wizard = (
            self.env["nps.close.loop.wizard"]
            .with_user(caller)
            .with_context(default_survey_id=survey.id, tracking_disable=False)
            .create({"outcome": "resolved", "notes": f"<p>{self.NOTES}</p>"})
        )
        wizard.action_confirm()
        self.flush_tracking()
        self._assert_notes_internal(survey)
        done = survey.message_ids.filtered(lambda message: message.mail_activity_type_id == self.callback_type)
        self.assertEqual(len(done), 1, "the chatter says the callback was done")
        outcome = survey.message_ids.tracking_value_ids.filtered(lambda value: value.field_id.name == "outcome")
        self.assertTrue(outcome, "and its outcome")

    def test_mark_done_with_feedback_keeps_it_out_of_the_chatter(self):
        survey = self._survey()
        activity = self._callbacks(survey)
        caller = activity.user_id
        action = activity.with_user(caller).action_feedback_schedule_next(feedback=self.NOTES)
        self.env["nps.close.loop.wizard"].with_user(caller).with_context(**action["context"]).create(
            {"outcome": "partly_resolved"}
        ).action_confirm()
        self._assert_notes_internal(survey)

    def test_activity_feedback_goes_to_the_internal_notes(self):
        """What the agent wrote when marking the callback done stays when the loop is closed with notes of its
        own: both in the internal notes, the feedback first, neither in the chatter."""
        survey = self._survey()
        activity = self._callbacks(survey)
        activity.with_user(activity.user_id).action_feedback(feedback=self.NOTES)
        self.assertEqual(survey.loop_state, "contacted")
        self._close_loop(survey)  # with the dialog's own notes: "Apologised; delivery slot confirmed by phone."
        notes = survey.loop_notes
        self.assertIn("delivery slot", notes)
        self.assertIn("promised a discount", notes, "the feedback is not replaced by the dialog's notes")
        self.assertLess(notes.index("promised a discount"), notes.index("delivery slot"), "oldest first")
        self._assert_notes_internal(survey)


class TestCompanyConsistency(common.LoopCommon):
    """A survey, its campaign, its reasons and its caller belong to one company."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.other_campaign = cls.env["nps.campaign"].create(
            {
                "name": "Other company's campaign",
                "company_id": cls.other_company.id,
                "user_id": cls.user_other_company.id,
            }
        )
        cls.other_reason = cls.env["nps.reason"].create({"name": "Customs", "company_id": cls.other_company.id})

    @contextmanager
    def _assert_incompatible_companies(self):
        with self.assertRaises(UserError) as caught:  # rolls the refused write back, unlike assertRaisesRegex
            yield
        # Odoo's company check, or (19.0, for a record the user may not read) its multi-company access error
        self.assertRegex(str(caught.exception), "belongs to another company|multi-company issue")

    def test_campaign_of_another_company_is_refused(self):
        Survey = self.env["nps.survey"].with_user(self.user_other_company)
        with self._assert_incompatible_companies():
            Survey.create(
                {"partner_id": self.customer_2.id, "company_id": self.other_company.id, "campaign_id": self.campaign.id}
            )
        survey = Survey.create(
            {
                "partner_id": self.customer_2.id,
                "company_id": self.other_company.id,
                "campaign_id": self.other_campaign.id,
            }
        )
        with self._assert_incompatible_companies():
            survey.write({"campaign_id": self.campaign.id})
        self.assertEqual(survey.campaign_id, self.other_campaign)
        self.assertEqual(self.env["nps.survey"].search_count([("campaign_id", "=", self.campaign.id)]), 0)

    def test_reasons_and_caller_of_another_company_are_refused(self):
        survey = self._answer(2)
        with self._assert_incompatible_companies():
            survey.with_user(self.user_manager).write({"reason_ids": [Command.set(self.other_reason.ids)]})
        shared = self.reason_delivery
        self.assertFalse(shared.company_id)
        survey.with_user(self.user_manager).write({"reason_ids": [Command.set(shared.ids)]})
        with self._assert_incompatible_companies():
            survey.with_user(self.user_manager).write({"callback_user_id": self.user_other_company.id})
        with self._assert_incompatible_companies():
            self._callbacks(survey).write({"user_id": self.user_other_company.id})
        self.assertNotEqual(survey.callback_user_id, self.user_other_company)

    def test_campaign_responsible_of_another_company_is_refused(self):
        with self._assert_incompatible_companies():
            self.campaign.write({"user_id": self.user_other_company.id})

    def test_responsible_who_left_the_company_is_not_assigned(self):
        """The fallback responsible no longer in the survey's company: the answer is still recorded."""
        self.env.ref("nps_closed_loop.group_nps_manager").write(
            {compat.GROUP_USERS: [Command.set(self.user_other_company.ids)]}
        )
        self.campaign.write({"callback_user_ids": [Command.clear()], "user_id": self.caller_a.id})
        self.caller_a.write({"company_id": self.other_company.id, "company_ids": [Command.set(self.other_company.ids)]})
        survey = self._answer(2)
        self.assertEqual(survey.state, "answered")
        self.assertFalse(survey.callback_user_id)
        self.assertTrue(survey.loop_warning)


class TestNoPerAgentComparison(common.LoopCommon):
    """Callback agents see who handles a callback, but only NPS managers compare agents."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.customer_2.user_id = cls.user_salesman

    def test_only_managers_group_by_callback_agent(self):
        first = self._answer(2)
        second = self._answer(1, partner=self.customer_2)
        self.assertNotEqual(first.callback_user_id, second.callback_user_id)
        domain = [("id", "in", (first | second).ids)]
        for user in (self.caller_a, self.user_nps, self.user_salesman):
            Survey = self.env["nps.survey"].with_user(user)
            with self.subTest(user=user.login):
                with self.assertRaises(AccessError):
                    common.client_read_group(Survey, domain, ["callback_user_id"], ["time_to_first_contact:avg"])
                with self.assertRaises(AccessError):
                    common.client_read_group(
                        Survey, domain, ["callback_user_id"], ["time_to_first_contact:avg"], grouped_list=True
                    )
                with self.assertRaises(AccessError):
                    common.client_read_group(
                        Survey,
                        domain,
                        ["loop_state", "callback_user_id"],
                        ["time_to_first_contact:avg"],
                        grouped_list=True,
                    )
                with self.assertRaises(AccessError):
                    Survey._read_group(domain, [], ["callback_user_id:count_distinct"])
                with self.assertRaises(AccessError):
                    Survey._read_group(domain, ["loop_state"], having=[("callback_user_id:count_distinct", ">", 1)])
                self.assertTrue(
                    common.client_read_group(Survey, domain, ["loop_state"], ["nps_value:avg"]), "other groupings"
                )
                search = Survey.get_views([(False, "search")])["views"]["search"]["arch"]
                self.assertNotIn("groupby_callback_user", search)
        agent = self.env["nps.survey"].with_user(self.caller_a)
        self.assertEqual(agent.browse(first.id).callback_user_id, first.callback_user_id, "who calls is visible")
        mine = agent.search([("callback_user_id", "=", first.callback_user_id.id), *domain])
        self.assertEqual(mine, first)
        manager = self.env["nps.survey"].with_user(self.user_manager)
        groups = dict(manager._read_group(domain, ["callback_user_id"], ["__count"]))
        self.assertEqual(groups, {first.callback_user_id: 1, second.callback_user_id: 1})
        search = manager.get_views([(False, "search")])["views"]["search"]["arch"]
        self.assertIn("groupby_callback_user", search)

    def test_any_employee_reads_a_customers_last_score_not_their_history(self):
        """The last score is the customer's opinion of the company, shown on the contact to everyone; the
        answers themselves stay limited by the record rules."""
        survey = self._answer(3)
        partner = self.customer.with_user(self.user_employee)
        self.assertEqual((partner.nps_last_score, partner.nps_last_category), (3, "detractor"))
        self.assertFalse(partner.nps_answer_ids)
        with self.assertRaises(AccessError):
            survey.with_user(self.user_employee).read(["score"])
