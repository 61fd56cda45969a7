from odoo import api, fields, models
from odoo.tools import SQL

from .nps_score import CATEGORY_SELECTION
from .nps_score_field import NullableInteger


class ResPartner(models.Model):
    _inherit = "res.partner"

    nps_survey_ids = fields.One2many("nps.survey", "partner_id", string="NPS surveys")
    nps_company_survey_ids = fields.One2many(
        "nps.survey",
        "commercial_partner_id",
        string="NPS surveys of the company",
        help="Surveys of the company and of all its contacts.",
    )
    nps_survey_count = fields.Integer(string="NPS surveys count", compute="_compute_nps_survey_count")
    nps_last_score = NullableInteger(string="Last NPS score", compute="_compute_nps_last", store=True, aggregator="avg")
    nps_last_category = fields.Selection(
        CATEGORY_SELECTION,
        string="Last NPS category",
        compute="_compute_nps_last",
        store=True,
        index=True,
    )
    nps_last_answer_date = fields.Datetime(string="Last NPS answer", compute="_compute_nps_last", store=True)
    nps_consent = fields.Selection(
        [("unknown", "Unknown"), ("granted", "Granted"), ("refused", "Refused")],
        string="NPS surveys consent",
        default="unknown",
        required=True,
        tracking=True,
        help="Whether the customer accepts NPS surveys. Refused: no survey is ever sent.",
    )

    def _nps_survey_domain(self):
        """A company sees its own and its contacts' surveys; a person sees their own."""
        self.ensure_one()
        if self.is_company:
            return [("commercial_partner_id", "=", self.id)]
        return [("partner_id", "=", self.id)]

    @api.depends("nps_survey_ids", "nps_company_survey_ids", "is_company")
    def _compute_nps_survey_count(self):
        persons = self.filtered(lambda partner: not partner.is_company)
        companies = self - persons
        counts = dict(
            self.env["nps.survey"]._read_group([("partner_id", "in", persons.ids)], ["partner_id"], ["__count"])
        )
        counts.update(
            self.env["nps.survey"]._read_group(
                [("commercial_partner_id", "in", companies.ids)], ["commercial_partner_id"], ["__count"]
            )
        )
        for partner in self:
            partner.nps_survey_count = counts.get(partner, 0)

    @api.depends(
        "is_company",
        "nps_survey_ids.answer_date",
        "nps_survey_ids.score",
        "nps_company_survey_ids.answer_date",
        "nps_company_survey_ids.score",
    )
    def _compute_nps_last(self):
        """Latest answer of each person, or of any contact of each company.

        One query, one row per partner: the newest answer is taken in the database, so recording an
        answer costs the same whatever the customer's history.
        """
        persons = self.filtered(lambda partner: not partner.is_company)._origin
        companies = self.filtered("is_company")._origin
        latest = {}
        if persons or companies:
            survey = self.env["nps.survey"]
            survey.flush_model(["partner_id", "commercial_partner_id", "score", "category", "answer_date"])

            def last_answer(column, partner_ids):
                return SQL(
                    """
                    SELECT target.id, last.score, last.category, last.answer_date
                      FROM unnest(%(partner_ids)s::int[]) AS target(id)
                      CROSS JOIN LATERAL (
                            SELECT score, category, answer_date
                              FROM %(table)s
                             WHERE %(column)s = target.id AND category IS NOT NULL
                             ORDER BY answer_date DESC NULLS LAST, id DESC
                             LIMIT 1
                      ) AS last
                    """,
                    partner_ids=partner_ids,
                    table=SQL.identifier(survey._table),
                    column=SQL.identifier(column),
                )

            rows = self.env.execute_query(
                SQL(
                    "%s UNION ALL %s",
                    last_answer("partner_id", persons.ids),
                    last_answer("commercial_partner_id", companies.ids),
                )
            )
            latest = {partner_id: values for partner_id, *values in rows}
        for partner in self:
            score, category, answer_date = latest.get(partner._origin.id, (False, False, False))
            partner.nps_last_score = score
            partner.nps_last_category = category
            partner.nps_last_answer_date = answer_date

    def _nps_opt_out(self):
        """Refuse all future NPS surveys and cancel those not answered yet (the customer's one-click opt-out)."""
        self.ensure_one()
        pending = self.env["nps.survey"].search([("partner_id", "=", self.id), ("state", "in", ("scheduled", "sent"))])
        pending.write({"state": "cancelled", "state_reason": self.env._("The customer opted out of NPS surveys.")})
        self.nps_consent = "refused"
        self.message_post(
            body=self.env._(
                "Opted out of NPS surveys from the link in a survey message (%(count)s pending survey(s) cancelled).",
                count=len(pending),
            ),
            author_id=self.id,
            message_type="comment",
            subtype_xmlid="mail.mt_note",
        )
        return pending

    def action_view_nps_surveys(self):
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id("nps_closed_loop.nps_survey_action")
        action["domain"] = self._nps_survey_domain()
        action["context"] = {"default_partner_id": self.id}
        return action
