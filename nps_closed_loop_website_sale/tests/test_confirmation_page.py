from datetime import datetime, timedelta

from freezegun import freeze_time

from odoo.addons.mail.tests.common import MailCase
from odoo.addons.nps_closed_loop.tests import common as nps_common
from odoo.tests import Form, HttpCase, tagged

from . import common

SCORE_FORM = 'class="o_nps_order_score_form"'
COMMENT_FORM = 'class="o_nps_order_comment_form"'


@tagged("post_install", "-at_install")
class TestConfirmationPage(common.WebOrderFixtures, nps_common.NpsCommon, HttpCase, MailCase):
    """The customer who just paid answers the order's survey on ``/shop/confirmation``."""

    def _open(self):
        response = self.url_open("/shop/confirmation")
        self.env.invalidate_all()
        return response

    def _post(self, data, csrf=None, token=None, order=None):
        """Post one step of the question, as its form does (``token`` False: none sent)."""
        pairs = list(data.items()) if isinstance(data, dict) else list(data)
        if csrf is not False:
            pairs.append(("csrf_token", csrf or self._csrf(self.url_open("/web/login"))))
        if token is not False:
            self._open()  # showing the page plans the order's survey
            pairs.append(("token", token or self._order_surveys(order or self.order).sudo().access_token))
        response = self.url_open("/shop/confirmation/nps", data=pairs, allow_redirects=False)
        self.env.invalidate_all()
        return response

    def setUp(self):
        super().setUp()
        self.order = self._web_order(self.shopper)
        self._checkout_session(self.order)

    def _assert_unanswered(self, survey):
        self.assertEqual(survey.state, "scheduled")
        self.assertIs(survey.score, False, "nothing was recorded")
        self.assertFalse(survey.comment)
        self.assertFalse(survey.answer_date)

    # ------------------------------------------------------------------
    # Showing the question
    # ------------------------------------------------------------------
    def test_page_shows_the_order_survey_and_records_nothing(self):
        self.assertFalse(self._order_surveys(self.order), "the rule only asked for the survey")
        response = self._open()
        self.assertEqual(response.status_code, 200)
        self.assertIn(SCORE_FORM, response.text)
        self.assertIn("How likely are you to recommend", response.text)
        self.assertEqual(response.text.count('name="score"'), 11)
        self.assertEqual(response.headers.get("Cache-Control"), "no-store")
        survey = self._order_surveys(self.order)
        self.assertEqual(len(survey), 1, "the campaign's own survey, planned as the sending job plans it")
        self.assertEqual(survey.campaign_id, self.campaign_so)
        self.assertEqual(survey.partner_id, self.shopper)
        self._assert_unanswered(survey)
        self.assertAlmostEqual(
            survey.scheduled_date, survey.create_date + timedelta(hours=24), delta=timedelta(minutes=2)
        )
        self.assertFalse(self.env["nps.survey.request"].search([("res_id", "=", self.order.id)]))
        self._open()
        self.assertEqual(self._order_surveys(self.order), survey, "opened again: no second survey")
        self._assert_unanswered(survey)

    def test_no_question_without_confirmed_order(self):
        quotation = self.env["sale.order"].create({"partner_id": self.shopper.id, "website_id": self.website.id})
        self._set_last_order(quotation)
        response = self._open()
        self.assertEqual(response.status_code, 200)
        self.assertNotIn(SCORE_FORM, response.text)
        self.assertFalse(self._order_surveys(quotation))

    def test_opted_out_customer_sees_no_question(self):
        self.shopper.nps_consent = "refused"
        response = self._open()
        self.assertEqual(response.status_code, 200)
        self.assertNotIn(SCORE_FORM, response.text)
        response = self._post({"score": "9"}, token="0" * 32)
        self.assertEqual(response.status_code, 404)
        self.assertFalse(self._order_surveys(self.order).filtered("score"))

    def test_blacklisted_email_sees_no_question(self):
        self.env["mail.blacklist"].sudo()._add(self.shopper.email)
        self.assertNotIn(SCORE_FORM, self._open().text)

    def test_customer_in_quiet_period_sees_no_question(self):
        self._answered_earlier(self.shopper, days=10)
        response = self._open()
        self.assertNotIn(SCORE_FORM, response.text)
        self.assertFalse(self._order_surveys(self.order), "the planner excluded it, as the sending job would")

    def test_quiet_period_over_shows_the_question(self):
        self._answered_earlier(self.shopper, days=100)
        self.assertIn(SCORE_FORM, self._open().text)

    def test_campaign_that_surveys_only_consenting_customers(self):
        self.campaign_so.lawful_basis = "consent"
        self.assertNotIn(SCORE_FORM, self._open().text)
        self.shopper.nps_consent = "granted"
        self.assertIn(SCORE_FORM, self._open().text)

    def test_hold_rule_of_the_campaign_applies(self):
        self.campaign_so.hold_excluded_company = True
        self.shopper.nps_excluded = True
        self.assertNotIn(SCORE_FORM, self._open().text)
        self._assert_unanswered(self._order_surveys(self.order))

    def test_campaign_that_does_not_ask_on_the_page(self):
        with Form(self.campaign_so) as campaign_form:
            self.assertTrue(campaign_form.ask_on_confirmation_page, "asked on the page unless the campaign says no")
            campaign_form.ask_on_confirmation_page = False
        self.assertNotIn(SCORE_FORM, self._open().text)
        self.assertFalse(self._order_surveys(self.order), "the page planned nothing: the request waits for the cron")
        self.assertTrue(self.env["nps.survey.request"].search([("res_id", "=", self.order.id)]))
        with freeze_time(datetime.now() + timedelta(days=2)), self.mock_mail_gateway():
            self.env["nps.survey.send"]._cron_send_surveys()
        survey = self._order_surveys(self.order)
        self.assertEqual((survey.state, survey.channel), ("sent", "email"), "the email is the way")
        self.assertNotIn(SCORE_FORM, self._open().text)

    def test_planned_by_the_sending_job_first_then_shown(self):
        self.env["nps.survey.request"]._plan_requested_surveys(batch_size=500)
        survey = self._order_surveys(self.order)
        self.assertEqual(survey.state, "scheduled")
        self.assertIn(SCORE_FORM, self._open().text)
        self.assertEqual(self._order_surveys(self.order), survey)

    def test_survey_emailed_already_is_not_asked_again(self):
        self.env["nps.survey.request"]._plan_requested_surveys(batch_size=500)
        self._order_surveys(self.order).write({"state": "sent", "sent_date": datetime.now()})
        self.assertNotIn(SCORE_FORM, self._open().text)

    def test_customer_who_leaves_without_answering_gets_the_email(self):
        self.assertIn(SCORE_FORM, self._open().text)
        with freeze_time(datetime.now() + timedelta(days=2)), self.mock_mail_gateway():
            self.env["nps.survey.send"]._cron_send_surveys()
        survey = self._order_surveys(self.order)
        self.assertEqual((survey.state, survey.channel), ("sent", "email"))
        mails = self.env["mail.mail"].search([("model", "=", "nps.survey"), ("res_id", "=", survey.id)])
        self.assertEqual(len(mails), 1)
        self.assertIn(self.shopper.email, mails.email_to)

    def test_question_in_the_language_of_the_shop(self):
        self.env["res.lang"]._activate_lang("fr_FR")
        self.env["ir.module.module"]._load_module_terms(
            ["nps_closed_loop", "nps_closed_loop_website_sale"], ["fr_FR"], overwrite=True
        )
        self.website.language_ids |= self.env.ref("base.lang_fr")
        page = self.url_open("/fr/shop/confirmation").text
        self.assertIn("Un seul geste suffit : touchez votre note.", page)
        self.assertIn("Très probable", page)

    # ------------------------------------------------------------------
    # Answering
    # ------------------------------------------------------------------
    def test_one_tap_then_comment_and_no_email_afterwards(self):
        other_order = self._web_order(self.other_shopper)
        self._open()
        response = self._post({"score": "4"})
        self.assertEqual(response.status_code, 303)
        self.assertTrue(response.headers["Location"].endswith("/shop/confirmation#nps_order_survey"))
        survey = self._order_surveys(self.order)
        self.assertEqual(len(survey), 1)
        self.assertEqual((survey.state, survey.score, survey.category), ("answered", 4, "detractor"))
        self.assertEqual(survey.channel, "web")
        self.assertTrue(survey.sent_date, "the quiet period counts from the answer on the page")
        self.assertEqual(self.env["nps.report"].search([("survey_id", "=", survey.id)]).channel, "web")

        page = self._open().text
        self.assertNotIn(SCORE_FORM, page)
        self.assertIn(COMMENT_FORM, page)
        self.assertIn("4 / 10", page)
        response = self._post({"comment": "  The parcel was late.  ", "contact_allowed": "1"})
        self.assertEqual(response.status_code, 303)
        survey.invalidate_recordset()
        self.assertEqual((survey.score, survey.comment, survey.contact_allowed), (4, "The parcel was late.", True))
        page = self._open().text
        self.assertNotIn(COMMENT_FORM, page)
        self.assertIn("The parcel was late.", page)

        # the day after, the sending job sends the other order's survey, not this one
        with freeze_time(datetime.now() + timedelta(days=2)), self.mock_mail_gateway():
            self.env["nps.survey.send"]._cron_send_surveys()
        other_survey = self._order_surveys(other_order)
        self.assertEqual(other_survey.state, "sent", "the job did run: the other customer got the email")
        survey_mails = self.env["mail.mail"].search(
            [("model", "=", "nps.survey"), ("res_id", "in", (survey | other_survey).ids)]
        )
        self.assertEqual(survey_mails.mapped("res_id"), other_survey.ids)
        self.assertFalse(
            self.env["mail.mail"].search([("model", "=", "nps.survey"), ("email_to", "ilike", self.shopper.email)]),
            "no survey email to the customer who answered on the page",
        )
        survey.invalidate_recordset()
        self.assertEqual(survey.state, "answered")

    def test_double_submit_records_once(self):
        self._post({"score": "9"})
        response = self._post({"score": "2"})
        self.assertEqual(response.status_code, 303)
        survey = self._order_surveys(self.order)
        self.assertEqual(survey.score, 9, "answered: the score is not taken again from the first step")

    # ------------------------------------------------------------------
    # Someone else's order, bad input
    # ------------------------------------------------------------------
    def test_another_session_cannot_answer_this_order(self):
        self._open()
        survey = self._order_surveys(self.order)
        token = survey.sudo().access_token
        # a visitor without an order: no question to answer
        self.authenticate(None, None)
        response = self._post({"score": "0"}, token=token, csrf=self._csrf(self.url_open("/web/login")))
        self.assertEqual(response.status_code, 404)
        # a visitor with an order of their own, posting the token of this one
        other_order = self._web_order(self.other_shopper)
        self._checkout_session(other_order)
        response = self._post({"score": "0"}, token=token, order=other_order)
        self.assertEqual(response.status_code, 403)
        response = self._post({"score": "0"}, token=False, order=other_order)
        self.assertEqual(response.status_code, 403)
        self._assert_unanswered(survey)
        self.assertFalse(self._order_surveys(other_order).score)

    def test_signed_in_user_of_another_company_does_not_answer_for_the_customer(self):
        self.authenticate("nps_salesman", "nps_salesman")
        self._set_last_order(self.order)
        self.assertNotIn(SCORE_FORM, self._open().text)
        response = self._post({"score": "10"}, token="0" * 32)
        self.assertEqual(response.status_code, 404)
        self.assertFalse(self._order_surveys(self.order).score)

    def test_bad_input_is_refused_with_a_message_and_nothing_stored(self):
        cases = [
            ({"score": "11"}, "The score must be a whole number from 0 to 10."),
            ({"score": "7.0"}, "The score must be a whole number from 0 to 10."),
            ({"score": ""}, "Please choose a score from 0 to 10."),
            ({}, "Please choose a score from 0 to 10."),
            ([("score", "7"), ("score", "8")], "The form contained unexpected fields."),
            ({"score": "7", "followup": "x"}, "The form contained unexpected fields."),
            ({"score": "7", "comment": "x" * 5001}, "Please shorten your answer to 5000 characters"),
            ({"score": "7", "comment": "a\x00b"}, "cannot be saved"),
            ({"score": "7", "contact_allowed": "yes"}, "Please tick or untick the box."),
        ]
        survey = None
        for data, message in cases:
            with self.subTest(data=data):
                response = self._post(data)
                self.assertEqual(response.status_code, 400)
                self.assertIn(message, response.text)
                self.assertIn("Your answer was not saved.", response.text)
                survey = self._order_surveys(self.order)
                self._assert_unanswered(survey)
        response = self._post({"score": "7"}, csrf="not-the-token")
        self.assertEqual(response.status_code, 400)
        response = self._post({"score": "7"}, csrf=False)
        self.assertEqual(response.status_code, 400)
        self._assert_unanswered(survey)

    def test_comment_too_long_keeps_the_text(self):
        self._post({"score": "8"})
        response = self._post({"comment": "y" * 5001})
        self.assertEqual(response.status_code, 400)
        self.assertIn("y" * 5001, response.text, "what the customer typed is given back")
        self.assertFalse(self._order_surveys(self.order).comment)

    def test_get_never_records(self):
        response = self.url_open("/shop/confirmation?score=9&comment=hello")
        self.assertEqual(response.status_code, 200)
        self._assert_unanswered(self._order_surveys(self.order))
        response = self.url_open("/shop/confirmation/nps?score=9")
        self.assertIn(response.status_code, (404, 405))
        self._assert_unanswered(self._order_surveys(self.order))
