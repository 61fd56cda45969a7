import uuid

from odoo import api, fields, models
from odoo.exceptions import ValidationError

from .nps_score_field import NullableInteger

DETRACTOR_MAX = 6
PASSIVE_MAX = 8
CATEGORY_NPS_VALUE = {"detractor": -100, "passive": 0, "promoter": 100}


def score_category(score):
    """Category of a 0-10 answer: 0-6 detractor, 7-8 passive, 9-10 promoter."""
    if score is None or score is False:
        return False
    if score <= DETRACTOR_MAX:
        return "detractor"
    if score <= PASSIVE_MAX:
        return "passive"
    return "promoter"


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
        [("detractor", "Detractor"), ("passive", "Passive"), ("promoter", "Promoter")],
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
    answer_month = fields.Date(
        compute="_compute_answer_month",
        store=True,
        index=True,
        help="First day of the answer's month, stored so that trends group on an indexed column.",
    )

    # ------------------------------------------------------------------
    # Closing the loop (callbacks, holdout, recovery)
    # ------------------------------------------------------------------

    _sql_constraints = [
        (
            "score_range",
            "CHECK(score IS NULL OR (score >= 0 AND score <= 10))",
            "The score must be a whole number from 0 to 10.",
        ),
        ("access_token_unique", "UNIQUE(access_token)", "Survey tokens must be unique."),
    ]

    @api.constrains("partner_id", "is_anonymized")
    def _check_partner(self):
        for survey in self:
            if not survey.partner_id and not survey.is_anonymized:
                raise ValidationError(self.env._("A survey needs a customer."))

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
        for survey in self:
            if survey.res_model in self.env and survey.res_id:
                document = self.env[survey.res_model].sudo().browse(survey.res_id).exists()
                survey.res_name = document.display_name if document else False
            else:
                survey.res_name = False

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

    # ------------------------------------------------------------------
    # CRUD
    # ------------------------------------------------------------------
    @api.model_create_multi
    def create(self, vals_list):
        for vals in vals_list:
            self._check_score_value(vals)
        return super().create(vals_list)

    def write(self, vals):
        self._check_score_value(vals)
        return super().write(vals)

    @api.model
    def _check_score_value(self, vals):
        """Reject what is not a whole number from 0 to 10 before anything is stored."""
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
        return {
            "type": "ir.actions.act_window",
            "res_model": self.res_model,
            "res_id": self.res_id,
            "views": [(False, "form")],
            "target": "current",
        }

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
        self.write(
            {
                "score": score,
                "comment": comment or False,
                "followup": followup or False,
                "contact_allowed": bool(contact_allowed),
                "state": "answered",
                "answer_date": fields.Datetime.now(),
            }
        )
        self._nps_after_answer(is_change=is_change)
        return True

    def _nps_after_answer(self, is_change=False):
        """Hook: what follows an answer. ``is_change`` is True when an earlier answer was changed."""
        self.ensure_one()

    # ------------------------------------------------------------------
    # Sending
    # ------------------------------------------------------------------
