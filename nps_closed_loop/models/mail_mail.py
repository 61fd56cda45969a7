import logging

from odoo import models
from odoo.tools import SQL

from .. import compat
from .nps_sql import lock_rows_skip_locked

_logger = logging.getLogger(__name__)


class MailMail(models.Model):
    """Survey emails report their delivery outcome to the survey: an invitation counts as sent only if
    it left, and one that did not is sent again later (see ``nps.survey.send``)."""

    _name = "mail.mail"
    _inherit = ["mail.mail", "nps.message.mixin"]

    def _send(self, auto_commit=False, raise_exception=False, post_send_callback=None, **kwargs):
        # An invitation leaves once, however many processes run the queue at once (the cron, and an administrator's
        # "Run manually"). Odoo skips an email no longer outgoing as its cache says, read for the whole batch and
        # kept across the commit after each email: a process that read the batch before another one sent some of
        # it sends them again. Each survey email is taken here, alone, with its row locked and read again from the
        # database: one another process holds, or that is no longer outgoing (sent, or sent and deleted), is
        # skipped. The other modules' emails are left to Odoo as they are, in one call.
        arguments = {"auto_commit": auto_commit, "raise_exception": raise_exception, **kwargs}
        survey_ids = self._nps_survey_mail_ids()
        if not survey_ids:
            return super()._send(post_send_callback=post_send_callback, **arguments)
        others = self.browse([mail_id for mail_id in self.ids if mail_id not in survey_ids])
        if others:
            super(MailMail, others)._send(post_send_callback=post_send_callback, **arguments)
        for mail in self.browse([mail_id for mail_id in self.ids if mail_id in survey_ids]):
            # locked until the commit that follows its sending (auto_commit), or the end of the transaction
            if not lock_rows_skip_locked(self, ("id",), 1, SQL("id = %s AND state = %s", mail.id, "outgoing")):
                continue
            mail.invalidate_recordset()
            super(MailMail, mail)._send(post_send_callback=post_send_callback, **arguments)
        if post_send_callback:
            post_send_callback(self.ids)  # as Odoo does at the end: the skipped emails count as processed
        return True

    def _nps_survey_mail_ids(self):
        """The ids of the survey emails among these, as the database has them (some may be gone already)."""
        if not self.ids:
            return set()
        self.flush_model(["nps_survey_id"])
        self.env.cr.execute(
            SQL(
                "SELECT id FROM %s WHERE id = ANY(%s) AND nps_survey_id IS NOT NULL",
                SQL.identifier(self._table),
                self.ids,
            )
        )
        return {mail_id for (mail_id,) in self.env.cr.fetchall()}

    def _postprocess_sent_message(self, success_pids, success_emails=None, failure_reason=False, failure_type=None):
        # Called by _send() once per email tried, and by send() for a whole batch when the mail server is
        # unreachable. Read what is needed first: a delivered email with auto_delete is unlinked by super().
        # success_emails exists in one series only: compat passes it on where it does.
        outcomes = []
        if survey_mails := self.sudo().filtered("nps_survey_id"):
            self.check_access("write")  # whoever may process the emails (the queue) updates their surveys
            outcomes = survey_mails._nps_delivery_outcomes(failure_reason, failure_type)
        result = super()._postprocess_sent_message(
            *compat.sent_message_arguments(success_pids, success_emails),
            failure_reason=failure_reason,
            failure_type=failure_type,
        )
        if outcomes:
            self._nps_report_delivery(outcomes)
        return result

    def _nps_delivery_outcomes(self, failure_reason=False, failure_type=None):
        """What happened to these survey emails, read before a delivered one is unlinked."""
        type_labels = dict(self._fields["failure_type"]._description_selection(self.env))
        outcomes = []
        for mail in self:
            outcome = {
                "mail": mail,
                "survey": mail.nps_survey_id,
                "reminder": mail.nps_reminder,
                "delivered": mail.state == "sent",
                "message_id": mail.message_id,
            }
            if not outcome["delivered"]:
                label = type_labels.get(failure_type or mail.failure_type)
                details = failure_reason or mail.failure_reason
                outcome["reason"] = ": ".join(part for part in (label, details) if part) or self.env._("Unknown error")
            outcomes.append(outcome)
        return outcomes

    def _nps_report_delivery(self, outcomes):
        Send = self.env["nps.survey.send"]
        # the Message-ID of each delivered invitation: a bounce names it
        delivered = {
            outcome["survey"].id: outcome["message_id"]
            for outcome in outcomes
            if outcome["delivered"] and not outcome["reminder"]
        }
        if delivered:
            # The email has left: nothing done here may roll that back (it would be sent again).
            try:
                with self.env.cr.savepoint():
                    Send._message_delivered(self.env["nps.survey"].sudo().browse(list(delivered)), delivered)
            except Exception:  # noqa: BLE001 pylint: disable=broad-exception-caught
                _logger.exception("NPS: recording the delivery of survey emails failed")
        failed = [outcome for outcome in outcomes if not outcome["delivered"]]
        if failed:
            # nothing has left: an error here rolls back and leaves the email queued, to be tried again
            put_back = Send._message_failed(
                [(outcome["survey"], "email", outcome["reminder"], outcome["reason"]) for outcome in failed]
            )
            # the survey is sent again with a new email: retrying this one would send it twice
            superseded = self.browse(
                [outcome["mail"].id for outcome in failed if outcome["survey"] in put_back and not outcome["reminder"]]
            )
            superseded.sudo().exists().filtered(lambda mail: mail.state == "exception").cancel()
