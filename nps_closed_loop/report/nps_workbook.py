from datetime import datetime, time, timedelta
from urllib.parse import urlencode

from odoo import api, fields, models

from .. import compat
from ..models.nps_statistics import nps_figures
from .nps_xlsx import XlsxBook

MONTH_AGGREGATES = ["__count", "promoter_count:sum", "passive_count:sum", "detractor_count:sum"]


class NpsReport(models.Model):
    _inherit = "nps.report"

    @api.model
    def _nps_workbook_content(self, domain=None):
        """The NPS workbook (xlsx bytes) of the answers matching ``domain``, read under the user's rights.

        Sheets: *Summary* (totals, then NPS with its margin per month and a line chart of it), one sheet per
        campaign (the same per month), *Detractor follow-ups* (one line per detractor; the callback agent for
        NPS managers only) and *Themes* (NPS, complaints, praise and the NPS points lost per theme, the costliest
        first, each answer counted once in each of its themes).
        """
        domain = list(domain or [])
        self.check_access("read")
        book = XlsxBook({"nps": {"num_format": "0"}, "margin": {"num_format": "0.0"}})
        self._nps_workbook_summary(book, domain)
        self._nps_workbook_campaigns(book, domain)
        self._nps_workbook_followups(book, domain)
        self._nps_workbook_themes(book, domain)
        return book.content()

    @api.model
    def _nps_workbook_action(self, campaigns=None, date_from=None, date_to=None):
        """Download the workbook of ``campaigns`` (all if empty) answered from ``date_from`` to ``date_to``
        (dates, included; open if empty): only ids and dates go in the link, never a domain."""
        params = {}
        if campaigns:
            params["campaign_ids"] = ",".join(str(campaign_id) for campaign_id in campaigns.ids)
        if date_from:
            params["date_from"] = fields.Date.to_string(date_from)
        if date_to:
            params["date_to"] = fields.Date.to_string(date_to)
        query = f"?{urlencode(params)}" if params else ""
        return {"type": "ir.actions.act_url", "url": f"/nps/workbook{query}", "target": "download"}

    @api.model
    def _nps_workbook_domain(self, campaign_ids=(), date_from=None, date_to=None):
        """The report domain of the workbook's link: campaigns, and answer dates from ``date_from`` to
        ``date_to`` included (days in UTC)."""
        domain = []
        if campaign_ids:
            domain.append(("campaign_id", "in", list(campaign_ids)))
        if date_from:
            domain.append(("answer_date", ">=", datetime.combine(date_from, time.min)))
        if date_to:
            domain.append(("answer_date", "<", datetime.combine(date_to + timedelta(days=1), time.min)))
        return domain

    def _nps_workbook_figure_headers(self):
        return [
            self.env._("Answers"),
            self.env._("Promoters"),
            self.env._("Passives"),
            self.env._("Detractors"),
            self.env._("NPS"),
            self.env._("Margin (±)"),
            self.env._("Significant"),
        ]

    def _nps_workbook_write_figures(self, sheet, styles, row, col, count, promoters, passives, detractors):
        """Answers, category counts, NPS, margin and significance from column ``col`` of ``row``."""
        nps, margin, significant = nps_figures(count, promoters, detractors)
        sheet.write_row(row, col, [count, promoters, passives, detractors])
        if nps is None:
            sheet.write_blank(row, col + 4, None)
            sheet.write_blank(row, col + 5, None)
        else:
            sheet.write_number(row, col + 4, round(nps, 1), styles["nps"])
            sheet.write_number(row, col + 5, round(margin, 1), styles["margin"])
        sheet.write(row, col + 6, self.env._("Yes") if significant else self.env._("No"))

    def _nps_workbook_month_table(self, sheet, styles, title, months, chart_workbook=None):
        """Title, totals and the per-month table of ``months`` ([(month, count, p, passives, d)]); with
        ``chart_workbook``, a line chart of the monthly NPS next to it."""
        sheet.write(0, 0, title, styles["title"])
        headers = self._nps_workbook_figure_headers()
        sheet.write_row(2, 1, headers, styles["header"])
        totals = [sum(values) for values in list(zip(*[month[1:] for month in months], strict=True))] or [0] * 4
        sheet.write(3, 0, self.env._("Total"), styles["bold"])
        self._nps_workbook_write_figures(sheet, styles, 3, 1, *totals)
        sheet.write_row(5, 0, [self.env._("Month"), *headers], styles["header"])
        for index, (month, count, promoters, passives, detractors) in enumerate(months):
            row = 6 + index
            sheet.write(row, 0, self._nps_period_label(month, "month"))
            self._nps_workbook_write_figures(sheet, styles, row, 1, count, promoters, passives, detractors)
        sheet.set_column(0, 0, 18)
        sheet.set_column(1, len(headers), 12)
        if chart_workbook and months:
            last_row = 5 + len(months)
            chart = chart_workbook.add_chart({"type": "line"})
            chart.add_series(
                {
                    "name": self.env._("NPS"),
                    "categories": [sheet.name, 6, 0, last_row, 0],
                    "values": [sheet.name, 6, 5, last_row, 5],
                    "marker": {"type": "circle"},
                }
            )
            chart.set_title({"name": self.env._("NPS per month")})
            chart.set_y_axis({"min": -100, "max": 100})
            chart.set_legend({"none": True})
            sheet.insert_chart(2, len(headers) + 2, chart)

    def _nps_workbook_summary(self, book, domain):
        sheet = book.sheet(self.env._("Summary"))
        groups = self._read_group(
            compat.domain_and(domain, [("answer_date", "!=", False)]), ["answer_date:month"], MONTH_AGGREGATES
        )
        self._nps_workbook_month_table(
            sheet, book.styles, self.env._("NPS analysis"), groups, chart_workbook=book.workbook
        )

    def _nps_workbook_campaigns(self, book, domain):
        groups = self._read_group(
            compat.domain_and(domain, [("answer_date", "!=", False)]),
            ["campaign_id", "answer_date:month"],
            MONTH_AGGREGATES,
        )
        per_campaign = {}
        for campaign, month, *figures in groups:
            per_campaign.setdefault(campaign, []).append((month, *figures))
        for campaign, months in per_campaign.items():
            name = campaign.display_name or self.env._("No campaign")
            sheet = book.sheet(name)
            self._nps_workbook_month_table(sheet, book.styles, name, months)

    def _nps_workbook_followups(self, book, domain):
        sheet = book.sheet(self.env._("Detractor follow-ups"))
        with_agent = self.env.user.has_group("nps_closed_loop.group_nps_manager")
        headers = [
            self.env._("Answer date"),
            self.env._("Customer"),
            self.env._("Campaign"),
            self.env._("Score"),
            self.env._("Comment"),
        ]
        headers += [self.env._("Callback agent")] if with_agent else []
        headers += [self.env._("Outcome"), self.env._("SLA met")]
        detractors = self.search(compat.domain_and(domain, [("category", "=", "detractor")]), order="answer_date, id")
        surveys = detractors.survey_id
        outcomes = dict(surveys._fields["outcome"]._description_selection(self.env))
        rows = []
        for survey in surveys:
            values = [
                survey.answer_date.date() if survey.answer_date else None,
                survey.partner_id.display_name or "",
                survey.campaign_id.display_name or "",
                survey.score,
                survey.comment or "",
            ]
            values += [survey.callback_user_id.display_name or ""] if with_agent else []
            if survey.loop_state == "none":
                sla = ""
            else:
                sla = self.env._("Yes") if survey.sla_met else self.env._("No")
            rows.append([*values, outcomes.get(survey.outcome, ""), sla])
        book.table(sheet, headers, rows)
        sheet.set_column(0, 0, 12)
        sheet.set_column(1, 2, 24)
        sheet.set_column(4, 4, 50)
        sheet.set_column(5, len(headers) - 1, 16)

    def _nps_workbook_themes(self, book, domain):
        """Per theme, the costliest first: its answers' figures, then its complaints and praise and the NPS points
        lost to it (see ``nps.overview._theme_figures``), with their margin; the answers without theme last."""
        sheet = book.sheet(self.env._("Themes"))
        headers = self._nps_workbook_figure_headers()
        cost_headers = [
            self.env._("Complaints"),
            self.env._("Praise"),
            self.env._("Neutral"),
            self.env._("Detractors complaining"),
            self.env._("NPS points lost"),
            self.env._("Margin (±)"),
        ]
        sheet.write(0, 0, self.env._("Each answer counts once in each of its themes."))
        sheet.write(
            1,
            0,
            self.env._(
                "The costliest theme first: the NPS points lost are the share of all the answers that are detractors "
                "complaining about the theme."
            ),
        )
        sheet.write_row(2, 0, [self.env._("Theme"), *headers, *cost_headers], book.styles["header"])
        figures = self.env["nps.overview"]._theme_figures([("id", "in", self._search(domain))])
        row = 2
        for row, theme in enumerate(figures["themes"], start=3):
            sheet.write(row, 0, theme["name"])
            self._nps_workbook_write_figures(
                sheet, book.styles, row, 1, theme["count"], theme["promoters"], theme["passives"], theme["detractors"]
            )
            col = 1 + len(headers)
            sheet.write_row(
                row, col, [theme["complaints"], theme["praise"], theme["neutral"], theme["detractor_complaints"]]
            )
            sheet.write_number(row, col + 4, round(theme["cost"], 1), book.styles["margin"])
            sheet.write_number(row, col + 5, round(theme["cost_margin"], 1), book.styles["margin"])
        [(count, promoters, passives, detractors)] = self._read_group(
            compat.domain_and(domain, [("theme_ids", "=", False)]), [], MONTH_AGGREGATES
        )
        if count:
            sheet.write(row + 1, 0, self.env._("No theme"))
            self._nps_workbook_write_figures(sheet, book.styles, row + 1, 1, count, promoters, passives, detractors)
        sheet.set_column(0, 0, 28)
        sheet.set_column(1, len(headers) + len(cost_headers), 12)
