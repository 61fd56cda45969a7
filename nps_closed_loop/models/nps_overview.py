from collections import Counter, defaultdict
from datetime import datetime, time

import pytz
from dateutil.relativedelta import relativedelta

from odoo import api, fields, models
from odoo.exceptions import AccessError
from odoo.tools import SQL

from .. import compat
from .nps_score import REACHED_STATES
from .nps_sql import callback_due
from .nps_statistics import nps_figures, percent
from .nps_theme import SIGNIFICANT_WORD, STOP_WORDS, ThemeMatcher, normalise

OVERVIEW_PERIODS = (3, 6, 12, 24)
DEFAULT_PERIOD = 12
TOP_THEMES = 8


class NpsOverview(models.AbstractModel):
    """The figures of the NPS Overview dashboard, gathered on the server in one call and in aggregate
    queries over the surveys and the NPS reports, and the analysis of the comment themes (NPS per theme,
    the words no theme covers yet).

    Every employee (checked by :meth:`get_nps_overview`: a model without records has no access rights)
    sees the company-level figures of the companies selected in the company switcher, whatever customers
    they serve: the dashboard shows no answer, no customer and no comment. What compares employees
    (callbacks per agent) is for NPS managers only; the words of the comments no theme covers are for NPS
    users only. The figures are computed as the system, on domains built here, never from the caller.
    """

    _name = "nps.overview"
    _description = "NPS Overview"

    @api.model
    def get_nps_overview(self, filters=None):
        """All the figures of the NPS Overview, as plain dicts, for ``filters``: ``months`` (3, 6, 12 or 24:
        this month and the ones before), ``campaign_id`` and ``company_id`` (among the companies selected in
        the company switcher; all of them by default)."""
        if not self.env.user._is_internal():
            raise AccessError(self.env._("The NPS overview is for employees."))
        filters = filters or {}
        is_nps_user = self.env.user.has_group("nps_closed_loop.group_nps_user")
        is_manager = self.env.user.has_group("nps_closed_loop.group_nps_manager")
        months = filters.get("months") if filters.get("months") in OVERVIEW_PERIODS else DEFAULT_PERIOD
        companies = self.env.companies
        if filters.get("company_id"):
            if filters["company_id"] not in companies.ids:
                raise AccessError(self.env._("Select this company in the company switcher first."))
            companies = companies.browse(filters["company_id"])
        campaign = self.env["nps.campaign"]
        if filters.get("campaign_id"):
            campaign = campaign.browse(filters["campaign_id"]).exists()
            campaign.check_access("read")
        # from the first day of the period, at midnight in the user's time zone, as the trend's months
        today = fields.Date.context_today(self)
        first_day = today.replace(day=1) - relativedelta(months=months - 1)
        tz = pytz.timezone(self.env.context.get("tz") or self.env.user.tz or "UTC")
        since = tz.localize(datetime.combine(first_day, time.min)).astimezone(pytz.utc).replace(tzinfo=None)
        scope = [("company_id", "in", companies.ids)]
        if campaign:
            scope.append(("campaign_id", "=", campaign.id))
        # the same terms filter the surveys and the NPS reports
        period = [*scope, ("answer_date", ">=", since)]
        answered = [*period, ("category", "!=", False)]
        # company-level figures for whoever opens the dashboard: computed as the system, on the domain above
        figures = self.sudo()
        overview = {
            "filters": {
                "months": months,
                "campaign_id": campaign.id,
                "company_id": filters.get("company_id") or False,
                "since": fields.Date.to_string(first_day),
            },
            "options": self._options(),
            "access": {"agents": is_manager, "words": is_nps_user, "surveys": is_nps_user},
            "domain": answered,
            "nps": figures._score(answered),
            "trend": figures._trend(period, first_day, today),
            "funnel": figures._funnel([*scope, ("scheduled_date", ">=", since)]),
            "callbacks": figures._callbacks(answered),
            "revenue_at_risk": figures._revenue_at_risk(answered),
            "themes": figures._themes(answered),
            "holdout": figures._holdout(period),
        }
        if is_manager:
            overview["agents"] = figures._agents(answered)
        if is_nps_user:
            overview["uncovered_words"] = [
                {"word": word, "count": count} for word, count in figures._uncovered_words(answered)
            ]
        return overview

    @api.model
    def _options(self):
        # the campaigns worth filtering on: those with surveys, archived ones included
        campaigns = (
            self.env["nps.campaign"]
            .with_context(active_test=False)
            .search_read([("survey_ids", "!=", False)], ["name", "active"])
        )
        return {
            "periods": list(OVERVIEW_PERIODS),
            "campaigns": [{"id": row["id"], "name": row["name"], "active": row["active"]} for row in campaigns],
            "companies": [{"id": company.id, "name": company.name} for company in self.env.companies],
        }

    @api.model
    def _score(self, domain):
        counts = dict(self.env["nps.survey"]._read_group(domain, ["category"], ["__count"]))
        promoters, passives, detractors = (counts.get(name, 0) for name in ("promoter", "passive", "detractor"))
        count = promoters + passives + detractors
        nps, margin, significant = nps_figures(count, promoters, detractors)
        return {
            "count": count,
            "promoters": promoters,
            "passives": passives,
            "detractors": detractors,
            "value": nps,
            "margin": margin,
            "significant": significant,
        }

    @api.model
    def _funnel(self, domain):
        """The surveys planned in the period, how many reached the customer and how many were answered."""
        counts = dict(self.env["nps.survey"]._read_group(domain, ["state"], ["__count"]))
        planned = sum(counts.values())
        sent = sum(counts.get(state, 0) for state in REACHED_STATES)
        answered = counts.get("answered", 0)
        return {
            "planned": planned,
            "sent": sent,
            "answered": answered,
            "cancelled": counts.get("cancelled", 0),
            "failed": counts.get("failed", 0),
            "waiting": counts.get("scheduled", 0),
            "response_rate": percent(answered, sent),
        }

    @api.model
    def _callbacks(self, domain):
        """Callbacks of the answers of the period: on time against the SLA, and detractors won back."""
        surveys = self.env["nps.survey"]
        query = surveys._search(compat.domain_and(domain, [("loop_state", "!=", "none")]))
        surveys.flush_model()
        table = SQL.identifier(surveys._table)
        now = fields.Datetime.now()
        (row,) = self.env.execute_query(
            query.select(
                SQL(
                    """
                    COUNT(*),
                    COUNT(*) FILTER (WHERE %(due)s),
                    COUNT(*) FILTER (WHERE %(t)s.sla_met),
                    COUNT(*) FILTER (WHERE %(t)s.loop_state = 'open'),
                    COUNT(*) FILTER (WHERE %(t)s.loop_state = 'open' AND %(t)s.callback_deadline < %(now)s),
                    COUNT(*) FILTER (WHERE %(t)s.loop_state = 'closed'),
                    COUNT(*) FILTER (WHERE %(t)s.category = 'detractor' AND EXISTS (
                        SELECT 1 FROM %(t)s f WHERE f.followup_of_id = %(t)s.id AND f.state = 'answered')),
                    COUNT(*) FILTER (WHERE %(t)s.recovered)
                    """,
                    t=table,
                    now=now,
                    due=callback_due(table, now),
                )
            )
        )
        count, due, on_time, open_count, late, closed, followups, recovered = row
        return {
            "count": count,
            "due": due,
            "on_time": on_time,
            "on_time_rate": percent(on_time, due),
            "open": open_count,
            "late": late,
            "closed": closed,
            "followups": followups,
            "recovered": recovered,
            "recovery_rate": percent(recovered, followups),
        }

    @api.model
    def _revenue_at_risk(self, domain):
        """What the detractors' companies were invoiced (the NPS report's revenue at risk), per currency."""
        groups = (
            self.env["nps.report"]
            .sudo()
            ._read_group([*domain, ("category", "=", "detractor")], ["currency_id"], ["revenue_at_risk:sum"])
        )
        amounts = [(currency, amount) for currency, amount in groups if currency] or [
            (self.env.company.currency_id, 0.0)
        ]
        return [
            {"amount": amount or 0.0, "currency_id": currency.id, "currency": currency.name}
            for currency, amount in amounts
        ]

    @api.model
    def _themes(self, domain):
        figures = self._theme_figures(domain)
        return {
            "total": figures["total"],
            "top": [theme for theme in figures["themes"] if theme["detractors"]][:TOP_THEMES],
        }

    @api.model
    def _holdout(self, domain):
        """Detractors called back against the control group, from the callback effect report (as the
        campaign's "Closing the loop" tab): repurchase within the campaign's window and recovery at the
        follow-up survey, each difference tested (two-proportion z-test, 95 %)."""
        return self.env["nps.holdout.report"].sudo()._nps_holdout_comparison(domain)[()]

    @api.model
    def _trend(self, domain, first_day, last_day):
        """The NPS of each month from ``first_day`` to ``last_day`` with its margin, from the NPS report;
        months without answers included (no NPS)."""
        return self.env["nps.report"].sudo()._nps_trend(domain, "month", (first_day, last_day))

    @api.model
    def _agents(self, domain):
        """Callbacks per agent: count, on time, recovered. Compares employees: NPS managers only."""
        if not self.env.user.has_group("nps_closed_loop.group_nps_manager"):
            raise AccessError(self.env._("Only NPS managers compare the agents who call customers back."))
        surveys = self.env["nps.survey"]
        query = surveys._search(
            compat.domain_and(domain, [("loop_state", "!=", "none"), ("callback_user_id", "!=", False)])
        )
        table = SQL.identifier(surveys._table)
        query.groupby = SQL("%s.callback_user_id", table)
        surveys.flush_model()
        rows = self.env.execute_query(
            query.select(
                SQL(
                    """
                    %(t)s.callback_user_id,
                    COUNT(*),
                    COUNT(*) FILTER (WHERE %(due)s),
                    COUNT(*) FILTER (WHERE %(t)s.sla_met),
                    COUNT(*) FILTER (WHERE %(t)s.recovered)
                    """,
                    t=table,
                    due=callback_due(table, fields.Datetime.now()),
                )
            )
        )
        names = {user.id: user.name for user in self.env["res.users"].sudo().browse([row[0] for row in rows])}
        agents = [
            {
                "id": user_id,
                "name": names[user_id],
                "count": count,
                "due": due,
                "on_time": on_time,
                "on_time_rate": percent(on_time, due),
                "recovered": recovered,
            }
            for user_id, count, due, on_time, recovered in rows
        ]
        agents.sort(key=lambda agent: (-agent["count"], agent["name"]))
        return agents

    # ------------------------------------------------------------------
    # Comment themes
    # ------------------------------------------------------------------
    @api.model
    def _theme_figures(self, domain):
        """Answers of ``domain`` per theme, each answer counted once in each of its themes: count, NPS and
        detractors per theme. An answer may have several themes, so the themes' counts do not add up to the
        total: the total (count, NPS, detractors, answers without theme) is computed apart, and does not
        depend on the themes.

        :return: ``{"total": {...}, "themes": [{"id", "name", "color", "count", "nps", "detractors",
            "detractor_share"}]}``, themes with most detractors first.
        """
        surveys = self.env["nps.survey"]
        query = surveys._search(compat.domain_and(domain, [("category", "!=", False)]))
        answers = query.subselect(
            SQL.identifier(surveys._table, "id"),
            SQL.identifier(surveys._table, "nps_value"),
            SQL.identifier(surveys._table, "category"),
        )
        surveys.flush_model(["nps_value", "category", "theme_ids"])
        rel = SQL.identifier(surveys._fields["theme_ids"].relation)
        total_row = self.env.execute_query(
            SQL(
                """
                SELECT COUNT(*), AVG(a.nps_value), COUNT(*) FILTER (WHERE a.category = 'detractor'),
                       COUNT(*) FILTER (WHERE NOT EXISTS (SELECT 1 FROM %(rel)s r WHERE r.survey_id = a.id))
                  FROM %(answers)s AS a
                """,
                rel=rel,
                answers=answers,
            )
        )[0]
        rows = self.env.execute_query(
            SQL(
                """
                SELECT r.reason_id, COUNT(*), AVG(a.nps_value), COUNT(*) FILTER (WHERE a.category = 'detractor')
                  FROM %(rel)s r
                  JOIN %(answers)s AS a ON a.id = r.survey_id
              GROUP BY r.reason_id
                """,
                rel=rel,
                answers=answers,
            )
        )
        count, nps, detractors, untagged = total_row
        reasons = self.env["nps.reason"].sudo().with_context(active_test=False).browse([row[0] for row in rows])
        names = {reason.id: (reason.name, reason.color) for reason in reasons}
        themes = [
            {
                "id": reason_id,
                "name": names[reason_id][0],
                "color": names[reason_id][1],
                "count": theme_count,
                "nps": float(theme_nps),
                "detractors": theme_detractors,
                "detractor_share": percent(theme_detractors, detractors),
            }
            for reason_id, theme_count, theme_nps, theme_detractors in rows
        ]
        themes.sort(key=lambda theme: (-theme["detractors"], -theme["count"], theme["name"]))
        return {
            "total": {
                "count": count,
                "nps": float(nps) if nps is not None else None,
                "detractors": detractors,
                "untagged": untagged,
            },
            "themes": themes,
        }

    @api.model
    def _uncovered_words(self, domain, limit=20, max_answers=5000):
        """The words detractors of ``domain`` use most in the comments no theme covers yet: to show a manager
        which theme to add. A comment is covered when it has a theme or when today's keywords match it.

        Stop words (French and English) and words of less than 3 letters are left out; words are counted on
        their normalised form (no case, no accent), once per answer, and shown in the form customers most
        often wrote. The newest ``max_answers`` answers are read.

        :return: ``[(word, number of answers using it)]``, most frequent first.
        """
        surveys = self.env["nps.survey"]
        query = surveys._search(compat.domain_and(domain, [("category", "=", "detractor")]))
        table = SQL.identifier(surveys._table)
        query.add_where(
            SQL(
                "(%(comment)s IS NOT NULL OR %(followup)s IS NOT NULL) AND NOT EXISTS "
                "(SELECT 1 FROM %(rel)s r WHERE r.survey_id = %(id)s)",
                comment=SQL.identifier(surveys._table, "comment"),
                followup=SQL.identifier(surveys._table, "followup"),
                rel=SQL.identifier(surveys._fields["theme_ids"].relation),
                id=SQL.identifier(surveys._table, "id"),
            )
        )
        query.order = SQL(
            "%s DESC NULLS LAST, %s DESC",
            SQL.identifier(surveys._table, "answer_date"),
            SQL.identifier(surveys._table, "id"),
        )
        query.limit = max_answers
        surveys.flush_model(["comment", "followup", "company_id", "partner_id", "theme_ids", "answer_date"])
        self.env["res.partner"].flush_model(["lang"])
        rows = self.env.execute_query(
            query.select(
                SQL("%s.comment", table),
                SQL("%s.followup", table),
                SQL("%s.company_id", table),
                SQL("(SELECT p.lang FROM res_partner p WHERE p.id = %s.partner_id)", table),
            )
        )
        matcher = ThemeMatcher(self.env)
        counts = Counter()
        spellings = defaultdict(Counter)
        for comment, followup, company_id, lang in rows:
            text = "\n".join(part for part in (comment, followup) if part)
            if matcher.match(text, lang, company_id):
                continue
            seen = set()
            for spelling in SIGNIFICANT_WORD.findall(text.lower()):
                word = normalise(spelling)
                if word in STOP_WORDS:
                    continue
                spellings[word][spelling] += 1
                if word not in seen:
                    seen.add(word)
                    counts[word] += 1
        ranked = sorted(counts.items(), key=lambda item: (-item[1], item[0]))[:limit]
        return [
            (min(spellings[word].items(), key=lambda item: (-item[1], item[0]))[0], count) for word, count in ranked
        ]
