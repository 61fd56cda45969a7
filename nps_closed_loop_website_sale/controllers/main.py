import werkzeug.exceptions

from odoo import fields, http
from odoo.addons.nps_closed_loop.controllers.nps_http import (
    CHECKBOX_ON_VALUES,
    TEXT_MAX_LENGTH,
    check_csrf,
    read_score,
    read_text,
    route,
    unexpected_fields,
    unexpected_fields_message,
)
from odoo.addons.nps_closed_loop.controllers.nps_survey import NpsSurveyController, survey_question
from odoo.addons.website_sale.controllers.main import WebsiteSale
from odoo.http import request
from odoo.tools import SQL, consteq

#: what the confirmation page's two forms post: the score, then the comment and the permission to call back
ALLOWED_FORM_FIELDS = frozenset(("csrf_token", "token", "score", "comment", "contact_allowed"))
#: the question's anchor on the confirmation page
ANCHOR = "nps_order_survey"
MAX_FORM_BYTES = 64 * 1024


class NpsWebsiteSale(WebsiteSale):
    """The NPS question on the eCommerce order confirmation page (``/shop/confirmation``).

    The page belongs to the session that placed the order (``sale_last_order_id``); the question is that order's
    survey, answered in two steps that each post to :meth:`nps_order_survey_answer`: one tap on a score, then an
    optional comment. Showing the page records nothing.
    """

    @http.route()
    def shop_payment_confirmation(self, **post):
        response = super().shop_payment_confirmation(**post)
        if (getattr(response, "qcontext", None) or {}).get("nps_order_survey"):
            # the page holds the survey's key and a session-bound CSRF token: never stored by a shared cache
            response.headers["Cache-Control"] = "no-store"
        return response

    def _prepare_shop_payment_confirmation_values(self, order):
        values = super()._prepare_shop_payment_confirmation_values(order)
        values["nps_order_survey"] = self._nps_order_survey_values(order)
        return values

    @route(
        "/shop/confirmation/nps",
        type="http",
        auth="public",
        website=True,
        sitemap=False,
        methods=["POST"],
        csrf=False,
        max_content_length=MAX_FORM_BYTES,
    )
    def nps_order_survey_answer(self, **kwargs):
        """Record the score, or the comment that follows it, for the session's last order; then back to the
        confirmation page. The CSRF token is checked first, as the survey page does (see ``check_csrf``)."""
        check_csrf(kwargs.get("csrf_token"))
        order = self._nps_session_order()
        survey = self._nps_order_survey(order)
        if not survey:
            raise werkzeug.exceptions.NotFound()
        token = request.httprequest.form.get("token")
        if not isinstance(token, str) or not token.isascii() or not consteq(survey.access_token, token):
            # a form of another order of this session (an older tab), or not from the page at all
            raise werkzeug.exceptions.Forbidden()
        # Of two posts at once (a double tap), the second waits, fails to serialise and is run again by the
        # HTTP layer, where it sees the first (as on the survey page).
        request.env.cr.execute(
            SQL("SELECT id FROM nps_survey WHERE id = %s FOR UPDATE", survey.id), log_exceptions=False
        )
        if survey.state == "answered" and "score" in request.httprequest.form:
            # the score tapped twice, or a second tab: the first tap is the answer
            return request.redirect(f"/shop/confirmation#{ANCHOR}", code=303)
        answer, errors = self._nps_parse_order_answer(survey, request.httprequest.form, request.httprequest.files)
        if errors:
            return self._nps_render_errors(order, answer, errors)
        staff_survey = NpsSurveyController._nps_staff_survey(survey).with_context(nps_defer_after_answer=True)
        if survey.state == "scheduled":
            # answered here rather than sent: the quiet period counts from now, the email stays unsent
            staff_survey.write({"sent_date": fields.Datetime.now(), "channel": "web"})
        staff_survey._record_answer(**answer)
        return request.redirect(f"/shop/confirmation#{ANCHOR}", code=303)

    # ------------------------------------------------------------------
    # The session's order and its question
    # ------------------------------------------------------------------
    @staticmethod
    def _nps_session_order():
        """The order placed in this session (what ``/shop/confirmation`` shows), as superuser, or None."""
        order_id = request.session.get("sale_last_order_id")
        if not isinstance(order_id, int):
            return None
        return request.env["sale.order"].sudo().browse(order_id).exists() or None

    @staticmethod
    def _nps_order_survey(order):
        """The survey of ``order`` to ask on its page (see ``sale.order._nps_confirmation_survey``), or None.

        A signed-in user of another company (an employee on the customer's order) does not answer in the
        customer's name, as on the survey page."""
        if not order:
            return None
        user = request.env.user
        if not user._is_public() and user.partner_id.commercial_partner_id != order.partner_id.commercial_partner_id:
            return None
        return order._nps_confirmation_survey() or None

    def _nps_order_survey_values(self, order, form_values=None, errors=None):
        """What the page's template shows of the order's survey, or None when it asks nothing."""
        survey = self._nps_order_survey(order)
        if not survey:
            return None
        survey = survey.with_context(lang=request.env.lang)
        return {
            "survey": survey,
            "token": survey.access_token,
            "question": survey_question(survey),
            "scores": range(11),
            "form_values": form_values or {"comment": "", "contact_allowed": survey.contact_allowed},
            "errors": errors or {},
            "text_max_length": TEXT_MAX_LENGTH,
            "can_comment": self._nps_can_comment(survey),
            "anchor": ANCHOR,
        }

    @staticmethod
    def _nps_can_comment(survey):
        """The comment step: answered, and still within the time the campaign lets an answer be changed."""
        deadline = survey.state == "answered" and survey.env["nps.survey.entry"]._answer_editable_until(survey)
        return bool(deadline) and fields.Datetime.now() < deadline

    def _nps_render_errors(self, order, form_values, errors):
        """The confirmation page again, the errors above the question and the customer's text kept."""
        values = self._prepare_shop_payment_confirmation_values(order)
        values["nps_order_survey"] = self._nps_order_survey_values(order, form_values, errors)
        response = request.render("website_sale.confirmation", values, status=400)
        response.headers["Cache-Control"] = "no-store"
        return response

    # ------------------------------------------------------------------
    # Input
    # ------------------------------------------------------------------
    def _nps_parse_order_answer(self, survey, form, files=()):
        """Validate the posted step: (values for ``_record_answer``, {field: error message}).

        Unanswered, the score is the step; answered, the comment and the permission to call back are, and the
        score and the rest of the answer stay as they are.
        """
        env = request.env
        errors = {}
        if unexpected_fields(form, files, ALLOWED_FORM_FIELDS):
            errors["form"] = unexpected_fields_message()
        comment, comment_error = read_text(form, "comment")
        contact = form.get("contact_allowed")
        answer = {
            "score": survey.score,
            "comment": comment,
            "followup": survey.followup,
            "contact_allowed": contact in CHECKBOX_ON_VALUES,
            "quote_allowed": survey.quote_allowed,
        }
        if survey.state != "answered":
            answer["score"], score_error = read_score(form)
            if score_error:
                errors["score"] = score_error
        elif not self._nps_can_comment(survey):
            errors["form"] = env._("Your answer can no longer be changed. Thank you for it!")
        if comment_error:
            errors["comment"] = comment_error
        if contact is not None and contact not in CHECKBOX_ON_VALUES:
            errors["contact_allowed"] = env._("Please tick or untick the box.")
        if not errors:
            answer["comment"] = comment.strip() or False
        return answer, errors
