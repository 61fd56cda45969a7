"""The customer's rights over their NPS data: access (export) and erasure (anonymisation).

Erasure keeps every answer for the statistics (score, category, NPS value, dates, campaign, company, themes,
customer revenue, callback figures) and removes everything that tells whose answer it was or what they wrote.
"""

import io
import json
import zipfile
from datetime import date, datetime

import xlsxwriter

from odoo import api, fields, models
from odoo.exceptions import AccessError
from odoo.tools import SQL, html2plaintext

from .. import compat

NPS_MANAGER_GROUP = "nps_closed_loop.group_nps_manager"

# Survey columns never exported: the customer's key (it lets anyone answer in their name), technical
# columns, and who among the employees created, edited or was compared on the survey.
EXPORT_EXCLUDED_SURVEY_FIELDS = {
    "access_token",
    "access_url",
    "contact_user_id",
    "create_uid",
    "write_uid",
    "message_main_attachment_id",
    "sent_message_id",
    "reaction_pending",
    "themes_pending",
    "display_name",
}
# What the customer allowed to be done with their words: erased with them (an anonymous answer is nobody's
# testimonial)
QUOTE_PERMISSION_FIELDS = ("quote_allowed", "quote_allowed_date", "is_testimonial")
PARTNER_IDENTITY_FIELDS = ("name", "email", *compat.PARTNER_PHONE_FIELDS, "street", "city", "zip", "lang")


def _json_value(value):
    if isinstance(value, datetime | date):
        return value.isoformat()
    return value


def _is_consent_tracking(tracking):
    name = tracking.field_id.name or ""
    return name.startswith("nps_") or "consent" in name


class NpsSurvey(models.Model):
    _inherit = "nps.survey"  # pylint: disable=consider-merging-classes-inherited

    # ------------------------------------------------------------------
    # Right to erasure
    # ------------------------------------------------------------------
    def _nps_anonymize(self):
        """Erase the customer's personal data from the surveys of ``self``, keeping the answers for statistics.

        Removed: the comment, the follow-up answer, the callback notes, the link to the customer (customer,
        company, source document, the employee they dealt with), the survey's key (a new random one, so that an
        old link opens nothing), its chatter (messages, tracking, followers, attachments), its activities, its
        queued emails and SMS, and follow-up links to surveys not anonymised. Kept: score, category, NPS value,
        dates, campaign, company, themes, customer revenue and the callback figures, so that every NPS figure
        stays the same. Surveys not answered yet are cancelled; a callback not made yet is withdrawn.

        For the system's callers (erasure from the customer's form, customer deletion, retention job): the
        caller checks the rights. Batch-friendly, commits nothing, returns nothing.
        """
        surveys = self.sudo().exists()
        if not surveys:
            return
        Partner = self.env["res.partner"]
        partners = (surveys.partner_id | surveys.commercial_partner_id).sudo()
        surveys.flush_model()
        ids = surveys.ids
        # what is attached to the surveys: chatter, activities, queued messages
        self._nps_erase_survey_traces(ids)
        extra = SQL("").join(SQL(", %s = NULL", SQL.identifier(name)) for name in QUOTE_PERMISSION_FIELDS)
        self.env.cr.execute(
            SQL(
                """
                UPDATE nps_survey
                   SET comment = NULL,
                       followup = NULL,
                       loop_notes = NULL,
                       partner_id = NULL,
                       commercial_partner_id = NULL,
                       res_model = NULL,
                       res_id = NULL,
                       res_name = NULL,
                       contact_user_id = NULL,
                       state_reason = NULL,
                       sent_message_id = NULL,
                       loop_warning = NULL,
                       reaction_pending = NULL,
                       themes_pending = FALSE,
                       access_token = replace(gen_random_uuid()::text, '-', ''),
                       is_anonymized = TRUE,
                       state = CASE WHEN state IN ('scheduled', 'sent') THEN 'cancelled' ELSE state END,
                       reminder_date = NULL,
                       expiry_date = NULL,
                       loop_state = CASE WHEN loop_state = 'open' THEN 'none' ELSE loop_state END,
                       callback_user_id = CASE WHEN loop_state = 'open' THEN NULL ELSE callback_user_id END,
                       callback_deadline = CASE WHEN loop_state = 'open' THEN NULL ELSE callback_deadline END,
                       loop_overdue = FALSE,
                       write_date = (now() AT TIME ZONE 'UTC')
                       %(extra)s
                 WHERE id IN %(ids)s
                """,
                extra=extra,
                ids=tuple(ids),
            )
        )
        # a follow-up link to a survey still carrying its customer would tell whose the anonymous answer was
        self.env.cr.execute(
            SQL(
                """
                UPDATE nps_survey s
                   SET followup_of_id = NULL
                  FROM nps_survey other
                 WHERE other.id = s.followup_of_id
                   AND COALESCE(s.is_anonymized, FALSE) != COALESCE(other.is_anonymized, FALSE)
                   AND (s.id IN %(ids)s OR other.id IN %(ids)s)
                """,
                ids=tuple(ids),
            )
        )
        self.env.invalidate_all()
        # the former customers' last answer and trend no longer include these answers
        fnames = ["nps_last_score", "nps_last_category", "nps_last_answer_date"]
        partners = partners.exists()
        for fname in fnames:
            self.env.add_to_compute(Partner._fields[fname], partners)
        partners._recompute_recordset(fnames)

    @api.model
    def _nps_erase_survey_traces(self, ids):
        """Delete, as superuser, the chatter, activities, attachments and queued messages of surveys ``ids``."""
        env = self.env(su=True)
        traces = [
            # done activities included: archived rather than deleted when kept (always, in 19.0)
            env["mail.activity"]
            .with_context(active_test=False)
            .search([("res_model", "=", self._name), ("res_id", "in", ids)]),
            env["mail.mail"].search(
                ["|", ("nps_survey_id", "in", ids), "&", ("model", "=", self._name), ("res_id", "in", ids)]
            ),
            env["sms.sms"].search([("nps_survey_id", "in", ids)]),
            env["mail.message"].search([("model", "=", self._name), ("res_id", "in", ids)]),
            env["mail.followers"].search([("res_model", "=", self._name), ("res_id", "in", ids)]),
            env["ir.attachment"].search([("res_model", "=", self._name), ("res_id", "in", ids)]),
        ]
        for records in traces:
            records.unlink()


class ResPartner(models.Model):
    _inherit = "res.partner"  # pylint: disable=consider-merging-classes-inherited

    def _nps_check_manager(self):
        if not self.env.user.has_group(NPS_MANAGER_GROUP):
            raise AccessError(self.env._("Only NPS managers may export or erase a customer's NPS data."))
        self.check_access("read")

    def _nps_data_subjects(self):
        """The customer and, for a company, its contacts (archived ones too)."""
        self.ensure_one()
        if not self.is_company:
            return self
        return self.with_context(active_test=False).search([("id", "child_of", self.id)])

    def _nps_subject_surveys(self, order=None):
        """The data subjects' surveys the user may access, then as superuser for the erasure.

        Searched with the user's own rights in every company they work for (not only those active in their
        session): each company erases what it holds, and a user of all the companies erases everything. The
        system's erasures (customer deleted, retention period over) search as superuser instead.
        """
        own = self.with_context(allowed_company_ids=self.env.user.company_ids.ids)
        subjects = own._nps_data_subjects()
        return own.env["nps.survey"].search([("partner_id", "in", subjects.ids)], order=order).sudo()

    # ------------------------------------------------------------------
    # Right to erasure
    # ------------------------------------------------------------------
    def action_nps_anonymize(self):
        """Erase the NPS data of the customer (and of a company's contacts): the answers stay, anonymous."""
        self.ensure_one()
        self._nps_check_manager()
        surveys = self._nps_subject_surveys()
        answered = len(surveys.filtered("category"))
        surveys._nps_anonymize()
        # no personal data in the note: neither the comments nor the names of the contacts
        self.sudo()._message_log(
            body=self.env._(
                "NPS data of this customer erased by %(user)s (%(count)s answer(s) kept anonymously).",
                user=self.env.user.display_name,
                count=answered,
            )
        )
        return True

    def unlink(self):
        # A customer's deletion erases their NPS data and keeps their answers anonymously for the statistics,
        # instead of refusing it (the surveys' customer is ``ondelete="restrict"``).
        self.check_access("unlink")
        self.env["nps.survey"].sudo().search([("partner_id", "in", self.ids)])._nps_anonymize()
        return super().unlink()

    # ------------------------------------------------------------------
    # Right of access
    # ------------------------------------------------------------------
    def action_nps_export(self):
        """Download the customer's NPS data (a zip of a JSON file and an Excel workbook)."""
        self.ensure_one()
        self._nps_check_manager()
        return {"type": "ir.actions.act_url", "url": f"/nps/partner/{self.id}/export", "target": "download"}

    def _nps_export_value(self, record, field):
        value = record[field.name]
        if field.type == "many2one":
            return value.display_name or None
        if field.type in ("one2many", "many2many"):
            return value.mapped("display_name")
        if field.type == "selection":
            return dict(field._description_selection(self.env)).get(value) if value else None
        if field.type == "html":
            return html2plaintext(value) if value else None
        if value is False and field.type != "boolean":
            return None
        return _json_value(value)

    @api.model
    def _nps_export_changes(self, trackings):
        return [
            {
                "field": tracking.field_id.field_description or None,
                "old": _json_value(tracking._format_display_value(tracking.field_id.ttype, new=False)[0]),
                "new": _json_value(tracking._format_display_value(tracking.field_id.ttype, new=True)[0]),
            }
            for tracking in trackings
        ]

    def _nps_export_data(self):
        """Everything NPS holds about the customer (and a company's contacts), nothing about anyone else:
        ``{"customers": [...], "surveys": [...], "callbacks": [...], "messages": [...], "consent_history": [...]}``.
        """
        self.ensure_one()
        self._nps_check_manager()
        subjects = self._nps_data_subjects().sudo()
        Partner = self.env["res.partner"]
        partner_fields = [
            Partner._fields[name]
            for name in sorted(Partner._fields)
            if name in PARTNER_IDENTITY_FIELDS
            or (Partner._fields[name].store and "consent" in name)
            or (Partner._fields[name].store and name.startswith("nps_") and name != "nps_survey_ids")
            or name in ("is_blacklisted", "phone_blacklisted", "mobile_blacklisted")
        ]
        customers = [
            {
                "id": partner.id,
                "company": partner.parent_id.name or None,
                **{field.name: self._nps_export_value(partner, field) for field in partner_fields},
            }
            for partner in subjects
        ]
        # the customer of several companies gets each one's data from that company's managers
        surveys = self._nps_subject_surveys(order="id")
        Survey = self.env["nps.survey"]
        survey_fields = [
            field
            for name, field in Survey._fields.items()
            if field.store
            and name not in EXPORT_EXCLUDED_SURVEY_FIELDS
            and not name.startswith(("message_", "activity_", "website_"))
            and field.type not in ("binary", "one2many")
            and not (field.type == "many2many" and field.comodel_name == "res.partner")
        ]
        survey_rows = [
            {"id": survey.id, **{field.name: self._nps_export_value(survey, field) for field in survey_fields}}
            for survey in surveys
        ]
        callbacks = [
            {
                "survey": activity.res_id,
                "type": activity.activity_type_id.name,
                "summary": activity.summary or None,
                "note": html2plaintext(activity.note) if activity.note else None,
                "deadline": _json_value(activity.date_deadline),
                "assigned_to": activity.user_id.name or None,
            }
            for activity in self.env["mail.activity"]
            .sudo()
            .with_context(active_test=False)
            .search([("res_model", "=", "nps.survey"), ("res_id", "in", surveys.ids)], order="id")
        ]
        # the surveys' history (callback notes, answer changes): what was written, not who among the staff wrote it
        messages = [
            {
                "survey": message.res_id,
                "date": _json_value(message.date),
                "text": html2plaintext(message.body) if message.body else None,
                "changes": self._nps_export_changes(message.tracking_value_ids),
            }
            for message in self.env["mail.message"]
            .sudo()
            .search(
                [
                    ("model", "=", "nps.survey"),
                    ("res_id", "in", surveys.ids),
                    ("message_type", "!=", "user_notification"),
                ],
                order="id",
            )
        ]
        consent_history = [
            {
                "customer": message.res_id,
                "date": _json_value(message.date),
                "by_customer": message.author_id in subjects,
                "text": html2plaintext(message.body) if message.body else None,
                "changes": self._nps_export_changes(message.tracking_value_ids.filtered(_is_consent_tracking)),
            }
            for message in self.env["mail.message"]
            .sudo()
            .search([("model", "=", "res.partner"), ("res_id", "in", subjects.ids)], order="id")
            if message.tracking_value_ids.filtered(_is_consent_tracking)
            or (message.author_id in subjects and message.message_type == "comment")
        ]
        return {
            "exported_on": fields.Datetime.now().isoformat(),
            "customers": customers,
            "surveys": survey_rows,
            "callbacks": callbacks,
            "messages": messages,
            "consent_history": consent_history,
        }

    def _nps_export_xlsx(self, data):
        """The export's data as a workbook: one sheet per part, one line per item, one column per key."""
        output = io.BytesIO()
        workbook = xlsxwriter.Workbook(output, {"in_memory": True})
        header = workbook.add_format({"bold": True, "bottom": 1})
        wrap = workbook.add_format({"text_wrap": True, "valign": "top"})
        sheets = [
            ("customers", self.env._("Customers")),
            ("surveys", self.env._("Surveys")),
            ("callbacks", self.env._("Callbacks")),
            ("messages", self.env._("Survey history")),
            ("consent_history", self.env._("Consent history")),
        ]
        for key, title in sheets:
            sheet = workbook.add_worksheet(title[:31])
            rows = data[key]
            columns = list(dict.fromkeys(column for row in rows for column in row))
            for col, column in enumerate(columns):
                sheet.write(0, col, column, header)
                sheet.set_column(col, col, 18)
            for line, row in enumerate(rows, start=1):
                for col, column in enumerate(columns):
                    value = row.get(column)
                    if isinstance(value, list | dict):
                        value = json.dumps(value, ensure_ascii=False)
                    if value is not None:
                        sheet.write(line, col, value, wrap)
        workbook.close()
        return output.getvalue()

    def _nps_export_zip(self):
        """``(filename, zip bytes)`` of the customer's NPS data, logged on the customer."""
        self.ensure_one()
        data = self._nps_export_data()
        base = f"nps-data-{self.id}-{date.today().isoformat()}"
        output = io.BytesIO()
        with zipfile.ZipFile(output, "w", zipfile.ZIP_DEFLATED) as archive:
            archive.writestr(f"{base}.json", json.dumps(data, ensure_ascii=False, indent=2))
            archive.writestr(f"{base}.xlsx", self._nps_export_xlsx(data))
        self.sudo()._message_log(body=self.env._("NPS data exported by %(user)s.", user=self.env.user.display_name))
        return f"{base}.zip", output.getvalue()
