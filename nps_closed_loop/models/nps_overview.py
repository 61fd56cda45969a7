import functools
import re
from collections import Counter, defaultdict
from datetime import datetime, time

import pytz
from dateutil.relativedelta import relativedelta

from odoo import api, fields, models
from odoo.exceptions import AccessError, UserError
from odoo.tools import SQL

from .. import compat
from ..tools import verbatim
from .nps_score import CALLBACK_LOOP_STATES, REACHED_STATES
from .nps_sql import callback_due
from .nps_statistics import nps_figures, percent, share_margin
from .nps_theme import ENGLISH, SIGNIFICANT_WORD, STOP_WORDS, ThemeMatcher, normalise

OVERVIEW_PERIODS = (3, 6, 12, 24)
DEFAULT_PERIOD = 12
TOP_THEMES = 8
SUGGESTED_THEMES = 10
# a two-word phrase is suggested when this many answers use it: once is chance
MIN_PHRASE_ANSWERS = 2
# answers without theme tagged at once with a theme created from a suggestion; the others by the batch job
TAG_AT_ONCE = 2000
# words, and the punctuation that ends a sentence part (a phrase does not cross it)
_RUN_TOKEN = re.compile(r"\w+|[.!?;:,()\[\]\n]+")


@functools.cache
def _polarity_cues():
    """An analyser whose only "theme" is the shipped polarity lexicon (praise, complaint, negation... words): it
    tells the words that say how things went from those that say what a comment is about."""
    _theme_rows, polarity_rows = verbatim.shipped_rows()
    return verbatim.VerbatimAnalyser.from_rows(
        [(language, "cue", term, verbatim.STRONG) for language, _kind, term in polarity_rows], []
    )


def _word_runs(text, is_cue):
    """The runs of consecutive words of ``text`` (lower case, as written) a theme may be named by: stop words,
    words of less than 3 letters or with digits, and the words ``is_cue(normalised word)`` says are cues end a run,
    as punctuation does."""
    runs, run = [], []
    for token in _RUN_TOKEN.findall(text.lower()):
        word = normalise(token)
        if SIGNIFICANT_WORD.fullmatch(token) and word not in STOP_WORDS and not is_cue(word):
            run.append(token)
            continue
        if run:
            runs.append(run)
        run = []
    if run:
        runs.append(run)
    return runs


class NpsOverview(models.AbstractModel):
    """The figures of the NPS Overview dashboard, gathered on the server in one call and in aggregate
    queries over the surveys and the NPS reports, and the analysis of the comment themes (complaints, praise,
    NPS and cost per theme; the themes suggested by the words no theme covers yet).

    Every employee (checked by :meth:`get_nps_overview`: a model without records has no access rights)
    sees the company-level figures of the companies selected in the company switcher, whatever customers
    they serve: the dashboard shows no answer, no customer and no comment. What compares employees
    (callbacks per agent) is for NPS managers only; the words of the comments no theme covers are for NPS
    users only, and turned into a theme by NPS managers only. The figures are computed as the system, on
    domains built here, never from the caller.
    """

    _name = "nps.overview"
    _description = "NPS Overview"

    @api.model
    @api.readonly
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
            "access": {"agents": is_manager, "words": is_nps_user, "surveys": is_nps_user, "themes": is_manager},
            "domain": answered,
        }
        # the answers of the period per month and company, read once: the score, the trend, the revenue at risk
        # and the themes' total are made of them
        totals = figures._answer_totals(answered)
        overview |= {
            "nps": figures._score(totals),
            "trend": figures._trend(totals, first_day, today),
            "funnel": figures._funnel([*scope, ("scheduled_date", ">=", since)]),
            "callbacks": figures._callbacks(answered),
            "revenue_at_risk": figures._revenue_at_risk(totals),
            "themes": figures._themes(answered, totals),
            "holdout": figures._holdout(period),
        }
        if is_manager:
            overview["agents"] = figures._agents(answered)
        if is_nps_user:
            overview["suggested_themes"] = figures._suggested_themes(answered)
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
    def _answer_totals(self, domain):
        """The answers of ``domain`` per month (of the user's time zone) and company: ``[(month, company, answers,
        promoters, passives, detractors, NPS points, revenue at risk)]``, in one grouped read of the analysis
        report, whose rows are the answers (it reads the figures per hour when they hold them)."""
        return [
            (month, company, count, *(value or 0 for value in sums))
            for month, company, count, *sums in self.env["nps.report"]._read_group(
                domain,
                ["answer_date:month", "company_id"],
                [
                    "__count",
                    "promoter_count:sum",
                    "passive_count:sum",
                    "detractor_count:sum",
                    "nps_value:sum",
                    "revenue_at_risk:sum",
                ],
            )
        ]

    @api.model
    def _score(self, totals):
        count, promoters, passives, detractors = (sum(row[index] for row in totals) for index in range(2, 6))
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
        cube = self.env["nps.answer.cube"]
        if cube._holds_domain(domain, kind="plan"):
            cells = cube._read_group(
                compat.domain_and(domain, [("kind", "=", "plan")]), ["state"], ["survey_count:sum"]
            )
            counts = {state: int(count) for state, count in cells if count}
        else:
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
        query = surveys._search(compat.domain_and(domain, [("loop_state", "in", CALLBACK_LOOP_STATES)]))
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
    def _revenue_at_risk(self, totals):
        """What the detractors' companies were invoiced (the NPS report's revenue at risk), per currency: each
        company's in its currency."""
        per_currency = defaultdict(float)
        for _month, company, *_counts, amount in totals:
            per_currency[company.currency_id] += amount
        amounts = [(currency, amount) for currency, amount in per_currency.items() if currency] or [
            (self.env.company.currency_id, 0.0)
        ]
        return [
            {"amount": amount or 0.0, "currency_id": currency.id, "currency": currency.name}
            for currency, amount in amounts
        ]

    @api.model
    def _themes(self, domain, totals):
        """The costliest themes (see :meth:`_theme_figures`): what the detractors complain about first, then the
        themes praised and not complained about (the strong points)."""
        count, detractors, points = (sum(row[index] for row in totals) for index in (2, 5, 6))
        figures = self._theme_figures(domain, total=(count, points / count if count else None, detractors))
        return {"total": figures["total"], "top": figures["themes"][:TOP_THEMES]}

    @api.model
    def _holdout(self, domain):
        """Detractors called back against the control group, from the callback effect report (as the
        campaign's "Closing the loop" tab): repurchase within the campaign's window and recovery at the
        follow-up survey, each difference tested (two-proportion z-test, 95 %)."""
        return self.env["nps.holdout.report"].sudo()._nps_holdout_comparison(domain)[()]

    @api.model
    def _trend(self, totals, first_day, last_day):
        """The NPS of each month from ``first_day`` to ``last_day`` with its margin, as the NPS report's trend;
        months without answers included (no NPS)."""
        months = defaultdict(lambda: (0, 0, 0))
        for month, _company, count, promoters, _passives, detractors, *_sums in totals:
            answers, promoted, detracted = months[month]
            months[month] = (answers + count, promoted + promoters, detracted + detractors)
        return self.env["nps.report"].sudo()._nps_trend_points(dict(months), "month", (first_day, last_day))

    @api.model
    def _agents(self, domain):
        """Callbacks per agent: count, on time, recovered. Compares employees: NPS managers only."""
        if not self.env.user.has_group("nps_closed_loop.group_nps_manager"):
            raise AccessError(self.env._("Only NPS managers compare the agents who call customers back."))
        surveys = self.env["nps.survey"]
        query = surveys._search(
            compat.domain_and(domain, [("loop_state", "in", CALLBACK_LOOP_STATES), ("callback_user_id", "!=", False)])
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
    def _theme_figures(self, domain, total=None):
        """Answers of ``domain`` per theme, each answer counted once in each of its themes: count, NPS with its
        margin of error, complaints and praise (the polarity of the theme's mentions, ``nps.survey.mention``) and
        what the theme costs: the NPS points lost to it, the share of all the answers of ``domain`` that are
        detractors complaining about it (× 100: were they passives instead, the NPS would gain that much). An
        answer may have several themes, so the themes' counts do not add up to the total: the total (count,
        NPS, detractors, answers without theme) is computed apart, and does not depend on the themes. A theme set
        by hand has no mention: it counts in the theme's answers, neither as a complaint nor as praise.

        :param total: ``(answers, NPS, detractors)`` of ``domain`` when the caller has them (the Overview), read
            here otherwise
        :return: ``{"total": {...}, "themes": [{"id", "name", "color", "count", "promoters", "passives",
            "detractors", "detractor_share", "nps", "margin", "significant", "complaints", "praise", "neutral",
            "detractor_complaints", "cost", "cost_margin"}]}``, the costliest theme first.
        """
        surveys = self.env["nps.survey"]
        mentions = self.env["nps.survey.mention"]
        query = surveys._search(compat.domain_and(domain, [("category", "!=", False)]))
        answers = query.subselect(
            SQL.identifier(surveys._table, "id"),
            SQL.identifier(surveys._table, "nps_value"),
            SQL.identifier(surveys._table, "category"),
        )
        surveys.flush_model(["nps_value", "category", "theme_ids"])
        mentions.flush_model(["survey_id", "reason_id", "polarity"])
        rel = SQL.identifier(surveys._fields["theme_ids"].relation)
        # the total from the analysis report (the figures per hour when they hold it), the answers with a theme
        # from the themes' relation: what takes time is the number of answers with a theme, not of all answers
        if total is None:
            report_domain = (
                compat.domain_and(domain, [("category", "!=", False)])
                if self.env["nps.answer.cube"]._holds_domain(domain)
                else [("id", "in", query)]
            )
            ((count, nps, detractors),) = self.env["nps.report"]._read_group(
                report_domain, [], ["__count", "nps_value:avg", "detractor_count:sum"]
            )
        else:
            count, nps, detractors = total
        ((tagged,),) = self.env.execute_query(
            SQL(
                "SELECT COUNT(DISTINCT r.survey_id) FROM %(rel)s r JOIN %(answers)s AS a ON a.id = r.survey_id",
                rel=rel,
                answers=answers,
            )
        )
        # one mention at most per answer and theme (unique key): the LEFT JOIN adds no row
        rows = self.env.execute_query(
            SQL(
                """
                SELECT r.reason_id, COUNT(*),
                       COUNT(*) FILTER (WHERE a.category = 'promoter'),
                       COUNT(*) FILTER (WHERE a.category = 'passive'),
                       COUNT(*) FILTER (WHERE a.category = 'detractor'),
                       COUNT(*) FILTER (WHERE m.polarity = 'complaint'),
                       COUNT(*) FILTER (WHERE m.polarity = 'praise'),
                       COUNT(*) FILTER (WHERE m.polarity = 'neutral'),
                       COUNT(*) FILTER (WHERE m.polarity = 'complaint' AND a.category = 'detractor')
                  FROM %(rel)s r
                  JOIN %(answers)s AS a ON a.id = r.survey_id
             LEFT JOIN %(mention)s m ON m.survey_id = r.survey_id AND m.reason_id = r.reason_id
              GROUP BY r.reason_id
                """,
                rel=rel,
                answers=answers,
                mention=SQL.identifier(mentions._table),
            )
        )
        detractors = detractors or 0
        untagged = count - tagged
        reasons = self.env["nps.reason"].sudo().with_context(active_test=False).browse([row[0] for row in rows])
        names = {reason.id: (reason.name, reason.color) for reason in reasons}
        themes = []
        for reason_id, theme_count, promoters, passives, theme_detractors, complaints, praise, neutral, lost in rows:
            theme_nps, margin, significant = nps_figures(theme_count, promoters, theme_detractors)
            themes.append(
                {
                    "id": reason_id,
                    "name": names[reason_id][0],
                    "color": names[reason_id][1],
                    "count": theme_count,
                    "promoters": promoters,
                    "passives": passives,
                    "detractors": theme_detractors,
                    "detractor_share": percent(theme_detractors, detractors),
                    "nps": theme_nps,
                    "margin": margin,
                    "significant": significant,
                    "complaints": complaints,
                    "praise": praise,
                    "neutral": neutral,
                    "detractor_complaints": lost,
                    "cost": percent(lost, count),
                    "cost_margin": share_margin(lost, count),
                }
            )
        themes.sort(
            key=lambda theme: (-theme["detractor_complaints"], -theme["complaints"], -theme["count"], theme["name"])
        )
        return {
            "total": {
                "count": count,
                "nps": float(nps) if nps is not None else None,
                "detractors": detractors,
                "untagged": untagged,
            },
            "themes": themes,
        }

    # ------------------------------------------------------------------
    # Suggested themes: what the comments no theme covers talk about
    # ------------------------------------------------------------------
    @api.model
    def _suggested_themes(self, domain, limit=SUGGESTED_THEMES, max_answers=5000):
        """The stems and two-word phrases used most in the comments of ``domain`` that no theme covers yet, with
        how many answers and detractors use them and the NPS of those answers: the themes worth adding. A comment
        is covered when it has a theme, waits to be tagged (``themes_pending``) or today's lexicons tag it.

        Words are counted on their stem in the customer's language (so "emballage" and "emballages" are one
        suggestion), once per answer, and shown as customers most often wrote them. Stop words, words of less than
        3 letters and the words of the polarity lexicon (good, late, rude...: how, not what) are left out and end a
        phrase, as punctuation does. A phrase needs :data:`MIN_PHRASE_ANSWERS` answers; a word is left out when a
        phrase suggested holds it in as many answers (the phrase says it better). The newest ``max_answers``
        answers are read.

        :return: ``[{"key", "term", "lang", "phrase", "answers", "detractors", "nps", "margin"}]``, the most
            used first (then the most detractors); ``term`` in ``lang`` is the lexicon of the theme it would be.
        """
        rows = self._uncovered_answers(domain, max_answers)
        matcher = ThemeMatcher(self.env)
        stemmer = verbatim.VerbatimAnalyser()  # no lexicon: the stems of each language only
        cues, cue_words = _polarity_cues(), {}

        def is_cue(word, code):
            if (code, word) not in cue_words:
                cue_words[code, word] = bool(cues.tag(word, code))
            return cue_words[code, word]

        figures = defaultdict(Counter)
        spellings = defaultdict(Counter)
        langs = defaultdict(Counter)
        for comment, followup, company_id, lang, category in rows:
            text = "\n".join(part for part in (comment, followup) if part)
            if matcher.match(text, lang, company_id):
                continue
            code = verbatim.language_code(lang)
            used = {}
            for part in _word_runs(text, lambda word, code=code: is_cue(word, code)):
                stems = [stemmer.stem(verbatim.normalise(word), code) for word in part]
                for index, (word, stem) in enumerate(zip(part, stems, strict=True)):
                    used.setdefault((code, stem), word)
                    if index:
                        used.setdefault((code, f"{stems[index - 1]} {stem}"), f"{part[index - 1]} {word}")
            for key, spelling in used.items():
                figures[key].update(answers=1, **{category: 1})
                spellings[key][spelling] += 1
                langs[key][lang or ENGLISH] += 1
        phrases = {key for key, counts in figures.items() if " " in key[1] and counts["answers"] >= MIN_PHRASE_ANSWERS}
        held = Counter()  # (code, stem) → the most answers of a phrase suggested that holds it
        for code, phrase in phrases:
            for stem in phrase.split(" "):
                held[code, stem] = max(held[code, stem], figures[code, phrase]["answers"])
        suggestions = []
        for key, counts in figures.items():
            if key not in phrases and (" " in key[1] or held[key] >= counts["answers"]):
                continue
            nps, margin, _significant = nps_figures(counts["answers"], counts["promoter"], counts["detractor"])
            suggestions.append(
                {
                    "key": ":".join(key),
                    "term": min(spellings[key].items(), key=lambda item: (-item[1], item[0]))[0],
                    "lang": min(langs[key].items(), key=lambda item: (-item[1], item[0]))[0],
                    "phrase": key in phrases,
                    "answers": counts["answers"],
                    "detractors": counts["detractor"],
                    "nps": nps,
                    "margin": margin,
                }
            )
        suggestions.sort(key=lambda item: (-item["answers"], -item["detractors"], item["term"]))
        return suggestions[:limit]

    @api.model
    def _uncovered_answers(self, domain, limit):
        """``[(comment, followup, company id, customer's language, category)]`` of the newest ``limit`` answers of
        ``domain`` with words and no theme, not waiting to be tagged."""
        surveys = self.env["nps.survey"]
        query = surveys._search(compat.domain_and(domain, [("category", "!=", False), ("themes_pending", "=", False)]))
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
        query.limit = limit
        surveys.flush_model(
            [
                "comment",
                "followup",
                "company_id",
                "partner_id",
                "theme_ids",
                "answer_date",
                "category",
                "themes_pending",
            ]
        )
        self.env["res.partner"].flush_model(["lang"])
        return self.env.execute_query(
            query.select(
                SQL("%s.comment", table),
                SQL("%s.followup", table),
                SQL("%s.company_id", table),
                SQL("(SELECT p.lang FROM res_partner p WHERE p.id = %s.partner_id)", table),
                SQL("%s.category", table),
            )
        )

    @api.model
    def create_suggested_theme(self, term, lang=None):
        """The Overview's "Create theme" button on a suggestion: a theme named after ``term`` whose lexicon, in
        ``lang`` (the suggestion's language), is ``term``; the past answers are tagged with it at once when no
        theme covered them (the newest :data:`TAG_AT_ONCE`), the others by the batch job. NPS managers only.

        :return: ``{"id", "name", "tagged": answers tagged at once, "queued": answers left to the batch job}``
        """
        if not self.env.user.has_group("nps_closed_loop.group_nps_manager"):
            raise AccessError(self.env._("Only NPS managers create themes."))
        term = " ".join(str(term or "").replace(",", " ").split()).lstrip("~")
        if not verbatim.parse_lexicon(term):
            raise UserError(self.env._("A theme needs a word to look for."))
        languages = dict(self.env["res.lang"].get_installed())
        lang = lang if lang in languages else self.env.lang or ENGLISH
        name = term[:1].upper() + term[1:]
        reasons = self.env["nps.reason"].with_context(lang=lang)
        if reasons.search_count([("name", "=ilike", name)]):
            raise UserError(
                self.env._(
                    "A theme named %(name)s exists already: add %(term)s to its lexicon instead.", name=name, term=term
                )
            )
        theme = reasons.create({"name": name, "lexicon": term})
        tagged, queued = self._tag_past_answers(theme)
        return {"id": theme.id, "name": theme.name, "tagged": tagged, "queued": queued}

    @api.model
    def _tag_past_answers(self, theme):
        """Tag the past answers with ``theme``, just created: the answers without theme it covers at once (the
        newest :data:`TAG_AT_ONCE`, so that the Overview shows them), the other answers with words by the batch
        job. As the system, after the caller's rights were checked. Returns (tagged at once, queued)."""
        surveys = self.env["nps.survey"].sudo()
        with_words = [("state", "=", "answered"), "|", ("comment", "!=", False), ("followup", "!=", False)]
        if theme.company_id:
            with_words.append(("company_id", "=", theme.company_id.id))
        uncovered = surveys.search(
            [*with_words, ("theme_ids", "=", False), ("themes_pending", "=", False)],
            order="answer_date desc, id desc",
            limit=TAG_AT_ONCE,
        )
        matcher = ThemeMatcher(self.env)
        covered = uncovered.filtered(
            lambda survey: theme.id
            in matcher.match(survey._nps_theme_text(), survey.partner_id.lang, survey.company_id.id)
        )
        loop = self.env["nps.survey.loop"]
        loop._tag_themes(covered, keep=True)
        others = surveys.search([*with_words, ("id", "not in", uncovered.ids)])
        loop._queue_tag_themes(others)
        return len(covered), len(others)
