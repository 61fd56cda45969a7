from collections import Counter

from markupsafe import Markup

from odoo import Command, api, fields, models
from odoo.exceptions import UserError


class NpsImprovementAnnounceWizard(models.TransientModel):
    """ "You said, we did": tell the customers whose answers motivated a done improvement what changed, once each,
    in their language, and only those who may be contacted."""

    _name = "nps.improvement.announce.wizard"
    _description = "NPS Improvement Announcement"

    improvement_id = fields.Many2one("nps.improvement", required=True, ondelete="cascade")
    message = fields.Html(
        compute="_compute_message",
        store=True,
        readonly=False,
        help="What changed, as the customers will read it, between the greeting and the signature.",
    )
    partner_ids = fields.Many2many("res.partner", string="Recipients", compute="_compute_recipients")
    recipient_count = fields.Integer(compute="_compute_recipients")
    excluded_count = fields.Integer(string="Excluded", compute="_compute_recipients")
    excluded_summary = fields.Text(string="Why excluded", compute="_compute_recipients")

    @api.depends("improvement_id")
    def _compute_message(self):
        for wizard in self:
            wizard.message = wizard.improvement_id.description or Markup("<p>%s</p>") % wizard.improvement_id.name

    @api.depends("improvement_id")
    def _compute_recipients(self):
        for wizard in self:
            recipients, excluded = wizard.improvement_id._announce_audience()
            wizard.partner_ids = [Command.set(recipients.ids)]
            wizard.recipient_count = len(recipients)
            wizard.excluded_count = sum(excluded.values())
            wizard.excluded_summary = "\n".join(f"{label}: {count}" for label, count in sorted(excluded.items()))

    def action_send(self):
        self.ensure_one()
        improvement = self.improvement_id
        if improvement.state != "done":
            raise UserError(self.env._("Only a done improvement can be announced."))
        told = improvement._announce(self.message)
        if not told:
            raise UserError(self.env._("Nobody to tell: every customer was already told or may not be contacted."))
        return {"type": "ir.actions.act_window_close"}


class NpsImprovement(models.Model):
    _inherit = "nps.improvement"

    def _announce_audience(self):
        """``(partners, excluded)``: the customers to tell, and ``{reason: count}`` of the answers left out.

        A customer is told if one of their linked answers allowed contact, or else if their campaigns' lawful
        basis permits it (consent: only customers who agreed); a refusal or a blacklisted address is final.
        Anonymised answers have no customer; customers already told are not told again."""
        self.ensure_one()
        excluded = Counter()
        surveys_by_partner = {}
        for survey in self.sudo().survey_ids:
            if not survey.partner_id:
                excluded[self.env._("Anonymised answer")] += 1
            elif survey.partner_id in self.announced_partner_ids:
                excluded[self.env._("Already told")] += 1
            else:
                surveys_by_partner.setdefault(survey.partner_id, self.env["nps.survey"])
                surveys_by_partner[survey.partner_id] |= survey
        Send = self.env["nps.survey.send"]
        by_basis = {}
        for partner, surveys in surveys_by_partner.items():
            if any(surveys.mapped("contact_allowed")):
                basis = "legitimate_interest"
            elif "consent" in surveys.mapped("campaign_id.lawful_basis"):
                basis = "consent"
            else:
                basis = "legitimate_interest"
            by_basis[basis] = by_basis.get(basis, self.env["res.partner"]) | partner
        recipients = self.env["res.partner"]
        for basis, partners in by_basis.items():
            verdicts = Send._partner_verdicts(partners, ["email"], basis)
            for partner in partners:
                verdict = verdicts[partner.id]
                if verdict.get("state"):
                    excluded[verdict["label"]] += len(surveys_by_partner[partner])
                else:
                    recipients |= partner
        return recipients, excluded

    def _announce(self, message):
        """Send the announcement to the audience, each in their language; returns the customers told."""
        self.ensure_one()
        partners, _excluded = self._announce_audience()
        if not partners:
            return partners
        template = self.env.ref("nps_closed_loop.mail_template_nps_improvement_announce")
        mail_values = []
        for partner in partners:
            lang = partner.lang or self.env.lang
            localized = template.sudo().with_context(
                lang=lang, nps_announce_partner_name=partner.name, nps_announce_message=message
            )
            subject = localized._render_field("subject", self.ids, compute_lang=False)[self.id]
            body = localized._render_field("body_html", self.ids, compute_lang=False)[self.id]
            email_from = localized._render_field("email_from", self.ids, compute_lang=False)[self.id]
            mail_values.append(
                {
                    "subject": subject,
                    "body_html": body,
                    "email_from": email_from or self.company_id.email_formatted or self.env.user.email_formatted,
                    "recipient_ids": [Command.link(partner.id)],
                    "model": self._name,
                    "res_id": self.id,
                    "auto_delete": True,
                }
            )
        self.env["mail.mail"].sudo().create(mail_values)
        self.sudo().announced_partner_ids = [Command.link(partner.id) for partner in partners]
        note = Markup("%s") % self.env._("Told about improvement %(name)s", name=self.name)
        for survey in self.survey_ids.filtered(lambda survey: survey.partner_id in partners):
            survey.message_post(body=note, message_type="comment", subtype_xmlid="mail.mt_note")
        self.message_post(
            body=self.env._("Announced to %(count)s customers.", count=len(partners)),
            message_type="comment",
            subtype_xmlid="mail.mt_note",
        )
        return partners
