import logging
import random
import uuid
from datetime import datetime, timedelta

from markupsafe import Markup

from odoo import SUPERUSER_ID, Command, api, fields, models
from odoo.exceptions import UserError, ValidationError
from odoo.tools import SQL, format_datetime, html2plaintext
from odoo.tools.sql import create_index

from .nps_score import (
    CATEGORY_NPS_VALUE,
    CATEGORY_SELECTION,
    DEFAULT_ANSWER_CHANGE_DAYS,
    REACHED_STATES,
    score_category,
)
from .nps_score_field import NullableInteger

_logger = logging.getLogger(__name__)


class NpsSurvey(models.Model):
    _name = "nps.survey"
    _description = "NPS Survey"
    _inherit = ["mail.thread", "mail.activity.mixin", "portal.mixin"]
    _order = "answer_date desc nulls last, id desc"
    _rec_names_search = ["partner_id", "res_name"]

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
    campaign_id = fields.Many2one("nps.campaign", index=True, ondelete="restrict", tracking=True)
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
    comment = fields.Text(help="The main reason for the score, in the customer's words.")
    followup = fields.Text(string="Follow-up answer")
    contact_allowed = fields.Boolean(
        string="Contact allowed",
        copy=False,
        help="The customer agreed to be contacted about this answer.",
    )
    answer_editable_until = fields.Datetime(
        string="Answer can be changed until",
        copy=False,
        readonly=True,
        help="Set at the first answer from the campaign's setting: "
        "until then the customer may change the answer from the survey link.",
    )
    access_token = fields.Char(
        "Security Token",
        default=lambda self: self._default_access_token(),
        required=True,
        copy=False,
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
    answer_month = fields.Date(
        compute="_compute_answer_month",
        store=True,
        index=True,
        help="First day of the answer's month, stored so that trends group on an indexed column.",
    )

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
    reason_ids = fields.Many2many("nps.reason", string="Reasons", copy=False, groups="base.group_user")
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
    loop_warning = fields.Char(copy=False, readonly=True, groups="base.group_user")
    detractor_alert_date = fields.Datetime(copy=False, readonly=True, groups="base.group_user")
    promoter_thanks_sent = fields.Boolean(copy=False, readonly=True)

    _sql_constraints = [
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
    ]

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

    def _compute_access_url(self):  # pylint: disable=missing-return
        super()._compute_access_url()
        for survey in self:
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

    # ------------------------------------------------------------------
    # Constraints
    # ------------------------------------------------------------------
    @api.constrains("callback_user_id", "contact_user_id", "partner_id")
    def _check_callback_user_id(self):
        # A closed loop is history: who called then is not re-judged.
        for survey in self.sudo().filtered(lambda survey: survey.loop_state in ("open", "contacted")):
            survey._nps_check_callback_user(survey.callback_user_id)

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
        for vals in vals_list:
            vals.setdefault("partner_id", False)
            self._nps_check_values(vals, anonymized=vals.get("is_anonymized", False))
        return super().create(vals_list)

    def write(self, vals):
        self._nps_check_values(vals, anonymized=vals.get("is_anonymized", all(self.mapped("is_anonymized"))))
        result = super().write(vals)
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
        surveys.filtered(lambda survey: survey.state == "failed").write({"state": "scheduled", "state_reason": False})
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
    def _record_answer(self, score, comment=False, followup=False, contact_allowed=False):
        """Store the customer's answer (first answer or a change within the allowed days).

        Called by the portal controller after its access and input checks, and by tests.
        Everything that reacts to an answer (callbacks, alerts, recovery) hangs on
        :meth:`_nps_after_answer`, called once the answer is stored.
        """
        self.ensure_one()
        is_change = self.state == "answered"
        now = fields.Datetime.now()
        values = {
            "score": score,
            "comment": comment or False,
            "followup": followup or False,
            "contact_allowed": bool(contact_allowed),
            "state": "answered",
            "answer_date": now,
        }
        if not is_change:
            # the change window counts from the first answer: changing it does not extend it
            values["answer_editable_until"] = now + timedelta(days=self._nps_answer_change_days())
        self.write(values)
        self._nps_after_answer(is_change=is_change)
        return True

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
        managers = self._nps_eligible_callback_users(self.env.ref("nps_closed_loop.group_nps_manager").sudo().users)
        if managers:
            return self._nps_least_loaded_user(managers), False
        responsible = campaign.user_id
        if responsible and responsible.active and responsible not in self._nps_callback_excluded_users():
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
        campaign = self.campaign_id
        if campaign:
            # Serialise assignments of one campaign so that concurrent answers balance the load.
            self.env.cr.execute(SQL("SELECT id FROM nps_campaign WHERE id = %s FOR NO KEY UPDATE", campaign.id))
        user, warning = self._nps_pick_callback_user()
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
            return
        local_deadline = fields.Datetime.context_timestamp(self.with_context(tz=user.tz or "UTC"), deadline)
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
            (self.env._("Phone"), " / ".join(number for number in (partner.phone, partner.mobile) if number) or "-"),
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

    def _nps_thank_promoter(self):
        """Thank a promoter with the campaign's review or referral link, once."""
        self.ensure_one()
        campaign = self.campaign_id
        if not (campaign.promoter_thanks and campaign.review_url and self.partner_id.email and not self.is_anonymized):
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
        self._nps_callback_activities().action_feedback(feedback=html2plaintext(notes) if notes else False)
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

    def _nps_schedule_followup(self, days):
        """Re-survey the customer in ``days`` days; this survey may break the quiet period, once."""
        self.ensure_one()
        if self.followup_survey_ids or self.followup_of_id or not self.partner_id:
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
        self.env["ir.cron"]._notify_progress(done=done, remaining=self.sudo().search_count(domain))

    def _nps_escalate(self):
        self.ensure_one()
        self.loop_overdue = True
        managers = self._nps_eligible_callback_users(self.env.ref("nps_closed_loop.group_nps_manager").sudo().users)
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
