from odoo import fields, models
from odoo.exceptions import AccessError

from .. import compat


class DigestDigest(models.Model):
    """The NPS figures of the period in Odoo's KPI digest, as the Sales, CRM and Project apps add theirs: the
    answers of the digest's company answered in each period (its last 24 hours, 7 days, 30 days), read by one
    grouped query per KPI. For NPS users only: the others' digests leave them out (``AccessError``)."""

    _inherit = "digest.digest"

    kpi_nps_score = fields.Boolean(string="Net Promoter Score")
    kpi_nps_score_value = fields.Integer(compute="_compute_kpi_nps_score_value", export_string_translation=False)
    kpi_nps_answers = fields.Boolean(string="NPS answers")
    kpi_nps_answers_value = fields.Integer(compute="_compute_kpi_nps_answers_value", export_string_translation=False)
    kpi_nps_callbacks_on_time = fields.Boolean(string="Callbacks on time (%)")
    kpi_nps_callbacks_on_time_value = fields.Integer(
        compute="_compute_kpi_nps_callbacks_on_time_value", export_string_translation=False
    )

    def _nps_check_access(self):
        if not self.env.user.has_group("nps_closed_loop.group_nps_user"):
            raise AccessError(self.env._("Do not have access, skip this data for user's digest email"))

    def _nps_answers_domain(self):
        """The answers of the digest's period and companies, as the Overview counts its answers."""
        start, end, companies = self._get_kpi_compute_parameters()
        return [
            ("company_id", "in", companies.ids),
            ("answer_date", ">=", start),
            ("answer_date", "<", end),
            ("category", "!=", False),
        ]

    def _nps_per_company(self, domain, groupby, aggregates):
        """``_read_group`` of the answers of the period: {company id: its other groups and aggregates}."""
        rows = self.env["nps.survey"]._read_group(
            compat.domain_and(self._nps_answers_domain(), domain), ["company_id", *groupby], aggregates
        )
        per_company = {}
        for company, *values in rows:
            per_company.setdefault(company.id, []).append(values)
        return per_company

    def _nps_set_values(self, field_name, per_company, value_of):
        for digest in self:
            company = digest.company_id or self.env.company
            digest[field_name] = value_of(per_company.get(company.id, []))

    def _compute_kpi_nps_score_value(self):
        self._nps_check_access()
        per_company = self._nps_per_company([], [], ["nps_value:avg"])
        self._nps_set_values(
            "kpi_nps_score_value",
            per_company,
            lambda rows: round(rows[0][0]) if rows and rows[0][0] is not None else 0,
        )

    def _compute_kpi_nps_answers_value(self):
        self._nps_check_access()
        per_company = self._nps_per_company([], [], ["__count"])
        self._nps_set_values("kpi_nps_answers_value", per_company, lambda rows: rows[0][0] if rows else 0)

    def _compute_kpi_nps_callbacks_on_time_value(self):
        """The share of the period's callbacks made within their deadline among those that can be judged (made,
        or past their deadline): the Overview's "Callbacks on time"."""
        self._nps_check_access()
        per_company = self._nps_per_company(self.env["nps.survey.loop"]._due_domain(), ["sla_met"], ["__count"])

        def on_time_rate(rows):
            due = sum(count for _sla_met, count in rows)
            on_time = sum(count for sla_met, count in rows if sla_met)
            return round(100.0 * on_time / due) if due else 0

        self._nps_set_values("kpi_nps_callbacks_on_time_value", per_company, on_time_rate)

    def _compute_kpis_actions(self, company, user):
        res = super()._compute_kpis_actions(company, user)
        menu_id = self.env.ref("nps_closed_loop.nps_closed_loop_menu_root").id
        res["kpi_nps_score"] = f"nps_closed_loop.nps_overview_action?menu_id={menu_id}"
        res["kpi_nps_answers"] = f"nps_closed_loop.nps_report_action?menu_id={menu_id}"
        res["kpi_nps_callbacks_on_time"] = f"nps_closed_loop.nps_survey_action_callbacks?menu_id={menu_id}"
        return res
