from odoo import fields, http
from odoo.http import request
from odoo.tools import SQL, format_date
from odoo.tools.misc import get_lang

from ..models.nps_score import CLOSED_STATES, score_category
from .nps_http import (
    CHECKBOX_ON_VALUES,
    TEXT_MAX_LENGTH,
    csrf_message,
    csrf_refused,
    page_lang,
    parse_score,
    read_score,
    read_text,
    record_by_token,
    token_page_route,
    unexpected_fields_message,
    valid_csrf,
)

ANSWER_FIELDS = ("score", "comment", "followup", "contact_allowed", "quote_allowed")
# the form's own CSRF token, checked before the answer is read
ALLOWED_FORM_FIELDS = frozenset((*ANSWER_FIELDS, "csrf_token"))


def survey_question(survey):
    """The question in the survey's language: the campaign's own, or the standard NPS one."""
    return survey.campaign_id.question or survey.env._(
        "How likely are you to recommend %(company)s to a friend or colleague?", company=survey.company_id.name
    )


class NpsSurveyController(http.Controller):
    """The page customers answer from the email link: the token is the only key.

    GET never records anything (mail scanners open links); POST validates every field and
    re-shows the form with an HTTP 400 when something is wrong.
    """

    # The CSRF token is checked here, first, as Odoo would: Odoo's own check fails with a server error on a
    # token it cannot judge (see valid_csrf). The answer is posted to the primary.
    @token_page_route("/nps/<string:token>")
    def nps_survey(self, token, score=None, **kwargs):
        posted = request.httprequest.method == "POST"
        # read where Odoo reads it: the query string, the form, then the uploads, the later winning
        refused = posted and csrf_refused(kwargs.get("csrf_token"))
        survey = self._nps_survey_from_token(token)
        if not survey:
            return self._nps_render_not_found()
        survey = self._nps_set_lang(survey)
        if refused:
            # an expired session (the page was opened long ago): the form again, with what the customer wrote
            # and a fresh token, rather than an error page (the Website app's would hide the reason)
            answer, _errors = self._nps_parse_answer(request.httprequest.form, request.httprequest.files)
            return self._nps_render_form(survey, answer, errors={"form": csrf_message()}, status=400)
        if posted:
            return self._nps_submit(survey)
        return self._nps_show(survey, preselect=parse_score(score))

    # Not read-only: the answer was posted an instant ago, and a replica's copy might not have it yet (the page
    # would send the customer back to the form). The same goes for the opt-out page after its post.
    @token_page_route("/nps/<string:token>/thanks", methods=["GET"], readonly=False)
    def nps_survey_thanks(self, token, **kwargs):
        survey = self._nps_survey_from_token(token)
        if not survey:
            return self._nps_render_not_found()
        if survey.state != "answered":
            return request.redirect(survey.access_url, code=303)
        survey = self._nps_set_lang(survey)
        return self._nps_render_answered(survey, just_answered=True)

    # CSRF is checked below rather than by Odoo: mail clients unsubscribing in one click
    # (RFC 8058, "List-Unsubscribe=One-Click") post without any session. The unguessable token in
    # the URL is what a forged cross-site request would lack anyway.
    @token_page_route("/nps/<string:token>/optout", readonly=False)
    def nps_survey_optout(self, token, **kwargs):
        survey = self._nps_survey_from_token(token)
        if not survey:
            return self._nps_render_not_found()
        survey = self._nps_set_lang(survey)
        preview = self._nps_is_foreign_user(survey)
        status = 200
        if request.httprequest.method == "POST":
            form = request.httprequest.form
            one_click = form.get("List-Unsubscribe") == "One-Click"
            if preview:
                # Only the customer stops their surveys; mail clients unsubscribing in one click post
                # without a session, as the public user.
                status = 403
            elif not one_click and not valid_csrf(form.get("csrf_token")):
                # An expired session: ask again rather than failing.
                status = 400
            elif survey.partner_id.nps_consent != "refused":
                if one_click:
                    source = "one_click"
                else:
                    source = "survey_page" if kwargs.get("from") == "page" else "email_link"
                self._nps_opt_out(survey, source)
                if not one_click:
                    return request.redirect(f"{survey.access_url}/optout", code=303)
        return self._nps_render(
            "nps_closed_loop.nps_survey_page_optout",
            self._nps_page_values(
                survey,
                opted_out=survey.partner_id.nps_consent == "refused",
                optout_from=kwargs.get("from") == "page" and "page",
                preview=preview,
            ),
            status=status,
        )

    # ------------------------------------------------------------------
    # Access and language
    # ------------------------------------------------------------------
    def _nps_survey_from_token(self, token):
        """The survey the token opens, as superuser, or an empty recordset.

        Its pages link to it with the token the visitor presented; what the answer sets off runs without
        that grant (see :meth:`_nps_staff_survey`).
        """
        survey = record_by_token(request.env["nps.survey"].sudo(), token)
        if not survey.partner_id:
            # Anonymised surveys have no customer left to answer for.
            return survey.browse()
        return survey._nps_with_token()

    def _nps_set_lang(self, survey):
        """Render everything that follows in the customer's language."""
        lang = page_lang(survey.partner_id.lang)
        request.update_context(lang=lang)
        return survey.with_context(lang=lang)

    def _nps_is_foreign_user(self, survey):
        """A logged-in user of another company (e.g. an employee opening a customer's link) may
        look at the page but not answer in the customer's name."""
        user = request.env.user
        if user._is_public():
            return False
        return user.partner_id.commercial_partner_id != survey.partner_id.commercial_partner_id

    @staticmethod
    def _nps_staff_survey(survey):
        """The survey in the company's language, for what the team reads (notes, reasons, activities):
        the survey's link never appears there."""
        return survey._nps_without_token().with_context(
            lang=get_lang(survey.env, survey.company_id.partner_id.lang).code
        )

    # ------------------------------------------------------------------
    # Pages
    # ------------------------------------------------------------------
    def _nps_show(self, survey, preselect=None):
        if survey.state in CLOSED_STATES:
            return self._nps_render_closed(survey)
        if survey.state == "answered":
            return self._nps_render_answered(survey, preselect=preselect)
        return self._nps_render_form(survey, {"score": preselect})

    def _nps_submit(self, survey):
        if self._nps_is_foreign_user(survey):
            return self._nps_render_form(survey, {}, status=403)
        # Lock the row: of two submits at once (a double tap), the second waits for the first, then fails
        # to serialise (REPEATABLE READ) and is run again by the HTTP layer, where it sees the first. Once
        # locked, the row is as read from the transaction's snapshot: no need to read it again.
        # (not logged as an error: the HTTP layer retries it, as it does any serialisation failure)
        request.env.cr.execute(
            SQL("SELECT id FROM nps_survey WHERE id = %s FOR UPDATE", survey.id), log_exceptions=False
        )
        if survey.state in CLOSED_STATES:
            return self._nps_render_closed(survey, status=410)
        if survey.state == "answered" and not self._nps_can_change(survey):
            return self._nps_render_answered(survey, status=409)
        answer, errors = self._nps_parse_answer(request.httprequest.form, request.httprequest.files)
        if errors:
            if survey.state == "answered":
                return self._nps_render_answered(survey, form_values=answer, errors=errors, status=400)
            return self._nps_render_form(survey, answer, errors=errors, status=400)
        if not self._nps_is_same_answer(survey, answer):
            # What reacts to the answer (callbacks, notes, alerts) is read by the team, not the customer,
            # and follows in a scheduled job started at once: the customer does not wait for it.
            self._nps_staff_survey(survey).with_context(nps_defer_after_answer=True)._record_answer(**answer)
        return request.redirect(f"{survey.access_url}/thanks", code=303)

    @staticmethod
    def _nps_render(template, values, status=200):
        response = request.render(template, values, status=status)
        # The page shows one customer's answer and a session-bound CSRF token: never stored by a
        # shared cache, never indexed (links get forwarded and pasted).
        response.headers["Cache-Control"] = "no-store"
        response.headers["X-Robots-Tag"] = "noindex, nofollow"
        return response

    def _nps_page_values(self, survey, **values):
        lang = survey.env.lang or get_lang(request.env).code
        return {
            "survey": survey,
            "company": survey.company_id,
            "campaign": survey.campaign_id,
            "html_lang": lang.replace("_", "-"),
            **values,
        }

    def _nps_render_form(self, survey, form_values, errors=None, status=200):
        values = self._nps_form_values(survey, form_values, errors)
        return self._nps_render("nps_closed_loop.nps_survey_page_form", values, status=status)

    def _nps_render_answered(
        self, survey, preselect=None, form_values=None, errors=None, just_answered=False, status=200
    ):
        can_change = self._nps_can_change(survey)
        # The texts answer questions about the score given (its reason, and what would earn a higher
        # score or what they would tell a friend): they are offered again only for a score of the same
        # category. The page's script does the same when the score is changed on the page.
        saved_answer = {
            "category": survey.category,
            "comment": survey.comment or "",
            "followup": survey.followup or "",
        }
        if form_values is None:
            score = survey.score if preselect is None else preselect
            same_question = score_category(score) == survey.category
            form_values = {
                "score": score,
                "comment": saved_answer["comment"] if same_question else "",
                "followup": saved_answer["followup"] if same_question else "",
                "contact_allowed": survey.contact_allowed,
                "quote_allowed": survey.quote_allowed,
            }
        values = self._nps_form_values(survey, form_values, errors)
        values.update(
            just_answered=just_answered,
            # Shown once the answer is saved, to whom the campaign chose (off by default).
            review_invited=just_answered and request.env["nps.survey.loop"]._review_invited(survey),
            saved_answer=saved_answer,
            can_change=can_change,
            # Open the change form when the customer came to change something (another score
            # clicked in the email, or a change that needs fixing).
            open_change=bool(errors) or (preselect is not None and preselect != survey.score),
            answer_date=self._nps_format_date(survey, survey.answer_date),
            editable_until=can_change
            and self._nps_format_date(survey, request.env["nps.survey.entry"]._answer_editable_until(survey)),
        )
        return self._nps_render("nps_closed_loop.nps_survey_page_answered", values, status=status)

    def _nps_render_closed(self, survey, status=200):
        return self._nps_render("nps_closed_loop.nps_survey_page_closed", self._nps_page_values(survey), status=status)

    def _nps_render_not_found(self):
        request.update_context(lang=page_lang())
        values = {
            "company": request.env.company,
            "html_lang": request.env.lang.replace("_", "-"),
        }
        return self._nps_render("nps_closed_loop.nps_survey_page_not_found", values, status=404)

    def _nps_form_values(self, survey, form_values, errors):
        score = form_values.get("score")
        return self._nps_page_values(
            survey,
            question=survey_question(survey),
            form_values=form_values,
            selected_category=score_category(score) if score is not None else False,
            errors=errors or {},
            preview=self._nps_is_foreign_user(survey),
            text_max_length=TEXT_MAX_LENGTH,
            scores=range(11),
            # on each score's radio button, for the page's script: the scale is defined in Python only
            score_categories={value: score_category(value) for value in range(11)},
        )

    # ------------------------------------------------------------------
    # Input
    # ------------------------------------------------------------------
    def _nps_parse_answer(self, form, files=()):
        """Validate the posted form: (values for ``_record_answer``, {field: error message})."""
        errors = {}
        if set(files) or set(form) - ALLOWED_FORM_FIELDS:
            errors["form"] = unexpected_fields_message()
        if any(len(form.getlist(name)) > 1 for name in ANSWER_FIELDS):
            errors["form"] = request.env._(
                "The form contained the same question twice. Please answer with the form below."
            )
        score, errors["score"] = read_score(form)
        texts = {}
        for name in ("comment", "followup"):
            texts[name], errors[name] = read_text(form, name)
        errors = {field: message for field, message in errors.items() if message}

        contact = form.get("contact_allowed")
        if contact is not None and contact not in CHECKBOX_ON_VALUES:
            errors["contact_allowed"] = request.env._("Please tick or untick the box.")
        quote = form.get("quote_allowed")
        if quote is not None and quote not in CHECKBOX_ON_VALUES:
            errors["quote_allowed"] = request.env._("Please tick or untick the box.")

        answer = {
            "score": score,
            "comment": texts["comment"].strip() or False,
            "followup": texts["followup"].strip() or False,
            "contact_allowed": contact in CHECKBOX_ON_VALUES,
            "quote_allowed": quote in CHECKBOX_ON_VALUES,
        }
        if errors:
            # Give the customer back what they typed, so that nothing is lost.
            answer.update(comment=texts["comment"], followup=texts["followup"])
        return answer, errors

    @staticmethod
    def _nps_is_same_answer(survey, answer):
        """A resubmitted identical answer (double tap, reload) must not be recorded twice."""
        return (
            survey.state == "answered"
            and survey.score == answer["score"]
            and all((survey[name] or False) == (answer[name] or False) for name in ANSWER_FIELDS[1:])
        )

    # ------------------------------------------------------------------
    # Changing an answer
    # ------------------------------------------------------------------
    def _nps_can_change(self, survey):
        if survey.state != "answered" or self._nps_is_foreign_user(survey):
            return False
        deadline = request.env["nps.survey.entry"]._answer_editable_until(survey)
        return bool(deadline) and fields.Datetime.now() < deadline

    @staticmethod
    def _nps_format_date(survey, value):
        if not value:
            return ""
        local = fields.Datetime.context_timestamp(survey.with_context(tz=survey.partner_id.tz or "UTC"), value)
        return format_date(survey.env, local, lang_code=survey.env.lang, date_format="long")

    # ------------------------------------------------------------------
    # Opting out
    # ------------------------------------------------------------------
    def _nps_opt_out(self, survey, source="email_link"):
        # written in the company's language: the team reads the note and the reasons; the source is the
        # proof of where the objection came from
        self._nps_staff_survey(survey).partner_id.with_context(nps_consent_source=source)._nps_opt_out()
