from odoo import fields, models, tools
from odoo.tools import SQL

from ..models.nps_score import CATEGORY_SELECTION
from ..models.nps_survey_mention import POLARITY_SELECTION

# a row's id from its answer's and its theme's: both below 2³¹ (PostgreSQL integers), so it is unique
_ID_FACTOR = 2**31


class NpsThemeReport(models.Model):
    """What each theme costs: one row per answer and per active theme of its company, whether the answer talks
    about the theme or not, so that any grouping holds all of its answers in each theme:

    - ``cost``, the average of 100 for a detractor complaining about the theme and 0 for any other answer, is the
      share of all the answers that are detractors complaining about it: the NPS points lost to it;
    - ``nps_value`` is set on the answers mentioning the theme only (NULL elsewhere, left out of the average): the
      NPS of the answers that talk about it;
    - complaints and praise are counted apart, from the polarity of the mentions (``nps.survey.mention``); a theme
      set by hand counts as a mention without polarity.

    Filtering on the theme's own figures (polarity, mentioned) would leave out the answers the cost is a share
    of: group by theme, filter on the answers (period, campaign, company, category).
    """

    _name = "nps.theme.report"
    _inherit = ["nps.sql.view"]
    _description = "NPS Theme Costs"
    _auto = False
    _rec_name = "reason_id"
    _order = "answer_date desc, survey_id desc, reason_id"
    _depends = {
        "nps.survey": ["answer_date", "campaign_id", "company_id", "category", "nps_value", "theme_ids"],
        "nps.survey.mention": ["survey_id", "reason_id", "polarity"],
        "nps.reason": ["active", "company_id"],
    }

    # dimensions
    survey_id = fields.Many2one("nps.survey", string="Answer", readonly=True)
    reason_id = fields.Many2one("nps.reason", string="Theme", readonly=True)
    answer_date = fields.Datetime(readonly=True)
    campaign_id = fields.Many2one("nps.campaign", readonly=True)
    company_id = fields.Many2one("res.company", readonly=True)
    category = fields.Selection(CATEGORY_SELECTION, readonly=True)
    polarity = fields.Selection(
        POLARITY_SELECTION, readonly=True, help="How the answer talks about the theme; empty when it does not."
    )

    # measures
    answer_count = fields.Integer(string="Answers", readonly=True, help="All the answers, in every theme.")
    mention_count = fields.Integer(string="Answers mentioning", readonly=True)
    complaint_count = fields.Integer(string="Complaints", readonly=True)
    praise_count = fields.Integer(string="Praise", readonly=True)
    neutral_count = fields.Integer(string="Neutral mentions", readonly=True)
    detractor_complaint_count = fields.Integer(string="Detractors complaining", readonly=True)
    cost = fields.Float(
        string="NPS points lost",
        readonly=True,
        aggregator="avg",
        digits=(16, 1),
        help="Share of all the answers that are detractors complaining about the theme, in points: what the NPS "
        "would gain were they passives.",
    )
    nps_value = fields.Integer(
        string="NPS of mentions",
        readonly=True,
        aggregator="avg",
        help="The NPS of the answers that talk about the theme (+100 promoter, 0 passive, -100 detractor).",
    )

    @property
    def _table_query(self):
        # a query in each search rather than a view: the view would be created with this module's tables, and the
        # report package is imported (by models/nps_survey_privacy.py) before the themes' and mentions' models
        return self._query()

    def init(self):
        tools.drop_view_if_exists(self.env.cr, self._table)

    def _select(self):
        return SQL(
            """
            s.id::bigint * %(factor)s + theme.id AS id,
            s.id AS survey_id,
            theme.id AS reason_id,
            s.answer_date AS answer_date,
            s.campaign_id AS campaign_id,
            s.company_id AS company_id,
            s.category AS category,
            mention.polarity AS polarity,
            1 AS answer_count,
            (tagged.survey_id IS NOT NULL)::int AS mention_count,
            COALESCE(mention.polarity = 'complaint', FALSE)::int AS complaint_count,
            COALESCE(mention.polarity = 'praise', FALSE)::int AS praise_count,
            COALESCE(mention.polarity = 'neutral', FALSE)::int AS neutral_count,
            %(lost)s::int AS detractor_complaint_count,
            100.0 * %(lost)s::int AS cost,
            CASE WHEN tagged.survey_id IS NOT NULL THEN s.nps_value END AS nps_value
            """,
            factor=_ID_FACTOR,
            lost=SQL("COALESCE(mention.polarity = 'complaint' AND s.category = 'detractor', FALSE)"),
        )

    def _from(self):
        survey_model = self.env["nps.survey"]
        rel = survey_model._fields["theme_ids"]
        return SQL(
            """
            nps_survey s
            JOIN nps_reason theme ON theme.active AND (theme.company_id IS NULL OR theme.company_id = s.company_id)
            LEFT JOIN %(rel)s tagged ON tagged.%(col1)s = s.id AND tagged.%(col2)s = theme.id
            LEFT JOIN nps_survey_mention mention ON mention.survey_id = s.id AND mention.reason_id = theme.id
            """,
            rel=SQL.identifier(rel.relation),
            col1=SQL.identifier(rel.column1),
            col2=SQL.identifier(rel.column2),
        )

    def _where(self):
        return SQL("s.category IS NOT NULL")
