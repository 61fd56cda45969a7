from odoo import api, fields, models

from .nps_score import CATEGORY_SELECTION
from .nps_score_field import NullableInteger


class NpsSourceMixin(models.AbstractModel):
    """What a document that triggers surveys (sales order, ticket) shows of them: the answer it got.

    Salespeople and agents see the score where they work, as a badge on the document, and before it that a
    survey is planned (requested by the trigger, or scheduled); the answer itself stays readable only as the
    survey record rules allow.

    Extension point: inherited here by ``sale.order``, and by each bridge addon on the documents of its
    app (the tickets bridge: the ticket), whose form view shows the badge.
    """

    _name = "nps.source.mixin"
    _description = "Document surveyed by NPS"

    nps_survey_id = fields.Many2one("nps.survey", string="NPS survey", compute="_compute_nps_survey", compute_sudo=True)
    nps_score = NullableInteger(string="NPS score", compute="_compute_nps_survey", compute_sudo=True)
    nps_category = fields.Selection(
        CATEGORY_SELECTION, string="NPS category", compute="_compute_nps_survey", compute_sudo=True
    )
    nps_survey_planned = fields.Boolean(
        string="NPS survey planned",
        compute="_compute_nps_survey",
        compute_sudo=True,
        help="A survey of this document is planned: asked for by its trigger, or scheduled and not sent yet.",
    )
    nps_customer_last_score = NullableInteger(
        string="Customer's last NPS",
        compute="_compute_nps_customer_last",
        help="The last score the customer's company gave, on any survey.",
    )
    nps_customer_last_category = fields.Selection(
        CATEGORY_SELECTION, string="Customer's last NPS category", compute="_compute_nps_customer_last"
    )

    @api.depends("partner_id.commercial_partner_id.nps_last_score")
    def _compute_nps_customer_last(self):
        for document in self:
            company = document.partner_id.commercial_partner_id
            document.nps_customer_last_score = company.nps_last_score
            document.nps_customer_last_category = company.nps_last_category

    def _compute_nps_survey(self):
        # one query for all documents: the latest survey of each, and one for the requests not planned yet
        domain = [("res_model", "=", self._name), ("res_id", "in", self.ids)]
        surveys = self.env["nps.survey"].search(domain, order="id desc")
        latest = {}
        for survey in surveys:
            latest.setdefault(survey.res_id, survey)
        requested = set(
            self.env["nps.survey.request"].search_fetch([*domain, ("error", "=", False)], ["res_id"]).mapped("res_id")
        )
        for document in self:
            survey = latest.get(document.id, self.env["nps.survey"])
            document.nps_survey_id = survey
            document.nps_score = survey.score
            document.nps_category = survey.category
            document.nps_survey_planned = document.id in requested or survey.state == "scheduled"

    def action_open_nps_survey(self):
        self.ensure_one()
        if not self.nps_survey_id:
            # requested by the trigger, planned by the sending cron within the hour
            return {
                "type": "ir.actions.client",
                "tag": "display_notification",
                "params": {
                    "type": "info",
                    "message": self.env._("The NPS survey of this document is being planned."),
                },
            }
        return self.nps_survey_id._get_records_action(context={})
