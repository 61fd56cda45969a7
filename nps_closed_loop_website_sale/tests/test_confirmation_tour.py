from odoo.addons.nps_closed_loop.tests import common as nps_common
from odoo.tests import HttpCase, tagged

from . import common


@tagged("post_install", "-at_install")
class TestConfirmationTour(common.WebOrderFixtures, nps_common.NpsCommon, HttpCase):
    # A phone: the tour also checks that nothing scrolls sideways and that the scores are big enough to tap.
    browser_size = "390x844"
    touch_enabled = True

    def authenticate(self, user, password, browser=None):
        # the browser gets a new session: the one that just paid the order
        result = super().authenticate(user, password, browser=browser)
        if getattr(self, "paid_order", None):
            self._set_last_order(self.paid_order)
        return result

    def test_answer_on_the_confirmation_page_at_phone_width(self):
        self.paid_order = self._web_order(self.shopper)
        self.start_tour("/shop/confirmation", "nps_order_survey_tour")
        survey = self._order_surveys(self.paid_order)
        self.assertEqual(len(survey), 1)
        self.assertEqual((survey.state, survey.score, survey.channel), ("answered", 3, "web"))
        self.assertEqual(survey.comment, "The delivery took a week.")
        self.assertTrue(survey.contact_allowed)

    def test_no_wcag_violation_in_the_question(self):
        """axe-core finds no WCAG 2.1 A/AA violation in the question, then in the comment step, on a phone and a
        desktop."""
        self.paid_order = self._web_order(self.shopper)
        code = nps_common.axe_check_code(self.env, ["#nps_order_survey"])
        for step, ready in (
            ("question", "!!document.querySelector('.o_nps_order_score_form')"),
            ("comment", "!!document.querySelector('.o_nps_order_comment_form')"),
        ):
            if step == "comment":
                survey = self._order_surveys(self.paid_order).sudo()
                survey.write({"sent_date": survey.create_date, "channel": "web"})
                survey._record_answer(4)
            for size in ("390x844", "1280x900"):
                with self.subTest(step=step, size=size):
                    self.browser_size = size
                    self.browser_js("/shop/confirmation", code, ready=ready)
