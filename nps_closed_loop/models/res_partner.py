from dateutil.relativedelta import relativedelta

from odoo import api, fields, models
from odoo.tools import SQL, format_date

from .nps_score import CATEGORY_SELECTION
from .nps_score_field import NullableInteger


class ResPartner(models.Model):
    _inherit = "res.partner"
    _NPS_TREND_SIZE = 8

    nps_survey_ids = fields.One2many("nps.survey", "partner_id", string="NPS surveys")
    nps_company_survey_ids = fields.One2many(
        "nps.survey",
        "commercial_partner_id",
        string="NPS surveys of the company",
        help="Surveys of the company and of all its contacts.",
    )
    nps_survey_count = fields.Integer(string="NPS surveys count", compute="_compute_nps_survey_count")
    nps_last_score = NullableInteger(string="Last NPS score", compute="_compute_nps_last", store=True, aggregator="avg")
    nps_last_category = fields.Selection(
        CATEGORY_SELECTION,
        string="Last NPS category",
        compute="_compute_nps_last",
        store=True,
        index=True,
    )
    nps_last_answer_date = fields.Datetime(string="Last NPS answer", compute="_compute_nps_last", store=True)
    nps_excluded = fields.Boolean(
        string="Excluded from NPS surveys",
        copy=False,
        help="Surveys of this company and its contacts are held back by the campaigns that hold excluded "
        "companies, e.g. key accounts surveyed by hand. Set it on the company.",
    )
    nps_consent = fields.Selection(
        [("unknown", "Not asked"), ("granted", "Agreed"), ("refused", "Refused")],
        string="NPS surveys consent",
        default="unknown",
        required=True,
        tracking=True,
        help="Whether the customer agreed to satisfaction surveys. Not asked: they are surveyed like any customer "
        "until they object. Refused: never surveyed again (also set when they unsubscribe from a survey message).",
    )
    nps_consent_date = fields.Datetime(
        string="NPS consent date",
        readonly=True,
        tracking=True,
        help="When the NPS surveys consent last changed.",
    )
    nps_consent_source = fields.Selection(
        [
            ("survey_page", "Survey page"),
            ("one_click", "One-click unsubscribe"),
            ("email_link", "Email link"),
            ("manual", "Manual"),
            ("import", "Import"),
        ],
        string="NPS consent source",
        readonly=True,
        tracking=True,
        help="Where the last change of the NPS surveys consent came from: the proof of the customer's choice.",
    )
    nps_account_nps = fields.Float(
        string="Account NPS",
        compute="_compute_nps_account",
        digits=(16, 0),
        help="Net Promoter Score of the answers of the whole company (all its contacts) over the last 12 months.",
    )
    nps_account_answer_count = fields.Integer(string="Answers in 12 months", compute="_compute_nps_account")
    nps_answer_ids = fields.Many2many("nps.survey", string="NPS answers", compute="_compute_nps_history")
    nps_invitation_ids = fields.Many2many(
        "nps.survey",
        string="NPS invitations",
        compute="_compute_nps_history",
        help="Surveys planned or sent and not answered yet.",
    )
    nps_score_trend = fields.Html(
        string="Last scores",
        compute="_compute_nps_score_trend",
        sanitize=False,  # rendered by QWeb, which escapes every value; the sanitizer would drop its aria-label
        groups="base.group_user",
        help="The last answers' scores, oldest first, coloured by category.",
    )

    @api.depends("nps_survey_ids", "nps_company_survey_ids", "is_company")
    def _compute_nps_survey_count(self):
        persons = self.filtered(lambda partner: not partner.is_company)
        companies = self - persons
        counts = dict(
            self.env["nps.survey"]._read_group([("partner_id", "in", persons.ids)], ["partner_id"], ["__count"])
        )
        counts.update(
            self.env["nps.survey"]._read_group(
                [("commercial_partner_id", "in", companies.ids)], ["commercial_partner_id"], ["__count"]
            )
        )
        for partner in self:
            partner.nps_survey_count = counts.get(partner, 0)

    @api.depends(
        "is_company",
        "nps_survey_ids.answer_date",
        "nps_survey_ids.score",
        "nps_company_survey_ids.answer_date",
        "nps_company_survey_ids.score",
    )
    def _compute_nps_last(self):
        """Latest answer of each person, or of any contact of each company.

        One query, one row per partner: the newest answer is taken in the database, so recording an
        answer costs the same whatever the customer's history.
        """
        latest = {partner_id: answers[0] for partner_id, answers in self._origin._nps_last_answers(1).items()}
        for partner in self:
            score, category, answer_date = latest.get(partner._origin.id, (False, False, False))
            partner.nps_last_score = score
            partner.nps_last_category = category
            partner.nps_last_answer_date = answer_date

    def _compute_nps_account(self):
        """The account's NPS over 12 months with its answer count, for the whole company: one aggregate
        query, whatever the history. Only the company's figure, never an employee's."""
        companies = self.commercial_partner_id._origin
        since = fields.Datetime.now() - relativedelta(months=12)
        figures = {
            company.id: (count, nps)
            for company, count, nps in self.env["nps.survey"]
            .sudo()
            ._read_group(
                [
                    ("commercial_partner_id", "in", companies.ids),
                    ("category", "!=", False),
                    ("answer_date", ">=", since),
                ],
                ["commercial_partner_id"],
                ["__count", "nps_value:avg"],
            )
        }
        for partner in self:
            count, nps = figures.get(partner.commercial_partner_id._origin.id, (0, 0.0))
            partner.nps_account_answer_count = count
            partner.nps_account_nps = round(nps or 0.0)

    @api.depends_context("uid")
    def _compute_nps_history(self):
        """Answers apart from invitations still waiting, as the user may read them."""
        Survey = self.env["nps.survey"]
        for partner in self:
            domain = partner._origin._nps_survey_domain() if partner._origin else [("id", "=", False)]
            partner.nps_answer_ids = Survey.search(domain + [("category", "!=", False)])
            partner.nps_invitation_ids = Survey.search(
                domain + [("state", "in", ("scheduled", "sent"))], order="scheduled_date desc, id desc"
            )

    def _compute_nps_score_trend(self):
        """The last 8 scores of a person, or of all the contacts of a company, oldest first, as small bars
        coloured by category: one query for all the partners. Scores, like the last score, are shown to
        every employee."""
        scores = self._origin._nps_last_answers(self._NPS_TREND_SIZE)
        colours = {"detractor": "danger", "passive": "warning", "promoter": "success"}
        for partner in self:
            answers = scores.get(partner._origin.id)
            bars = [
                {
                    "title": self.env._("%(date)s: %(score)s/10", date=format_date(self.env, answer_date), score=score),
                    "colour": colours[category],
                    "height": 3 + 2 * score,
                    "score": score,
                }
                for score, category, answer_date in reversed(answers or [])
            ]
            partner.nps_score_trend = (
                self.env["ir.qweb"]._render("nps_closed_loop.res_partner_nps_score_trend", {"bars": bars})
                if bars
                else False
            )

    @api.model_create_multi
    def create(self, vals_list):
        for vals in vals_list:
            if vals.get("nps_consent", "unknown") != "unknown" and "nps_consent_source" not in vals:
                vals.update(self.env["nps.survey.privacy"]._consent_proof())
        return super().create(vals_list)

    def write(self, vals):
        if "nps_consent" not in vals or "nps_consent_source" in vals:
            return super().write(vals)
        changed = self.filtered(lambda partner: partner.nps_consent != vals["nps_consent"])
        super(ResPartner, self - changed).write(vals)
        result = super(ResPartner, changed).write({**vals, **self.env["nps.survey.privacy"]._consent_proof()})
        if vals["nps_consent"] == "refused":
            # an objection, however made, stops what was planned: no survey, no reminder
            for partner in changed:
                partner._nps_cancel_pending_surveys()
        return result

    def unlink(self):
        # A customer's deletion erases their NPS data and keeps their answers anonymously for the statistics,
        # instead of refusing it (the surveys' customer is ``ondelete="restrict"``).
        self.check_access("unlink")
        surveys = self.env["nps.survey"].sudo().search([("partner_id", "in", self.ids)])
        self.env["nps.survey.privacy"]._anonymize(surveys)
        return super().unlink()

    def action_view_nps_surveys(self):
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id("nps_closed_loop.nps_survey_action")
        action["domain"] = self._nps_survey_domain()
        action["context"] = {"default_partner_id": self.id}
        return action

    def action_nps_anonymize(self):
        """Erase the NPS data of the customer (and of a company's contacts): the answers stay, anonymous."""
        self.ensure_one()
        self.env["nps.survey.privacy"]._erase_customer(self)
        return True

    def action_nps_export(self):
        """Download the customer's NPS data (a zip of a JSON file and an Excel workbook)."""
        self.ensure_one()
        self.env["nps.survey.privacy"]._check_manager(self)
        return {"type": "ir.actions.act_url", "url": f"/nps/partner/{self.id}/export", "target": "download"}

    def _nps_survey_domain(self):
        """A company sees its own and its contacts' surveys; a person sees their own."""
        self.ensure_one()
        if self.is_company:
            return [("commercial_partner_id", "=", self.id)]
        return [("partner_id", "=", self.id)]

    def _nps_last_answers(self, size):
        """``{partner id: [(score, category, answer date), ...]}``, the ``size`` newest answers of each person, or
        of all the contacts of each company, newest first: one query for all, whatever their history."""
        partners = self.filtered("id")
        if not partners:
            return {}
        survey = self.env["nps.survey"]
        survey.flush_model(["partner_id", "commercial_partner_id", "score", "category", "answer_date"])
        targets = [
            SQL(
                """
                SELECT target.id, last.score, last.category, last.answer_date
                  FROM unnest(%(partner_ids)s::int[]) AS target(id)
                  CROSS JOIN LATERAL (
                        SELECT score, category, answer_date, id
                          FROM %(table)s
                         WHERE %(column)s = target.id AND category IS NOT NULL
                         ORDER BY answer_date DESC NULLS LAST, id DESC
                         LIMIT %(size)s
                  ) AS last
                """,
                partner_ids=group.ids,
                table=SQL.identifier(survey._table),
                column=SQL.identifier(column),
                size=size,
            )
            for column, group in (
                ("partner_id", partners.filtered(lambda partner: not partner.is_company)),
                ("commercial_partner_id", partners.filtered("is_company")),
            )
            if group
        ]
        answers = {}
        for partner_id, score, category, answer_date in self.env.execute_query(SQL(" UNION ALL ").join(targets)):
            answers.setdefault(partner_id, []).append((score, category, answer_date))
        return answers

    def _nps_cancel_pending_surveys(self):
        """Cancel the surveys not answered yet (scheduled, or sent and waiting, with their reminder)."""
        self.ensure_one()
        pending = (
            self.env["nps.survey"].sudo().search([("partner_id", "=", self.id), ("state", "in", ("scheduled", "sent"))])
        )
        pending.write(
            {
                "state": "cancelled",
                "state_reason": self.env._("The customer opted out of NPS surveys."),
                "reminder_date": False,
                "expiry_date": False,
            }
        )
        return pending

    def _nps_opt_out(self):
        """Refuse all future NPS surveys and cancel those not answered yet (the customer's one-click opt-out).

        Idempotent, also when two opt-outs arrive at once (the mail client's one-click POST and the
        customer's click): the partner's row is locked first, so the second one waits for the first, then
        fails to serialise and is retried by the caller (the HTTP layer) with a fresh snapshot, where there
        is nothing left to do. The note is logged without subscribing the customer to their own record:
        two transactions adding the same follower would end in a unique violation, which is not retried.
        """
        self.ensure_one()
        self.env.cr.execute(SQL("SELECT id FROM res_partner WHERE id = %s FOR NO KEY UPDATE", self.id))
        if self.nps_consent == "refused" and not self.env["nps.survey"].search_count(
            [("partner_id", "=", self.id), ("state", "in", ("scheduled", "sent"))], limit=1
        ):
            return self.env["nps.survey"]
        pending = self._nps_cancel_pending_surveys()
        self.nps_consent = "refused"
        self._message_log(
            body=self.env._(
                "Opted out of NPS surveys from the link in a survey message (%(count)s pending survey(s) cancelled).",
                count=len(pending),
            ),
            author_id=self.id,
            message_type="comment",
        )
        return pending
