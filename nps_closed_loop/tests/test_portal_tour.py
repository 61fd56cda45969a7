from odoo import Command
from odoo.tests import HttpCase, tagged

from . import common


@tagged("post_install", "-at_install")
class TestNpsSurveyTour(common.NpsCommon, HttpCase):
    # A phone: the tour also checks that nothing scrolls sideways and that the scores are big enough to tap.
    browser_size = "390x844"
    touch_enabled = True

    def test_answer_from_an_email_link_in_a_browser(self):
        """A customer clicks 3 in the email, changes their mind to 9, writes and sends: stored once; the review
        invitation the campaign chose shows only then."""
        self.campaign.write({"review_url": "https://example.com/review", "review_invitation": "everyone"})
        survey = self._create_survey(state="sent")
        self.start_tour(f"/nps/{survey.access_token}?score=3", "nps_survey_tour")
        survey.invalidate_recordset()
        self.assertEqual(survey.state, "answered")
        self.assertEqual(survey.score, 9)
        self.assertEqual(survey.category, "promoter")
        self.assertEqual(survey.comment, "Fast delivery and a friendly team.")
        self.assertEqual(survey.followup, "They answer the phone!")
        self.assertTrue(survey.contact_allowed)
        self.assertTrue(survey.answer_date)

    def test_change_of_category_on_the_page_offers_the_saved_texts_only_for_their_category(self):
        """Defect 5 in the browser: a detractor clicks 9 in the email, then moves between scores on the page."""
        survey = self._create_survey(state="sent")
        survey._record_answer(3, comment="Late delivery.", followup="Call before coming.")
        self.start_tour(f"/nps/{survey.access_token}?score=9", "nps_survey_change_tour")
        survey.invalidate_recordset()
        self.assertEqual(survey.score, 10)
        self.assertEqual(survey.comment, "Late, but they called back.")
        self.assertFalse(survey.followup, "the detractor's follow-up was not sent as the promoter's")


@tagged("post_install", "-at_install")
class TestCloseLoopTour(common.LoopCommon, HttpCase):
    def test_mark_callback_done_opens_close_the_loop(self):
        """In the browser, "Mark Done" on a callback opens the Close the loop form, which closes it."""
        self.campaign.callback_user_ids = self.caller_a
        survey = self._answer(2)
        self.assertEqual(survey.callback_user_id, self.caller_a)
        self.start_tour(f"/odoo/nps.survey/{survey.id}", "nps_close_loop_tour", login="nps_caller_a")
        survey.invalidate_recordset()
        self.assertEqual(survey.loop_state, "closed")
        self.assertEqual(survey.outcome, "resolved")
        self.assertFalse(self._callbacks(survey))
        self.assertIn("Reached on the first call.", survey.loop_notes)
        self.assertTrue(survey.first_contact_date)

    def test_agent_calls_back_from_the_activity_menu(self):
        """The agent's flow in the browser: activity menu -> the callback -> log the call -> close the loop
        with the re-survey left ticked -> a follow-up survey is scheduled."""
        self.campaign.write({"callback_user_ids": [Command.set(self.caller_a.ids)], "resurvey_after_close": True})
        survey = self._answer(2)
        self.assertEqual(survey.callback_user_id, self.caller_a)
        self.start_tour("/odoo", "nps_callback_workspace_tour", login="nps_caller_a")
        survey.invalidate_recordset()
        self.assertEqual(survey.loop_state, "closed")
        self.assertEqual(survey.outcome, "resolved")
        self.assertTrue(survey.first_contact_date)
        self.assertEqual(len(survey.followup_survey_ids), 1, "the re-survey is scheduled")
        self.assertEqual(survey.followup_survey_ids.state, "scheduled")
