import uuid

from odoo import api, fields, models
from odoo.exceptions import AccessError, UserError, ValidationError
from odoo.tools import format_amount, format_date
from odoo.tools.sql import create_index

from .. import compat
from .nps_score import (
    CALLBACK_LOOP_STATES,
    CATEGORY_NPS_VALUE,
    CATEGORY_SELECTION,
    score_category,
)
from .nps_score_field import NullableInteger


@compat.sql_constraints(
    (
        "score_range",
        "CHECK(score IS NULL OR (score >= 0 AND score <= 10))",
        "The score must be a whole number from 0 to 10.",
    ),
    ("access_token_unique", "UNIQUE(access_token)", "Survey tokens must be unique."),
    ("partner_required", "CHECK(partner_id IS NOT NULL OR is_anonymized)", "A survey needs a customer."),
)
class NpsSurvey(models.Model):
    _name = "nps.survey"
    _description = "NPS Survey"
    _inherit = ["mail.thread", "mail.activity.mixin", "portal.mixin"]
    _order = "answer_date desc nulls last, id desc"
    _rec_names_search = ["partner_id", "res_name"]
    _check_company_auto = True
    # how many of the customer's answers and documents the callback workspace shows
    _NPS_CONTEXT_LIMIT = 5

    @api.model
    def _default_access_token(self):
        return uuid.uuid4().hex

    @api.model
    def _selection_target_model(self):
        return [(model.model, model.name) for model in self.env["ir.model"].sudo().search([])]

    partner_id = fields.Many2one("res.partner", string="Customer", index=True, ondelete="restrict", tracking=True)
    commercial_partner_id = fields.Many2one(
        "res.partner",
        string="Customer company",
        related="partner_id.commercial_partner_id",
        store=True,
        index=True,
    )
    campaign_id = fields.Many2one("nps.campaign", index=True, ondelete="restrict", tracking=True, check_company=True)
    company_id = fields.Many2one("res.company", required=True, index=True, default=lambda self: self.env.company)
    state = fields.Selection(
        [
            ("scheduled", "Scheduled"),
            ("sent", "Sent"),
            ("answered", "Answered"),
            ("expired", "Expired"),
            ("cancelled", "Cancelled"),
            ("failed", "Failed"),
        ],
        default="scheduled",
        required=True,
        index=True,
        tracking=True,
        copy=False,
    )
    state_reason = fields.Char(string="Reason", copy=False, help="Why the survey was cancelled or could not be sent.")
    score = NullableInteger(aggregator="avg", copy=False, tracking=True, help="0 to 10; empty until answered.")
    category = fields.Selection(CATEGORY_SELECTION, compute="_compute_category", store=True, index=True)
    nps_value = NullableInteger(
        string="NPS",
        compute="_compute_category",
        store=True,
        aggregator="avg",
        help="+100 for a promoter, 0 for a passive, -100 for a detractor: "
        "its average over any group of answers is that group's Net Promoter Score.",
    )
    comment = fields.Text(copy=False, help="The main reason for the score, in the customer's words.")
    followup = fields.Text(string="Follow-up answer", copy=False)
    contact_allowed = fields.Boolean(
        string="Contact allowed",
        copy=False,
        help="The customer agreed to be contacted about this answer.",
    )
    contact_allowed_date = fields.Datetime(
        string="Contact allowed on",
        copy=False,
        readonly=True,
        help="When the customer allowed to be contacted about this answer.",
    )
    quote_allowed = fields.Boolean(
        string="Quote allowed",
        copy=False,
        help="The customer agreed that their comment be quoted publicly.",
    )
    quote_allowed_date = fields.Datetime(
        string="Quote allowed on",
        copy=False,
        readonly=True,
        help="When the customer agreed that their comment be quoted publicly.",
    )
    is_testimonial = fields.Boolean(
        string="Testimonial",
        copy=False,
        tracking=True,
        help="The comment is used as a public testimonial: only answers whose customer allowed quoting them.",
    )
    answer_editable_until = fields.Datetime(
        string="Answer can be changed until",
        copy=False,
        readonly=True,
        help="Set at the first answer from the campaign's setting: "
        "until then the customer may change the answer from the survey link.",
    )
    # The token is the customer's key to their survey: no employee reads it (the service sends it, the
    # survey page checks it as superuser, the customer's portal shows their own links).
    access_token = fields.Char(
        "Security Token",
        default=lambda self: self._default_access_token(),
        required=True,
        copy=False,
        groups="base.group_system",
    )
    res_model = fields.Char("Source document model", index=True, readonly=True)
    res_id = fields.Many2oneReference("Source document ID", model_field="res_model", index=True, readonly=True)
    res_name = fields.Char("Source document", compute="_compute_res_name", store=True)
    resource_ref = fields.Reference(
        string="Source",
        selection="_selection_target_model",
        compute="_compute_resource_ref",
        readonly=True,
    )
    contact_user_id = fields.Many2one(
        "res.users",
        string="Original contact",
        index=True,
        groups="nps_closed_loop.group_nps_manager",
        help="The employee the customer dealt with (salesperson, ticket agent). "
        "Visible to NPS managers only: employees must not compare themselves with colleagues.",
    )
    channel = fields.Selection([("email", "Email"), ("sms", "SMS")], default="email", required=True)
    scheduled_date = fields.Datetime(default=fields.Datetime.now, index=True, copy=False)
    sent_date = fields.Datetime(copy=False, readonly=True)
    answer_date = fields.Datetime(copy=False, index=True)
    is_anonymized = fields.Boolean(
        string="Anonymised",
        readonly=True,
        copy=False,
        help="The customer's personal data was erased; the answer is kept for statistics.",
    )
    reminder_date = fields.Datetime(
        string="Reminder due",
        copy=False,
        readonly=True,
        index="btree_not_null",
        help="When the reminder leaves if the customer has not answered by then.",
    )
    reminder_sent_date = fields.Datetime(string="Reminder sent", copy=False, readonly=True)
    expiry_date = fields.Datetime(
        string="Expires on",
        copy=False,
        readonly=True,
        index="btree_not_null",
        help="Unanswered by then, the survey expires.",
    )
    send_attempt_count = fields.Integer(
        string="Failed attempts",
        copy=False,
        readonly=True,
        help="How many times the invitation could not be delivered (mail server error, bounce, SMS error). "
        "It is sent again later, a few times; then the survey fails with the reason.",
    )
    hold_reason = fields.Char(
        string="Held back",
        copy=False,
        readonly=True,
        help="Why the campaign holds this due survey back (open ticket, unpaid invoice, cancelled order, excluded "
        "company). It is checked again at each run: sent once cleared, cancelled at the hold limit.",
    )
    held_since = fields.Datetime(
        string="Held since",
        copy=False,
        readonly=True,
        help="When the survey was first held back; the hold limit (the campaign's expiry delay) counts from here.",
    )
    sent_message_id = fields.Char(
        string="Message-ID",
        copy=False,
        readonly=True,
        help="Message-ID of the delivered invitation email: a bounce names it.",
    )
    answer_month = fields.Date(
        compute="_compute_answer_month",
        store=True,
        index=True,
        help="First day of the answer's month, stored so that trends group on an indexed column.",
    )
    # A customer-level figure, not a per-employee one: every employee who reads the answer sees it (the
    # salesperson sees their customers' invoices anyway, callback agents weigh it); not the customer.
    customer_revenue = fields.Monetary(
        string="Customer revenue",
        currency_field="company_currency_id",
        copy=False,
        readonly=True,
        groups="base.group_user",
        help="What the customer's company was invoiced (untaxed, credit notes deducted) over the 12 months "
        "before the answer, in the company's currency, recorded with the answer: what is at risk with a detractor.",
    )
    company_currency_id = fields.Many2one(related="company_id.currency_id", string="Company currency")

    # Closing the loop (callbacks, holdout, recovery): the team's data, not shown to the customer
    # reading their own survey on the portal.
    loop_state = fields.Selection(
        [("none", "No callback"), ("open", "To call back"), ("contacted", "Contacted"), ("closed", "Closed")],
        string="Loop status",
        default="none",
        required=True,
        index=True,
        tracking=True,
        copy=False,
        groups="base.group_user",
    )
    callback_user_id = fields.Many2one(
        "res.users",
        string="Callback by",
        index=True,
        tracking=True,
        copy=False,
        domain=[("share", "=", False)],
        check_company=True,
        help="Who calls the customer back: never the employee they dealt with, nor their salesperson.",
        groups="base.group_user",
    )
    callback_assign_date = fields.Datetime(
        string="Callback assigned on", copy=False, readonly=True, groups="base.group_user"
    )
    callback_deadline = fields.Datetime(copy=False, readonly=True, index=True, groups="base.group_user")
    first_contact_date = fields.Datetime(
        string="First contact",
        copy=False,
        readonly=True,
        help="When the callback was made (the callback activity marked done), the customer reached or not.",
        groups="base.group_user",
    )
    loop_close_date = fields.Datetime(string="Closing date", copy=False, readonly=True, groups="base.group_user")
    outcome = fields.Selection(
        [
            ("resolved", "Resolved"),
            ("partly_resolved", "Partly resolved"),
            ("not_resolved", "Not resolved"),
            ("unreachable", "Unreachable"),
        ],
        copy=False,
        index=True,
        tracking=True,
        groups="base.group_user",
    )
    reason_ids = fields.Many2many(
        "nps.reason", string="Reasons", copy=False, check_company=True, groups="base.group_user"
    )
    theme_ids = fields.Many2many(
        "nps.reason",
        "nps_survey_theme_rel",
        "survey_id",
        "reason_id",
        string="Themes",
        copy=False,
        groups="base.group_user",
        help="What the comment and the follow-up answer talk about: tagged from the themes' keywords when the "
        "customer answers (in their language and in English), correctable by hand.",
    )
    themes_pending = fields.Boolean(
        string="Themes to tag",
        copy=False,
        readonly=True,
        groups="base.group_user",
        help="Answered on the survey page: the themes are tagged by the job that follows the answer.",
    )
    mention_ids = fields.One2many(
        "nps.survey.mention",
        "survey_id",
        string="Theme mentions",
        readonly=True,
        groups="nps_closed_loop.group_nps_user",
        help="The themes the words talk about, each a complaint, praise or neutral: tagged with the themes.",
    )
    loop_notes = fields.Html(
        string="Internal notes",
        copy=False,
        readonly=True,
        groups="nps_closed_loop.group_nps_user",
        help="What was said on the callback, each note dated and signed, newest last. "
        "Not shown to the salesperson nor to the customer.",
    )
    loop_note = fields.Html(
        string="New note",
        compute="_compute_loop_note",
        inverse="_inverse_loop_note",
        groups="nps_closed_loop.group_nps_user",
        help="Added to the internal notes, dated and signed, when the survey is saved: no note replaces another.",
    )
    time_to_first_contact = fields.Float(
        string="Hours to first contact",
        compute="_compute_loop_sla",
        store=True,
        aggregator="avg",
        digits=(16, 1),
        groups="base.group_user",
    )
    sla_met = fields.Boolean(
        string="SLA met", compute="_compute_loop_sla", store=True, index=True, groups="base.group_user"
    )
    loop_overdue = fields.Boolean(
        string="Overdue",
        copy=False,
        readonly=True,
        index=True,
        help="Not called back by the deadline: escalated to the NPS managers.",
        groups="base.group_user",
    )
    contact_refused = fields.Boolean(
        string="Contact not allowed",
        compute="_compute_contact_refused",
        store=True,
        index=True,
        help="A detractor who did not allow us to contact them: no callback.",
        groups="base.group_user",
    )
    holdout = fields.Boolean(
        string="Control group",
        copy=False,
        readonly=True,
        index=True,
        help="Drawn at random into the campaign's control group: no callback, "
        "so that the effect of calling back can be measured.",
        groups="base.group_user",
    )
    followup_of_id = fields.Many2one(
        "nps.survey",
        string="Follow-up of",
        index="btree_not_null",
        ondelete="set null",
        copy=False,
        readonly=True,
        help="The earlier answer this re-survey follows up. It may be sent during the quiet period; "
        "an answer has at most one follow-up, so that happens once.",
    )
    followup_survey_ids = fields.One2many("nps.survey", "followup_of_id", string="Follow-up surveys")
    recovered = fields.Boolean(
        compute="_compute_recovered",
        store=True,
        index=True,
        help="A detractor whose follow-up answer is passive or promoter.",
        groups="base.group_user",
    )
    callback_late = fields.Boolean(
        string="Late",
        compute="_compute_callback_late",
        help="Still to call back and past its deadline (the hourly escalation flags it as overdue).",
        groups="base.group_user",
    )
    loop_warning = fields.Char(copy=False, readonly=True, groups="base.group_user")
    detractor_alert_date = fields.Datetime(copy=False, readonly=True, groups="base.group_user")
    promoter_thanks_sent = fields.Boolean(copy=False, readonly=True)
    reaction_pending = fields.Selection(
        [("answer", "New answer"), ("change", "Changed answer")],
        string="Follow-up pending",
        copy=False,
        readonly=True,
        index="btree_not_null",
        help="Answered on the survey page: the callback, the alerts, the thank-you and the notes follow within "
        "moments, made by a scheduled job so that the customer does not wait for them.",
    )

    # The callback agent's workspace: what they need before dialling, on one screen
    partner_name = fields.Char(string="Contact", related="partner_id.name")
    partner_phone = fields.Char(string="Phone", related="partner_id.phone")
    partner_mobile = fields.Char(string="Mobile", compute="_compute_partner_mobile")
    partner_email = fields.Char(string="Email", related="partner_id.email")
    customer_answer_ids = fields.Many2many(
        "nps.survey",
        string="Previous answers",
        compute="_compute_customer_context",
        help="The customer's company's other answers, newest first.",
    )
    customer_context = fields.Html(
        string="Open tickets and last orders",
        compute="_compute_customer_context",
        groups="base.group_user",
    )

    def init(self):
        # the newest answer of a customer or of a company (their NPS summary) without sorting their history
        for field in ("partner_id", "commercial_partner_id"):
            create_index(
                self.env.cr,
                f"nps_survey_{field}_answer_date_idx",
                self._table,
                [field, "answer_date DESC NULLS LAST", "id DESC"],
                where="category IS NOT NULL",
            )
        # the newest answers with words (the Overview's suggested themes): however many answers have none
        create_index(
            self.env.cr,
            "nps_survey_worded_answer_date_idx",
            self._table,
            ["answer_date DESC NULLS LAST", "id DESC"],
            where="comment IS NOT NULL OR followup IS NOT NULL",
        )
        # the callbacks of a period (the Overview), and the detractors of the callback effect analysis (called,
        # control group, refused): however many answers have neither; the predicates are the queries' own
        create_index(
            self.env.cr,
            "nps_survey_callback_answer_date_idx",
            self._table,
            ["answer_date"],
            where=f"loop_state IN {CALLBACK_LOOP_STATES!r}",
        )
        create_index(
            self.env.cr,
            "nps_survey_holdout_answer_date_idx",
            self._table,
            ["answer_date"],
            where="state = 'answered' AND category = 'detractor' AND followup_of_id IS NULL"
            " AND (holdout OR loop_state != 'none' OR contact_refused)",
        )
        # a bounce names the invitation's Message-ID: only surveys waiting for an answer are looked up
        create_index(
            self.env.cr,
            "nps_survey_sent_message_id_idx",
            self._table,
            ["sent_message_id"],
            where="state = 'sent' AND sent_message_id IS NOT NULL",
        )

    # ------------------------------------------------------------------
    # Constraints
    # ------------------------------------------------------------------
    @api.constrains("callback_user_id", "contact_user_id", "partner_id")
    def _check_callback_user_id(self):
        # A closed loop is history: who called then is not re-judged.
        for survey in self.sudo().filtered(lambda survey: survey.loop_state in ("open", "contacted")):
            self.env["nps.survey.loop"]._check_callback_user(survey, survey.callback_user_id)

    @api.constrains("is_testimonial", "quote_allowed")
    def _check_is_testimonial(self):
        for survey in self:
            if survey.is_testimonial and not survey.quote_allowed:
                raise ValidationError(
                    self.env._(
                        "Only an answer whose customer allowed quoting their comment publicly can be a testimonial."
                    )
                )

    @api.constrains("followup_of_id")
    def _check_followup_of_id(self):
        for survey in self.sudo().filtered("followup_of_id"):
            if survey.followup_of_id.followup_of_id:
                raise ValidationError(self.env._("A follow-up survey cannot itself be followed up."))
            if len(survey.followup_of_id.followup_survey_ids) > 1:
                raise ValidationError(
                    self.env._(
                        "%(customer)s already has a follow-up survey for this answer: "
                        "a re-survey goes through the quiet period only once.",
                        customer=survey.followup_of_id.partner_id.display_name,
                    )
                )

    # ------------------------------------------------------------------
    # Computes
    # ------------------------------------------------------------------
    @api.depends("score")
    def _compute_category(self):
        for survey in self:
            category = score_category(survey.score)
            survey.category = category
            survey.nps_value = CATEGORY_NPS_VALUE[category] if category else False

    @api.depends("answer_date")
    def _compute_answer_month(self):
        for survey in self:
            survey.answer_month = survey.answer_date and survey.answer_date.date().replace(day=1)

    @api.depends("res_model", "res_id")
    def _compute_res_name(self):
        # one read per document model, not one per survey (surveys are created in batches)
        for model_name, surveys in self.grouped("res_model").items():
            names = {}
            if model_name in self.env:
                documents = self.env[model_name].sudo().browse(set(surveys.mapped("res_id")) - {0}).exists()
                names = {document.id: document.display_name for document in documents}
            for survey in surveys:
                survey.res_name = names.get(survey.res_id, False)

    @api.depends("res_model", "res_id")
    def _compute_resource_ref(self):
        for survey in self:
            if survey.res_model in self.env and survey.res_id:
                survey.resource_ref = f"{survey.res_model},{survey.res_id}"
            else:
                survey.resource_ref = False

    @api.depends("partner_id", "res_name")
    def _compute_display_name(self):
        for survey in self:
            parts = [survey.partner_id.display_name or self.env._("Anonymous"), survey.res_name]
            survey.display_name = " - ".join(part for part in parts if part)

    @api.depends_context("uid", "nps_token_grant")
    def _compute_access_url(self):  # pylint: disable=missing-return
        super()._compute_access_url()  # "#" for whoever may not hold the token
        holders = self.env["nps.survey.privacy"]._token_holders(self)
        for survey in self:
            if survey in holders:
                survey.access_url = f"/nps/{survey.sudo().access_token}"

    @api.depends("answer_date", "first_contact_date", "callback_deadline")
    def _compute_loop_sla(self):
        for survey in self:
            if survey.first_contact_date and survey.answer_date:
                delta = survey.first_contact_date - survey.answer_date
                survey.time_to_first_contact = max(delta.total_seconds(), 0.0) / 3600.0
            else:
                survey.time_to_first_contact = False
            survey.sla_met = bool(
                survey.first_contact_date
                and survey.callback_deadline
                and survey.first_contact_date <= survey.callback_deadline
            )

    @api.depends("state", "category", "contact_allowed")
    def _compute_contact_refused(self):
        for survey in self:
            survey.contact_refused = (
                survey.state == "answered" and survey.category == "detractor" and not survey.contact_allowed
            )

    @api.depends("category", "followup_survey_ids.category")
    def _compute_recovered(self):
        for survey in self:
            survey.recovered = survey.category == "detractor" and any(
                followup.category in ("passive", "promoter") for followup in survey.followup_survey_ids
            )

    @api.depends("loop_state", "callback_deadline")
    def _compute_callback_late(self):
        late = self.filtered_domain(self.env["nps.survey.loop"]._late_domain())
        for survey in self:
            survey.callback_late = survey in late

    def _compute_loop_note(self):
        self.loop_note = False

    def _inverse_loop_note(self):
        for survey in self:
            self.env["nps.survey.loop"]._add_note(survey, survey.loop_note)

    @api.depends(*(f"partner_id.{name}" for name in compat.PARTNER_PHONE_FIELDS))
    def _compute_partner_mobile(self):
        for survey in self:
            survey.partner_mobile = compat.partner_mobile(survey.partner_id)

    @api.depends("commercial_partner_id")
    @api.depends_context("uid")
    def _compute_customer_context(self):
        # the documents are read as superuser once the survey is readable: the agent needs the customer's
        # situation, not the rights of a salesperson
        self.filtered("commercial_partner_id").check_access("read")
        for survey in self:
            company = survey.commercial_partner_id
            survey.customer_answer_ids = company and self.search(
                [
                    ("commercial_partner_id", "=", company.id),
                    ("category", "!=", False),
                    ("id", "!=", survey._origin.id),
                ],
                limit=self._NPS_CONTEXT_LIMIT,
            )
            survey.customer_context = company and self.env["ir.qweb"]._render(
                "nps_closed_loop.nps_survey_customer_context", {"documents": survey._nps_customer_documents(company)}
            )

    # ------------------------------------------------------------------
    # CRUD
    # ------------------------------------------------------------------
    @api.model_create_multi
    def create(self, vals_list):
        entry = self.env["nps.survey.entry"]
        imported = []
        for vals in vals_list:
            vals.setdefault("partner_id", False)
            imported.append(entry._check_answer_source(self, vals, create=True))
            entry._check_values(vals, anonymized=vals.get("is_anonymized", False))
        surveys = super().create(vals_list)
        for survey, labels in zip(surveys, imported, strict=True):
            if labels:
                entry._log_imported_answer(survey, labels)
        # imported answers get their customer's revenue as survey page answers do (see nps.survey.loop)
        answered = surveys.browse(
            survey.id
            for survey, labels, vals in zip(surveys, imported, vals_list, strict=True)
            if labels and vals.get("answer_date")
        )
        self.env["nps.survey.loop"]._store_customer_revenue(answered)
        retag = surveys.browse(
            survey.id
            for survey, vals in zip(surveys, vals_list, strict=True)
            if (vals.get("comment") or vals.get("followup")) and "theme_ids" not in vals
        )
        self.env["nps.survey.loop"]._tag_themes(retag)
        return surveys

    def write(self, vals):
        if "loop_notes" in vals and not self.env.su:
            # the notes are a log: what a user writes there is added to it, dated and signed, and replaces nothing
            vals = dict(vals)
            vals["loop_note"] = vals.pop("loop_notes")
        entry = self.env["nps.survey.entry"]
        imported = entry._check_answer_source(self, vals)
        entry._check_values(vals, anonymized=vals.get("is_anonymized", all(self.mapped("is_anonymized"))))
        # themes tagged again when the words change only: themes corrected by hand stay otherwise
        retag = self.browse()
        if ("comment" in vals or "followup" in vals) and "theme_ids" not in vals:
            retag = self.filtered(lambda survey: survey._nps_theme_text() != survey._nps_theme_text(vals))
            if retag and self.env.context.get("nps_defer_after_answer"):
                # on the survey page: tagged by the job that follows the answer, the customer does not wait
                if retag == self:
                    vals = {**vals, "themes_pending": True}
                else:
                    retag.sudo().themes_pending = True
                retag = self.browse()
        result = super().write(vals)
        if "theme_ids" in vals:  # a theme removed by hand takes its mention along
            self.env["nps.survey.mention"].sudo()._nps_drop_untagged(self)
        self.env["nps.survey.loop"]._tag_themes(retag)
        if imported:
            entry._log_imported_answer(self, imported)
            if vals.get("answer_date"):
                self.env["nps.survey.loop"]._store_customer_revenue(self)
        self.env["nps.survey.loop"]._sync_callback_activities(self, vals)
        return result

    @api.model
    def _read_group(self, domain, groupby=(), aggregates=(), having=(), offset=0, limit=None, order=None):
        # the web client's grouping, pivot and graph views all come here
        self.env["nps.survey.loop"]._check_agent_grouping(groupby, aggregates, having)
        return super()._read_group(domain, groupby, aggregates, having, offset, limit, order)

    # ------------------------------------------------------------------
    # Actions
    # ------------------------------------------------------------------
    def action_open_source_document(self):
        self.ensure_one()
        if not self.resource_ref:
            return False
        return self.resource_ref._get_records_action(context={})

    def action_send_now(self):
        """Send scheduled surveys without waiting for their date, or retry failed ones (e.g. once the
        customer's address is fixed); every sending rule still applies."""
        self.check_access("write")
        surveys = self.sudo().filtered(lambda survey: survey.state in ("scheduled", "failed"))
        if not surveys:
            raise UserError(self.env._("Only scheduled or failed surveys can be sent."))
        # a new round: failed deliveries are tried again as many times as the first time
        surveys.filtered(lambda survey: survey.state == "failed").write(
            {"state": "scheduled", "state_reason": False, "send_attempt_count": 0}
        )
        self.env["nps.survey.send"]._send(surveys)
        return True

    def action_nps_close_loop(self):
        self.ensure_one()
        self.check_access("write")
        return {
            "name": self.env._("Close the loop"),
            "type": "ir.actions.act_window",
            "res_model": "nps.close.loop.wizard",
            "view_mode": "form",
            "views": [(False, "form")],
            "target": "new",
            "context": {"default_survey_id": self.id},
        }

    def action_nps_mark_contacted(self):
        self.ensure_one()
        self.check_access("write")
        self.env["nps.survey.loop"]._callback_done(self)
        return True

    def action_nps_take_callback(self):
        """Take the callback over oneself (the assignment checks still apply)."""
        self.ensure_one()
        self.check_access("write")
        self.callback_user_id = self.env.user
        return True

    # ------------------------------------------------------------------
    # Answering
    # ------------------------------------------------------------------
    def _record_answer(self, score, comment=False, followup=False, contact_allowed=False, quote_allowed=False):
        """Store the customer's answer (first answer or a change within the allowed days).

        Called by the portal controller after its access and input checks, and by tests.
        Everything that reacts to an answer (callbacks, alerts, recovery) hangs on ``nps.survey.loop``'s
        ``_after_answer``, called once the answer is stored; with the context key ``nps_defer_after_answer``
        (the survey page), by a job started at once instead.
        """
        self.ensure_one()
        return self.env["nps.survey.entry"]._record_answer(
            self, score, comment, followup, contact_allowed=contact_allowed, quote_allowed=quote_allowed
        )

    def _nps_theme_text(self, vals=None):
        """The customer's words the themes are tagged from; with ``vals``, as they will be once written."""
        self.ensure_one()
        vals = vals or {}
        texts = (vals.get(name, self[name]) for name in ("comment", "followup"))
        return "\n".join(text for text in texts if text)

    def action_nps_tag_themes(self):
        """Tag the selected answers from today's keywords (a theme just added finds the past answers it
        covers); the themes already set stay."""
        self.check_access("write")
        self.env["nps.survey.loop"]._tag_themes(
            self.filtered(lambda survey: survey.comment or survey.followup), keep=True
        )
        return True

    # ------------------------------------------------------------------
    # The callback workspace
    # ------------------------------------------------------------------
    def _nps_customer_documents(self, company):
        """Hook: ``[(record, kind label, detail)]``, the documents of the customer's ``company`` shown in the
        callback workspace, most urgent first: here its last confirmed orders. A bridge adds its own (e.g. its
        open tickets) with ``super()``."""
        orders = (
            self.env["sale.order"]
            .sudo()
            .search(
                [("partner_id", "child_of", company.id), ("state", "=", "sale")],
                order="date_order desc",
                limit=self._NPS_CONTEXT_LIMIT,
            )
        )
        return [
            (
                order,
                self.env._("Order"),
                f"{format_date(self.env, order.date_order)}, "
                f"{format_amount(self.env, order.amount_total, order.currency_id)}",
            )
            for order in orders
        ]

    # ------------------------------------------------------------------
    # The customer's token
    # ------------------------------------------------------------------
    @api.model
    def _nps_token_context(self):
        """The context under which ``access_url`` holds the customer's token (see ``nps.survey.privacy``)."""
        return self.env["nps.survey.privacy"]._token_context()

    def _nps_with_token(self):
        return self.with_context(**self._nps_token_context())

    def _nps_without_token(self):
        return self.with_context(nps_token_grant=False)

    def _portal_ensure_token(self):
        # get_portal_url() is callable over RPC, and the share wizard asks for the link too.
        self.ensure_one()
        if self not in self.env["nps.survey.privacy"]._token_holders(self):
            raise AccessError(
                self.env._("The survey link is the customer's personal key: only the customer receives it.")
            )
        return super(NpsSurvey, self.sudo())._portal_ensure_token()

    def _sign_token(self, pid):
        # Signs the customer's notification links for whoever posts: derived from the token, not revealing it.
        return super(NpsSurvey, self.sudo())._sign_token(pid)

    def _notify_get_recipients_groups(self, message, model_description, msg_vals=None):
        # The customer's "View" button opens their survey: their own link, in the email only they receive.
        return super(NpsSurvey, self._nps_with_token())._notify_get_recipients_groups(
            message, model_description, msg_vals=msg_vals
        )

    # ------------------------------------------------------------------
    # Sending rules read by the nps.survey.send service (the quiet period's dates: nps.campaign.schedule)
    # ------------------------------------------------------------------
    def _nps_quiet_period_exempt(self):
        """Follow-up re-surveys of an earlier answer may be sent during the quiet period."""
        self.ensure_one()
        return bool(self.followup_of_id)
