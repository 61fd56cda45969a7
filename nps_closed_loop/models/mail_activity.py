from datetime import datetime, time

from odoo import api, fields, models
from odoo.tools import plaintext2html

from .. import compat


# the "Done" button of the chatter needs the flag (see static/src/activity)
@compat.activity_client_fields("nps_is_callback")
class MailActivity(models.Model):
    _inherit = "mail.activity"

    nps_is_callback = fields.Boolean(
        string="NPS callback",
        compute="_compute_nps_is_callback",
        help="Marking it done opens the Close the loop form.",
    )

    @api.depends("activity_type_id", "res_model")
    def _compute_nps_is_callback(self):
        callbacks = self._nps_callback_activities()
        for activity in self:
            activity.nps_is_callback = activity in callbacks

    @api.model_create_multi
    def create(self, vals_list):
        activities = super().create(vals_list)
        activities._nps_check_callback_assignee()
        activities._nps_sync_callback_user()
        return activities

    def write(self, vals):
        result = super().write(vals)
        if {"user_id", "activity_type_id", "res_id", "res_model_id"} & set(vals):
            self._nps_check_callback_assignee()
            self._nps_sync_callback_user()
        return result

    def action_feedback_schedule_next(self, feedback=False, attachment_ids=None):
        """A callback is not simply done: ask how the conversation went (outcome, reasons)."""
        if len(self) == 1 and self.nps_is_callback:
            survey = self.env["nps.survey"].browse(self.res_id)
            action = survey.action_nps_close_loop()
            if feedback:
                action["context"]["default_notes"] = feedback
            return action
        return super().action_feedback_schedule_next(feedback=feedback, attachment_ids=attachment_ids)

    def _action_done(self, feedback=False, attachment_ids=None):
        # The activity is unlinked by super(): find the surveys first.
        callbacks = self._nps_callback_activities()
        surveys = self.env["nps.survey"].browse(callbacks.mapped("res_id"))
        if not (feedback and callbacks):
            result = super()._action_done(feedback=feedback, attachment_ids=attachment_ids)
            self.env["nps.survey.loop"]._callback_done(surveys)
            return result
        # What the customer said on a callback goes to the survey's internal notes (NPS users only), never
        # to the "done" message in the chatter, read by the salesperson and the employee they dealt with.
        messages, next_activities = super(MailActivity, self - callbacks)._action_done(
            feedback=feedback, attachment_ids=attachment_ids
        )
        callback_messages, callback_next = super(MailActivity, callbacks)._action_done(attachment_ids=attachment_ids)
        # added to the notes, signed by the assignee, who just marked their callback done (super() allowed it)
        loop = self.env["nps.survey.loop"]
        loop._add_note(surveys, plaintext2html(feedback))
        loop._callback_done(surveys)
        return messages + callback_messages, next_activities + callback_next

    def _nps_callback_activities(self):
        callback_type = self.env.ref("nps_closed_loop.mail_activity_type_nps_callback", raise_if_not_found=False)
        if not callback_type:
            return self.browse()
        return self.filtered(
            lambda activity: activity.res_model == "nps.survey" and activity.activity_type_id == callback_type
        )

    def _nps_check_callback_assignee(self):
        """Never the original contact nor the salesperson, however the activity is (re)assigned."""
        for activity in self.sudo()._nps_callback_activities():
            survey = self.env["nps.survey"].sudo().browse(activity.res_id)
            self.env["nps.survey.loop"]._check_callback_user(survey, activity.user_id)

    def _nps_sync_callback_user(self):
        """A callback scheduled or reassigned by hand: the survey's loop follows.

        Scheduled by hand on a survey without a loop (e.g. a customer who refused contact calls in),
        it opens the loop, due at the end of the activity's day.
        """
        if self.env.context.get("nps_loop_sync"):
            return
        for activity in self.sudo()._nps_callback_activities():
            survey = self.env["nps.survey"].sudo().browse(activity.res_id)
            values = {}
            if survey.callback_user_id != activity.user_id:
                values["callback_user_id"] = activity.user_id.id
            if survey.loop_state in ("none", "closed"):
                values.update(
                    loop_state="open",
                    callback_assign_date=fields.Datetime.now(),
                    callback_deadline=datetime.combine(activity.date_deadline, time.max).replace(microsecond=0),
                    loop_overdue=False,
                )
            if values:
                survey.with_context(nps_loop_sync=True).write(values)
