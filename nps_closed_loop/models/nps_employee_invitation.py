import logging

from odoo import api, fields, models
from odoo.tools import SQL

from .. import compat

_logger = logging.getLogger(__name__)


@compat.sql_constraints(
    ("one_per_pulse", "UNIQUE(campaign_id, user_id, pulse)", "An employee is invited once per pulse."),
    ("token_unique", "UNIQUE(access_token)", "The invitation's key must be unique."),
)
class NpsEmployeeInvitation(models.Model):
    """An employee invited to one pulse of an eNPS campaign: the link of their email, and whether they answered.

    No time is kept of the answer: ``_log_access`` is off (no create or write date, no author), and ``answered``
    is a flag. The answer itself is stored apart (``nps.employee.answer.pending``, then ``nps.employee.answer``)
    with nothing that leads back here. Nobody but the system reads invitations: the results count them.
    """

    _name = "nps.employee.invitation"
    _description = "Employee NPS invitation"
    _log_access = False
    _order = "id"

    campaign_id = fields.Many2one("nps.employee.campaign", required=True, ondelete="cascade", index=True)
    company_id = fields.Many2one(related="campaign_id.company_id")
    user_id = fields.Many2one("res.users", required=True, ondelete="cascade", index=True)
    pulse = fields.Integer(required=True)
    access_token = fields.Char(required=True, copy=False, groups="base.group_system")
    mail_state = fields.Selection(
        [("queued", "Queued"), ("sent", "Sent"), ("failed", "Failed")],
        help="Sent once the email (or its reminder) left the mail server.",
    )
    send_date = fields.Date(help="The day the invitation email left.")
    group_key = fields.Char(
        string="Group",
        help="The group (e.g. the department) the employee's answer counts in, set when the pulse starts.",
    )
    reminded = fields.Boolean(default=False)
    answered = fields.Boolean(default=False)

    # ------------------------------------------------------------------
    # Sending
    # ------------------------------------------------------------------
    def _send_mails(self, reminder=False):
        """Queue one email per invitation, rendered in the employee's language."""
        template = self.env.ref("nps_closed_loop.nps_employee_mail_template").sudo()
        for invitation in self.sudo():
            mail_id = template.with_context(nps_reminder=reminder).send_mail(
                invitation.id,
                email_values={"nps_employee_invitation_id": invitation.id},
                email_layout_xmlid=False,
            )
            if not mail_id:
                continue
            invitation.write({"mail_state": "queued", "reminded": invitation.reminded or reminder})
        if self:
            self.env.ref("mail.ir_cron_mail_scheduler_action")._trigger()

    @api.model
    def _send_reminders(self, today):
        """One reminder to each invited employee who has not answered ``reminder_days`` after the email left,
        while the pulse is the campaign's current one."""
        self.flush_model()
        self.env["nps.employee.campaign"].flush_model()
        self.env.cr.execute(
            SQL(
                """
                SELECT invitation.id
                  FROM nps_employee_invitation invitation
                  JOIN nps_employee_campaign campaign ON campaign.id = invitation.campaign_id
                 WHERE campaign.state = 'running' AND campaign.reminder_days > 0
                   AND invitation.pulse = campaign.pulse
                   AND invitation.answered IS NOT TRUE AND invitation.reminded IS NOT TRUE
                   AND invitation.mail_state = 'sent'
                   AND invitation.send_date + campaign.reminder_days <= %s
                """,
                today,
            )
        )
        due = self.sudo().browse([row[0] for row in self.env.cr.fetchall()])
        due._send_mails(reminder=True)
        return due

    def _enps_mail_sent(self):
        """The email left: the invitation counts as sent (the reminder's keeps the first day)."""
        for invitation in self.sudo():
            invitation.write(
                {"mail_state": "sent", "send_date": invitation.send_date or fields.Date.context_today(self)}
            )

    def _enps_mail_failed(self):
        self.sudo().filtered(lambda inv: inv.mail_state != "sent").write({"mail_state": "failed"})

    # ------------------------------------------------------------------
    # Answer
    # ------------------------------------------------------------------
    def _enps_url(self):
        self.ensure_one()
        return f"{self.get_base_url()}/enps/{self.sudo().access_token}"

    def _enps_group_of_user(self, user):
        """The group an answer of ``user`` counts in (a department, with the hr bridge); "" in the core."""
        return ""

    def _enps_set_groups(self):
        """Each invitation's group, as the employee's is when the pulse starts."""
        for invitation in self.sudo():
            invitation.group_key = invitation._enps_group_of_user(invitation.user_id) or ""

    def _enps_answer_group(self):
        """The group stored with the answer: the invitation's, unless fewer employees than the minimum group size
        were invited in it (then none: a stored group of one or two would name the employee to whoever reads the
        table)."""
        self.ensure_one()
        if not self.group_key:
            return ""
        invited = self.search_count(
            [("campaign_id", "=", self.campaign_id.id), ("pulse", "=", self.pulse), ("group_key", "=", self.group_key)]
        )
        return self.group_key if invited >= self.campaign_id.min_group_size else ""

    def _enps_answer(self, score, comment):
        """Record the answer of this invitation, detached from it: the invitation is only flagged answered,
        the answer waits with the other answers of its campaign until they are released together.

        Returns whether it was recorded: not when the invitation is answered already. Of two posts at once (a
        double tap), the second waits here for the first one's lock, then fails to serialise and is run again by
        the HTTP layer, which finds the invitation answered."""
        self.ensure_one()
        invitation = self.sudo()
        invitation.flush_recordset(["answered"])
        self.env.cr.execute(
            SQL("SELECT id FROM nps_employee_invitation WHERE id = %s FOR UPDATE", invitation.id),
            log_exceptions=False,
        )
        invitation.invalidate_recordset(["answered"])
        if invitation.answered:
            return False
        self.env["nps.employee.answer.pending"].sudo().create(
            {
                "campaign_id": invitation.campaign_id.id,
                "pulse": invitation.pulse,
                "score": score,
                "comment": comment or False,
                "answer_day": fields.Date.context_today(self),
                "group_key": invitation._enps_answer_group(),
            }
        )
        invitation.answered = True
        return True
