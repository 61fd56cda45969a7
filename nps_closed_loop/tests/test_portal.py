import logging
import re
from datetime import timedelta
from urllib.parse import quote

from lxml import etree
from lxml import html as lxml_html

from odoo import fields
from odoo.tests import tagged
from odoo.tools import mute_logger

from ..controllers.nps_http import TEXT_MAX_LENGTH
from . import common


class TestNpsSurveyPage(common.PortalCommon):
    def test_form_renders_everything_the_customer_needs(self):
        response = self._get(f"/nps/{self.survey.access_token}")
        self.assertEqual(response.status_code, 200)
        html = response.text
        self.assertIn('<html lang="en-US"', html)
        self.assertIn(f"How likely are you to recommend {self.company.name} to a friend or colleague?", html)
        self.assertIn(self.company.name, html)
        self.assertEqual(len(re.findall(r'<input type="radio"[^>]* name="score"', html)), 11)
        for score in range(11):
            self.assertIn(f'for="nps_score_{score}"', html)
            # Every button sends its number, 0 included (a falsy attribute value would be dropped), and carries
            # its category for the page's script (0-6 detractor, 7-8 passive, 9-10 promoter), which has no scale.
            category = "detractor" if score <= 6 else "passive" if score <= 8 else "promoter"
            self.assertRegex(
                html,
                rf'<input type="radio"[^>]* id="nps_score_{score}" value="{score}"[^>]* data-nps-category="{category}"',
            )
        self.assertIn("Not at all likely", html)
        self.assertIn("Extremely likely", html)
        self.assertIn('name="comment"', html)
        self.assertIn("What is the main reason for your score?", html)
        self.assertIn('name="followup"', html)
        self.assertIn("What could we do to earn a higher score?", html)
        self.assertNotIn("https://example.com/review", html, "no review invitation before the answer is saved")
        self.assertIn("You may contact me about my answer", html)
        checkbox = re.search(r'<input[^>]*name="contact_allowed"[^>]*>', html).group(0)
        self.assertNotIn("checked", checkbox, "contact permission is unchecked by default")
        self.assertNotIn("checked", "".join(re.findall(r'<input type="radio"[^>]*>', html)))
        self.assertIn(f"About {self.customer_company.name}", html)
        self.assertIn(f"/nps/{self.survey.access_token}/optout", html)
        # Private page: not cached, not indexed, the token not leaked to other sites.
        self.assertEqual(response.headers["Cache-Control"], "no-store")
        self.assertIn("noindex", response.headers["X-Robots-Tag"])
        self.assertIn('<meta name="referrer" content="same-origin"/>', html)
        self._assert_unanswered()

    def test_get_with_score_preselects_and_records_nothing(self):
        response = self._get(f"/nps/{self.survey.access_token}?score=9")
        self.assertEqual(response.status_code, 200)
        checked = re.findall(r'<input type="radio"[^>]*checked[^>]*>', response.text)
        self.assertEqual(len(checked), 1)
        self.assertIn('value="9"', checked[0])
        # A promoter sees the invitation rather than the improvement question, even without JavaScript.
        self.assertRegex(response.text, r'class="o_nps_followup_improve d-none"')
        self._assert_unanswered()

    def test_get_with_invalid_score_preselects_nothing(self):
        for score in ("11", "-1", "abc", " 7", "7.0", "1e1", "", "٧"):
            with self.subTest(score=score):
                response = self._get(f"/nps/{self.survey.access_token}?score={quote(score)}")
                self.assertEqual(response.status_code, 200)
                self.assertNotIn("checked", "".join(re.findall(r'<input type="radio"[^>]*>', response.text)))
        self._assert_unanswered()

    def test_get_with_a_parameter_named_self(self):
        """Odoo passes parameters as keyword arguments: "self" must not crash the controller."""
        response = self._get(f"/nps/{self.survey.access_token}?self=1&score=4")
        self.assertEqual(response.status_code, 200)
        self.assertIn('value="4" checked', response.text)
        self.assertEqual(self._get(f"/nps/{self.survey.access_token}/optout?self=1").status_code, 200)
        response = self._get(f"/nps/{self.survey.access_token}/thanks?self=1", allow_redirects=False)
        self.assertEqual(response.status_code, 303, "unanswered: back to the form")
        self.assertEqual(self._get(f"/nps/{'0' * 32}?self=1").status_code, 404)

    def test_get_with_form_fields_records_nothing(self):
        """A link (or a mail scanner) carrying the whole answer in the query string stores nothing."""
        response = self._get(f"/nps/{self.survey.access_token}?score=2&comment=bad&contact_allowed=1")
        self.assertEqual(response.status_code, 200)
        self._assert_unanswered()

    def test_unknown_and_malformed_tokens_give_404(self):
        for token in (
            "0" * 32,
            "abc",
            "x" * 300,
            "%00" * 16,
            "%C3%A9" * 16,
            "'%20OR%201=1%20--%20aaaa",
            "..%2F..%2Fetc",
        ):
            with self.subTest(token=token), mute_logger("odoo.http"):
                response = self._get(f"/nps/{token}")
                self.assertEqual(response.status_code, 404)
        response = self._get("/nps/" + "0" * 32)
        self.assertIn("Survey not found", response.text)
        response = self._get("/nps/" + "0" * 32 + "/optout")
        self.assertEqual(response.status_code, 404)
        self.assertIn("Survey not found", response.text)

    def test_token_with_a_nul_byte_gives_404(self):
        """A NUL byte would make PostgreSQL raise: the token is refused before any query. (A path that reaches no
        route of ours, "/nps/a/%00", is Odoo's to answer.)"""
        csrf = self._csrf()
        for path in ("/nps/%00", "/nps/0%00" + "0" * 31, "/nps/%00/optout", "/nps/%00/thanks"):
            for data in (None, {"score": "5", "csrf_token": csrf}):
                if data and path.endswith("/thanks"):
                    continue  # GET only
                with self.subTest(path=path, data=data), self.assertNoLogs("odoo", logging.ERROR):
                    response = self.url_open(path, data=data)
                self.assertEqual(response.status_code, 404)
                self.assertIn("Survey not found", response.text)

    def test_token_match_is_exact(self):
        token = self.survey.access_token
        for other in (token.upper(), token[:-1], token + "0"):
            with self.subTest(token=other):
                self.assertEqual(self._get(f"/nps/{other}").status_code, 404)

    def test_anonymised_survey_is_not_found(self):
        survey = self._create_survey(state="sent")
        survey.write({"partner_id": False, "is_anonymized": True})
        self.assertEqual(self._get(f"/nps/{survey.access_token}").status_code, 404)

    def test_unsupported_methods(self):
        for method in ("PUT", "DELETE", "PATCH"):
            with self.subTest(method=method):
                response = self.opener.request(method, self.base_url() + f"/nps/{self.survey.access_token}")
                self.assertEqual(response.status_code, 405)
        response = self.opener.post(self.base_url() + f"/nps/{self.survey.access_token}/thanks")
        self.assertEqual(response.status_code, 405)
        self._assert_unanswered()

    def test_expired_and_cancelled_surveys_show_a_friendly_page(self):
        for state, title in (
            ("expired", "This survey has closed"),
            ("cancelled", "This survey is no longer available"),
        ):
            with self.subTest(state=state):
                survey = self._create_survey(state=state)
                response = self._get(f"/nps/{survey.access_token}?score=8")
                self.assertEqual(response.status_code, 200)
                self.assertIn(title, response.text)
                self.assertNotIn('name="score"', response.text)
                # A form opened before the survey closed is refused, nothing stored.
                response = self._post(survey, {"score": "8"})
                self.assertEqual(response.status_code, 410)
                self.assertIn(title, response.text)
                self._assert_unanswered(survey, state=state)

    def test_renders_in_the_customers_language(self):
        self.env["res.lang"]._activate_lang("fr_FR")
        self.customer.lang = "fr_FR"
        self.campaign.with_context(lang="fr_FR").question = "Recommanderiez-vous notre brasserie ?"
        form_view = self.env.ref("nps_closed_loop.nps_survey_form")
        form_view.update_field_translations("arch_db", {"fr_FR": {"Send my answer": "Envoyer ma réponse"}})
        response = self._get(f"/nps/{self.survey.access_token}")
        self.assertIn('<html lang="fr-FR"', response.text)
        self.assertIn("Recommanderiez-vous notre brasserie ?", response.text)
        self.assertIn("Envoyer ma réponse", response.text)
        self.assertNotIn("Send my answer", response.text)

    def test_unknown_token_page_follows_the_browser_language(self):
        self.env["res.lang"]._activate_lang("fr_FR")
        response = self._get("/nps/" + "0" * 32, headers={"Accept-Language": "fr-CH, fr;q=0.9, en;q=0.5"})
        self.assertEqual(response.status_code, 404)
        self.assertIn('<html lang="fr-FR"', response.text)


class TestNpsSurveyAnswer(common.PortalCommon):
    def test_answer_is_recorded_once_with_everything(self):
        before = fields.Datetime.now().replace(microsecond=0)
        response = self._post(
            data={"score": "3", "comment": "Late delivery.", "followup": "Call before coming.", "contact_allowed": "1"},
            allow_redirects=False,
        )
        self.assertEqual(response.status_code, 303)
        self.assertTrue(response.headers["Location"].endswith(f"/nps/{self.survey.access_token}/thanks"))
        self.survey.invalidate_recordset()
        self.assertEqual(self.survey.state, "answered")
        self.assertEqual(self.survey.score, 3)
        self.assertEqual(self.survey.category, "detractor")
        self.assertEqual(self.survey.comment, "Late delivery.")
        self.assertEqual(self.survey.followup, "Call before coming.")
        self.assertTrue(self.survey.contact_allowed)
        self.assertGreaterEqual(self.survey.answer_date, before)
        self.assertEqual(self.survey.answer_editable_until, self.survey.answer_date + timedelta(days=7))

        thanks = self._get(response.headers["Location"])
        self.assertEqual(thanks.status_code, 200)
        self.assertIn("Thank you for your honesty.", thanks.text)
        self.assertIn("someone from our team will get in touch with you soon", thanks.text)
        self.assertIn("Late delivery.", thanks.text)
        self.assertNotIn("o_nps_thanks_review", thanks.text, "no review invitation for a detractor")

    def test_thank_you_page_follows_the_category(self):
        cases = (
            ("0", "Thank you for your honesty."),
            ("7", "Thank you for your answer!"),
            ("8", "Thank you for your answer!"),
            ("9", "We are delighted that you would recommend us."),
            ("10", "We are delighted that you would recommend us."),
        )
        for score, text in cases:
            with self.subTest(score=score):
                survey = self._create_survey(state="sent")
                response = self._post(survey, {"score": score})
                self.assertEqual(response.status_code, 200)
                self.assertIn(text, response.text)
                # A review link alone invites nobody: the campaign must choose to (see TestNpsReviewInvitation).
                self.assertNotIn("o_nps_thanks_review", response.text)
                self.assertEqual(survey.score, int(score))

    def test_empty_texts_and_unchecked_contact(self):
        self._post(data={"score": "0", "comment": "   ", "followup": ""})
        self.survey.invalidate_recordset()
        self.assertEqual(self.survey.score, 0, "0 is an answer, not an empty score")
        self.assertEqual(self.survey.category, "detractor")
        self.assertFalse(self.survey.comment)
        self.assertFalse(self.survey.followup)
        self.assertFalse(self.survey.contact_allowed)

    def test_comment_at_the_limit_counts_line_breaks_once(self):
        # What a browser sends for a textarea filled to its maxlength with line breaks.
        comment = ("x" * 99 + "\r\n") * (TEXT_MAX_LENGTH // 100)
        response = self._post(data={"score": "8", "comment": comment})
        self.assertEqual(response.status_code, 200)
        self.assertEqual(self.survey.comment, comment.replace("\r\n", "\n").strip())

    def test_bad_input_reshows_the_form_and_stores_nothing(self):
        too_long = "a" * (TEXT_MAX_LENGTH + 1)
        cases = {
            "missing score": ([("comment", "kept text")], "Please choose a score from 0 to 10."),
            "empty score": ([("score", ""), ("comment", "kept text")], "Please choose a score from 0 to 10."),
            "text score": ([("score", "seven"), ("comment", "kept text")], "whole number from 0 to 10"),
            "negative": ([("score", "-1"), ("comment", "kept text")], "whole number from 0 to 10"),
            "above 10": ([("score", "11"), ("comment", "kept text")], "whole number from 0 to 10"),
            "spaces": ([("score", " 7"), ("comment", "kept text")], "whole number from 0 to 10"),
            "decimal": ([("score", "7.0"), ("comment", "kept text")], "whole number from 0 to 10"),
            "exponent": ([("score", "1e1"), ("comment", "kept text")], "whole number from 0 to 10"),
            "non-ASCII digit": ([("score", "٧"), ("comment", "kept text")], "whole number from 0 to 10"),
            "huge number": ([("score", "9" * 50), ("comment", "kept text")], "whole number from 0 to 10"),
            "two scores": ([("score", "3"), ("score", "9"), ("comment", "kept text")], "the same question twice"),
            "two comments": ([("score", "3"), ("comment", "kept text"), ("comment", "b")], "the same question twice"),
            "unknown field": ([("score", "3"), ("comment", "kept text"), ("state", "cancelled")], "unexpected fields"),
            "route argument": ([("score", "3"), ("comment", "kept text"), ("token", "x")], "unexpected fields"),
            "method argument": ([("score", "3"), ("comment", "kept text"), ("self", "x")], "unexpected fields"),
            "long comment": ([("score", "3"), ("comment", too_long)], "Please shorten your answer to 5000"),
            "long follow-up": ([("score", "3"), ("comment", "kept text"), ("followup", too_long)], "5000"),
            "NUL byte": ([("score", "3"), ("comment", "kept text\x00")], "cannot be saved"),
            "checkbox value": ([("score", "3"), ("comment", "kept text"), ("contact_allowed", "yes")], "tick"),
        }
        for name, (data, message) in cases.items():
            with self.subTest(name):
                response = self._post(data=data)
                self.assertEqual(response.status_code, 400)
                self.assertIn("Your answer was not saved.", response.text)
                self.assertIn(message, response.text)
                self.assertIn('name="score"', response.text, "the form is shown again")
                if name != "long comment":
                    self.assertIn("kept text", response.text, "what the customer typed is not lost")
                self._assert_unanswered()

    def test_uploaded_file_is_refused(self):
        response = self.url_open(
            f"/nps/{self.survey.access_token}",
            data={"score": "3", "csrf_token": self._csrf()},
            files={"comment": ("comment.txt", b"hello", "text/plain")},
        )
        self.assertEqual(response.status_code, 400)
        self.assertIn("unexpected fields", response.text)
        self._assert_unanswered()

    def test_json_body_is_refused(self):
        with mute_logger("odoo.http"):
            response = self.url_open(
                f"/nps/{self.survey.access_token}",
                data='{"score": 3}',
                headers={"Content-Type": "application/json"},
            )
        self.assertEqual(response.status_code, 400)
        self._assert_unanswered()

    def test_missing_or_wrong_csrf_is_refused(self):
        """The route checks the token itself (csrf=False for Odoo), as Odoo would: a warning in the log, nothing
        stored; the customer gets the form again with Odoo's words and what they wrote (an expired session, with
        or without the Website app), a post to an unknown link the page of an unknown link."""
        for survey_token, status in ((self.survey.access_token, 400), ("0" * 32, 404)):
            for data in ({"score": "5"}, {"score": "5", "csrf_token": "0" * 40 + "o1"}):
                with (
                    self.subTest(survey_token=survey_token, data=data),
                    self.assertLogs("odoo.addons.nps_closed_loop.controllers.nps_http", logging.WARNING),
                ):
                    response = self.url_open(f"/nps/{survey_token}", data=data)
                self.assertEqual(response.status_code, status)
                if status == 404:
                    continue
                self.assertIn("Session expired (invalid CSRF token)", response.text)
        self._assert_unanswered()

    def test_non_ascii_or_uploaded_csrf_token_is_refused(self):
        """Odoo's CSRF check fails with a server error on a token that is not ASCII text (consteq) or an uploaded
        file: the route's own check refuses it as any invalid token."""
        csrf = self._csrf()
        url = self.base_url() + f"/nps/{self.survey.access_token}"
        for kwargs in (
            {"data": {"score": "5", "csrf_token": "éo99999999999"}},
            # invalid UTF-8, read as U+FFFD
            {
                "data": b"score=5&csrf_token=%FFo9999999999",
                "headers": {"Content-Type": "application/x-www-form-urlencoded"},
            },
            {"data": {"score": "5"}, "files": {"csrf_token": ("csrf.txt", csrf.encode(), "text/plain")}},
        ):
            with (
                self.subTest(kwargs=kwargs),
                self.assertNoLogs("odoo", logging.ERROR),
                self.assertLogs("odoo.addons.nps_closed_loop.controllers.nps_http", logging.WARNING),
            ):
                response = self.opener.post(url, allow_redirects=False, **kwargs)
            self.assertEqual(response.status_code, 400)
            self.assertIn("invalid CSRF token", response.text)
        self._assert_unanswered()

    def test_huge_body_is_refused(self):
        with mute_logger("odoo.http"):
            response = self._post(data={"score": "5", "comment": "a" * (2 * 1024 * 1024)})
        self.assertEqual(response.status_code, 413)
        self._assert_unanswered()

    def test_non_utf8_body_never_fails(self):
        csrf = self._csrf()
        body = b"score=4&comment=caf%E9+%FF%FE&csrf_token=" + csrf.encode()
        response = self.url_open(
            f"/nps/{self.survey.access_token}",
            data=body,
            headers={"Content-Type": "application/x-www-form-urlencoded; charset=latin-1"},
        )
        self.assertEqual(response.status_code, 200)
        self.survey.invalidate_recordset()
        self.assertEqual(self.survey.score, 4)
        # Undecodable bytes become U+FFFD: the stored text is valid, whatever was sent.
        self.assertEqual(self.survey.comment, "caf\ufffd \ufffd\ufffd")

    def test_same_answer_posted_twice_is_recorded_once(self):
        data = {"score": "6", "comment": "Slow.", "contact_allowed": "1"}
        self._post(data=data)
        earlier = fields.Datetime.now().replace(microsecond=0) - timedelta(hours=1)
        self.survey.sudo().write({"answer_date": earlier})
        response = self._post(data=data)
        self.assertEqual(response.status_code, 200)
        self.assertIn("Thank you for your honesty.", response.text)
        self.survey.invalidate_recordset()
        self.assertEqual(self.survey.answer_date, earlier, "the repeated submit recorded nothing")


class TestNpsSurveyChange(common.PortalCommon):
    def test_answered_survey_shows_the_answer_and_can_be_changed(self):
        self._post(data={"score": "5", "comment": "Too slow."})
        first_deadline = self.survey.answer_editable_until
        response = self._get(f"/nps/{self.survey.access_token}")
        self.assertEqual(response.status_code, 200)
        self.assertIn("You already answered this survey", response.text)
        self.assertIn("Too slow.", response.text)
        self.assertIn("Change my answer", response.text)
        self.assertIn("You can change your answer until", response.text)
        self.assertNotIn('<details class="o_nps_change" open', response.text)

        # Clicking another score in the email again opens the change form with that score.
        response = self._get(f"/nps/{self.survey.access_token}?score=8")
        self.assertIn('<details class="o_nps_change" open', response.text)
        self.assertIn('value="8" checked', response.text)
        self.assertEqual(self.survey.score, 5, "opening the link changed nothing")

        response = self._post(data={"score": "8", "comment": "Better after the call."})
        self.assertEqual(response.status_code, 200)
        self.survey.invalidate_recordset()
        self.assertEqual(self.survey.score, 8)
        self.assertEqual(self.survey.category, "passive")
        self.assertEqual(self.survey.comment, "Better after the call.")
        self.assertEqual(self.survey.answer_editable_until, first_deadline, "changing does not extend the delay")

    def test_bad_change_keeps_the_first_answer(self):
        self._post(data={"score": "5", "comment": "Too slow."})
        response = self._post(data={"score": "12", "comment": "changed"})
        self.assertEqual(response.status_code, 400)
        self.assertIn('<details class="o_nps_change" open', response.text)
        self.survey.invalidate_recordset()
        self.assertEqual((self.survey.score, self.survey.comment), (5, "Too slow."))

    def test_answer_cannot_be_changed_after_the_delay(self):
        self._post(data={"score": "5", "comment": "Too slow."})
        self.survey.sudo().answer_editable_until = fields.Datetime.now() - timedelta(minutes=1)
        response = self._get(f"/nps/{self.survey.access_token}?score=10")
        self.assertEqual(response.status_code, 200)
        self.assertIn("You already answered this survey", response.text)
        self.assertNotIn("Change my answer", response.text)
        self.assertNotIn('name="score"', response.text)
        response = self._post(data={"score": "10"})
        self.assertEqual(response.status_code, 409)
        self.survey.invalidate_recordset()
        self.assertEqual(self.survey.score, 5)

    def test_campaign_setting_for_the_delay(self):
        self.campaign.answer_change_days = 0
        self._post(data={"score": "9"})
        self.assertEqual(self.survey.answer_editable_until, self.survey.answer_date)
        self.assertEqual(self._post(data={"score": "2"}).status_code, 409)
        self.survey.invalidate_recordset()
        self.assertEqual(self.survey.score, 9)

    def test_survey_answered_elsewhere_counts_from_its_answer_date(self):
        survey = self._create_answered(7, answer_date=fields.Datetime.now() - timedelta(days=8))
        self.assertNotIn("Change my answer", self._get(f"/nps/{survey.access_token}").text)
        survey.answer_date = fields.Datetime.now() - timedelta(days=1)
        self.assertIn("Change my answer", self._get(f"/nps/{survey.access_token}").text)

    def test_thanks_page_of_unanswered_survey_goes_to_the_form(self):
        response = self._get(f"/nps/{self.survey.access_token}/thanks", allow_redirects=False)
        self.assertEqual(response.status_code, 303)
        self.assertTrue(response.headers["Location"].endswith(f"/nps/{self.survey.access_token}"))

    def _change_form(self, survey, score):
        """The change form opened by clicking ``score`` in the email: the form, its texts and the
        follow-up question shown (``improve`` or ``promoter``)."""
        page = lxml_html.fromstring(self._get(f"/nps/{survey.access_token}?score={score}").text)
        [form] = page.xpath("//details[hasclass('o_nps_change')]//form[hasclass('o_nps_survey_form')]")
        [comment] = form.xpath(".//textarea[@name='comment']")
        [followup] = form.xpath(".//textarea[@name='followup']")
        [shown] = form.xpath(
            ".//label[@for='nps_followup']/span[starts-with(@class, 'o_nps_followup_')][not(contains(@class, 'd-none'))]"
        )
        return (
            form,
            comment.text or "",
            followup.text or "",
            shown.get("class").split()[0].removeprefix("o_nps_followup_"),
        )

    def test_texts_are_offered_again_only_for_a_score_of_the_same_category(self):
        """Defect 5: the texts of an answer answer questions about its score. Another category clicked in
        the email opens the change form without them (no detractor's text under "Glad to hear it!", no
        improvement idea as what they would tell a friend); the same category keeps them."""
        self._post(data={"score": "3", "comment": "Late delivery.", "followup": "Call before coming."})
        cases = (
            ("9", "", "", "promoter"),
            ("10", "", "", "promoter"),
            ("7", "", "", "improve"),
            ("0", "Late delivery.", "Call before coming.", "improve"),
            ("6", "Late delivery.", "Call before coming.", "improve"),
        )
        for score, comment, followup, question in cases:
            with self.subTest(score=score):
                form, shown_comment, shown_followup, shown_question = self._change_form(self.survey, score)
                self.assertEqual((shown_comment, shown_followup, shown_question), (comment, followup, question))
                # The page's script gets the saved answer to do the same when the score changes on the page.
                self.assertEqual(form.get("data-nps-saved-category"), "detractor")
                self.assertEqual(form.xpath(".//textarea[@name='comment']/@data-nps-saved"), ["Late delivery."])
                self.assertEqual(form.xpath(".//textarea[@name='followup']/@data-nps-saved"), ["Call before coming."])
        self.survey.invalidate_recordset()
        self.assertEqual((self.survey.score, self.survey.comment), (3, "Late delivery."), "opening changed nothing")

        promoter = self._create_answered(
            10, comment="Friendly team.", followup="They answer the phone!", answer_date=fields.Datetime.now()
        )
        self.assertEqual(self._change_form(promoter, "2")[1:], ("", "", "improve"))
        self.assertEqual(self._change_form(promoter, "9")[1:], ("Friendly team.", "They answer the phone!", "promoter"))


class TestNpsReviewInvitation(common.PortalCommon):
    """Defect 6, review gating: asking only happy customers for reviews is what review platforms forbid.
    The invitation is off until the campaign chooses whom to invite, and shows once the answer is saved."""

    def test_off_by_default(self):
        self.assertEqual(self.env["nps.campaign"].create({"name": "New"}).review_invitation, "none")

    def test_never_on_the_form_before_the_answer_is_saved(self):
        self.campaign.review_invitation = "everyone"
        for query in ("", "?score=9", "?score=10", "?score=2"):
            with self.subTest(query=query):
                response = self._get(f"/nps/{self.survey.access_token}{query}")
                self.assertIn('name="score"', response.text)
                self.assertNotIn("https://example.com/review", response.text)
        self._assert_unanswered()

    def test_thank_you_page_invites_whom_the_campaign_chose(self):
        invited_scores = {"none": (), "everyone": ("2", "7", "10"), "promoters": ("10",)}
        for invitation, invited in invited_scores.items():
            self.campaign.review_invitation = invitation
            for score in ("2", "7", "10"):
                with self.subTest(invitation=invitation, score=score):
                    survey = self._create_survey(state="sent")
                    thanks = self._post(survey, {"score": score})
                    self.assertTrue(thanks.url.endswith("/thanks"))
                    self.assertEqual(survey.state, "answered", "the invitation comes after the answer is saved")
                    self.assertEqual("https://example.com/review" in thanks.text, score in invited)
                    # Opened again later, the page is the customer's answer, not an invitation.
                    self.assertNotIn("https://example.com/review", self._get(f"/nps/{survey.access_token}").text)
        self.campaign.review_url = False
        survey = self._create_survey(state="sent")
        self.assertNotIn("o_nps_thanks_review", self._post(survey, {"score": "10"}).text, "no link, no invitation")

    def test_campaign_form_warns_against_inviting_promoters_only(self):
        arch = etree.fromstring(self.env["nps.campaign"].get_view(view_type="form")["arch"])
        self.assertTrue(arch.xpath("//group[@name='message']/field[@name='review_invitation']"))
        [warning] = arch.xpath("//group[@name='message']/div[hasclass('o_nps_review_gating_warning')]")
        self.assertEqual(warning.get("invisible"), "review_invitation != 'promoters'")
        self.assertIn("review gating", " ".join(warning.itertext()))


class TestNpsSurveyLoggedIn(common.PortalCommon):
    def test_employee_sees_a_preview_and_cannot_answer_for_the_customer(self):
        self.authenticate("nps_manager", "nps_manager")
        response = self._get(f"/nps/{self.survey.access_token}")
        self.assertEqual(response.status_code, 200)
        self.assertIn("Preview: this survey was sent to", response.text)
        self.assertIn(self.customer.name, response.text, "employees see who the survey is for")
        self.assertRegex(response.text, r'<button type="submit"[^>]*disabled')
        response = self._post(data={"score": "10"})
        self.assertEqual(response.status_code, 403)
        self._assert_unanswered()

    def test_other_portal_user_sees_a_preview_without_the_customers_name(self):
        self.authenticate("nps_portal", "nps_portal")
        response = self._get(f"/nps/{self.survey.access_token}")
        self.assertIn("Preview: this survey was sent to someone else.", response.text)
        self.assertNotIn(self.customer.name, response.text)
        self.assertEqual(self._post(data={"score": "10"}).status_code, 403)
        self._assert_unanswered()

    def test_portal_customer_answers_their_own_survey(self):
        survey = self._create_survey(partner=self.user_portal.partner_id, state="sent")
        self.authenticate("nps_portal", "nps_portal")
        self.assertNotIn("Preview", self._get(f"/nps/{survey.access_token}").text)
        self.assertEqual(self._post(survey, {"score": "10"}).status_code, 200)
        self.assertEqual(survey.score, 10)


class TestNpsOptOut(common.PortalCommon):
    def test_get_asks_for_confirmation_and_changes_nothing(self):
        response = self._get(f"/nps/{self.survey.access_token}/optout")
        self.assertEqual(response.status_code, 200)
        self.assertIn("Stop satisfaction surveys?", response.text)
        self.assertIn('name="csrf_token"', response.text)
        self.assertEqual(self.customer.nps_consent, "unknown")
        self._assert_unanswered()

    def test_post_refuses_surveys_and_cancels_pending_ones(self):
        scheduled = self._create_survey(state="scheduled")
        answered = self._create_answered(9)
        other_customer = self._create_survey(partner=self.customer_2, state="sent")
        messages_before = self.customer.message_ids
        response = self._post(path="/optout", allow_redirects=False)
        self.assertEqual(response.status_code, 303)
        self.assertEqual(self.customer.nps_consent, "refused")
        self.assertEqual((self.survey | scheduled).mapped("state"), ["cancelled", "cancelled"])
        self.assertEqual(self.survey.state_reason, "The customer opted out of NPS surveys.")
        self.assertEqual(answered.state, "answered")
        self.assertEqual(other_customer.state, "sent")
        # Besides the tracking of the consent field, one note explains where the refusal came from.
        new_messages = self.customer.message_ids - messages_before
        note = new_messages.filtered(lambda message: message.message_type == "comment")
        self.assertEqual(len(note), 1)
        self.assertEqual(note.author_id, self.customer)
        self.assertEqual(note.subtype_id, self.env.ref("mail.mt_note"), "an internal note, not sent to the customer")
        self.assertIn("2 pending survey(s) cancelled", note.body)

        confirmation = self._get(response.headers["Location"])
        self.assertIn("You will not receive satisfaction surveys any more", confirmation.text)
        self.assertNotIn('name="csrf_token"', confirmation.text)

        # A second confirmation (double tap, back button) adds nothing.
        messages_after = self.customer.message_ids
        self.assertEqual(self._post(path="/optout").status_code, 200)
        self.assertEqual(self.customer.message_ids, messages_after)

    def test_post_without_csrf_is_refused(self):
        for data in ({"confirm": "1"}, {"csrf_token": "0" * 40 + "o1"}, {"List-Unsubscribe": "Yes"}):
            with self.subTest(data=data):
                response = self._post(data=data, path="/optout", csrf=False)
                self.assertEqual(response.status_code, 400)
                # The confirmation is asked again, with a fresh token.
                self.assertIn("Stop satisfaction surveys?", response.text)
                self.assertIn('name="csrf_token"', response.text)
                self.assertEqual(self.customer.nps_consent, "unknown")
        self._assert_unanswered()

    def test_non_ascii_csrf_token_asks_again(self):
        """Odoo's validate_csrf raises a TypeError on non-ASCII text (consteq): such a token is just invalid, and
        so is an uploaded file named "csrf_token"."""
        csrf = self._csrf()
        url = self.base_url() + f"/nps/{self.survey.access_token}/optout"
        for kwargs in (
            {"data": {"csrf_token": "éo99999999999"}},
            {"data": {"csrf_token": "\x80o99999999999"}},
            {"data": {"from": "page"}, "files": {"csrf_token": ("csrf.txt", csrf.encode(), "text/plain")}},
        ):
            with self.subTest(kwargs=kwargs), self.assertNoLogs("odoo", logging.ERROR):
                response = self.opener.post(url, allow_redirects=False, **kwargs)
            self.assertEqual(response.status_code, 400)
            self.assertIn("Stop satisfaction surveys?", response.text)
        self.assertEqual(self.customer.nps_consent, "unknown")
        self._assert_unanswered()

    def test_one_click_unsubscribe_from_the_mail_client(self):
        """RFC 8058: the mail client posts "List-Unsubscribe=One-Click", without session or CSRF token."""
        self.opener.cookies.clear()
        response = self.opener.post(
            self.base_url() + f"/nps/{self.survey.access_token}/optout",
            data={"List-Unsubscribe": "One-Click"},
            allow_redirects=False,
        )
        self.env.invalidate_all()
        self.assertEqual(response.status_code, 200, "no redirect: mail clients do not follow them")
        self.assertEqual(self.customer.nps_consent, "refused")
        self.assertEqual(self.survey.state, "cancelled")

    def test_opt_out_works_from_a_closed_survey(self):
        survey = self._create_survey(state="expired")
        self.assertEqual(self._post(survey, path="/optout").status_code, 200)
        self.assertEqual(self.customer.nps_consent, "refused")


class TestNpsCustomerPortal(common.PortalCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.portal_partner = cls.user_portal.partner_id
        cls.pending = cls._create_survey(partner=cls.portal_partner, state="sent")
        cls.answered = cls._create_answered(
            8, partner=cls.portal_partner, comment="Fine.", answer_date=fields.Datetime.now() - timedelta(days=30)
        )
        cls.not_sent = cls._create_survey(partner=cls.portal_partner, state="scheduled")

    def test_home_counters(self):
        self.authenticate("nps_portal", "nps_portal")
        response = self.url_open(
            "/my/counters",
            data='{"jsonrpc": "2.0", "method": "call", "params": {"counters": ["nps_survey_count", "nps_pending_count"]}}',
            headers={"Content-Type": "application/json"},
        )
        self.assertEqual(response.json()["result"], {"nps_survey_count": 2, "nps_pending_count": 1})
        home = self._get("/my")
        self.assertIn("Satisfaction surveys", home.text)
        self.assertIn('href="/my/nps"', home.text)

    def test_list_shows_pending_surveys_answerable_and_the_history(self):
        self.authenticate("nps_portal", "nps_portal")
        response = self._get("/my/nps")
        self.assertEqual(response.status_code, 200)
        html = response.text
        for score in range(11):
            self.assertIn(f"/nps/{self.pending.access_token}?score={score}", html)
        self.assertIn(f"/nps/{self.answered.access_token}", html)
        self.assertIn("8 / 10", html)
        self.assertNotIn(self.not_sent.access_token, html)
        self.assertNotIn(self.survey.access_token, html, "other customers' surveys are not listed")
        # From the list, the pending survey is answered on its page.
        self.assertEqual(self._post(self.pending, {"score": "9"}).status_code, 200)
        self.assertEqual(self.pending.score, 9)

    def test_list_tolerates_odd_page_numbers(self):
        self.authenticate("nps_portal", "nps_portal")
        for page in ("abc", "²", "-1", "99999999999"):
            with self.subTest(page=page):
                self.assertEqual(self._get(f"/my/nps?page={quote(page)}").status_code, 200)
        self.assertEqual(self._get("/my/nps/page/99").status_code, 200)

    def test_list_needs_a_login(self):
        response = self._get("/my/nps", allow_redirects=False)
        self.assertEqual(response.status_code, 303)
        self.assertIn("/web/login", response.headers["Location"])


@tagged("post_install", "-at_install")
class TestLoopThroughPortal(common.LoopCommon, common.PortalCommon):
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
        # the callback follows in the job the answer started at once, not in the customer's request
        self.assertEqual(survey.reaction_pending, "answer")
        self.env["nps.survey.loop"]._cron_after_answers()
        survey.invalidate_recordset()
        callbacks = self._callbacks(survey)
        self.assertEqual(len(callbacks), 1)
        self.assertIn(callbacks.user_id, self.caller_a | self.caller_b | self.caller_c)
        self.assertNotEqual(callbacks.user_id, self.seller)
        self.assertLessEqual((survey.callback_deadline - survey.answer_date).total_seconds(), 48 * 3600)
        self.assertIn("Livraison en retard.", str(callbacks.note))
        # Sending the same answer again (a double click) changes nothing.
        self._post(survey, {"score": "2", "comment": "Livraison en retard.", "contact_allowed": "1"})
        self.assertFalse(survey.reaction_pending)
        self.env["nps.survey.loop"]._cron_after_answers()
        self.assertEqual(self._callbacks(survey), callbacks)
