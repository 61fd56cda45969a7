import logging
import random
import uuid
from datetime import datetime, timedelta

from markupsafe import Markup

from odoo import SUPERUSER_ID, Command, api, fields, models
from odoo.exceptions import AccessError, UserError, ValidationError
from odoo.service.model import PG_CONCURRENCY_EXCEPTIONS_TO_RETRY
from odoo.tools import SQL, format_amount, format_date, format_datetime
from odoo.tools.misc import get_lang
from odoo.tools.sql import create_index

from .. import compat
from .nps_score import (
    CATEGORY_NPS_VALUE,
    CATEGORY_SELECTION,
    DEFAULT_ANSWER_CHANGE_DAYS,
    REACHED_STATES,
    score_category,
)
from .nps_score_field import NullableInteger
from .nps_sql import lock_rows_skip_locked
from .nps_theme import ThemeMatcher

_logger = logging.getLogger(__name__)

# Lets the system code that sends a survey to its customer read the survey's link (it holds the customer's
# token): a context value only Python code can hold, as contexts coming over RPC are JSON.
_NPS_TOKEN_GRANT = object()


@compat.sql_constraints(
    (
        "score_range",
        "CHECK(score IS NULL OR (score >= 0 AND score <= 10))",
        "The score must be a whole number from 0 to 10.",
    ),
    ("access_token_unique", "UNIQUE(access_token)", "Survey tokens must be unique."),
    (
        "partner_required",
        "CHECK(partner_id IS NOT NULL OR is_anonymized)",
        "A survey needs a customer.",
    ),
)
class NpsSurvey(models.Model):
    _name = "nps.survey"
    _description = "NPS Survey"
    _inherit = ["mail.thread", "mail.activity.mixin", "portal.mixin"]
    _order = "answer_date desc nulls last, id desc"
    _rec_names_search = ["partner_id", "res_name"]
    _check_company_auto = True
    # What only the customer writes (from the survey page), or an NPS manager imports.
    _NPS_ANSWER_FIELDS = (
        "score",
        "comment",
        "followup",
        "contact_allowed",
        "contact_allowed_date",
        "quote_allowed",
        "quote_allowed_date",
        "answer_date",
        "answer_editable_until",
    )

    _NPS_CONTEXT_LIMIT = 5

    @api.model
    def _default_access_token(self):
        return uuid.uuid4().hex

    @api.model
    def _selection_target_model(self):
        return [(model.model, model.name) for model in self.env["ir.model"].sudo().search([])]

    partner_id = fields.Many2one(
        "res.partner",
        string="Customer",
        index=True,
        ondelete="restrict",
        tracking=True,
    )
    commercial_partner_id = fields.Many2one(
        "res.partner",
        string="Customer company",
        related="partner_id.commercial_partner_id",
        store=True,
        index=True,
    )
    campaign_id = fields.Many2one("nps.campaign", index=True, ondelete="restrict", tracking=True, check_company=True)
    company_id = fields.Many2one(
        "res.company",
        required=True,
        index=True,
        default=lambda self: self.env.company,
    )
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
    state_reason = fields.Char(
        string="Reason",
        copy=False,
        help="Why the survey was cancelled or could not be sent.",
    )
    score = NullableInteger(aggregator="avg", copy=False, tracking=True, help="0 to 10; empty until answered.")
    category = fields.Selection(
        CATEGORY_SELECTION,
        compute="_compute_category",
        store=True,
        index=True,
    )
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
    loop_notes = fields.Html(
        string="Internal notes",
        copy=False,
        groups="nps_closed_loop.group_nps_user",
        help="What was said on the callback. Not shown to the salesperson nor to the customer.",
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
        sanitize=False,
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
        # a bounce names the invitation's Message-ID: only surveys waiting for an answer are looked up
        create_index(
            self.env.cr,
            "nps_survey_sent_message_id_idx",
            self._table,
            ["sent_message_id"],
            where="state = 'sent' AND sent_message_id IS NOT NULL",
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
        holders = self._nps_token_holders()
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
        now = fields.Datetime.now()
        for survey in self:
            survey.callback_late = bool(
                survey.loop_state == "open" and survey.callback_deadline and survey.callback_deadline < now
            )

    @api.depends(*(f"partner_id.{name}" for name in compat.PARTNER_PHONE_FIELDS))
    def _compute_partner_mobile(self):
        for survey in self:
            survey.partner_mobile = compat.partner_mobile(survey.partner_id)

    @api.depends("commercial_partner_id")
    @api.depends_context("uid")
    def _compute_customer_context(self):
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
            survey.customer_context = company and survey._nps_customer_context_html(company)

    def _nps_customer_context_html(self, company):
        """The customer's open tickets (any helpdesk) and last confirmed orders, as a short table the
        agent reads before calling. Read as superuser once the survey is readable: the agent needs the
        customer's situation, not the rights of a salesperson."""
        self.check_access("read")
        rows = []
        for document, kind, detail in self._nps_customer_documents(company):
            rows.append(
                Markup('<tr><td>%s</td><td><a href="/odoo/%s/%s">%s</a></td><td class="text-muted">%s</td></tr>')
                % (kind, document._name, document.id, document.display_name, detail)
            )
        if not rows:
            return Markup('<p class="text-muted mb-0">%s</p>') % self.env._("No open ticket, no order.")
        return Markup('<table class="table table-sm mb-0"><tbody>%s</tbody></table>') % Markup("").join(rows)

    def _nps_customer_documents(self, company):
        """``[(record, kind label, detail)]``: open tickets first, then the last confirmed orders."""
        documents = []
        if "helpdesk.ticket" in self.env:
            Ticket = self.env["helpdesk.ticket"].sudo()
            closed_flag = self.env["nps.campaign"]._nps_ticket_closed_flag()
            tickets = Ticket.search(
                [("partner_id", "child_of", company.id), (f"stage_id.{closed_flag}", "=", False)],
                order="create_date desc",
                limit=self._NPS_CONTEXT_LIMIT,
            )
            documents += [
                (
                    ticket,
                    self.env._("Open ticket"),
                    f"{ticket.stage_id.display_name}, {format_date(self.env, ticket.create_date)}",
                )
                for ticket in tickets
            ]
        orders = (
            self.env["sale.order"]
            .sudo()
            .search(
                [("partner_id", "child_of", company.id), ("state", "=", "sale")],
                order="date_order desc",
                limit=self._NPS_CONTEXT_LIMIT,
            )
        )
        documents += [
            (
                order,
                self.env._("Order"),
                f"{format_date(self.env, order.date_order)}, "
                f"{format_amount(self.env, order.amount_total, order.currency_id)}",
            )
            for order in orders
        ]
        return documents

    # ------------------------------------------------------------------
    # The customer's token
    # ------------------------------------------------------------------
    @api.model
    def _nps_token_context(self):
        """The context under which ``access_url`` holds the customer's token: for the system code that
        sends the survey to its customer (the sending service, the customer's own notifications, the survey
        page they opened), never for what employees read or post."""
        return {"nps_token_grant": _NPS_TOKEN_GRANT}

    def _nps_with_token(self):
        return self.with_context(**self._nps_token_context())

    def _nps_without_token(self):
        return self.with_context(nps_token_grant=False)

    def _nps_token_holders(self):
        """The surveys of ``self`` whose link the current environment may get.

        The token lets anyone answer in the customer's name, so no employee gets it, not even through
        ``sudo()`` (e.g. a survey template rendered in the chatter's composer, which an employee who may not
        edit templates renders as superuser): only the system (OdooBot: scheduled jobs, what follows an
        answer), the customer on their own surveys (their portal list; the survey page and their
        notification links, which found the survey by its token as superuser), and the code granted by
        :meth:`_nps_token_context`.
        """
        if self.env.uid == SUPERUSER_ID or self.env.context.get("nps_token_grant") is _NPS_TOKEN_GRANT:
            return self
        if not self.env.user.share:
            return self.browse()
        return self if self.env.su else self._filtered_access("read")

    def _portal_ensure_token(self):
        # get_portal_url() is callable over RPC, and the share wizard asks for the link too.
        self.ensure_one()
        if self not in self._nps_token_holders():
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
    # Constraints
    # ------------------------------------------------------------------
    @api.constrains("callback_user_id", "contact_user_id", "partner_id")
    def _check_callback_user_id(self):
        # A closed loop is history: who called then is not re-judged.
        for survey in self.sudo().filtered(lambda survey: survey.loop_state in ("open", "contacted")):
            survey._nps_check_callback_user(survey.callback_user_id)

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
    # CRUD
    # ------------------------------------------------------------------
    @api.model_create_multi
    def create(self, vals_list):
        imported = []
        for vals in vals_list:
            vals.setdefault("partner_id", False)
            imported.append(self._nps_check_answer_source(vals, create=True))
            self._nps_check_values(vals, anonymized=vals.get("is_anonymized", False))
        surveys = super().create(vals_list)
        for survey, labels in zip(surveys, imported, strict=True):
            if labels:
                survey._nps_log_imported_answer(labels)
        # imported answers get their customer's revenue as survey page answers do (see _nps_after_answer)
        surveys.browse(
            survey.id
            for survey, labels, vals in zip(surveys, imported, vals_list, strict=True)
            if labels and vals.get("answer_date")
        )._nps_store_customer_revenue()
        surveys.browse(
            survey.id
            for survey, vals in zip(surveys, vals_list, strict=True)
            if (vals.get("comment") or vals.get("followup")) and "theme_ids" not in vals
        )._nps_tag_themes()
        return surveys

    def write(self, vals):
        imported = self._nps_check_answer_source(vals)
        self._nps_check_values(vals, anonymized=vals.get("is_anonymized", all(self.mapped("is_anonymized"))))
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
        retag._nps_tag_themes()
        if imported:
            self._nps_log_imported_answer(imported)
            if vals.get("answer_date"):
                self._nps_store_customer_revenue()
        self._nps_sync_callback_activities(vals)
        return result

    @api.model
    def _nps_check_values(self, vals, anonymized):
        """Refuse, before anything is stored, a score that is not a whole number from 0 to 10 and a survey
        left without a customer (only an anonymised answer has none). The database constraints back it."""
        if "partner_id" in vals and not vals["partner_id"] and not anonymized:
            raise ValidationError(self.env._("A survey needs a customer."))
        if "score" not in vals or vals["score"] is False or vals["score"] is None:
            return
        score = vals["score"]
        if isinstance(score, float) and score.is_integer():
            score = int(score)
        if isinstance(score, bool) or not isinstance(score, int) or not 0 <= score <= 10:
            raise ValidationError(
                self.env._("The score must be a whole number from 0 to 10, not %(score)r.", score=vals["score"])
            )
        vals["score"] = score

    @api.model
    def _read_group(self, domain, groupby=(), aggregates=(), having=(), offset=0, limit=None, order=None):
        # the web client's grouping, pivot and graph views all come here
        self._nps_check_callback_user_grouping(groupby, aggregates, having)
        return super()._read_group(domain, groupby, aggregates, having, offset, limit, order)

    @api.model
    def _nps_check_callback_user_grouping(self, groupby, aggregates, having):
        """Callbacks grouped per agent compare employees with one another: NPS managers only. Agents still
        see who handles each callback; the system (superuser) balances the load on them."""
        if self.env.su or self.env.user.has_group("nps_closed_loop.group_nps_manager"):
            return
        specs = [*groupby, *aggregates, *(term[0] for term in having or () if isinstance(term, list | tuple))]
        if any(spec.split(":")[0].split(".")[0] == "callback_user_id" for spec in specs):
            raise AccessError(
                self.env._("Only NPS managers may group or count surveys by the person who calls customers back.")
            )

    def _nps_check_answer_source(self, vals, create=False):
        """Refuse, before anything is stored, answers not given by the customer and a control group not drawn.

        The system (superuser) writes them: the survey page records the customer's answer, the answer draws
        the control group. An NPS manager may import answers: ``import_file`` is in the context of an import,
        and since a context can be forged over RPC, the manager group is what counts; each imported answer is
        logged on the survey. Return the labels of the imported answer's fields ("" if none).
        """
        if self.env.su:
            return ""
        if create:
            answer = [name for name in self._NPS_ANSWER_FIELDS if vals.get(name)]
            answer += ["state"] if vals.get("state") == "answered" else []
            holdout = bool(vals.get("holdout"))
            if "access_token" in vals and not self.env.user._is_system():
                raise AccessError(self.env._("A survey's key is generated with the survey: it cannot be chosen."))
        else:
            answer = [name for name in self._NPS_ANSWER_FIELDS if name in vals]
            if "state" in vals and (vals["state"] == "answered" or "answered" in self.mapped("state")):
                answer.append("state")
            holdout = "holdout" in vals
        if holdout:
            raise AccessError(
                self.env._(
                    "The control group is drawn at random when the customer answers: "
                    "nobody puts a survey into it or takes one out of it by hand."
                )
            )
        if not answer:
            return ""
        labels = ", ".join(self._fields[name]._description_string(self.env) for name in answer)
        if self.env.context.get("import_file") and self.env.user.has_group("nps_closed_loop.group_nps_manager"):
            return labels
        raise AccessError(
            self.env._(
                "Only the customer answers a survey, from the link they received: %(fields)s cannot be set by hand. "
                "NPS managers may import answers given elsewhere.",
                fields=labels,
            )
        )

    def _nps_log_imported_answer(self, labels):
        self._message_log_batch(
            bodies={
                survey.id: self.env._(
                    "Answer imported by %(user)s (%(fields)s).", user=self.env.user.display_name, fields=labels
                )
                for survey in self
            }
        )

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
        self._nps_callback_done()
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
        Everything that reacts to an answer (callbacks, alerts, recovery) hangs on
        :meth:`_nps_after_answer`, called once the answer is stored; with the context key
        ``nps_defer_after_answer`` (the survey page), by a job started at once instead.
        """
        self.ensure_one()
        is_change = self.state == "answered"
        now = fields.Datetime.now()
        values = {
            "score": score,
            "comment": comment or False,
            "followup": followup or False,
            "contact_allowed": bool(contact_allowed),
            "quote_allowed": bool(quote_allowed),
            "state": "answered",
            "answer_date": now,
        }
        # each permission keeps the date it was given; withdrawn, it is gone (and the testimonial with it)
        for permission in ("contact_allowed", "quote_allowed"):
            if not values[permission]:
                values[f"{permission}_date"] = False
            elif not self[permission]:
                values[f"{permission}_date"] = now
        if not quote_allowed and self.is_testimonial:
            values["is_testimonial"] = False
        if not is_change:
            # the change window counts from the first answer: changing it does not extend it
            values["answer_editable_until"] = now + timedelta(days=self._nps_answer_change_days())
        self.write(values)
        if self.env.context.get("nps_defer_after_answer"):
            self._nps_defer_after_answer(is_change)
        else:
            self._nps_after_answer(is_change=is_change)
        return True

    def _nps_theme_text(self, vals=None):
        """The customer's words the themes are tagged from; with ``vals``, as they will be once written."""
        self.ensure_one()
        vals = vals or {}
        texts = (vals.get(name, self[name]) for name in ("comment", "followup"))
        return "\n".join(text for text in texts if text)

    def _nps_tag_themes(self, keep=False):
        """Tag the answers with the themes their comment and follow-up answer talk about, from the themes'
        keywords in the customer's language and in English (see :mod:`.nps_theme`). ``keep``: add to the
        themes already set (by hand) instead of replacing them.

        The keyword sets are read once for all the answers, which are written in one go per set of themes.
        """
        surveys = self.sudo()  # the system tags the customer's words: the customer has no rights on themes
        if not surveys:
            return
        matcher = ThemeMatcher(self.env)
        by_themes = {}
        for survey in surveys:
            themes = matcher.match(survey._nps_theme_text(), survey.partner_id.lang, survey.company_id.id)
            if keep:
                themes |= set(survey.theme_ids.ids)
            by_themes.setdefault(frozenset(themes), []).append(survey.id)
        for themes, survey_ids in by_themes.items():
            surveys.browse(survey_ids).write({"theme_ids": [Command.set(sorted(themes))], "themes_pending": False})

    def action_nps_tag_themes(self):
        """Tag the selected answers from today's keywords (a theme just added finds the past answers it
        covers); the themes already set stay."""
        self.check_access("write")
        self.filtered(lambda survey: survey.comment or survey.followup)._nps_tag_themes(keep=True)
        return True

    def _nps_defer_after_answer(self, is_change):
        """Leave what follows the answer to the scheduled job, started at once (see
        :meth:`_cron_nps_after_answers`): the customer's request only stores the answer."""
        self.ensure_one()
        cron_id = self.env["ir.model.data"]._xmlid_to_res_id(
            "nps_closed_loop.ir_cron_nps_after_answers", raise_if_not_found=False
        )
        cron = self.env["ir.cron"].sudo().browse(cron_id)
        if not cron.active:
            # the job was switched off: follow the answer up at once rather than never
            self._nps_after_answer(is_change=is_change)
            return
        # changed again before the job ran: still a first answer for what follows it
        self.reaction_pending = self.reaction_pending or ("change" if is_change else "answer")
        cron._trigger()
        # the answer's computed fields, then one UPDATE (the recomputation would otherwise flush it halfway)
        self.flush_recordset()

    def _nps_answer_change_days(self):
        self.ensure_one()
        days = self.campaign_id.answer_change_days if self.campaign_id else DEFAULT_ANSWER_CHANGE_DAYS
        return max(days, 0)

    def _nps_answer_editable_until(self):
        """Until when the customer may change the answer from the survey link."""
        self.ensure_one()
        if self.answer_editable_until:
            return self.answer_editable_until
        # answered elsewhere than on the survey page (e.g. imported): count from the answer date
        return self.answer_date and self.answer_date + timedelta(days=self._nps_answer_change_days())

    def _nps_store_customer_revenue(self):
        """Record on the answers of ``self`` their customer's revenue, in one query: the posted customer invoices
        of the customer's company minus its credit notes (untaxed, in the company's currency) dated within the
        12 months before the answer (the answer's day included, the same day a year before not). 0 without
        an answer date, a customer company, or invoicing, and when the credit notes exceed the invoices
        (nothing is at risk then: the Overview would otherwise subtract it from the others')."""
        if not self:
            return
        if "account.move" not in self.env:
            self.sudo().write({"customer_revenue": 0.0})
            return
        self.flush_recordset(["answer_date", "commercial_partner_id", "company_id"])
        self.env["account.move"].flush_model(
            ["commercial_partner_id", "company_id", "move_type", "state", "invoice_date", "amount_untaxed_signed"]
        )
        self.env.execute_query(
            SQL(
                """
                UPDATE nps_survey s
                   SET customer_revenue = GREATEST(COALESCE((
                       SELECT SUM(move.amount_untaxed_signed)
                         FROM account_move move
                        WHERE move.commercial_partner_id = s.commercial_partner_id
                          AND move.company_id = s.company_id
                          AND move.move_type IN ('out_invoice', 'out_refund')
                          AND move.state = 'posted'
                          AND move.invoice_date > (s.answer_date - INTERVAL '12 months')::date
                          AND move.invoice_date <= s.answer_date::date
                   ), 0), 0)
                 WHERE s.id IN %s
                """,
                tuple(self.ids),
            )
        )
        self.invalidate_recordset(["customer_revenue"])

    def _nps_after_answer(self, is_change=False):
        """Hook: what follows an answer. ``is_change`` is True when an earlier answer was changed.

        Idempotent: a changed answer never creates a second callback, alert or thank-you.
        A changed answer that leaves callback territory (e.g. 4 changed to 9) cancels a callback
        nobody has made yet, with a note in the chatter; once the customer was contacted, the
        loop's history is kept as it is.
        """
        self.ensure_one()
        # Runs after the controller's token check, for a customer who has no rights on
        # callbacks, users or campaigns: what follows is the system's work, written for the
        # team in their language rather than the customer's.
        team_lang = self.sudo().campaign_id.user_id.lang or self.env.lang
        survey = self.with_user(SUPERUSER_ID).with_context(lang=team_lang)
        survey._nps_store_customer_revenue()
        wants_callback = survey._nps_callback_wanted() and survey.contact_allowed
        if is_change and survey.loop_state == "open" and not wants_callback:
            survey._nps_cancel_callback()
        if survey.loop_state == "none":
            survey.holdout = survey._nps_draw_holdout()
            if wants_callback and not survey.holdout:
                survey._nps_create_callback()
            elif survey.holdout and survey.campaign_id.resurvey_after_close:
                # The control group is re-surveyed as well (counted from its answer, as it has no
                # loop to close): otherwise its later NPS and recovery could never be compared.
                survey._nps_schedule_followup(survey.campaign_id.resurvey_days)
        elif survey.loop_state == "open" and is_change:
            survey._nps_callback_activities().write({"note": survey._nps_callback_note()})
        if survey.category == "detractor" and not survey.detractor_alert_date:
            survey._nps_alert_detractor()
        if survey.category == "promoter" and not survey.promoter_thanks_sent:
            survey._nps_thank_promoter()
        if survey.category == "passive":
            survey._nps_schedule_passive_followup()

    # ------------------------------------------------------------------
    # Closing the loop
    # ------------------------------------------------------------------
    def _nps_sync_callback_activities(self, vals):
        """Reassigned by hand on the survey: the callback activity follows."""
        if "callback_user_id" not in vals or self.env.context.get("nps_loop_sync"):
            return
        for survey in self.sudo().filtered("callback_user_id"):
            survey._nps_callback_activities().with_context(nps_loop_sync=True).write(
                {"user_id": survey.callback_user_id.id}
            )

    def _nps_callback_wanted(self):
        """A detractor, or any answer allowing contact when the campaign calls those back too."""
        self.ensure_one()
        if self.state != "answered" or not self.category:
            return False
        return self.category == "detractor" or bool(
            self.contact_allowed and self.campaign_id.callback_on_contact_allowed
        )

    def _nps_draw_holdout(self):
        """Whether this detractor falls into the campaign's control group.

        Drawn only among detractors who could be called (contact allowed, not a follow-up),
        so that the control and called groups are comparable. The draw is reproducible:
        seeded by the campaign's seed and the survey id, it gives the same result when the
        answer is changed.
        """
        self.ensure_one()
        campaign = self.campaign_id
        if (
            self.category != "detractor"
            or not self.contact_allowed
            or self.followup_of_id
            or not campaign
            or campaign.holdout_percent <= 0
        ):
            return False
        draw = random.Random(f"{campaign.holdout_seed}:{self.id}").random()
        return draw * 100.0 < campaign.holdout_percent

    def _nps_salespeople(self):
        """The customer's salesperson and their company's."""
        self.ensure_one()
        survey = self.sudo()
        return survey.partner_id.user_id | survey.commercial_partner_id.user_id

    def _nps_callback_excluded_users(self):
        """Who must never call this customer back: the employee they dealt with and their salesperson."""
        self.ensure_one()
        return self.sudo().contact_user_id | self._nps_salespeople()

    def _nps_check_callback_user(self, user):
        """Refuse the original contact or the customer's salesperson as the callback assignee."""
        self.ensure_one()
        if not user:
            return
        survey = self.sudo()
        if user == survey.contact_user_id:
            raise ValidationError(
                self.env._(
                    "%(user)s dealt with %(customer)s and cannot call them back: an unhappy customer does not "
                    "speak freely to the person they are unhappy with. Choose someone else.",
                    user=user.display_name,
                    customer=survey.partner_id.display_name,
                )
            )
        if user in survey._nps_callback_excluded_users():
            raise ValidationError(
                self.env._(
                    "%(user)s is the salesperson of %(customer)s and cannot call them back. Choose someone else.",
                    user=user.display_name,
                    customer=survey.partner_id.display_name,
                )
            )

    def _nps_activities_of_type(self, activity_type_xmlid):
        activity_type = self.env.ref(activity_type_xmlid, raise_if_not_found=False)
        return self.sudo().activity_ids.filtered(lambda activity: activity.activity_type_id == activity_type)

    def _nps_callback_activities(self):
        return self._nps_activities_of_type("nps_closed_loop.mail_activity_type_nps_callback")

    def _nps_eligible_callback_users(self, users):
        self.ensure_one()
        excluded = self._nps_callback_excluded_users()
        return users.filtered(
            lambda user: user.active and not user.share and user not in excluded and self.company_id in user.company_ids
        )

    def _nps_least_loaded_user(self, users):
        """Fewest open callbacks first; ties go to the one least recently assigned (round robin)."""
        Survey = self.env["nps.survey"].sudo()
        domain = [("callback_user_id", "in", users.ids)]
        load = dict(
            Survey._read_group(
                domain + [("loop_state", "in", ("open", "contacted"))], ["callback_user_id"], ["__count"]
            )
        )
        last_assigned = dict(
            Survey._read_group(
                domain + [("callback_assign_date", "!=", False)], ["callback_user_id"], ["callback_assign_date:max"]
            )
        )
        return min(users, key=lambda user: (load.get(user, 0), last_assigned.get(user) or datetime.min, user.id))

    def _nps_pick_callback_user(self):
        """Return ``(user, warning)``: who calls back, and why it is not the usual choice if so."""
        self.ensure_one()
        campaign = self.campaign_id
        team = self._nps_eligible_callback_users(campaign.callback_user_ids)
        if team:
            return self._nps_least_loaded_user(team), False
        managers = self._nps_eligible_callback_users(
            self.env.ref("nps_closed_loop.group_nps_manager").sudo()[compat.GROUP_USERS]
        )
        if managers:
            return self._nps_least_loaded_user(managers), False
        responsible = campaign.user_id
        if (
            responsible
            and responsible.active
            and self.company_id in responsible.company_ids
            and responsible not in self._nps_callback_excluded_users()
        ):
            return responsible, self.env._(
                "Nobody in the callback team nor among the NPS managers can call this customer back: "
                "assigned to the campaign's responsible."
            )
        return self.env["res.users"], self.env._(
            "Nobody can call this customer back without being the person they dealt with: "
            "add someone to the campaign's callback team."
        )

    def _nps_create_callback(self):
        """Assign the callback and schedule its activity, due within the campaign's SLA."""
        self.ensure_one()
        if self._nps_assign_callback():
            self._nps_schedule_callback_activity()

    def _nps_assign_callback(self):
        """Choose who calls back and set the loop open, due within the campaign's SLA; return the assignee.

        The loads are read from the transaction's snapshot: a callback assigned at the same moment by
        another transaction is not counted. Counting the assignment on the agent's row makes two such
        transactions that picked the same agent conflict: the second one is retried with a fresh snapshot
        (see ``nps.callback.counter``) and picks someone else.
        """
        self.ensure_one()
        campaign = self.campaign_id
        user, warning = self._nps_pick_callback_user()
        self.env["nps.callback.counter"]._nps_count_assignment(user)
        start = self.answer_date or fields.Datetime.now()
        deadline = campaign._nps_callback_deadline(user, start)
        self.with_context(nps_loop_sync=True).write(
            {
                "loop_state": "open",
                "callback_user_id": user.id,
                "callback_assign_date": fields.Datetime.now(),
                "callback_deadline": deadline,
                "loop_overdue": False,
                "loop_warning": warning,
            }
        )
        if not user:
            self.message_post(body=warning, subtype_xmlid="mail.mt_note")
        return user

    def _nps_schedule_callback_activity(self):
        """The assignee's *Call back detractor* activity, due by the callback deadline in their time zone."""
        self.ensure_one()
        user = self.callback_user_id
        local_deadline = fields.Datetime.context_timestamp(
            self.with_context(tz=user.tz or "UTC"), self.callback_deadline
        )
        survey = self.with_context(lang=user.lang or self.env.lang)  # the note speaks the caller's language
        survey.activity_schedule(
            "nps_closed_loop.mail_activity_type_nps_callback",
            date_deadline=local_deadline.date(),
            summary=survey.env._(
                "Call back %(customer)s (%(score)s/10)", customer=survey.partner_id.display_name, score=survey.score
            ),
            note=survey._nps_callback_note(),
            user_id=user.id,
        )

    def _nps_callback_note(self):
        """What the caller needs before dialling: the answer, the source, the phone, the history."""
        self.ensure_one()
        partner = self.partner_id
        previous = self.search_fetch(
            [("partner_id", "=", partner.id), ("id", "!=", self.id), ("category", "!=", False)],
            ["score", "answer_date"],
            order="answer_date desc nulls last, id desc",
            limit=5,
        )
        lines = [
            (self.env._("Score"), f"{self.score}/10"),
            (self.env._("Comment"), self.comment or "-"),
            (self.env._("Follow-up answer"), self.followup or "-"),
            (self.env._("Source document"), self.res_name or "-"),
            (self.env._("Phone"), " / ".join(compat.partner_numbers(partner)) or "-"),
            (
                self.env._("Previous scores"),
                ", ".join(
                    f"{survey.score} ({survey.answer_date.date() if survey.answer_date else '-'})"
                    for survey in previous
                )
                or "-",
            ),
        ]
        items = Markup("").join(Markup("<li><b>%s</b>: %s</li>") % (label, value) for label, value in lines)
        return Markup("<ul>%s</ul>") % items

    def _nps_cancel_callback(self):
        """The changed answer no longer calls for a callback nobody has made yet (no longer a
        detractor, or contact no longer allowed): withdraw it."""
        self.ensure_one()
        self._nps_callback_activities().unlink()
        self.with_context(nps_loop_sync=True).write(
            {
                "loop_state": "none",
                "callback_user_id": False,
                "callback_deadline": False,
                "loop_overdue": False,
                "loop_warning": False,
            }
        )
        self.message_post(
            body=self.env._(
                "The customer changed their answer to %(score)s/10: the callback is withdrawn.", score=self.score
            ),
            subtype_xmlid="mail.mt_note",
        )

    def _nps_alert_detractor(self):
        """Tell the campaign's followers at once; the salesperson too if the campaign says so."""
        self.ensure_one()
        self.detractor_alert_date = fields.Datetime.now()
        campaign = self.campaign_id
        recipients = campaign.message_partner_ids
        if campaign.notify_salesperson:
            recipients |= self._nps_salespeople().partner_id
        recipients -= self.partner_id | self.commercial_partner_id
        if not recipients:
            return
        if self.holdout:
            status = self.env._(
                "Control group: please do not call this customer, the campaign measures the effect of callbacks."
            )
        elif self.contact_refused:
            status = self.env._("The customer did not allow us to contact them: no callback.")
        elif self.callback_user_id:
            status = self.env._(
                "%(user)s calls them back by %(deadline)s.",
                user=self.callback_user_id.display_name,
                deadline=format_datetime(self.env, self.callback_deadline, tz=self.campaign_id.user_id.tz),
            )
        else:
            status = self.loop_warning or ""
        body = Markup("<p>%s</p><p>%s</p><p>%s</p>") % (
            self.env._(
                "%(customer)s answered %(score)s/10 to %(campaign)s.",
                customer=self.partner_id.display_name,
                score=self.score,
                campaign=campaign.display_name or "-",
            ),
            self.comment or "",
            status,
        )
        self.message_notify(
            partner_ids=recipients.ids,
            subject=self.env._("NPS detractor: %(customer)s", customer=self.partner_id.display_name),
            body=body,
        )

    def _nps_review_invited(self):
        """Whether this answered survey's customer is invited to leave a review, as the campaign chose:
        nobody (the default), everyone who answers, or promoters only (review gating, warned against)."""
        self.ensure_one()
        campaign = self.campaign_id
        if self.state != "answered" or not campaign.review_url:
            return False
        invitation = campaign.review_invitation
        return invitation == "everyone" or (invitation == "promoters" and self.category == "promoter")

    def _nps_thank_promoter(self):
        """Thank a promoter with the campaign's review or referral link, once, if the campaign invites them."""
        self.ensure_one()
        campaign = self.campaign_id
        if not (
            campaign.promoter_thanks and self._nps_review_invited() and self.partner_id.email and not self.is_anonymized
        ):
            return
        self.promoter_thanks_sent = True
        self.message_post_with_source(
            "nps_closed_loop.mail_template_nps_promoter_thanks",
            subtype_xmlid="mail.mt_comment",
            message_type="comment",
        )

    def _nps_schedule_passive_followup(self):
        """Suggest the salesperson a word with a passive customer, once."""
        self.ensure_one()
        salesperson = self._nps_salespeople()[:1]
        if not (self.campaign_id.passive_followup_activity and salesperson):
            return
        if self._nps_activities_of_type("nps_closed_loop.mail_activity_type_nps_passive_followup"):
            return
        self.activity_schedule(
            "nps_closed_loop.mail_activity_type_nps_passive_followup",
            summary=self.env._(
                "%(customer)s is passive (%(score)s/10): what would make them a promoter?",
                customer=self.partner_id.display_name,
                score=self.score,
            ),
            note=self._nps_callback_note(),
            user_id=salesperson.id,
        )

    def _nps_callback_done(self):
        """The callback activity was marked done: the customer was contacted (or tried)."""
        now = fields.Datetime.now()
        for survey in self.sudo():
            values = {}
            if not survey.first_contact_date:
                values["first_contact_date"] = now
            if survey.loop_state == "open":
                values["loop_state"] = "contacted"
            if values:
                survey.write(values)

    def _nps_close_loop(self, outcome, reasons=None, notes=False):
        """Record the conversation's outcome and close the loop."""
        self.ensure_one()
        # The notes stay in loop_notes: what the customer said on the callback is not for the chatter, which
        # the salesperson and the employee they dealt with read (the outcome is tracked there).
        self._nps_callback_activities().action_feedback()
        now = fields.Datetime.now()
        self.write(
            {
                "loop_state": "closed",
                "outcome": outcome,
                "reason_ids": [Command.set((reasons or self.env["nps.reason"]).ids)],
                "loop_notes": notes or self.loop_notes,
                "loop_close_date": now,
                "first_contact_date": self.first_contact_date or now,
            }
        )

    def _nps_can_be_followed_up(self):
        """An answer is re-surveyed once, and a re-survey is not re-surveyed again."""
        self.ensure_one()
        return bool(self.partner_id and not self.followup_survey_ids and not self.followup_of_id)

    def _nps_schedule_followup(self, days):
        """Re-survey the customer in ``days`` days; this survey may break the quiet period, once."""
        self.ensure_one()
        if not self._nps_can_be_followed_up():
            return self.env["nps.survey"]
        survey = self.sudo()
        return survey.create(
            {
                "partner_id": survey.partner_id.id,
                "campaign_id": survey.campaign_id.id,
                "company_id": survey.company_id.id,
                "channel": survey.channel,
                "res_model": survey.res_model,
                "res_id": survey.res_id,
                "contact_user_id": survey.contact_user_id.id,
                "scheduled_date": fields.Datetime.now() + timedelta(days=days),
                "followup_of_id": survey.id,
            }
        )

    @api.model
    def _cron_nps_after_answers(self, batch_size=50):
        """What follows the answers given on the survey page: callbacks, alerts, thank-yous, notes.

        Several workers may run it at once: answers are taken with SKIP LOCKED, so none is followed up
        twice. One that fails (e.g. a conflict with a concurrent assignment) stays pending and is taken
        again by the next run.
        """
        rows = lock_rows_skip_locked(self, ["id", "reaction_pending"], batch_size, SQL("reaction_pending IS NOT NULL"))
        # the themes of the words written on the survey page, for the whole batch at once
        self.sudo().browse(survey_id for survey_id, _pending in rows).filtered("themes_pending")._nps_tag_themes()
        done = conflicts = 0
        for survey_id, pending in rows:
            survey = self.sudo().browse(survey_id)
            try:
                with self.env.cr.savepoint():
                    survey.reaction_pending = False
                    # written for the team: in the company's language unless the campaign's responsible has one
                    lang = get_lang(self.env, survey.company_id.partner_id.lang).code
                    survey.with_context(lang=lang)._nps_after_answer(is_change=pending == "change")
                done += 1
            except PG_CONCURRENCY_EXCEPTIONS_TO_RETRY:
                # e.g. a callback assigned to the same agent at the same moment (see nps.callback.counter)
                conflicts += 1
                _logger.info("NPS: the answer of survey %s conflicted with another transaction, retried", survey_id)
            except Exception:
                _logger.exception("NPS: following up the answer of survey %s failed", survey_id)
        if conflicts:
            self.env.ref("nps_closed_loop.ir_cron_nps_after_answers")._trigger(
                fields.Datetime.now() + timedelta(minutes=1)
            )
        remaining = self.sudo().search_count([("reaction_pending", "!=", False)])
        compat.notify_progress(self.env, done=done, remaining=remaining)

    @api.model
    def _nps_retention_limit(self, now=None):
        """The date before which answers are anonymised (the NPS setting), or False to keep them for ever."""
        param = self.env["ir.config_parameter"].sudo().get_param("nps_closed_loop.retention_months", "24")
        try:
            months = int(param)
        except ValueError:
            _logger.warning("NPS: the retention setting %r is not a number of months, nothing anonymised", param)
            return False
        if months <= 0:
            return False
        return fields.Datetime.subtract(now or fields.Datetime.now(), months=months)

    @api.model
    def _nps_retention_domain(self, limit):
        """Answers (or, never answered, invitations) dated at or before ``limit`` and not anonymised yet."""
        return [
            ("is_anonymized", "=", False),
            "|",
            ("answer_date", "<=", limit),
            "&",
            ("answer_date", "=", False),
            ("create_date", "<=", limit),
        ]

    @api.model
    def _cron_nps_anonymize_old(self, batch_size=500):
        """Anonymise the answers past the retention period, one batch per call: the cron runner calls
        again while the progress reports work remaining, and commits in between."""
        limit = self._nps_retention_limit()
        if not limit:
            compat.notify_progress(self.env, done=0, remaining=0)
            return 0
        Survey = self.sudo()
        domain = self._nps_retention_domain(limit)
        surveys = Survey.search(domain, limit=batch_size, order="id")
        surveys._nps_anonymize()
        remaining = Survey.search_count(domain) if surveys else 0
        compat.notify_progress(self.env, done=len(surveys), remaining=remaining)
        return len(surveys)

    @api.model
    def _cron_nps_escalate_callbacks(self, batch_size=200):
        """Flag callbacks past their deadline as overdue and escalate them to the NPS managers."""
        domain = [
            ("loop_state", "=", "open"),
            ("loop_overdue", "=", False),
            ("callback_deadline", "<", fields.Datetime.now()),
        ]
        surveys = self.sudo().search(domain, limit=batch_size, order="callback_deadline, id")
        done = 0
        for survey in surveys:
            try:
                with self.env.cr.savepoint():
                    survey._nps_escalate()
                done += 1
            except Exception:
                _logger.exception("NPS: escalating overdue callback of survey %s failed", survey.id)
        compat.notify_progress(self.env, done=done, remaining=self.sudo().search_count(domain))

    def _nps_escalate(self):
        self.ensure_one()
        self.loop_overdue = True
        managers = self._nps_eligible_callback_users(
            self.env.ref("nps_closed_loop.group_nps_manager").sudo()[compat.GROUP_USERS]
        )
        body = self.env._(
            "The callback of %(customer)s (%(score)s/10), assigned to %(user)s, was due by %(deadline)s "
            "and is not done yet.",
            customer=self.partner_id.display_name,
            score=self.score,
            user=self.callback_user_id.display_name or "-",
            deadline=format_datetime(self.env, self.callback_deadline, tz=self.campaign_id.user_id.tz),
        )
        if managers:
            self.message_notify(
                partner_ids=managers.partner_id.ids,
                subject=self.env._("Overdue NPS callback: %(customer)s", customer=self.partner_id.display_name),
                body=body,
            )
        else:
            self.message_post(body=body, subtype_xmlid="mail.mt_note")

    # ------------------------------------------------------------------
    # Sending rules read by the nps.survey.send service
    # ------------------------------------------------------------------
    def _nps_quiet_period_exempt(self):
        """Follow-up re-surveys of an earlier answer may be sent during the quiet period."""
        self.ensure_one()
        return bool(self.followup_of_id)

    @api.model
    def _nps_last_survey_dates(self, field, partner_ids, since, include_scheduled=False):
        """``{partner id: last sent date}`` of the customers surveyed since ``since``, in one query.

        ``field`` is ``partner_id`` or ``commercial_partner_id`` (the quiet period's scope). With
        ``include_scheduled``, customers who have a survey about to leave count too (date None).
        """
        if not partner_ids:
            return {}
        reached = ["&", ("state", "in", REACHED_STATES), ("sent_date", ">=", since)]
        domain = ["|", ("state", "=", "scheduled"), *reached] if include_scheduled else reached
        groups = self.sudo()._read_group([(field, "in", list(partner_ids)), *domain], [field], ["sent_date:max"])
        return {partner.id: sent_date for partner, sent_date in groups}
