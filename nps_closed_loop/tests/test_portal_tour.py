from odoo.tests import HttpCase, tagged

from . import common


@tagged("post_install", "-at_install")
class TestNpsSurveyTour(common.NpsCommon, HttpCase):
    # A phone: the tour also checks that nothing scrolls sideways and that the scores are big enough to tap.
    browser_size = "390x844"
    touch_enabled = True

    def test_answer_from_an_email_link_in_a_browser(self):
        """A customer clicks 3 in the email, changes their mind to 9, writes and sends: stored once."""
        self.campaign.review_url = "https://example.com/review"
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
