from datetime import datetime, time

import babel.dates

from odoo import api, fields, models
from odoo.exceptions import UserError
from odoo.models import READ_GROUP_DISPLAY_FORMAT, READ_GROUP_TIME_GRANULARITY
from odoo.tools import SQL
from odoo.tools.misc import get_lang

from .. import compat
from ..models.nps_score import CATEGORY_SELECTION
from ..models.nps_sql import callback_due
from ..models.nps_statistics import nps_figures
from .nps_answer_cube import ANSWER_DIMENSIONS

NPS_TREND_INTERVALS = ("day", "week", "month", "quarter", "year")
# The groupings and measures of the analysis that the figures per hour (nps.answer.cube) hold: a read of those
# alone reads the cube, not the answers. A measure: (the cube's sum, the sum it is divided by, factor).
CUBE_MEASURES = {
    "__count": ("survey_count", None, 1),
    "nps_value:sum": ("nps_value_sum", None, 1),
    "nps_value:avg": ("nps_value_sum", "survey_count", 1),
    "score:avg": ("score_sum", "survey_count", 1),
    "promoter_count:sum": ("promoter_count", None, 1),
    "passive_count:sum": ("passive_count", None, 1),
    "detractor_count:sum": ("detractor_count", None, 1),
    "promoter_share:avg": ("promoter_count", "survey_count", 100),
    "passive_share:avg": ("passive_count", "survey_count", 100),
    "detractor_share:avg": ("detractor_count", "survey_count", 100),
    "revenue_at_risk:sum": ("revenue_at_risk", None, 1),
}


class NpsReport(models.Model):
    """NPS analysis: one row per answered survey, with 0/1 flags and 0/100 shares as measures, so that any
    grouping of the pivot shows its NPS (average of +100 / 0 / -100), its category counts and shares.

    A thin view over the survey's indexed columns: the joins (customer, source order, salesperson, company)
    are LEFT JOINs on unique keys, which PostgreSQL drops when a query does not use their columns, so a
    pivot by month and campaign reads the survey table alone. Extend it through ``_select``, ``_from``,
    ``_where`` and ``_group_by`` (the latter empty: one row per answer).

    Themes: ``theme_ids`` reads the surveys' own relation table (a row's id is its survey's id), so that
    grouping by theme counts each answer once in each of its themes, never twice in one.
    """

    _name = "nps.report"
    _inherit = ["nps.sql.view"]
    _description = "NPS Analysis"
    _auto = False
    _rec_name = "survey_id"
    _order = "answer_date desc, id desc"
    # what the view reads: flushed before the report is searched
    _depends = {
        "nps.survey": [
            "answer_date",
            "campaign_id",
            "company_id",
            "res_model",
            "res_id",
            "channel",
            "category",
            "partner_id",
            "commercial_partner_id",
            "callback_user_id",
            "holdout",
            "score",
            "nps_value",
            "loop_state",
            "sla_met",
            "first_contact_date",
            "callback_deadline",
            "time_to_first_contact",
            "recovered",
            "customer_revenue",
            "theme_ids",
        ],
        "res.partner": ["country_id", "user_id"],
        "sale.order": ["team_id", "user_id"],
        "res.users": ["sale_team_id"],
        "res.company": ["currency_id"],
    }

    # dimensions
    survey_id = fields.Many2one("nps.survey", readonly=True)
    answer_date = fields.Datetime(readonly=True)
    campaign_id = fields.Many2one("nps.campaign", readonly=True)
    company_id = fields.Many2one("res.company", readonly=True)
    currency_id = fields.Many2one("res.currency", readonly=True)
    res_model_id = fields.Many2one("ir.model", string="Source document type", readonly=True)
    channel = fields.Selection([("email", "Email"), ("sms", "SMS")], readonly=True)
    category = fields.Selection(CATEGORY_SELECTION, readonly=True)
    commercial_partner_id = fields.Many2one("res.partner", string="Customer", readonly=True)
    country_id = fields.Many2one("res.country", string="Customer country", readonly=True)
    team_id = fields.Many2one(
        "crm.team",
        string="Sales team",
        readonly=True,
        help="The source sales order's team; otherwise the team of the customer's salesperson.",
    )
    # per-employee figures: NPS managers only, employees must not compare themselves with colleagues
    user_id = fields.Many2one(
        "res.users",
        string="Salesperson",
        readonly=True,
        groups="nps_closed_loop.group_nps_manager",
        help="The source sales order's salesperson; otherwise the customer's.",
    )
    callback_user_id = fields.Many2one(
        "res.users", string="Callback agent", readonly=True, groups="nps_closed_loop.group_nps_manager"
    )
    holdout = fields.Boolean(string="Control group", readonly=True)
    theme_ids = fields.Many2many(
        "nps.reason", "nps_survey_theme_rel", "survey_id", "reason_id", string="Themes", readonly=True
    )

    # measures
    score = fields.Integer(readonly=True, aggregator="avg")
    nps_value = fields.Integer(
        string="NPS",
        readonly=True,
        aggregator="avg",
        help="+100 for a promoter, 0 for a passive, -100 for a detractor: its average is the group's NPS.",
    )
    promoter_count = fields.Integer(string="Promoters", readonly=True)
    passive_count = fields.Integer(string="Passives", readonly=True)
    detractor_count = fields.Integer(string="Detractors", readonly=True)
    promoter_share = fields.Float(string="Promoters (%)", readonly=True, aggregator="avg", digits=(16, 1))
    passive_share = fields.Float(string="Passives (%)", readonly=True, aggregator="avg", digits=(16, 1))
    detractor_share = fields.Float(string="Detractors (%)", readonly=True, aggregator="avg", digits=(16, 1))
    callback_count = fields.Integer(string="Callbacks", readonly=True)
    sla_met_count = fields.Integer(string="Callbacks on time", readonly=True)
    sla_met_rate = fields.Float(
        string="Callbacks on time (%)",
        readonly=True,
        aggregator="avg",
        digits=(16, 1),
        help="Share of the callbacks made or due that were made by their deadline.",
    )
    time_to_first_contact = fields.Float(
        string="Hours to first contact", readonly=True, aggregator="avg", digits=(16, 1)
    )
    recovered_count = fields.Integer(
        string="Recovered detractors", readonly=True, help="Detractors whose follow-up answer is passive or promoter."
    )
    revenue_at_risk = fields.Monetary(
        string="Revenue at risk",
        readonly=True,
        currency_field="currency_id",
        help="Detractors' customer revenue: what their companies were invoiced over the 12 months before the "
        "answer (untaxed, credit notes deducted), in the company's currency.",
    )

    def init(self):
        result = super().init()
        # How many days, weeks, months... the answers span. Without it, PostgreSQL guesses that grouping the
        # answers by a period of their date (a pivot by month, of the rows) makes as many groups as answers, and
        # sorts them all on disk where it would add them up in memory: 3x slower at a million answers.
        for period in NPS_TREND_INTERVALS:
            self.env.cr.execute(
                SQL(
                    "CREATE STATISTICS IF NOT EXISTS %s ON (date_trunc(%s, answer_date)) FROM nps_survey",
                    SQL.identifier(f"nps_survey_answer_{period}_stat"),
                    period,
                )
            )
        return result

    def _select(self):
        return SQL(
            """
            s.id AS id,
            s.id AS survey_id,
            s.answer_date AS answer_date,
            s.campaign_id AS campaign_id,
            s.company_id AS company_id,
            company.currency_id AS currency_id,
            source_model.id AS res_model_id,
            s.channel AS channel,
            s.category AS category,
            s.commercial_partner_id AS commercial_partner_id,
            customer.country_id AS country_id,
            COALESCE(
                source_order.team_id,
                (SELECT salesperson.sale_team_id
                   FROM res_users salesperson
                  WHERE salesperson.id = COALESCE(contact.user_id, customer.user_id))
            ) AS team_id,
            COALESCE(source_order.user_id, contact.user_id, customer.user_id) AS user_id,
            s.callback_user_id AS callback_user_id,
            COALESCE(s.holdout, FALSE) AS holdout,
            s.score AS score,
            s.nps_value AS nps_value,
            (s.category = 'promoter')::int AS promoter_count,
            (s.category = 'passive')::int AS passive_count,
            (s.category = 'detractor')::int AS detractor_count,
            100.0 * (s.category = 'promoter')::int AS promoter_share,
            100.0 * (s.category = 'passive')::int AS passive_share,
            100.0 * (s.category = 'detractor')::int AS detractor_share,
            (s.loop_state != 'none')::int AS callback_count,
            COALESCE(s.sla_met, FALSE)::int AS sla_met_count,
            CASE WHEN s.loop_state != 'none' AND %(due)s THEN 100.0 * COALESCE(s.sla_met, FALSE)::int
            END AS sla_met_rate,
            CASE WHEN s.first_contact_date IS NOT NULL THEN s.time_to_first_contact END AS time_to_first_contact,
            COALESCE(s.recovered, FALSE)::int AS recovered_count,
            CASE WHEN s.category = 'detractor' THEN COALESCE(s.customer_revenue, 0) ELSE 0 END AS revenue_at_risk
            """,
            due=callback_due(SQL("s"), SQL("(now() AT TIME ZONE 'UTC')")),
        )

    def _from(self):
        # LEFT JOINs on unique keys of the survey's own columns only: unused by a query, PostgreSQL removes them
        # (a join on another joined table's column would keep that table; the salesperson's team is a subquery)
        return SQL(
            """
            nps_survey s
            LEFT JOIN res_company company ON company.id = s.company_id
            LEFT JOIN ir_model source_model ON source_model.model = s.res_model
            LEFT JOIN res_partner customer ON customer.id = s.commercial_partner_id
            LEFT JOIN res_partner contact ON contact.id = s.partner_id
            LEFT JOIN sale_order source_order ON s.res_model = 'sale.order' AND source_order.id = s.res_id
            """
        )

    def _where(self):
        return SQL("s.category IS NOT NULL")

    # ------------------------------------------------------------------
    # Grouped reads: from the figures per hour when they hold the answer
    # ------------------------------------------------------------------
    @api.model
    def _read_group(self, domain, groupby=(), aggregates=(), having=(), offset=0, limit=None, order=None):
        groups = self._cube_read_group(domain, groupby, aggregates, having, offset, limit, order)
        if groups is None:
            groups = super()._read_group(domain, groupby, aggregates, having, offset, limit, order)
        return groups

    @api.model
    def _cube_read_group(self, domain, groupby, aggregates, having, offset, limit, order):
        """The groups of :meth:`_read_group` read from ``nps.answer.cube``, the same figures as the rows give, when
        the cube holds what is asked: the filters, groupings and order on its dimensions only, its measures, time
        cut on whole hours (the dates filtered on, the user's time zone), the same record rules; otherwise None,
        and the rows are read."""
        cube = self.env["nps.answer.cube"]
        specs = [spec.split(":")[0] for spec in groupby]
        rules = self.env["ir.rule"]
        if (
            having
            or not set(specs) <= set(ANSWER_DIMENSIONS)
            or not set(aggregates) <= set(CUBE_MEASURES)
            or any(term.split()[0] not in groupby for term in (order or "").split(",") if term.strip())
            or ("answer_date" in specs and not cube._cuts_on_hours())
            or not cube._holds_domain(domain)
            or str(rules._compute_domain(self._name)) != str(rules._compute_domain(cube._name))
        ):
            return None
        sums = sorted(
            {"survey_count"} | {column for aggregate in aggregates for column in CUBE_MEASURES[aggregate][:2] if column}
        )
        # a cell's count may add up to zero until its deltas are folded: no answer, no group (as the rows give);
        # without grouping, one group whatever the answers, as the rows give it
        cells = cube._read_group(
            compat.domain_and(domain, [("kind", "=", "answer")]),
            groupby,
            [f"{column}:sum" for column in sums],
            having=[("survey_count:sum", ">", 0)] if groupby else [],
            offset=offset,
            limit=limit,
            order=order,
        )
        groups = []
        for cell in cells:
            totals = dict(zip(sums, cell[len(groupby) :], strict=True))
            values = []
            for aggregate in aggregates:
                column, divisor, factor = CUBE_MEASURES[aggregate]
                if not totals["survey_count"]:  # no answer: what SQL gives on no row
                    value = 0 if aggregate == "__count" else None
                elif divisor:
                    value = factor * totals[column] / totals[divisor]
                else:
                    value = totals[column] if column == "revenue_at_risk" else int(totals[column])
                values.append(value)
            groups.append((*cell[: len(groupby)], *values))
        return groups

    # ------------------------------------------------------------------
    # NPS over time, with its margin of error
    # ------------------------------------------------------------------
    @api.model
    @api.readonly
    def get_nps_trend(self, domain=None, interval="month"):
        """The NPS of the answers matching ``domain`` per ``interval`` (day, week, month, quarter, year), oldest
        first, empty periods between the first and the last included (count 0, nps and margin None).

        One grouped query, under the user's access rights. Each period is a dict: ``period`` (ISO date of its
        first day), ``label`` (as the pivot shows it, in the user's language), ``count``, ``nps`` and ``margin``
        (95 % margin of error, NPS points, rounded to 0.1), ``significant`` (30 answers or more and a margin
        of ±10 points or less).
        """
        if interval not in NPS_TREND_INTERVALS:
            raise UserError(
                self.env._(
                    "Unknown interval %(interval)r: choose among %(intervals)s.",
                    interval=interval,
                    intervals=", ".join(NPS_TREND_INTERVALS),
                )
            )
        return self._nps_trend(domain or [], interval)

    @api.model
    def _nps_trend(self, domain, interval, bounds=None):
        """The points of :meth:`get_nps_trend`; with ``bounds`` (first and last day, the first one starting a
        period), one point per period between them whatever the answers, those outside left out."""
        groups = self._read_group(
            compat.domain_and(domain, [("answer_date", "!=", False)]),
            [f"answer_date:{interval}"],
            ["__count", "promoter_count:sum", "detractor_count:sum"],
        )
        counts = {period: (count, promoters, detractors) for period, count, promoters, detractors in groups}
        return self._nps_trend_points(counts, interval, bounds)

    @api.model
    def _nps_trend_points(self, counts, interval, bounds=None):
        """The trend's points from ``{start of a period: (answers, promoters, detractors)}`` (see
        :meth:`_nps_trend`)."""
        if bounds:
            period, last = (datetime.combine(day, time.min) for day in bounds)
        elif counts:
            period, last = min(counts), max(counts)
        else:
            return []
        step = READ_GROUP_TIME_GRANULARITY[interval]
        trend = []
        while period <= last:
            count, promoters, detractors = counts.get(period, (0, 0, 0))
            nps, margin, significant = nps_figures(count, promoters, detractors)
            trend.append(
                {
                    "period": period.date().isoformat(),
                    "label": self._nps_period_label(period, interval),
                    "count": count,
                    "nps": None if nps is None else round(nps, 1),
                    "margin": None if margin is None else round(margin, 1),
                    "significant": significant,
                }
            )
            period += step
        return trend

    @api.model
    def _nps_period_label(self, period, interval):
        """A period as the pivot names it, in the user's language: "March 2026", "W10 2026", "Q1 2026"..."""
        return babel.dates.format_date(
            period, format=READ_GROUP_DISPLAY_FORMAT[interval], locale=get_lang(self.env).code
        )

    # ------------------------------------------------------------------
    # Actions
    # ------------------------------------------------------------------
    def action_nps_export_workbook(self):
        """The list's "Export NPS workbook" button: choose the campaigns and the period."""
        return self.env["ir.actions.act_window"]._for_xml_id("nps_closed_loop.nps_workbook_wizard_action")
