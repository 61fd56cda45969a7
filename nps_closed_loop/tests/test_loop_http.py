from odoo.tests import HttpCase, tagged

from . import common_loop, test_portal


@tagged("post_install", "-at_install")
class TestLoopThroughPortal(common_loop.LoopCommon, test_portal.TestNpsPortalCommon):
    def test_detractor_answering_on_the_portal_gets_one_callback(self):
        """Issue 5 "done when": a detractor answers on the portal; at once, one callback within 48 hours
        for a callback team member who is not the salesperson they dealt with."""
        survey = self._sent_survey()
        response = self._post(
            survey,
            {"score": "2", "comment": "Livraison en retard.", "contact_allowed": "1"},
            allow_redirects=False,
        )
        self.assertEqual(response.status_code, 303)
        survey.invalidate_recordset()
        callbacks = self._callbacks(survey)
        self.assertEqual(len(callbacks), 1)
        self.assertIn(callbacks.user_id, self.caller_a | self.caller_b | self.caller_c)
        self.assertNotEqual(callbacks.user_id, self.seller)
        self.assertLessEqual((survey.callback_deadline - survey.answer_date).total_seconds(), 48 * 3600)
        self.assertIn("Livraison en retard.", str(callbacks.note))
        # Sending the same answer again (a double click) changes nothing.
        self._post(survey, {"score": "2", "comment": "Livraison en retard.", "contact_allowed": "1"})
        self.assertEqual(self._callbacks(survey), callbacks)


@tagged("post_install", "-at_install")
class TestCloseLoopTour(common_loop.LoopCommon, HttpCase):
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
