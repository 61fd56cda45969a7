from odoo import http
from odoo.http import request
from odoo.tools import SQL, consteq
from odoo.tools.misc import get_lang

from .nps_http import check_csrf, read_only_unless_posted, route
from .nps_survey import MAX_FORM_BYTES, SCORE_PATTERN, TEXT_MAX_LENGTH, TOKEN_PATTERN, NpsSurveyController

ALLOWED_FORM_FIELDS = frozenset(("score", "comment", "csrf_token"))


class NpsEmployeeController(http.Controller):
    """The page employees answer the eNPS from: the invitation's token is the only key.

    GET shows the page and records nothing (mail scanners open links; served read-only). POST checks the CSRF
    token, the invitation (compared with ``consteq``) and every field: a wrong one is answered with the form and
    a message, nothing stored; an invitation answers once. The answer is handed to the invitation, which stores it
    without anything that leads back to the employee (see ``nps.employee.invitation._enps_answer``).
    """

    @route(
        "/enps/<string:token>",
        type="http",
        auth="public",
        website=True,
        methods=["GET", "POST"],
        csrf=False,
        max_content_length=MAX_FORM_BYTES,
        readonly=read_only_unless_posted,
    )
    def nps_employee_page(self, token, score=None, **kwargs):
        posted = request.httprequest.method == "POST"
        if posted:
            check_csrf(request.httprequest.form.get("csrf_token"))
        invitation = self._enps_invitation(token)
        if not invitation:
            return self._enps_message(
                request.env.company,
                "fa-chain-broken",
                request.env._("This link is not valid"),
                request.env._("Check that you opened the whole link of the email."),
                status=404,
            )
        campaign = invitation.campaign_id
        self._enps_set_lang(invitation)
        if campaign.state != "running" or invitation.pulse != campaign.pulse:
            return self._enps_message(
                campaign.company_id,
                "fa-clock-o",
                request.env._("This survey is closed"),
                request.env._("A new one will come with the next pulse."),
                status=410 if posted else 200,
            )
        if posted:
            # of two posts at once (a double tap), the second waits here, then sees the first one's answer
            request.env.cr.execute(
                SQL("SELECT id FROM nps_employee_invitation WHERE id = %s FOR UPDATE", invitation.id),
                log_exceptions=False,
            )
            invitation.invalidate_recordset(["answered"])
        if invitation.answered:
            return self._enps_message(
                campaign.company_id,
                "fa-check-circle",
                request.env._("Thank you, your answer is recorded"),
                request.env._("You can answer once per pulse."),
                status=409 if posted else 200,
            )
        if not posted:
            preselect = int(score) if isinstance(score, str) and SCORE_PATTERN.fullmatch(score) else None
            return self._enps_form(invitation, preselect=preselect)
        if self._enps_foreign_user(invitation):
            return self._enps_form(
                invitation, errors=[request.env._("This survey was sent to someone else.")], status=403
            )
        answer, errors = self._enps_parse(request.httprequest.form, request.httprequest.files, campaign)
        if errors:
            return self._enps_form(
                invitation, preselect=answer.get("score"), comment=answer.get("comment"), errors=errors, status=400
            )
        invitation._enps_answer(answer["score"], answer.get("comment"))
        return self._enps_message(
            campaign.company_id,
            "fa-check-circle",
            request.env._("Thank you, your answer is recorded"),
            request.env._("It is stored without your name, and counted with the others when enough have answered."),
        )

    # ------------------------------------------------------------------
    def _enps_invitation(self, token):
        """The invitation of ``token``, as superuser, or an empty recordset."""
        Invitation = request.env["nps.employee.invitation"].sudo()
        if not isinstance(token, str) or not TOKEN_PATTERN.fullmatch(token):
            return Invitation
        invitation = Invitation.search([("access_token", "=", token)], limit=1)
        if not invitation or not consteq(invitation.access_token, token):
            return Invitation.browse()
        return invitation

    def _enps_set_lang(self, invitation):
        installed = {code for code, _name in request.env["res.lang"].get_installed()}
        lang = invitation.user_id.lang if invitation.user_id.lang in installed else get_lang(request.env).code
        request.update_context(lang=lang)

    def _enps_foreign_user(self, invitation):
        """Someone logged in as another user: they may look at the page, not answer for the employee."""
        user = request.env.user
        return not user._is_public() and user != invitation.user_id

    def _enps_parse(self, form, files, campaign):
        """``(answer, errors)`` of the posted form: a score from 0 to 10, an optional comment."""
        env = request.env
        errors = []
        answer = {}
        if files or set(form) - ALLOWED_FORM_FIELDS:
            errors.append(env._("The form sent unexpected fields."))
        scores = form.getlist("score")
        if len(scores) == 1 and SCORE_PATTERN.fullmatch(scores[0]):
            answer["score"] = int(scores[0])
        else:
            errors.append(env._("Choose a score from 0 to 10."))
        comments = form.getlist("comment")
        if len(comments) > 1:
            errors.append(env._("The form sent unexpected fields."))
        comment = (comments[0] if comments else "").strip()
        if "\x00" in comment or len(comment) > TEXT_MAX_LENGTH:
            errors.append(env._("The comment is too long or holds invalid characters."))
            comment = ""
        if comment and campaign.comment_enabled:
            answer["comment"] = comment
        return answer, list(dict.fromkeys(errors))

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
