from odoo import fields, models


class SaleOrder(models.Model):
    _inherit = "sale.order"

    def _nps_confirmation_survey(self):
        """The survey of this order the customer may answer on its confirmation page, as superuser, or an
        empty recordset.

        It is the survey the order's campaign plans for it, no other: the request its trigger wrote is planned
        now rather than by the sending cron (the same planner and rules: one survey per document, quiet period,
        sampling, send window), then the rules the cron checks before sending (consent, opt-out, blacklist,
        quiet period, context holds) decide whether it may be asked now. An answered survey is returned too:
        the page thanks the customer and takes their comment.
        """
        self.ensure_one()
        Survey = self.env["nps.survey"].sudo()
        if self.state != "sale":
            return Survey
        self.env["nps.survey.request"].sudo()._nps_plan_now(self)
        survey = Survey.search([("res_model", "=", self._name), ("res_id", "=", self.id)], order="id desc", limit=1)
        if survey.state == "answered" or (
            survey.state == "scheduled"
            and survey.campaign_id.ask_on_confirmation_page
            and self._nps_may_ask_now(survey)
        ):
            return survey
        # sent by email already (the customer came back later), or not to be asked: the email is the way
        return Survey

    def _nps_may_ask_now(self, survey):
        """Whether the scheduled ``survey`` may be asked now: none of the sending rules cancels or holds it. A
        rule about the address (none, invalid) does not apply to a page the customer is reading."""
        verdict = self.env["nps.survey.send"].sudo()._check_rules(survey, fields.Datetime.now())[survey]
        return not verdict.get("hold") and verdict.get("state") != "cancelled"
