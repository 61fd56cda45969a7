from odoo import http
from odoo.http import request

from .nps_http import (
    TEXT_MAX_LENGTH,
    check_csrf,
    page_lang,
    parse_score,
    read_score,
    read_text,
    record_by_token,
    token_page_route,
    unexpected_fields,
    unexpected_fields_message,
)
from .nps_survey import NpsSurveyController

ALLOWED_FORM_FIELDS = frozenset(("score", "comment", "csrf_token"))


class NpsEmployeeController(http.Controller):
    """The page employees answer the eNPS from: the invitation's token is the only key.

    GET shows the page and records nothing (mail scanners open links; served read-only). POST checks the CSRF
    token, the invitation (compared with ``consteq``) and every field: a wrong one is answered with the form and
    a message, nothing stored; an invitation answers once. The answer is handed to the invitation, which stores it
    without anything that leads back to the employee (see ``nps.employee.invitation._enps_answer``).
    """

    @token_page_route("/enps/<string:token>")
    def nps_employee_page(self, token, score=None, **kwargs):
        posted = request.httprequest.method == "POST"
        if posted:
            check_csrf(request.httprequest.form.get("csrf_token"))
        invitation = record_by_token(request.env["nps.employee.invitation"].sudo(), token)
        if not invitation:
            return self._enps_message(
                request.env.company,
                "fa-chain-broken",
                request.env._("This link is not valid"),
                request.env._("Check that you opened the whole link of the email."),
                status=404,
            )
        campaign = invitation.campaign_id
        request.update_context(lang=page_lang(invitation.user_id.lang))
        if campaign.state != "running" or invitation.pulse != campaign.pulse:
            return self._enps_message(
                campaign.company_id,
                "fa-clock-o",
                request.env._("This survey is closed"),
                request.env._("A new one will come with the next pulse."),
                status=410 if posted else 200,
            )
        if invitation.answered:
            return self._enps_already_answered(campaign, status=409 if posted else 200)
        if not posted:
            return self._enps_form(invitation, preselect=parse_score(score))
        if self._enps_foreign_user(invitation):
            return self._enps_form(
                invitation, errors=[request.env._("This survey was sent to someone else.")], status=403
            )
        answer, errors = self._enps_parse(request.httprequest.form, request.httprequest.files, campaign)
        if errors:
            return self._enps_form(
                invitation, preselect=answer.get("score"), comment=answer.get("comment"), errors=errors, status=400
            )
        if not invitation._enps_answer(answer["score"], answer.get("comment")):
            # a second post at once (a double tap): the first one's answer stands
            return self._enps_already_answered(campaign, status=409)
        return self._enps_message(
            campaign.company_id,
            "fa-check-circle",
            request.env._("Thank you, your answer is recorded"),
            request.env._("It is stored without your name, and counted with the others when enough have answered."),
        )

    # ------------------------------------------------------------------
    def _enps_already_answered(self, campaign, status):
        return self._enps_message(
            campaign.company_id,
            "fa-check-circle",
            request.env._("Thank you, your answer is recorded"),
            request.env._("You can answer once per pulse."),
            status=status,
        )

    def _enps_foreign_user(self, invitation):
        """Someone logged in as another user: they may look at the page, not answer for the employee."""
        user = request.env.user
        return not user._is_public() and user != invitation.user_id

    def _enps_parse(self, form, files, campaign):
        """``(answer, errors)`` of the posted form: a score from 0 to 10, an optional comment."""
        score, score_error = read_score(form)
        comment, comment_error = read_text(form, "comment")
        errors = [unexpected_fields_message()] if unexpected_fields(form, files, ALLOWED_FORM_FIELDS) else []
        errors += [error for error in (score_error, comment_error) if error]
        answer = {"score": score} if score is not None else {}
        if comment_error:
            answer["comment"] = comment  # given back as typed
        elif comment.strip() and campaign.comment_enabled:
            answer["comment"] = comment.strip()
        return answer, errors

    def _enps_form(self, invitation, preselect=None, comment=None, errors=None, status=200):
        campaign = invitation.campaign_id.with_context(lang=request.env.lang)
        values = {
            "company": campaign.company_id,
            "html_lang": request.env.lang.replace("_", "-"),
            "action_url": f"/enps/{invitation.access_token}",
            "question": campaign._enps_question(),
            "open_question": campaign.comment_enabled and campaign._enps_open_question(),
            "anonymity_note": campaign._enps_anonymity_note(),
            "text_max_length": TEXT_MAX_LENGTH,
            "preselect": preselect,
            "comment": comment,
            "errors": errors or [],
        }
        return self._enps_render("nps_closed_loop.nps_employee_page_form", values, status)

    def _enps_message(self, company, icon, heading, message, status=200):
        values = {
            "company": company,
            "html_lang": request.env.lang.replace("_", "-"),
            "icon": icon,
            "heading": heading,
            "message": message,
        }
        return self._enps_render("nps_closed_loop.nps_employee_page_message", values, status)

    @staticmethod
    def _enps_render(template, values, status):
        # as the customer's page: never stored by a shared cache, never indexed
        return NpsSurveyController._nps_render(template, values, status=status)
