from collections import defaultdict

from odoo import api, fields, models
from odoo.tools import SQL

from ..models.nps_statistics import compare_rates, percent

_HOLDOUT_AGGREGATES = [
    "__count",
    "repurchased_count:sum",
    "followup_count:sum",
    "later_nps:avg",
    "recovered_count:sum",
    "contact_refused_count:sum",
]


class NpsHoldoutReport(models.Model):
    """Does calling back pay? One row per first detractor answer (not a follow-up) in the comparison: called
    back, drawn into the control group (not called), or neither because contact was not allowed.

    Measures are 0/100 or 0/1 per row, so that their averages and sums are rates and counts of any grouping:
    repurchase (a sales order of the customer's company confirmed within the campaign's repurchase window
    after the answer), the answered follow-up's NPS, recovery (follow-up passive or promoter, among the
    detractors whose follow-up was answered). The campaign's "Closing the loop" tab and the Overview read it
    through :meth:`_nps_holdout_comparison`.
    """

    _name = "nps.holdout.report"
    _inherit = ["nps.sql.view"]
    _description = "NPS Callback Effect Analysis"
    _auto = False
    _rec_name = "survey_id"
    _order = "answer_date desc, id desc"
    _depends = {
        "nps.survey": [
            "state",
            "category",
            "followup_of_id",
            "holdout",
            "loop_state",
            "contact_refused",
            "answer_date",
            "campaign_id",
            "company_id",
            "commercial_partner_id",
            "nps_value",
            "recovered",
        ],
        "nps.campaign": ["repurchase_days"],
        "sale.order": ["partner_id", "state", "date_order", "company_id"],
        "res.partner": ["commercial_partner_id"],
    }

    survey_id = fields.Many2one("nps.survey", readonly=True)
    answer_date = fields.Datetime(readonly=True)
    campaign_id = fields.Many2one("nps.campaign", readonly=True)
    company_id = fields.Many2one("res.company", readonly=True)
    commercial_partner_id = fields.Many2one("res.partner", string="Customer", readonly=True)
    loop_group = fields.Selection(
        [("called", "Called back"), ("control", "Control group"), ("refused", "Contact not allowed")],
        string="Group",
        readonly=True,
    )
    repurchased_count = fields.Integer(string="Repurchases", readonly=True)
    repurchase_rate = fields.Float(string="Repurchase (%)", readonly=True, aggregator="avg", digits=(16, 1))
    followup_count = fields.Integer(string="Follow-up answers", readonly=True)
    later_nps = fields.Float(
        string="Later NPS",
        readonly=True,
        aggregator="avg",
        digits=(16, 1),
        help="The NPS of the answered follow-up surveys.",
    )
    recovered_count = fields.Integer(string="Recovered", readonly=True)
    recovery_rate = fields.Float(
        string="Recovered (%)",
        readonly=True,
        aggregator="avg",
        digits=(16, 1),
        help="Share of the answered follow-ups that are passive or promoter.",
    )
    contact_refused_count = fields.Integer(string="Contact not allowed", readonly=True)

    @api.model
    def _nps_holdout_comparison(self, domain, groupby=()):
        """Called versus control detractors of ``domain``, side by side, for each value of ``groupby`` (e.g.
        ``["campaign_id"]``), in one grouped query, read with the caller's rights.

        :return: ``{values of groupby (a tuple, () without groupby): comparison}``, a default comparison
            (zero counts) for the others; a comparison: ``called`` and ``control`` (``count``,
            ``repurchased``, ``followups``, ``later_nps``, ``recovered``, ``repurchase_rate``,
            ``recovery_rate``; rates and later NPS ``None`` on an empty base), ``contact_refused`` (of the
            three groups), ``repurchase`` and ``recovery`` (:func:`compare_rates`, called versus control).
        """
        groups = self._read_group(domain, [*groupby, "loop_group"], _HOLDOUT_AGGREGATES)
        rows = defaultdict(dict)
        for *keys, group, count, repurchased, followups, later_nps, recovered, refused in groups:
            rows[tuple(keys)][group] = {
                "count": count,
                "repurchased": repurchased,
                "followups": followups,
                # an average over no follow-up is no figure (the ORM gives False)
                "later_nps": later_nps if followups else None,
                "recovered": recovered,
                "refused": refused,
            }
        comparisons = defaultdict(lambda: self._nps_holdout_compare({}))
        comparisons.update((key, self._nps_holdout_compare(figures)) for key, figures in rows.items())
        return comparisons

    @api.model
    def _nps_holdout_compare(self, figures):
        """The comparison of :meth:`_nps_holdout_comparison` from ``{loop group: its figures}``."""
        empty = {"count": 0, "repurchased": 0, "followups": 0, "later_nps": None, "recovered": 0, "refused": 0}
        called, control, refused = ({**empty, **figures.get(group, {})} for group in ("called", "control", "refused"))
        contact_refused = called.pop("refused") + control.pop("refused") + refused["refused"]
        for group in (called, control):
            group["repurchase_rate"] = percent(group["repurchased"], group["count"])
            group["recovery_rate"] = percent(group["recovered"], group["followups"])
        return {
            "called": called,
            "control": control,
            "contact_refused": contact_refused,
            "repurchase": compare_rates(
                called["repurchased"], called["count"], control["repurchased"], control["count"]
            ),
            "recovery": compare_rates(
                called["recovered"], called["followups"], control["recovered"], control["followups"]
            ),
        }

    def _select(self):
        return SQL(
            """
            s.id AS id,
            s.id AS survey_id,
            s.answer_date AS answer_date,
            s.campaign_id AS campaign_id,
            s.company_id AS company_id,
            s.commercial_partner_id AS commercial_partner_id,
            CASE WHEN s.holdout THEN 'control' WHEN s.loop_state != 'none' THEN 'called' ELSE 'refused' END
                AS loop_group,
            repurchase.found::int AS repurchased_count,
            100.0 * repurchase.found::int AS repurchase_rate,
            (followup.nps_value IS NOT NULL)::int AS followup_count,
            followup.nps_value AS later_nps,
            COALESCE(s.recovered, FALSE)::int AS recovered_count,
            CASE WHEN followup.nps_value IS NOT NULL THEN 100.0 * COALESCE(s.recovered, FALSE)::int END
                AS recovery_rate,
            COALESCE(s.contact_refused, FALSE)::int AS contact_refused_count
            """
        )

    def _from(self):
        return SQL(
            """
            nps_survey s
            JOIN nps_campaign campaign ON campaign.id = s.campaign_id
            LEFT JOIN LATERAL (
                SELECT f.nps_value
                  FROM nps_survey f
                 WHERE f.followup_of_id = s.id AND f.state = 'answered'
              ORDER BY f.answer_date DESC NULLS LAST, f.id DESC
                 LIMIT 1
            ) followup ON TRUE
            CROSS JOIN LATERAL (
                SELECT EXISTS (
                    SELECT 1
                      FROM sale_order so
                      JOIN res_partner buyer ON buyer.id = so.partner_id
                     WHERE buyer.commercial_partner_id = s.commercial_partner_id
                       AND so.company_id = s.company_id
                       AND so.state = 'sale'
                       AND so.date_order > s.answer_date
                       AND so.date_order <= s.answer_date + make_interval(days => campaign.repurchase_days)
                ) AS found
            ) repurchase
            """
        )

    def _where(self):
        return SQL(
            """
            s.state = 'answered'
            AND s.category = 'detractor'
            AND s.followup_of_id IS NULL
            AND (s.holdout OR s.loop_state != 'none' OR s.contact_refused)
            """
        )
