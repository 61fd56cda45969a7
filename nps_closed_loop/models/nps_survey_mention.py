from odoo import api, fields, models
from odoo.tools import SQL

from .. import compat
from .nps_score_field import NullableInteger

POLARITY_SELECTION = [("complaint", "Complaint"), ("praise", "Praise"), ("neutral", "Neutral")]


@compat.sql_constraints(
    ("survey_reason_unique", "UNIQUE(survey_id, reason_id)", "An answer mentions a theme once."),
)
class NpsSurveyMention(models.Model):
    """A theme an answer's comment talks about, and whether it praises or complains about it: what tells the
    strong points from the weak ones. Written by the tagging (``nps.survey.loop._tag_themes``) only; the themes of
    an answer (``theme_ids``) stay the reference, a theme set by hand has no mention (no polarity known).

    The answer's figures are stored beside each mention so that the analysis groups mentions without a join.
    Erasure keeps them, as it keeps the themes: statistics without personal data."""

    _name = "nps.survey.mention"
    _description = "NPS Theme Mention"
    _order = "survey_id desc, reason_id"
    _rec_name = "reason_id"

    survey_id = fields.Many2one("nps.survey", string="Answer", required=True, ondelete="cascade", index=True)
    reason_id = fields.Many2one("nps.reason", string="Theme", required=True, ondelete="cascade", index=True)
    polarity = fields.Selection(POLARITY_SELECTION, required=True, index=True)
    company_id = fields.Many2one(related="survey_id.company_id", store=True, index=True)
    campaign_id = fields.Many2one(related="survey_id.campaign_id", store=True, index=True)
    category = fields.Selection(related="survey_id.category", store=True)
    score = NullableInteger(related="survey_id.score", store=True, aggregator="avg")
    nps_value = NullableInteger(related="survey_id.nps_value", store=True, aggregator="avg")
    answer_date = fields.Datetime(related="survey_id.answer_date", store=True, index=True)

    @api.model
    def _nps_replace(self, surveys, vals_list):
        """The mentions of ``surveys`` become ``vals_list``: the words were tagged again."""
        self.search([("survey_id", "in", surveys.ids)]).unlink()
        return self.create(vals_list)

    @api.model
    def _nps_drop_untagged(self, surveys):
        """Mentions of themes no longer among their answer's themes (removed by hand) go: the mentions stay a
        part of ``theme_ids``. One query for all of ``surveys``."""
        if not surveys:
            return
        self.flush_model()
        surveys.flush_recordset(["theme_ids"])
        rel = surveys._fields["theme_ids"]
        self.env.execute_query(
            SQL(
                """DELETE FROM %(mention)s m
                    WHERE m.survey_id IN %(ids)s
                      AND NOT EXISTS (SELECT 1 FROM %(rel)s r WHERE r.%(col1)s = m.survey_id AND r.%(col2)s = m.reason_id)
                """,
                mention=SQL.identifier(self._table),
                ids=tuple(surveys.ids),
                rel=SQL.identifier(rel.relation),
                col1=SQL.identifier(rel.column1),
                col2=SQL.identifier(rel.column2),
            )
        )
        self.invalidate_model()
        surveys.invalidate_recordset(["mention_ids"])
