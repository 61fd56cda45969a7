import secrets

from dateutil.relativedelta import relativedelta

from odoo import api, fields, models
from odoo.exceptions import UserError, ValidationError

from .. import compat

#: never fewer answers than this in a group shown, whatever the setting
MIN_GROUP_SIZE_FLOOR = 3


class NpsEmployeeCampaign(models.Model):
    """An employee NPS (eNPS): one question to chosen internal users, sent again every pulse.

    Kept apart from the customer NPS: its own invitations, answers and access group; nothing of it reaches
    ``nps.survey``, the reports, the callbacks or a partner's history. See ``nps.employee.answer`` for how an
    answer is kept from the person who gave it.
    """

    _name = "nps.employee.campaign"
    _description = "Employee NPS campaign"
    _order = "id desc"

    name = fields.Char(required=True)
    active = fields.Boolean(default=True)
    company_id = fields.Many2one("res.company", required=True, default=lambda self: self.env.company)
    question = fields.Char(
        translate=True,
        help="Leave empty for the standard question: How likely are you to recommend <company> as a place to work?",
    )
    comment_enabled = fields.Boolean(string="Ask an open question", default=True)
    open_question = fields.Char(
        translate=True, help="Leave empty for the standard one: What is the main reason for your score?"
    )
    user_ids = fields.Many2many(
        "res.users",
        "nps_employee_campaign_res_users_rel",
        "campaign_id",
        "user_id",
        string="Invited employees",
        domain=[("share", "=", False)],
    )
    period_months = fields.Integer(string="Pulse every (months)", default=3, required=True)
    reminder_days = fields.Integer(
        string="Remind after (days)", default=7, help="One reminder to those who have not answered; 0: none."
    )
    target_rate = fields.Float(string="Participation target (%)", default=65.0)
    min_group_size = fields.Integer(
        string="Minimum group size",
        default=5,
        required=True,
        help="Figures and comments of a group are shown only with at least this many answers (never below 3).",
    )
    state = fields.Selection(
        [("draft", "Draft"), ("running", "Running"), ("closed", "Closed")], default="draft", required=True, copy=False
    )
    next_pulse_date = fields.Date(help="The day the next pulse is sent.", copy=False)
    pulse = fields.Integer(string="Current pulse", readonly=True, default=0, copy=False)
    results_html = fields.Html(compute="_compute_results_html", sanitize=False, string="Results")

    @api.constrains("min_group_size")
    def _check_min_group_size(self):
        for campaign in self:
            if campaign.min_group_size < MIN_GROUP_SIZE_FLOOR:
                raise ValidationError(
                    self.env._("The minimum group size cannot be below %(floor)s.", floor=MIN_GROUP_SIZE_FLOOR)
                )

    @api.constrains("period_months", "reminder_days", "target_rate")
    def _check_numbers(self):
        for campaign in self:
            if campaign.period_months < 1 or campaign.reminder_days < 0 or not 0 <= campaign.target_rate <= 100:
                raise ValidationError(
                    self.env._(
                        "Pulses are at least a month apart, the reminder comes after zero days or more, "
                        "and the target is between 0 and 100 %."
                    )
                )

    @api.constrains("user_ids")
    def _check_internal_users(self):
        for campaign in self:
            if campaign.user_ids.filtered("share"):
                raise ValidationError(self.env._("Only internal users can be invited to an employee survey."))

    @api.depends("pulse", "state")
    def _compute_results_html(self):
        for campaign in self:
            campaign.results_html = self.env["ir.qweb"]._render(
                "nps_closed_loop.nps_employee_results", {"results": campaign._enps_results()}
            )

    # ------------------------------------------------------------------
    # Actions
    # ------------------------------------------------------------------
    def action_start(self):
        self.ensure_one()
        if not self._enps_invited_users():
            raise UserError(self.env._("Invite at least one employee first."))
        self.write({"state": "running", "next_pulse_date": fields.Date.context_today(self)})
        self.env.ref("nps_closed_loop.ir_cron_nps_employee_pulses")._trigger()

    def action_close(self):
        self.ensure_one()
        self.env["nps.employee.answer.pending"].sudo()._release(self, force=True)
        self.write({"state": "closed", "next_pulse_date": False})

    # ------------------------------------------------------------------
    # Pulses, reminders
    # ------------------------------------------------------------------
    def _enps_invited_users(self):
        """The users invited to a pulse: those chosen on the campaign (the hr bridge adds departments)."""
        self.ensure_one()
        return self.user_ids

    def _enps_question(self):
        """The question in the current language."""
        self.ensure_one()
        return self.question or self.env._(
            "How likely are you to recommend %(company)s as a place to work?", company=self.company_id.name
        )

    def _enps_anonymity_note(self):
        """What the email and the page tell the employee about their answer, in the current language."""
        self.ensure_one()
        return self.env._(
            "Your answer is anonymous: it is stored without your name or the time you answered, and results are "
            "shown only for groups of at least %(minimum)s answers.",
            minimum=self.min_group_size,
        )

    def _enps_open_question(self):
        self.ensure_one()
        return self.open_question or self.env._("What is the main reason for your score?")

    @api.model
    def _cron_pulses(self, today=None):
        """Start the pulses that are due, send the reminders that are due."""
        today = today or fields.Date.context_today(self)
        due = self.search([("state", "=", "running"), ("next_pulse_date", "<=", today)])
        for campaign in due:
            campaign._enps_start_pulse(today)
        self.env["nps.employee.invitation"]._send_reminders(today)

    def _enps_start_pulse(self, today):
        """Close the current pulse (its answers released together) and invite everyone to the next one."""
        self.ensure_one()
        Pending = self.env["nps.employee.answer.pending"].sudo()
        Pending._release(self, force=True)
        pulse = self.pulse + 1
        self.write({"pulse": pulse, "next_pulse_date": today + relativedelta(months=self.period_months)})
        invitations = (
            self.env["nps.employee.invitation"]
            .sudo()
            .create(
                [
                    {
                        "campaign_id": self.id,
                        "user_id": user.id,
                        "pulse": pulse,
                        "access_token": secrets.token_urlsafe(32),
                    }
                    for user in self._enps_invited_users().filtered(
                        lambda user: user.active and not user.share and user.email
                    )
                ]
            )
        )
        invitations._enps_set_groups()
        invitations._send_mails()
        return invitations

    # ------------------------------------------------------------------
    # Results
    # ------------------------------------------------------------------
    def _enps_results(self):
        """What the results screen shows: see ``nps.employee.answer._enps_results``."""
        self.ensure_one()
        if not self.id:
            return {}
        return self.env["nps.employee.answer"]._enps_results(self)

    @api.model
    def _enps_setup_group(self):
        """The eNPS managers' group in its own application (field names differ between series), the
        administrator in it."""
        compat.setup_groups(
            self.env, "nps_closed_loop.module_category_nps_employee", ["nps_closed_loop.group_nps_employee_manager"]
        )
        admin = self.env.ref("base.user_admin", raise_if_not_found=False)
        if admin:
            compat.add_users(self.env.ref("nps_closed_loop.group_nps_employee_manager"), admin)
