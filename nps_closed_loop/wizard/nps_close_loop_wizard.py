from odoo import api, fields, models
from odoo.exceptions import UserError


class NpsCloseLoopWizard(models.TransientModel):
    _name = "nps.close.loop.wizard"
    _description = "NPS: close the loop"

    survey_id = fields.Many2one("nps.survey", required=True, ondelete="cascade")
    partner_id = fields.Many2one(related="survey_id.partner_id")
    score = fields.Integer(related="survey_id.score")
    outcome = fields.Selection(
        selection=lambda self: self.env["nps.survey"]._fields["outcome"].selection, required=True
    )
    reason_ids = fields.Many2many("nps.reason", string="Reasons", help="Why the customer was unhappy.")
    notes = fields.Html(
        string="Internal notes",
        help="What was said and promised: added to the survey's internal notes, dated and signed, after the earlier "
        "ones (e.g. written when the callback was marked done).",
    )
    # One compute per field: the web client sends the editable ones only, and a compute shared with a
    # field it does not send would be run again on save and reset what the agent chose.
    can_resurvey = fields.Boolean(compute="_compute_can_resurvey")
    schedule_resurvey = fields.Boolean(
        string="Re-survey the customer",
        compute="_compute_schedule_resurvey",
        store=True,
        readonly=False,
        help="Send the customer a new survey after this many days, even within the quiet period (once).",
    )
    resurvey_days = fields.Integer(
        string="Re-survey in",
        compute="_compute_resurvey_days",
        store=True,
        readonly=False,
    )

    @api.depends("survey_id")
    def _compute_can_resurvey(self):
        for wizard in self:
            wizard.can_resurvey = self.env["nps.survey.loop"]._can_be_followed_up(wizard.survey_id)

    @api.depends("survey_id", "outcome")
    def _compute_schedule_resurvey(self):
        for wizard in self:
            survey = wizard.survey_id.sudo()
            wizard.schedule_resurvey = (
                self.env["nps.survey.loop"]._can_be_followed_up(survey)
                and survey.campaign_id.resurvey_after_close
                and wizard.outcome != "unreachable"
            )

    @api.depends("survey_id")
    def _compute_resurvey_days(self):
        for wizard in self:
            wizard.resurvey_days = wizard.survey_id.sudo().campaign_id.resurvey_days or 30

    def action_confirm(self):
        self.ensure_one()
        survey = self.survey_id
        survey.check_access("write")
        if survey.loop_state == "closed":
            raise UserError(self.env._("This loop is already closed."))
        if self.schedule_resurvey and self.resurvey_days <= 0:
            raise UserError(self.env._("The re-survey needs a number of days greater than zero."))
        loop = self.env["nps.survey.loop"]
        loop._close_loop(survey, self.outcome, self.reason_ids, self.notes)
        if self.schedule_resurvey:
            loop._schedule_followup(survey, self.resurvey_days)
        # Opened from the chatter's "Mark Done" too: reload the survey behind, not only the dialog.
        return {"type": "ir.actions.client", "tag": "soft_reload"}
