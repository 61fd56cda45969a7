from datetime import datetime, timedelta
from unittest.mock import patch

from freezegun import freeze_time
from lxml import html

from odoo import Command, fields
from odoo.exceptions import UserError, ValidationError
from odoo.tests import Form

from .. import compat
from . import common


class TestCallback(common.LoopCommon):
    @freeze_time("2026-03-04 10:00:00")
    def test_detractor_answer_done_when_scenario(self):
        """One callback at once, due within 48 h, for a team member who is not the salesperson; closing records it."""
        with self.mock_mail_gateway():
            survey = self._answer(3)
        activity = self._callbacks(survey)
        self.assertEqual(len(activity), 1)
        self.assertIn(activity.user_id, self.caller_a | self.caller_b | self.caller_c)
        self.assertNotEqual(activity.user_id, self.seller, "the salesperson they dealt with never calls back")
        self.assertEqual(survey.loop_state, "open")
        self.assertEqual(survey.callback_user_id, activity.user_id)
        self.assertEqual(survey.callback_deadline, datetime(2026, 3, 6, 10, 0))
        self.assertLessEqual(activity.date_deadline, (survey.answer_date + timedelta(hours=48)).date())
        for expected in (
            "3/10",
            "Late delivery, nobody warned us",
            "Call before delivering",
            self.order.name,
            "+33 6 12 34 56 78",
        ):
            self.assertIn(expected, str(activity.note))
        # The callback shows on the customer's side too.
        self.assertIn(survey, self.customer.nps_survey_ids)
        self.assertEqual(self.customer.nps_survey_ids.activity_ids, activity)

        with freeze_time("2026-03-05 09:00:00"):
            self._close_loop(survey, outcome="partly_resolved", reasons=self.reason_delivery | self.reason_support)
        self.assertFalse(self._callbacks(survey), "the callback activity is done")
        self.assertEqual(survey.loop_state, "closed")
        self.assertEqual(survey.outcome, "partly_resolved")
        self.assertEqual(survey.reason_ids, self.reason_delivery | self.reason_support)
        self.assertIn("delivery slot confirmed", survey.loop_notes)
        self.assertEqual(survey.first_contact_date, datetime(2026, 3, 5, 9, 0))
        self.assertEqual(survey.loop_close_date, datetime(2026, 3, 5, 9, 0))
        self.assertAlmostEqual(survey.time_to_first_contact, 23.0)
        self.assertTrue(survey.sla_met)
        done_message = survey.message_ids.filtered(lambda message: message.mail_activity_type_id == self.callback_type)
        self.assertTrue(done_message, "marking the callback done is logged in the chatter")

    def test_late_first_contact_misses_sla(self):
        with freeze_time("2026-03-04 10:00:00"):
            survey = self._answer(2)
        with freeze_time("2026-03-07 10:00:00"):
            self._callbacks(survey).action_feedback(feedback="Reached on the third day")
        self.assertEqual(survey.loop_state, "contacted")
        self.assertAlmostEqual(survey.time_to_first_contact, 72.0)
        self.assertFalse(survey.sla_met)

    def test_passive_and_promoter_get_no_callback(self):
        surveys = self._answer(7) | self._answer(10, partner=self.customer_2)
        self.assertFalse(self._callbacks(surveys))
        self.assertEqual(set(surveys.mapped("loop_state")), {"none"})

    def test_callback_on_contact_allowed_option(self):
        passive = self._answer(8)
        self.assertFalse(self._callbacks(passive), "without the option, only detractors are called back")
        self.campaign.callback_on_contact_allowed = True
        passive_allowing = self._answer(8)
        passive_refusing = self._answer(8, contact_allowed=False)
        self.assertEqual(len(self._callbacks(passive_allowing)), 1)
        self.assertFalse(self._callbacks(passive_refusing))

    def test_contact_refused_gets_no_callback(self):
        """A detractor who did not tick "You may contact me": no callback, shown and counted apart."""
        survey = self._answer(1, contact_allowed=False)
        self.assertFalse(self._callbacks(survey))
        self.assertEqual(survey.loop_state, "none")
        self.assertTrue(survey.contact_refused)
        self.assertFalse(survey.holdout)
        self._answer(2)
        self.campaign.invalidate_recordset()
        self.assertEqual(self.campaign.contact_refused_count, 1)
        self.assertEqual(self.campaign.called_detractor_count, 1)
        self.assertEqual(self.campaign.holdout_detractor_count, 0)

    def test_callback_scheduled_by_hand_opens_the_loop(self):
        """The customer refused contact, then phoned in: a callback scheduled by hand is tracked like the others."""
        survey = self._answer(1, contact_allowed=False)
        activity = survey.activity_schedule(
            "nps_closed_loop.mail_activity_type_nps_callback",
            date_deadline=fields.Date.to_date("2026-03-09"),
            user_id=self.caller_b.id,
        )
        self.assertEqual(survey.loop_state, "open")
        self.assertEqual(survey.callback_user_id, self.caller_b)
        self.assertEqual(survey.callback_deadline, datetime(2026, 3, 9, 23, 59, 59))
        activity.action_feedback(feedback="Called")
        self.assertEqual(survey.loop_state, "contacted")

    def test_changed_answer_is_idempotent(self):
        survey = self._answer(4)
        activity = self._callbacks(survey)
        survey._record_answer(2, comment="Worse than I said", contact_allowed=True)
        self.assertEqual(self._callbacks(survey), activity, "a changed answer never creates a second callback")
        self.assertIn("2/10", str(activity.note))
        self.assertIn("Worse than I said", str(activity.note))

    def test_changed_answer_leaving_detractors_withdraws_untouched_callback(self):
        survey = self._answer(4)
        survey._record_answer(9, comment="Sorry, I misread the scale", contact_allowed=True)
        self.assertFalse(self._callbacks(survey))
        self.assertEqual(survey.loop_state, "none")
        self.assertFalse(survey.callback_user_id)
        # Back to a detractor: a callback again, still only one.
        survey._record_answer(3, contact_allowed=True)
        self.assertEqual(len(self._callbacks(survey)), 1)

    def test_changed_answer_withdrawing_contact_withdraws_callback(self):
        survey = self._answer(4)
        survey._record_answer(4, contact_allowed=False)
        self.assertFalse(self._callbacks(survey))
        self.assertEqual(survey.loop_state, "none")
        self.assertTrue(survey.contact_refused)
        withdrawn = survey.message_ids.filtered(lambda message: "callback is withdrawn" in str(message.body))
        self.assertTrue(withdrawn, "the chatter says why the callback disappeared")

    def test_changed_answer_after_contact_keeps_the_loop(self):
        survey = self._answer(4)
        self._callbacks(survey).action_feedback(feedback="Called")
        survey._record_answer(9, contact_allowed=True)
        self.assertEqual(survey.loop_state, "contacted")
        self.assertTrue(survey.first_contact_date)


class TestAssignment(common.LoopCommon):
    def test_original_contact_in_team_is_never_assignee(self):
        self.campaign.callback_user_ids = self.seller | self.caller_a
        for _index in range(3):
            survey = self._answer(2)
            self.assertEqual(survey.callback_user_id, self.caller_a)

    def test_salesperson_of_the_company_is_excluded(self):
        self.customer_company.user_id = self.caller_a
        self.campaign.callback_user_ids = self.caller_a | self.caller_b
        survey = self._answer(2, contact_user_id=self.caller_c.id)
        self.assertEqual(survey.callback_user_id, self.caller_b)

    def test_archived_or_other_company_members_are_skipped(self):
        self.caller_a.active = False
        self.caller_b.write({"company_id": self.other_company.id, "company_ids": [Command.set(self.other_company.ids)]})
        self.campaign.callback_user_ids = self.caller_a | self.caller_b | self.caller_c
        self.assertEqual(self._answer(2).callback_user_id, self.caller_c)

    @freeze_time("2026-03-04 10:00:00")
    def test_survey_without_campaign_still_called_back(self):
        survey = self._answer(2, campaign_id=False)
        self.assertTrue(survey.callback_user_id.has_group("nps_closed_loop.group_nps_manager"))
        self.assertEqual(survey.callback_deadline, datetime(2026, 3, 6, 10, 0), "48 hours by default")

    def test_no_eligible_team_member_falls_back_to_a_manager(self):
        self.campaign.callback_user_ids = self.seller
        survey = self._answer(2)
        self.assertTrue(survey.callback_user_id.has_group("nps_closed_loop.group_nps_manager"))
        self.assertNotEqual(survey.callback_user_id, self.seller)
        self.assertFalse(survey.loop_warning)

    def test_original_contact_who_is_the_only_manager(self):
        """The only NPS manager is the original contact: the responsible with a warning, else nobody."""
        managers = self.env.ref("nps_closed_loop.group_nps_manager")
        managers[compat.GROUP_USERS] = [Command.set(self.user_manager.ids)]
        self.campaign.callback_user_ids = False
        self.campaign.user_id = self.user_manager
        survey = self._answer(2, contact_user_id=self.user_manager.id)
        self.assertFalse(survey.callback_user_id)
        self.assertFalse(self._callbacks(survey))
        self.assertEqual(survey.loop_state, "open")
        self.assertIn("callback team", survey.loop_warning)

        self.campaign.user_id = self.user_nps
        survey = self._answer(2, contact_user_id=self.user_manager.id)
        self.assertEqual(survey.callback_user_id, self.user_nps)
        self.assertEqual(self._callbacks(survey).user_id, self.user_nps)
        self.assertIn("responsible", survey.loop_warning)

    def test_fewest_open_callbacks_first(self):
        self.campaign.callback_user_ids = self.caller_a | self.caller_b | self.caller_c
        minute = iter(range(60))
        for user, count in ((self.caller_a, 2), (self.caller_b, 1)):
            for _index in range(count):
                with freeze_time(datetime(2026, 3, 4, 10, next(minute))):
                    self._answer(3).callback_user_id = user
        # Open callbacks: a 2, b 1, c 0.
        with freeze_time(datetime(2026, 3, 4, 10, next(minute))):
            self.assertEqual(self._answer(3).callback_user_id, self.caller_c)
        # a 2, b 1, c 1: b and c tie, b waited longer.
        with freeze_time(datetime(2026, 3, 4, 10, next(minute))):
            self.assertEqual(self._answer(3).callback_user_id, self.caller_b)
        with freeze_time(datetime(2026, 3, 4, 10, next(minute))):
            self.assertEqual(self._answer(3).callback_user_id, self.caller_c)
        open_loads = dict(
            self.env["nps.survey"]._read_group(
                [("callback_user_id", "in", self.campaign.callback_user_ids.ids), ("loop_state", "=", "open")],
                ["callback_user_id"],
                ["__count"],
            )
        )
        self.assertEqual(open_loads, {self.caller_a: 2, self.caller_b: 2, self.caller_c: 2})

    def test_ties_are_round_robin(self):
        self.campaign.callback_user_ids = self.caller_a | self.caller_b | self.caller_c
        assignees = []
        for minute in range(6):
            with freeze_time(datetime(2026, 3, 4, 10, minute)):
                survey = self._answer(3)
                assignees.append(survey.callback_user_id)
                # Closed at once: every member is back to zero open callbacks, only rotation decides.
                self._close_loop(survey)
        self.assertEqual(len(set(assignees[:3])), 3, "each member once before anyone twice")
        self.assertEqual(assignees[3:], assignees[:3], "then the same order again")

    def test_manual_assignment_to_original_contact_refused(self):
        survey = self._answer(2)
        activity = self._callbacks(survey)
        with self.assertRaisesRegex(
            ValidationError, "Sophie Seller dealt with .*Jeanne Dupont and cannot call them back"
        ):
            survey.callback_user_id = self.seller
        with self.assertRaisesRegex(ValidationError, "cannot call them back"):
            activity.user_id = self.seller
        with self.assertRaisesRegex(ValidationError, "cannot call them back"):
            survey.activity_schedule("nps_closed_loop.mail_activity_type_nps_callback", user_id=self.seller.id)
        self.customer_company.user_id = self.user_nps
        with self.assertRaisesRegex(ValidationError, "Nora NPS is the salesperson of .*Jeanne Dupont"):
            survey.callback_user_id = self.user_nps
        self.assertNotEqual(survey.callback_user_id, self.seller)

    def test_reassignment_keeps_survey_and_activity_in_step(self):
        self.campaign.callback_user_ids = self.caller_a
        survey = self._answer(2)
        activity = self._callbacks(survey)
        survey.callback_user_id = self.caller_b
        self.assertEqual(activity.user_id, self.caller_b)
        activity.user_id = self.caller_c
        self.assertEqual(survey.callback_user_id, self.caller_c)
        survey.with_user(self.caller_a).action_nps_take_callback()
        self.assertEqual(activity.user_id, self.caller_a)


class TestDeadline(common.LoopCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.calendar = cls.env["resource.calendar"].create({"name": "Office hours (UTC)", "tz": "UTC"})
        cls.env["resource.resource"].create(
            {"name": cls.caller_a.name, "user_id": cls.caller_a.id, "calendar_id": cls.calendar.id, "tz": "UTC"}
        )
        cls.campaign.write({"callback_user_ids": [Command.set(cls.caller_a.ids)], "callback_sla_hours": 16})

    def test_calendar_is_the_standard_week(self):
        self.assertEqual(self.caller_a.resource_calendar_id, self.calendar)
        self.assertAlmostEqual(self.calendar.hours_per_day, 8.0)

    @freeze_time("2026-03-06 16:00:00")  # a Friday, one working hour left
    def test_deadline_in_round_the_clock_hours(self):
        survey = self._answer(2)
        self.assertEqual(survey.callback_deadline, datetime(2026, 3, 7, 8, 0))
        self.assertEqual(self._callbacks(survey).date_deadline, fields.Date.to_date("2026-03-07"))

    @freeze_time("2026-03-06 16:00:00")
    def test_deadline_in_working_hours(self):
        """16 working hours from Friday 16:00 on 8-12/13-17: Friday 1 h, Monday 8 h, Tuesday 7 h -> Tuesday 16:00."""
        self.campaign.callback_sla_working_hours = True
        survey = self._answer(2)
        self.assertEqual(survey.callback_deadline, datetime(2026, 3, 10, 16, 0))
        self.assertEqual(self._callbacks(survey).date_deadline, fields.Date.to_date("2026-03-10"))

    @freeze_time("2026-03-06 16:00:00")
    def test_deadline_in_working_hours_skips_time_off(self):
        self.campaign.callback_sla_working_hours = True
        self.env["resource.calendar.leaves"].create(
            {
                "name": "Day off",
                "calendar_id": self.calendar.id,
                "resource_id": self.caller_a.resource_ids.id,
                "date_from": datetime(2026, 3, 9, 0, 0),
                "date_to": datetime(2026, 3, 9, 23, 59),
                "time_type": "leave",
            }
        )
        survey = self._answer(2)
        self.assertEqual(survey.callback_deadline, datetime(2026, 3, 11, 16, 0))

    @freeze_time("2026-03-06 16:00:00")
    def test_assignee_without_calendar_uses_company_calendar(self):
        self.campaign.write({"callback_sla_working_hours": True, "callback_user_ids": [Command.set(self.caller_b.ids)]})
        self.assertFalse(self.caller_b.resource_calendar_id)
        self.caller_b.company_id.resource_calendar_id = self.env["resource.calendar"].create(
            {"name": "Office hours (New York)", "tz": "America/New_York"}
        )
        survey = self._answer(2)
        # 16 working hours from Friday 16:00 UTC, 11:00 in New York, on 8-12/13-17 there: Friday 5 h, Monday
        # 8 h, Tuesday 3 h -> Tuesday 11:00, 15:00 UTC (summer time from Sunday 8 March)
        self.assertEqual(survey.callback_deadline, datetime(2026, 3, 10, 15, 0))


class TestAlertsAndEscalation(common.LoopCommon):
    def _notified_partners(self, survey, subject_part):
        messages = self.env["mail.message"].search(
            [("model", "=", "nps.survey"), ("res_id", "=", survey.id), ("subject", "ilike", subject_part)]
        )
        return messages, messages.notification_ids.res_partner_id | messages.partner_ids

    def test_detractor_alerts_campaign_followers_at_once(self):
        with self.mock_mail_gateway():
            survey = self._answer(2)
        messages, partners = self._notified_partners(survey, "NPS detractor")
        self.assertEqual(len(messages), 1)
        self.assertIn(self.user_employee.partner_id, partners)
        self.assertNotIn(self.seller.partner_id, partners, "the salesperson is informed only if the campaign says so")
        self.assertNotIn(self.customer, partners)
        self.assertIn(survey.callback_user_id.name, str(messages.body))
        # A changed answer does not alert twice.
        survey._record_answer(1, contact_allowed=True)
        messages, _partners = self._notified_partners(survey, "NPS detractor")
        self.assertEqual(len(messages), 1)

    def test_salesperson_may_be_informed_but_never_assigned(self):
        self.campaign.notify_salesperson = True
        self.campaign.callback_user_ids = self.seller | self.caller_a
        with self.mock_mail_gateway():
            survey = self._answer(2)
        _messages, partners = self._notified_partners(survey, "NPS detractor")
        self.assertIn(self.seller.partner_id, partners)
        self.assertEqual(survey.callback_user_id, self.caller_a)

    def test_no_alert_for_passives(self):
        survey = self._answer(7)
        messages, _partners = self._notified_partners(survey, "NPS detractor")
        self.assertFalse(messages)

    def test_overdue_callbacks_escalated_to_managers(self):
        with freeze_time("2026-03-04 10:00:00"):
            late = self._answer(2)
            on_time = self._answer(3)
            called = self._answer(3)
        on_time.with_context(nps_loop_sync=True).callback_deadline = datetime(2026, 3, 10, 10, 0)
        self._callbacks(called).action_feedback(feedback="Reached")
        with freeze_time("2026-03-06 11:00:00"), self.mock_mail_gateway():
            self.env["nps.survey.loop"]._cron_escalate_callbacks()
        self.assertTrue(late.loop_overdue)
        self.assertFalse(on_time.loop_overdue)
        self.assertFalse(called.loop_overdue, "a callback made late is no longer overdue")
        messages, partners = self._notified_partners(late, "Overdue NPS callback")
        self.assertEqual(len(messages), 1)
        self.assertIn(self.user_manager.partner_id, partners)
        self.assertNotIn(self.seller.partner_id, partners)
        with freeze_time("2026-03-06 12:00:00"):
            self.env["nps.survey.loop"]._cron_escalate_callbacks()
        messages, _partners = self._notified_partners(late, "Overdue NPS callback")
        self.assertEqual(len(messages), 1, "escalated once")
        overdue = self.env["nps.survey"].search([("loop_overdue", "=", True), ("loop_state", "=", "open")])
        self.assertEqual(overdue, late)

    def test_escalation_cron_isolates_failures(self):
        with freeze_time("2026-03-04 10:00:00"):
            first = self._answer(2)
            second = self._answer(3)
        original = type(self.env["nps.survey.loop"])._escalate

        def failing_escalate(loop, survey):
            if survey == first:
                raise ValueError("boom")
            return original(loop, survey)

        with (
            freeze_time("2026-03-06 11:00:00"),
            self.mock_mail_gateway(),
            self.assertLogs("odoo.addons.nps_closed_loop.models.nps_survey_loop", level="ERROR"),
        ):
            with patch.object(type(self.env["nps.survey.loop"]), "_escalate", failing_escalate):
                self.env["nps.survey.loop"]._cron_escalate_callbacks()
        self.assertFalse(first.loop_overdue)
        self.assertTrue(second.loop_overdue)


class TestClosingTheLoop(common.LoopCommon):
    def test_marking_callback_done_opens_close_the_loop_form(self):
        survey = self._answer(2)
        activity = self._callbacks(survey)
        self.assertTrue(activity.nps_is_callback)
        action = activity.with_user(activity.user_id).action_feedback_schedule_next(feedback="Customer reached")
        self.assertEqual(action["res_model"], "nps.close.loop.wizard")
        self.assertEqual(action["context"]["default_survey_id"], survey.id)
        self.assertEqual(action["context"]["default_notes"], "Customer reached")
        self.assertTrue(activity.exists(), "the form marks the activity done, not the button")
        wizard = (
            self.env["nps.close.loop.wizard"]
            .with_user(activity.user_id)
            .with_context(**action["context"])
            .create({"outcome": "resolved", "reason_ids": [Command.set(self.reason_support.ids)]})
        )
        wizard.action_confirm()
        # done: deleted (18.0), or archived with the done activities (19.0)
        self.assertFalse(activity.exists().filtered("active"))
        self.assertEqual(survey.loop_state, "closed")
        self.assertEqual(survey.reason_ids, self.reason_support)

    def test_close_the_loop_dialog_schedules_the_resurvey_as_the_web_client_saves_it(self):
        """The dialog, saved the way the web client saves it (editable fields only), re-surveys the
        customer when the box is left ticked, in the number of days shown."""
        self.campaign.write({"resurvey_after_close": True, "resurvey_days": 21})
        survey = self._answer(2)
        caller = survey.callback_user_id
        dialog = Form(
            self.env["nps.close.loop.wizard"].with_user(caller).with_context(default_survey_id=survey.id),
            view="nps_closed_loop.nps_close_loop_wizard_view_form",
        )
        dialog.outcome = "resolved"
        self.assertTrue(dialog.schedule_resurvey, "ticked by default when the campaign re-surveys")
        self.assertEqual(dialog.resurvey_days, 21)
        dialog.resurvey_days = 14
        with freeze_time("2026-03-02 10:00:00"):
            dialog.save().action_confirm()
        followup = survey.followup_survey_ids
        self.assertEqual(len(followup), 1, "one follow-up survey is scheduled")
        self.assertEqual(followup.scheduled_date, datetime(2026, 3, 16, 10, 0))
        self.assertEqual(followup.state, "scheduled")

    def test_every_callback_note_is_kept_dated_and_signed(self):
        """The call logged with a note, a note written on the survey, then the loop closed from the dialog with a
        note of its own, each saved as the web client saves it: all three notes stay, oldest first, each with
        its date (in the writer's time zone) and its writer."""
        self.campaign.callback_user_ids = self.caller_a
        (self.caller_a | self.user_manager).tz = "Europe/Paris"  # UTC+1 in March
        with freeze_time("2026-03-04 10:00:00"):
            survey = self._answer(2)
        self.assertEqual(survey.callback_user_id, self.caller_a)
        with freeze_time("2026-03-05 09:00:00"):
            self._callbacks(survey).with_user(self.caller_a).action_feedback(
                feedback="Voicemail, called again at noon."
            )
        with freeze_time("2026-03-05 11:00:00"):
            workspace = Form(survey.with_user(self.caller_a), view="nps_closed_loop.nps_survey_view_form")
            workspace.loop_note = "<p>Reached: the missing parts leave on Friday.</p>"
            workspace.save()
        with freeze_time("2026-03-05 12:30:00"):
            dialog = Form(
                self.env["nps.close.loop.wizard"]
                .with_user(self.user_manager)
                .with_context(default_survey_id=survey.id),
                view="nps_closed_loop.nps_close_loop_wizard_view_form",
            )
            dialog.outcome = "resolved"
            dialog.notes = "<p>The warehouse confirmed Friday's delivery.</p>"
            dialog.save().action_confirm()
        self.assertEqual(survey.loop_state, "closed")
        entries = [
            " ".join(entry.text_content().split())
            for entry in html.fromstring(f"<div>{survey.loop_notes}</div>").find_class("o_nps_loop_note")
        ]
        self.assertEqual(
            entries,
            [
                "3/5/26, 10:00 AM — Caller A Voicemail, called again at noon.",
                "3/5/26, 12:00 PM — Caller A Reached: the missing parts leave on Friday.",
                "3/5/26, 1:30 PM — Max Manager The warehouse confirmed Friday's delivery.",
            ],
        )

    def test_close_the_loop_dialog_unticked_or_unreachable_schedules_nothing(self):
        self.campaign.write({"resurvey_after_close": True})
        for outcome, untick in (("resolved", True), ("unreachable", False)):
            survey = self._answer(2, partner=self.customer_2 if untick else self.customer)
            dialog = Form(
                self.env["nps.close.loop.wizard"].with_context(default_survey_id=survey.id),
                view="nps_closed_loop.nps_close_loop_wizard_view_form",
            )
            dialog.outcome = outcome
            if untick:
                dialog.schedule_resurvey = False
            else:
                self.assertFalse(dialog.schedule_resurvey, "nobody was reached: nothing to re-survey yet")
            dialog.save().action_confirm()
            self.assertFalse(survey.followup_survey_ids, outcome)

    def test_other_activities_are_untouched(self):
        survey = self._answer(2)
        todo = survey.activity_schedule("mail.mail_activity_data_todo", user_id=self.caller_c.id)
        self.assertFalse(todo.nps_is_callback)
        self.assertNotEqual(todo.action_feedback_schedule_next().get("res_model"), "nps.close.loop.wizard")

    def test_close_twice_refused(self):
        survey = self._answer(2)
        self._close_loop(survey)
        with self.assertRaisesRegex(UserError, "already closed"):
            self._close_loop(survey)

    def test_promoter_thanked_once_with_review_link(self):
        self.campaign.write(
            {
                "promoter_thanks": True,
                "review_url": "https://g.page/r/brasserie-review",
                "review_invitation": "promoters",
            }
        )
        with self.mock_mail_gateway():
            survey = self._answer(10, comment="Great team")
            survey._record_answer(9, contact_allowed=True)
        thanks = survey.message_ids.filtered(lambda message: "brasserie-review" in str(message.body))
        self.assertEqual(len(thanks), 1)
        self.assertIn(self.customer, thanks.partner_ids)
        self.assertTrue(survey.promoter_thanks_sent)

    def test_promoter_not_thanked_without_option(self):
        self.campaign.review_url = "https://g.page/r/brasserie-review"
        survey = self._answer(10)
        self.assertFalse(survey.message_ids.filtered(lambda message: "brasserie-review" in str(message.body)))

    def test_promoter_thanks_follow_the_review_invitation(self):
        """The thank-you email invites a review: sent only when the campaign invites reviews (defect 6)."""
        self.campaign.write({"promoter_thanks": True, "review_url": "https://g.page/r/brasserie-review"})
        for invitation, thanked in (("none", False), ("everyone", True), ("promoters", True)):
            with self.subTest(invitation=invitation):
                self.campaign.review_invitation = invitation
                survey = self._answer(10)
                thanks = survey.message_ids.filtered(lambda message: "brasserie-review" in str(message.body))
                self.assertEqual(bool(thanks), thanked)
                self.assertEqual(survey.promoter_thanks_sent, thanked)

    def test_passive_followup_activity_for_salesperson(self):
        passive_type = self.env.ref("nps_closed_loop.mail_activity_type_nps_passive_followup")
        survey = self._answer(7)
        self.assertFalse(survey.activity_ids, "off by default")
        self.campaign.passive_followup_activity = True
        survey = self._answer(8)
        survey._record_answer(7, contact_allowed=True)
        self.assertEqual(survey.activity_ids.activity_type_id, passive_type)
        self.assertEqual(survey.activity_ids.user_id, self.seller)
        self.assertEqual(len(survey.activity_ids), 1)
