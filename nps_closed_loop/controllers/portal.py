import re

from odoo.addons.portal.controllers.portal import CustomerPortal
from odoo.addons.portal.controllers.portal import pager as portal_pager
from odoo.http import request

from ..models.nps_score import REACHED_STATES
from .nps_http import route
from .nps_survey import survey_question

PAGE_PATTERN = re.compile(r"[0-9]{1,6}")


class NpsCustomerPortal(CustomerPortal):
    def _prepare_home_portal_values(self, counters):
        values = super()._prepare_home_portal_values(counters)
        Survey = request.env["nps.survey"]
        may_read = Survey.has_access("read")
        if "nps_survey_count" in counters:
            values["nps_survey_count"] = Survey.search_count(self._nps_portal_domain()) if may_read else 0
        if "nps_pending_count" in counters:
            values["nps_pending_count"] = Survey.search_count(self._nps_portal_domain(pending=True)) if may_read else 0
        return values

    def _nps_portal_domain(self, pending=False):
        # what a customer has been asked: not yet sent, failed or cancelled surveys are none of their business
        states = ("sent",) if pending else REACHED_STATES
        return [("partner_id", "=", request.env.user.partner_id.id), ("state", "in", states)]

    # GET only: the page changes nothing, so it takes no post (and no CSRF token to judge), and it may be served
    # from the database replica.
    @route(
        ["/my/nps", "/my/nps/page/<int:page>"], type="http", auth="user", methods=["GET"], website=True, readonly=True
    )
    def portal_my_nps_surveys(self, page=1, **kwargs):
        Survey = request.env["nps.survey"]
        if not Survey.has_access("read"):
            return request.redirect("/my")
        page = int(page) if PAGE_PATTERN.fullmatch(str(page)) else 1
        # Few surveys wait for an answer at a time: all of them on top, the history paged below.
        pending = Survey.search(self._nps_portal_domain(pending=True), order="sent_date desc, id desc")
        history_domain = self._nps_portal_domain() + [("state", "!=", "sent")]
        pager = portal_pager(
            url="/my/nps",
            total=Survey.search_count(history_domain),
            page=page,
            step=self._items_per_page,
        )
        history = Survey.search(
            history_domain,
            order="answer_date desc nulls last, sent_date desc, id desc",
            limit=self._items_per_page,
            offset=pager["offset"],
        )
        values = self._prepare_portal_layout_values()
        values.update(
            {
                "page_name": "nps_surveys",
                "pending_surveys": pending,
                "surveys": history,
                "pager": pager,
                "default_url": "/my/nps",
                "scores": range(11),
                # Campaigns are not readable by portal users: read their question as superuser,
                # on surveys the user's own access already selected.
                "questions": {survey.id: survey_question(survey) for survey in pending.sudo()},
            }
        )
        return request.render("nps_closed_loop.portal_my_nps_surveys", values)
