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
    notes = fields.Html(string="Internal notes", help="What was said and promised.")
    schedule_resurvey = fields.Boolean(
        string="Re-survey the customer",
        compute="_compute_schedule_resurvey",
        store=True,
        readonly=False,
    )
    resurvey_days = fields.Integer(
        string="In (days)",
        compute="_compute_schedule_resurvey",
        store=True,
        readonly=False,
    )
    can_resurvey = fields.Boolean(compute="_compute_schedule_resurvey", store=True)

    @api.depends("survey_id", "outcome")
    def _compute_schedule_resurvey(self):
        for wizard in self:
            survey = wizard.survey_id.sudo()
            campaign = survey.campaign_id
            wizard.can_resurvey = not (survey.followup_survey_ids or survey.followup_of_id)
            wizard.schedule_resurvey = (
                wizard.can_resurvey and campaign.resurvey_after_close and wizard.outcome != "unreachable"
            )
            wizard.resurvey_days = campaign.resurvey_days or 30

    def action_confirm(self):
        self.ensure_one()
        survey = self.survey_id
        survey.check_access("write")
        if survey.loop_state == "closed":
            raise UserError(self.env._("This loop is already closed."))
        if self.schedule_resurvey and self.resurvey_days <= 0:
            raise UserError(self.env._("The re-survey needs a number of days greater than zero."))
        survey._nps_close_loop(self.outcome, self.reason_ids, self.notes)
        if self.schedule_resurvey and self.can_resurvey:
            survey._nps_schedule_followup(self.resurvey_days)
        # Opened from the chatter's "Mark Done" too: reload the survey behind, not only the dialog.
        return {"type": "ir.actions.client", "tag": "soft_reload"}
