"""What the website's NPS blocks show to anyone: the testimonials and the recommendation rate of the
website's company, as plain values (never records), read as the system only through the domains below."""

from babel.numbers import format_percent
from dateutil.relativedelta import relativedelta

from odoo import fields, models, tools
from odoo.tools.misc import babel_locale_parse, format_date, formatLang

MIN_ANSWERS_PARAM = "nps_closed_loop_website.min_answers"
PERIOD_MONTHS_PARAM = "nps_closed_loop_website.period_months"
DEFAULT_MIN_ANSWERS = 30
DEFAULT_PERIOD_MONTHS = 12
#: the most testimonials a block shows
MAX_TESTIMONIALS = 12


def _int_param(params, key, default, minimum):
    try:
        value = int(params.get_param(key, default))
    except (TypeError, ValueError):
        value = default
    return max(value, minimum)


def _quoted_name(partner):
    """ "Marie D." for Marie Dupont: the first name and the initial of the last word, nothing more."""
    words = (partner.name or "").split()
    if not words:
        return ""
    if len(words) == 1:
        return words[0]
    return f"{words[0]} {words[-1][0].upper()}."


class Website(models.Model):
    _inherit = "website"

    def _nps_testimonial_domain(self):
        """The answers the website may quote: its company's, answered, whose customer allowed quoting and that
        a manager marked as testimonials, with a comment and a customer (an anonymised answer has neither)."""
        self.ensure_one()
        return [
            ("company_id", "=", self.company_id.id),
            ("state", "=", "answered"),
            ("is_testimonial", "=", True),
            ("quote_allowed", "=", True),
            ("is_anonymized", "=", False),
            ("partner_id", "!=", False),
            ("comment", "!=", False),
        ]

    def _nps_testimonials(self, limit=MAX_TESTIMONIALS):
        """The website's testimonials in the managers' order, as dicts of what may be shown publicly: the quote,
        "Marie D.", the city, the score and the month of the answer (in the visitor's language)."""
        self.ensure_one()
        limit = min(max(int(limit or MAX_TESTIMONIALS), 1), MAX_TESTIMONIALS)
        # as the system (visitors may not read answers), on the permitted answers and fields only
        surveys = (
            self.env["nps.survey"]
            .sudo()
            .search_fetch(
                self._nps_testimonial_domain(),
                ["comment", "score", "answer_date", "partner_id"],
                order="testimonial_sequence, answer_date desc, id desc",
                limit=limit,
            )
        )
        surveys.partner_id.fetch(["name", "city", "commercial_partner_id"])
        testimonials = []
        for survey in surveys:
            partner = survey.partner_id
            answer_day = survey.answer_date and survey.answer_date.date()
            testimonials.append(
                {
                    "quote": survey.comment.strip(),
                    "author": _quoted_name(partner),
                    "city": (partner.city or partner.commercial_partner_id.city or "").strip(),
                    "score": survey.score,
                    "month": answer_day and format_date(self.env, answer_day, date_format="MMMM y"),
                    "month_iso": answer_day and answer_day.strftime("%Y-%m"),
                }
            )
        return testimonials

    def _nps_recommendation(self):
        """The share of promoters among the answers of the website's company over the period, with the count
        and the period, as texts for the visitor; None below the minimum number of answers."""
        self.ensure_one()
        params = self.env["ir.config_parameter"].sudo()
        minimum = _int_param(params, MIN_ANSWERS_PARAM, DEFAULT_MIN_ANSWERS, 1)
        months = _int_param(params, PERIOD_MONTHS_PARAM, DEFAULT_PERIOD_MONTHS, 1)
        # the counts are kept for the current hour: a new answer shows within the hour, without a query per page
        hour = fields.Datetime.now().replace(minute=0, second=0, microsecond=0)
        count, promoters = self._nps_recommendation_counts(self.company_id.id, months, hour)
        if count < minimum:
            return None
        locale = babel_locale_parse(self.env.lang or "en_US")
        return {
            "rate": format_percent(promoters / count, locale=locale),
            "headline": self.env._("of our customers recommend us"),
            "basis": self.env._(
                "Based on %(count)s answers over the last %(months)s months.",
                count=formatLang(self.env, count, digits=0),
                months=months,
            ),
        }

    @tools.ormcache("company_id", "months", "hour")
    def _nps_recommendation_counts(self, company_id, months, hour):
        """``(answers, promoters)`` of ``company_id`` from ``months`` months before ``hour``: one grouped read of
        the NPS analysis (the answers), as the system; cached per hour."""
        count, promoters = (
            self.env["nps.report"]
            .sudo()
            ._read_group(
                [("company_id", "=", company_id), ("answer_date", ">=", hour - relativedelta(months=months))],
                [],
                ["__count", "promoter_count:sum"],
            )[0]
        )
        return count, int(promoters or 0)
