from odoo import api, models


class MailThread(models.AbstractModel):
    _inherit = "mail.thread"

    @api.model
    def _routing_handle_bounce(self, email_message, message_dict):
        """A bounce of a survey's invitation: the survey did not reach its customer, it is sent again later
        (as when the mail server refused the email). The delivered email is gone (auto_delete): the survey
        kept its Message-ID, which the bounce names."""
        super()._routing_handle_bounce(email_message, message_dict)
        message_ids = message_dict.get("bounced_msg_ids")
        if not message_ids:
            return
        # The mail gateway's work, for the system: whoever fetches the mail cannot read surveys.
        surveys = self.env["nps.survey"].sudo().search([("state", "=", "sent"), ("sent_message_id", "in", message_ids)])
        if not surveys:
            return
        email = message_dict.get("bounced_email")
        self.env["nps.survey.send"]._message_failed(
            [
                (
                    survey,
                    "email",
                    False,
                    self.env._("The email to %(email)s bounced.", email=email or survey.partner_id.email),
                )
                for survey in surveys
            ]
        )
