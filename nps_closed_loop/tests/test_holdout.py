from datetime import datetime, timedelta

from freezegun import freeze_time

from odoo.exceptions import ValidationError

from . import common

HOLDOUT_SAMPLE = 2000


class TestHoldout(common.LoopCommon):
    def _answered_detractors(self, count, **values):
        return (
            self.env["nps.survey"]
            .sudo()
            .create(
                [
                    {
                        "partner_id": self.customer_2.id,
                        "campaign_id": self.campaign.id,
                        "state": "answered",
                        "score": index % 7,
                        "contact_allowed": True,
                        **values,
                    }
                    for index in range(count)
                ]
            )
        )

    def _holdout_share(self, surveys):
        return sum(self.env["nps.survey.loop"]._draw_holdout(survey) for survey in surveys) / len(surveys)

    def test_share_stays_within_statistical_tolerance(self):
        """20 % over 2000 detractors: within 4.5 standard deviations (about 4 points) of the setting."""
        surveys = self._answered_detractors(HOLDOUT_SAMPLE)
        tolerance = 4.5 * (0.2 * 0.8 / HOLDOUT_SAMPLE) ** 0.5
        for seed in (4242, 7, 123456789):
            self.campaign.write({"holdout_seed": seed, "holdout_percent": 20.0})
            self.assertAlmostEqual(self._holdout_share(surveys), 0.2, delta=tolerance, msg=f"seed {seed}")
        self.campaign.holdout_percent = 50.0
        tolerance = 4.5 * (0.5 * 0.5 / HOLDOUT_SAMPLE) ** 0.5
        self.assertAlmostEqual(self._holdout_share(surveys), 0.5, delta=tolerance)

    def test_draw_is_reproducible_with_a_fixed_seed(self):
        surveys = self._answered_detractors(300)
        self.campaign.write({"holdout_seed": 4242, "holdout_percent": 30.0})
        first = [self.env["nps.survey.loop"]._draw_holdout(survey) for survey in surveys]
        self.assertEqual([self.env["nps.survey.loop"]._draw_holdout(survey) for survey in surveys], first)
        self.campaign.holdout_seed = 4243
        self.assertNotEqual(
            [self.env["nps.survey.loop"]._draw_holdout(survey) for survey in surveys], first, "the seed matters"
        )
        self.campaign.holdout_seed = 4242
        self.assertEqual([self.env["nps.survey.loop"]._draw_holdout(survey) for survey in surveys], first)

    def test_extreme_settings(self):
        surveys = self._answered_detractors(50)
        self.campaign.holdout_percent = 0.0
        self.assertEqual(self._holdout_share(surveys), 0.0)
        self.campaign.holdout_percent = 100.0
        self.assertEqual(self._holdout_share(surveys), 1.0)
        with self.assertRaisesRegex(ValidationError, "percentage from 0 to 100"):
            self.campaign.holdout_percent = 120.0

    def test_only_callable_detractors_are_drawn(self):
        self.campaign.holdout_percent = 100.0
        passive = self._answer(8)
        refused = self._answer(2, contact_allowed=False)
        original = self._answer(2)
        followup = self.env["nps.survey.loop"]._schedule_followup(original, 30)
        followup._record_answer(3, contact_allowed=True)
        self.assertTrue(original.holdout)
        self.assertFalse(passive.holdout)
        self.assertFalse(refused.holdout, "the control group is drawn among detractors we could call")
        self.assertFalse(followup.holdout)
        self.assertEqual(len(self._callbacks(followup)), 1, "an unhappy follow-up answer is called back")

    def test_holdout_detractors_get_no_callback(self):
        self.campaign.write({"holdout_percent": 50.0, "holdout_seed": 99})
        surveys = self.env["nps.survey"]
        for _index in range(30):
            surveys |= self._answer(3)
        control = surveys.filtered("holdout")
        called = surveys - control
        self.assertTrue(control and called, "with 30 draws at 50 %, both groups exist")
        self.assertFalse(self._callbacks(control))
        self.assertEqual(set(control.mapped("loop_state")), {"none"})
        self.assertEqual(len(self._callbacks(called)), len(called))
        self.assertEqual(set(called.mapped("loop_state")), {"open"})
        # A changed answer keeps its draw: never a callback for a control-group detractor.
        control[0]._record_answer(1, contact_allowed=True)
        self.assertTrue(control[0].holdout)
        self.assertFalse(self._callbacks(control[0]))

    def test_control_group_alert_says_do_not_call(self):
        self.campaign.holdout_percent = 100.0
        with self.mock_mail_gateway():
            survey = self._answer(2)
        alert = self.env["mail.message"].search(
            [("model", "=", "nps.survey"), ("res_id", "=", survey.id), ("subject", "ilike", "NPS detractor")]
        )
        self.assertIn("do not call", str(alert.body))


class TestResurveyAndComparison(common.HoldoutCommon):
    def test_resurvey_scheduled_on_closing(self):
        with freeze_time("2026-03-04 10:00:00"):
            survey = self._answer(2)
            self._close_loop(survey, schedule_resurvey=True)
        followup = survey.followup_survey_ids
        self.assertEqual(len(followup), 1)
        self.assertEqual(followup.followup_of_id, survey)
        self.assertEqual(followup.state, "scheduled")
        self.assertEqual(followup.scheduled_date, datetime(2026, 4, 3, 10, 0))
        self.assertEqual(followup.partner_id, self.customer)
        self.assertEqual((followup.res_model, followup.res_id), ("sale.order", self.order.id))

    def test_control_group_is_resurveyed_after_answer(self):
        self.campaign.write({"holdout_percent": 100.0})
        with freeze_time("2026-03-04 10:00:00"):
            survey = self._answer(2)
            survey._record_answer(3, comment="Changed my mind", contact_allowed=True)
        self.assertTrue(survey.holdout)
        followup = survey.followup_survey_ids
        self.assertEqual(len(followup), 1, "one re-survey, even when the answer is changed")
        self.assertEqual(followup.scheduled_date, datetime(2026, 4, 3, 10, 0))
        self.assertEqual(followup.state, "scheduled")

    def test_control_group_not_resurveyed_when_campaign_does_not(self):
        self.campaign.write({"holdout_percent": 100.0, "resurvey_after_close": False})
        survey = self._answer(2)
        self.assertTrue(survey.holdout)
        self.assertFalse(survey.followup_survey_ids)

    def test_wizard_proposes_resurvey_from_campaign(self):
        survey = self._answer(2)
        wizard = self.env["nps.close.loop.wizard"].create({"survey_id": survey.id, "outcome": "resolved"})
        self.assertTrue(wizard.schedule_resurvey)
        self.assertEqual(wizard.resurvey_days, 30)
        wizard.outcome = "unreachable"
        self.assertFalse(wizard.schedule_resurvey, "no point re-surveying someone we could not reach")

    def test_resurvey_bypasses_quiet_period_exactly_once(self):
        self.campaign.quiet_period_days = 90
        with freeze_time("2026-03-04 10:00:00"):
            survey = self._answer(2, sent_date=datetime(2026, 3, 3, 10, 0))
            self._close_loop(survey, schedule_resurvey=True)
        followup = survey.followup_survey_ids
        ordinary = self._create_survey(scheduled_date=datetime(2026, 4, 3, 10, 0))
        now = datetime(2026, 4, 3, 10, 0)
        conflicts = self.env["nps.survey.send"]._quiet_period_conflicts(followup | ordinary, now)
        self.assertIn(ordinary, conflicts, "an ordinary survey waits for the end of the quiet period")
        self.assertNotIn(followup, conflicts, "the follow-up goes through the quiet period")
        # Never a second pass: no second follow-up, no follow-up of the follow-up.
        self.assertFalse(self.env["nps.survey.loop"]._schedule_followup(survey, 10))
        self.assertFalse(self.env["nps.survey.loop"]._schedule_followup(followup, 10))
        with self.assertRaisesRegex(ValidationError, "only once"):
            self._create_survey(followup_of_id=survey.id)
        with self.assertRaisesRegex(ValidationError, "cannot itself be followed up"):
            self._create_survey(followup_of_id=followup.id)
        # Once the follow-up is sent, a new survey of the customer is held back again.
        followup.write({"state": "sent", "sent_date": now})
        later = self._create_survey(scheduled_date=datetime(2026, 4, 10, 10, 0))
        self.assertIn(later, self.env["nps.survey.send"]._quiet_period_conflicts(later, datetime(2026, 4, 10, 10, 0)))

    def test_recovered_when_followup_is_passive_or_promoter(self):
        survey = self._answer(2)
        self._close_loop(survey, schedule_resurvey=True)
        followup = survey.followup_survey_ids
        followup.state = "sent"
        followup._record_answer(5, contact_allowed=True)
        self.assertFalse(survey.recovered)
        followup._record_answer(8, contact_allowed=True)
        self.assertTrue(survey.recovered)
        self.assertFalse(followup.recovered, "the follow-up is not the recovered detractor")

    def test_comparison_called_versus_control(self):
        answer_date = datetime(2026, 1, 10, 9, 0)
        called, control = self.env["nps.survey"], self.env["nps.survey"]
        with freeze_time(answer_date):
            for partner in self.customers[:3]:
                called |= self._answer(2, partner=partner, contact_user_id=False)
            self.campaign.holdout_percent = 100.0
            for partner in self.customers[3:]:
                control |= self._answer(3, partner=partner, contact_user_id=False)
            self._answer(1, partner=self.customers[0], contact_allowed=False)
        self.assertFalse(called.filtered("holdout"))
        self.assertEqual(len(control.filtered("holdout")), 2)
        # Repurchase within 30 days: called[0] yes, called[1] too late, called[2] only a quotation;
        # control[0] yes, control[1] only before the answer.
        self._confirmed_order(self.customers[0], answer_date + timedelta(days=10))
        self._confirmed_order(self.customers[1], answer_date + timedelta(days=40))
        self._confirmed_order(self.customers[2], answer_date + timedelta(days=5), state="draft")
        self._confirmed_order(self.customers[3], answer_date + timedelta(days=5))
        self._confirmed_order(self.customers[4], answer_date - timedelta(days=5))
        # Later answers: called 9 and 4, control 7.
        # The control group's re-surveys were scheduled at their answer; the called ones' at closing.
        self.assertEqual(len(control.followup_survey_ids), 2)
        for survey, score in ((called[0], 9), (called[1], 4), (control[0], 7)):
            followup = survey.followup_survey_ids or self.env["nps.survey.loop"]._schedule_followup(survey, 30)
            followup.state = "sent"
            followup._record_answer(score, contact_allowed=True)

        self.campaign.invalidate_recordset()
        self.assertEqual(self.campaign.called_detractor_count, 3)
        self.assertEqual(self.campaign.holdout_detractor_count, 2)
        self.assertEqual(self.campaign.contact_refused_count, 1)
        self.assertAlmostEqual(self.campaign.called_repurchase_rate, 33.3, places=1)
        self.assertAlmostEqual(self.campaign.holdout_repurchase_rate, 50.0)
        self.assertEqual(self.campaign.called_followup_count, 2)
        self.assertEqual(self.campaign.holdout_followup_count, 1)
        self.assertAlmostEqual(self.campaign.called_later_nps, 0.0)
        self.assertAlmostEqual(self.campaign.holdout_later_nps, 0.0)
        self.assertAlmostEqual(self.campaign.called_recovery_rate, 50.0)
        self.assertAlmostEqual(self.campaign.holdout_recovery_rate, 100.0)

    def test_comparison_counts_imported_loops(self):
        """Surveys created without the answer hook (imports, demo data) never had a draw: they count as called."""
        imported = self._create_answered(2, contact_allowed=True, loop_state="closed")
        self.env.cr.execute("SELECT holdout FROM nps_survey WHERE id = %s", [imported.id])
        self.assertIsNone(self.env.cr.fetchone()[0], "no draw stored")
        self._answer(3)
        self.campaign.invalidate_recordset()
        self.assertEqual(self.campaign.called_detractor_count, 2)
        self.assertEqual(self.campaign.holdout_detractor_count, 0)

    def test_comparison_is_one_query_for_many_campaigns(self):
        campaigns = self.campaign | self.campaign.copy({"name": "Copy"})
        campaigns.invalidate_recordset()
        with self.assertQueryCount(__system__=4):
            campaigns.mapped("called_detractor_count")
