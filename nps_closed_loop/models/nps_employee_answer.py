from collections import Counter, defaultdict

from odoo import api, fields, models

from .. import compat
from . import nps_statistics
from .nps_employee_groups import fold_groups, is_shown
from .nps_score import score_category
from .nps_theme import ThemeMatcher


@compat.sql_constraints(
    ("score_range", "CHECK(score BETWEEN 0 AND 10)", "A score is between 0 and 10."),
)
class NpsEmployeeAnswer(models.Model):
    """An employee's answer to an eNPS pulse, anonymous by construction.

    The row holds no user, partner, employee, token or address, and no time finer than the day (``_log_access``
    is off: no create or write date, no author). Answers reach this table only through
    ``nps.employee.answer.pending._release``: a campaign's waiting answers together, in random order, so that
    neither their ids nor their order follow the order in which employees answered.
    """

    _name = "nps.employee.answer"
    _description = "Employee NPS answer"
    _log_access = False
    _order = "id"

    campaign_id = fields.Many2one("nps.employee.campaign", required=True, ondelete="cascade", index=True, readonly=True)
    company_id = fields.Many2one(related="campaign_id.company_id")
    pulse = fields.Integer(required=True, readonly=True)
    score = fields.Integer(required=True, readonly=True, aggregator="avg")
    comment = fields.Text(readonly=True)
    answer_day = fields.Date(required=True, readonly=True)
    group_key = fields.Char(string="Group", readonly=True)

    @api.model
    def _enps_results(self, campaign):
        """The figures of ``campaign`` that may be shown: per pulse, the participation and, from the minimum group
        size on, the eNPS with its margin of error; for the last pulse with answers, its distribution, comments,
        themes and groups (those under the minimum folded into "Other", see ``nps_employee_groups``)."""
        campaign.check_access("read")
        minimum = campaign.min_group_size
        rows = self._read_group([("campaign_id", "=", campaign.id)], ["pulse", "group_key", "score"], ["__count"])
        scores = defaultdict(Counter)  # pulse: {score: count}
        groups = defaultdict(lambda: defaultdict(Counter))  # pulse: group: {score: count}
        for pulse, group_key, score, count in rows:
            scores[pulse][score] += count
            groups[pulse][group_key or ""][score] += count
        invitations = (
            self.env["nps.employee.invitation"]
            .sudo()
            ._read_group([("campaign_id", "=", campaign.id)], ["pulse", "answered"], ["__count"])
        )
        invited = Counter()
        answered = Counter()
        for pulse, is_answered, count in invitations:
            invited[pulse] += count
            if is_answered:
                answered[pulse] += count
        pulses = []
        for pulse in sorted(set(invited) | set(scores)):
            figures = self._enps_figures(scores[pulse], minimum)
            rate = nps_statistics.percent(answered[pulse], invited[pulse])
            pulses.append(
                {
                    "pulse": pulse,
                    "invited": invited[pulse],
                    "answered": answered[pulse],
                    "rate": rate,
                    "on_target": rate is not None and rate >= campaign.target_rate,
                    **figures,
                }
            )
        current = next((entry for entry in reversed(pulses) if entry["count"]), None)
        if current and current["shown"]:
            pulse = current["pulse"]
            current.update(self._enps_details(campaign, pulse, scores[pulse], groups[pulse], minimum))
        labels = {
            "not_enough": self.env._(
                "Not enough answers yet (%(count)s of %(needed)s needed)",
                count=current["count"] if current else 0,
                needed=minimum,
            ),
            "participation": self.env._("Participation (target %(target)s %%)", target=round(campaign.target_rate)),
        }
        if current:
            labels["heading"] = self.env._("eNPS, pulse %(pulse)s", pulse=current["pulse"])
            labels["answers"] = self.env._("%(count)s answers", count=current["count"])
        return {
            "minimum": minimum,
            "target": campaign.target_rate,
            "pulses": pulses,
            "current": current,
            "labels": labels,
        }

    @api.model
    def _enps_figures(self, score_counts, minimum):
        """The eNPS and its margin of error of a group of answers, if it has at least ``minimum`` of them."""
        count = sum(score_counts.values())
        if not is_shown(count, minimum):
            return {
                "count": count,
                "shown": False,
                "nps": None,
                "margin": None,
                "needed": minimum,
                "not_enough": self.env._(
                    "Not enough answers yet (%(count)s of %(needed)s needed)", count=count, needed=minimum
                ),
            }
        categories = Counter()
        for score, score_count in score_counts.items():
            categories[score_category(score)] += score_count
        nps, margin, _significant = nps_statistics.nps_figures(count, categories["promoter"], categories["detractor"])
        return {
            "count": count,
            "shown": True,
            "nps": round(nps),
            "margin": round(margin),
            "needed": minimum,
            "promoters": categories["promoter"],
            "passives": categories["passive"],
            "detractors": categories["detractor"],
        }

    @api.model
    def _enps_details(self, campaign, pulse, score_counts, group_counts, minimum):
        """Distribution, comments, themes and groups of a pulse shown (at least ``minimum`` answers)."""
        count = sum(score_counts.values())
        distribution = [
            {
                "score": score,
                "count": score_counts.get(score, 0),
                "percent": round(nps_statistics.percent(score_counts.get(score, 0), count)),
            }
            for score in range(11)
        ]
        answers = self.search_read(
            [("campaign_id", "=", campaign.id), ("pulse", "=", pulse), ("comment", "!=", False)], ["comment", "score"]
        )
        # no order that could follow anything: the texts sorted alphabetically
        comments = sorted(answer["comment"] for answer in answers)
        matcher = ThemeMatcher(self.env, "nps.employee.theme")
        # the language an employee wrote in is not kept (in a small team it could tell who wrote): each comment
        # is read in every installed language
        langs = [code for code, _name in self.env["res.lang"].get_installed()]
        theme_counts = Counter()
        for answer in answers:
            for theme_id in set().union(
                *(matcher.match(answer["comment"], lang, campaign.company_id.id) for lang in langs)
            ):
                theme_counts[theme_id] += 1
        themes = [
            {"name": theme.name, "count": theme_counts[theme.id]}
            for theme in self.env["nps.employee.theme"].sudo().browse(list(theme_counts)).exists()
        ]
        themes.sort(key=lambda theme: (-theme["count"], theme["name"]))
        sizes = {group: sum(counts.values()) for group, counts in group_counts.items()}
        group_rows = []
        if len(sizes) > 1 or any(sizes):
            shown, folded = fold_groups(sizes, minimum)
            group_rows = [
                {"label": group or self.env._("No group"), **self._enps_figures(group_counts[group], minimum)}
                for group in shown
            ]
            if folded:
                other = Counter()
                for group in folded:
                    other.update(group_counts[group])
                group_rows.append({"label": self.env._("Other"), **self._enps_figures(other, minimum)})
        return {"distribution": distribution, "comments": comments, "themes": themes, "groups": group_rows}
