from odoo import fields, models

from .. import compat


class MailMail(models.Model):
    """Employee NPS emails report to their invitation whether they left (see ``nps.employee.invitation``)."""

    _inherit = "mail.mail"

    nps_employee_invitation_id = fields.Many2one("nps.employee.invitation", index="btree_not_null", ondelete="set null")

    def _postprocess_sent_message(self, success_pids, success_emails=None, failure_reason=False, failure_type=None):
        # read before super(): a delivered email with auto_delete is unlinked there
        employee_mails = self.sudo().filtered("nps_employee_invitation_id")
        delivered = employee_mails.filtered(lambda mail: mail.state == "sent")
        failed = employee_mails - delivered
        delivered_invitations = delivered.nps_employee_invitation_id
        failed_invitations = failed.nps_employee_invitation_id
        result = super()._postprocess_sent_message(
            *compat.sent_message_arguments(success_pids, success_emails),
            failure_reason=failure_reason,
            failure_type=failure_type,
        )
        delivered_invitations._enps_mail_sent()
        failed_invitations._enps_mail_failed()
        return result
