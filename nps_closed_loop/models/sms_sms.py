import logging

from odoo import models

_logger = logging.getLogger(__name__)


class SmsSms(models.Model):
    """Survey SMS report to the survey whether the SMS provider took them (see ``mail.mail``)."""

    _name = "sms.sms"
    _inherit = ["sms.sms", "nps.message.mixin"]

    _NPS_ACCEPTED_STATES = ("process", "pending", "sent")

    def _send(self, unlink_failed=False, unlink_sent=True, raise_exception=False):
        result = super()._send(unlink_failed=unlink_failed, unlink_sent=unlink_sent, raise_exception=raise_exception)
        self._nps_report_delivery()
        return result

    def _nps_report_delivery(self):
        """After the provider answered: SMS it accepted have left, SMS in error have not."""
        sms_list = self.sudo().exists().filtered("nps_survey_id")
        if not sms_list:
            return
        self.check_access("write")  # whoever may process the SMS (the queue) updates their surveys
        Send = self.env["nps.survey.send"]
        delivered = sms_list.filtered(lambda sms: sms.state in self._NPS_ACCEPTED_STATES and not sms.nps_reminder)
        if delivered:
            # The SMS have left: nothing done here may roll that back (they would be sent again).
            try:
                with self.env.cr.savepoint():
                    Send._message_delivered(delivered.nps_survey_id)
            except Exception:  # noqa: BLE001 pylint: disable=broad-exception-caught
                _logger.exception("NPS: recording the delivery of survey SMS %s failed", delivered.ids)
        failed = sms_list.filtered(lambda sms: sms.state == "error")
        if failed:
            type_labels = dict(self._fields["failure_type"]._description_selection(self.env))
            put_back = Send._message_failed(
                [
                    (
                        sms.nps_survey_id,
                        "sms",
                        sms.nps_reminder,
                        type_labels.get(sms.failure_type) or self.env._("Unknown error"),
                    )
                    for sms in failed
                ]
            )
            # the survey will be sent with a new SMS: resending this one would send it twice
            failed.filtered(lambda sms: sms.nps_survey_id in put_back and not sms.nps_reminder).action_set_canceled()
