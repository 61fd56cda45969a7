"""The customer's rights over their NPS data: who may hold the key to their survey, the proof of their
consent, access (export), erasure (anonymisation) and the retention period.

Erasure keeps every answer for the statistics (score, category, NPS value, dates, campaign, company, themes,
customer revenue, callback figures) and removes everything that tells whose answer it was or what they wrote.
"""

import io
import json
import logging
import zipfile
from datetime import date, datetime

from odoo import SUPERUSER_ID, api, fields, models
from odoo.exceptions import AccessError
from odoo.tools import SQL, html2plaintext

from .. import compat
from ..report.nps_xlsx import xlsx_tables

_logger = logging.getLogger(__name__)

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
PARTNER_BLACKLIST_FIELDS = ("is_blacklisted", *compat.PARTNER_PHONE_BLACKLIST_FIELDS)


# Lets the system code that sends a survey to its customer read the survey's link (it holds the customer's
# token): a context value only Python code can hold, as contexts coming over RPC are JSON.
_TOKEN_GRANT = object()


def _json_value(value):
    if isinstance(value, datetime | date):
        return value.isoformat()
    return value


def _is_consent_tracking(tracking):
    name = tracking.field_id.name or ""
    return name.startswith("nps_") or "consent" in name


class NpsSurveyPrivacy(models.AbstractModel):
    """What protects the customer's NPS data, apart from the survey and the customer (as ``nps.survey.send``
    is for sending): the survey calls it for who may hold its link, the customer's form and deletion for the
    consent's proof, the export and the erasure, the export route and the retention job."""

    _name = "nps.survey.privacy"
    _description = "NPS customer data protection"

    # ------------------------------------------------------------------
    # The customer's key
    # ------------------------------------------------------------------
    @api.model
    def _token_context(self):
        """The context under which a survey's ``access_url`` holds the customer's token: for the system code
        that sends the survey to its customer (the sending service, the customer's own notifications, the
        survey page they opened), never for what employees read or post."""
        return {"nps_token_grant": _TOKEN_GRANT}

    @api.model
    def _token_holders(self, surveys):
        """The ``surveys`` whose link the current environment may get.

        The token lets anyone answer in the customer's name and read their answer, so no employee gets it,
        not even through ``sudo()`` (e.g. a survey template rendered in the chatter's composer, which an
        employee who may not edit templates renders as superuser): only the system (OdooBot: scheduled jobs,
        what follows an answer), the customer on their own surveys (their portal list; the survey page and
        their notification links, which found the survey by its token as superuser), and the code granted
        by :meth:`_token_context`.
        """
        env = surveys.env
        if env.uid == SUPERUSER_ID or env.context.get("nps_token_grant") is _TOKEN_GRANT:
            return surveys
        if not env.user.share:
            return surveys.browse()
        return surveys if env.su else surveys._filtered_access("read")

    # ------------------------------------------------------------------
    # Consent
    # ------------------------------------------------------------------
    @api.model
    def _consent_proof(self):
        """The date and source stamped on a change of consent: the opt-out route says where it came from
        (context key ``nps_consent_source``), an import is an import, anything else was set by hand."""
        source = self.env.context.get("nps_consent_source")
        if source not in dict(self.env["res.partner"]._fields["nps_consent_source"].selection):
            source = "import" if self.env.context.get("import_file") else "manual"
        return {"nps_consent_date": fields.Datetime.now(), "nps_consent_source": source}

    # ------------------------------------------------------------------
    # Whose data
    # ------------------------------------------------------------------
    @api.model
    def _check_manager(self, partner):
        if not self.env.user.has_group("nps_closed_loop.group_nps_manager"):
            raise AccessError(self.env._("Only NPS managers may export or erase a customer's NPS data."))
        partner.with_env(self.env).check_access("read")

    @api.model
    def _data_subjects(self, partner):
        """The customer and, for a company, its contacts (archived ones too)."""
        partner.ensure_one()
        if not partner.is_company:
            return partner
        return partner.with_context(active_test=False).search([("id", "child_of", partner.id)])

    @api.model
    def _subject_surveys(self, partner, order=None):
        """The data subjects' surveys the user may access, then as superuser for the erasure.

        Searched with the user's own rights in every company they work for (not only those active in their
        session): each company erases what it holds, and a user of all the companies erases everything. The
        system's erasures (customer deleted, retention period over) search as superuser instead.
        """
        own = partner.with_env(self.env).with_context(allowed_company_ids=self.env.user.company_ids.ids)
        subjects = self._data_subjects(own)
        return own.env["nps.survey"].search([("partner_id", "in", subjects.ids)], order=order).sudo()

    # ------------------------------------------------------------------
    # Right to erasure
    # ------------------------------------------------------------------
    @api.model
    def _erase_customer(self, partner):
        """Erase the NPS data of the customer (and of a company's contacts), for an NPS manager: the answers
        stay, anonymous; the erasure is logged on the customer."""
        partner.ensure_one()
        self._check_manager(partner)
        surveys = self._subject_surveys(partner)
        answered = len(surveys.filtered("category"))
        self._anonymize(surveys)
        # the surveys a trigger asked for and the sending job has not planned yet: none will be
        self.env["nps.survey.request"].sudo().search(
            [
                ("partner_id", "in", self._data_subjects(partner).ids),
                ("company_id", "in", self.env.user.company_ids.ids),
            ]
        ).unlink()
        # no personal data in the note: neither the comments nor the names of the contacts
        partner.sudo()._message_log(
            body=self.env._(
                "NPS data of this customer erased by %(user)s (%(count)s answer(s) kept anonymously).",
                user=self.env.user.display_name,
                count=answered,
            )
        )

    @api.model
    def _anonymize(self, surveys):
        """Erase the customer's personal data from ``surveys``, keeping the answers for statistics.

        Removed: the comment, the follow-up answer, the callback notes, the link to the customer (customer,
        company, source document, the employee they dealt with), the survey's key (a new random one, so that an
        old link opens nothing), its chatter (messages, tracking, followers, attachments), its activities, its
        queued emails and SMS, and follow-up links to surveys not anonymised. Kept: score, category, NPS value,
        dates, campaign, company, themes and their mentions (praise or complaint: no words of the customer),
        customer revenue and the callback figures, so that every NPS figure stays the same. Surveys not answered yet are cancelled; a callback not made yet is withdrawn.

        For the system's callers (erasure from the customer's form, customer deletion, retention job): the
        caller checks the rights. Batch-friendly, commits nothing, returns nothing.
        """
        surveys = surveys.sudo().exists()
        if not surveys:
            return
        Partner = self.env["res.partner"]
        partners = (surveys.partner_id | surveys.commercial_partner_id).sudo()
        surveys.flush_model()
        ids = surveys.ids
        # what is attached to the surveys: chatter, activities, queued messages
        self._erase_survey_traces(ids)
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
    def _erase_survey_traces(self, ids):
        """Delete, as superuser, the chatter, activities, attachments and queued messages of surveys ``ids``."""
        env = self.env(su=True)
        traces = [
            # done activities included: archived rather than deleted when kept (always, in 19.0)
            env["mail.activity"]
            .with_context(active_test=False)
            .search([("res_model", "=", "nps.survey"), ("res_id", "in", ids)]),
            env["mail.mail"].search(
                ["|", ("nps_survey_id", "in", ids), "&", ("model", "=", "nps.survey"), ("res_id", "in", ids)]
            ),
            env["sms.sms"].search([("nps_survey_id", "in", ids)]),
            env["mail.message"].search([("model", "=", "nps.survey"), ("res_id", "in", ids)]),
            env["mail.followers"].search([("res_model", "=", "nps.survey"), ("res_id", "in", ids)]),
            env["ir.attachment"].search([("res_model", "=", "nps.survey"), ("res_id", "in", ids)]),
        ]
        for records in traces:
            records.unlink()

    # ------------------------------------------------------------------
    # Retention
    # ------------------------------------------------------------------
    @api.model
    def _retention_limit(self, now=None):
        """The date before which answers are anonymised (the NPS setting), or False to keep them for ever."""
        param = self.env["ir.config_parameter"].sudo().get_param("nps_closed_loop.retention_months", "24")
        try:
            months = int(param)
        except ValueError:
            _logger.warning("NPS: the retention setting %r is not a number of months, nothing anonymised", param)
            return False
        if months <= 0:
            return False
        return fields.Datetime.subtract(now or fields.Datetime.now(), months=months)

    @api.model
    def _retention_domain(self, limit):
        """Answers (or, never answered, invitations) dated at or before ``limit`` and not anonymised yet."""
        return [
            ("is_anonymized", "=", False),
            "|",
            ("answer_date", "<=", limit),
            "&",
            ("answer_date", "=", False),
            ("create_date", "<=", limit),
        ]

    @api.model
    def _cron_anonymize_old(self, batch_size=500):
        """Anonymise the answers past the retention period, one batch per call: the cron runner calls
        again while the progress reports work remaining, and commits in between."""
        limit = self._retention_limit()
        if not limit:
            compat.notify_progress(self.env, done=0, remaining=0)
            return 0
        Survey = self.env["nps.survey"].sudo()
        domain = self._retention_domain(limit)
        surveys = Survey.search(domain, limit=batch_size, order="id")
        self._anonymize(surveys)
        remaining = Survey.search_count(domain) if surveys else 0
        compat.notify_progress(self.env, done=len(surveys), remaining=remaining)
        return len(surveys)

    # ------------------------------------------------------------------
    # Right of access
    # ------------------------------------------------------------------
    @api.model
    def _export_value(self, record, field):
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
    def _export_changes(self, trackings):
        return [
            {
                "field": tracking.field_id.field_description or None,
                "old": _json_value(tracking._format_display_value(tracking.field_id.ttype, new=False)[0]),
                "new": _json_value(tracking._format_display_value(tracking.field_id.ttype, new=True)[0]),
            }
            for tracking in trackings
        ]

    @api.model
    def _export_data(self, partner):
        """Everything NPS holds about the customer (and a company's contacts), nothing about anyone else:
        ``{"customers": [...], "surveys": [...], "callbacks": [...], "messages": [...], "consent_history": [...]}``.
        """
        partner.ensure_one()
        self._check_manager(partner)
        subjects = self._data_subjects(partner).sudo()
        Partner = self.env["res.partner"]
        partner_fields = [
            Partner._fields[name]
            for name in sorted(Partner._fields)
            if name in PARTNER_IDENTITY_FIELDS
            or (Partner._fields[name].store and "consent" in name)
            or (Partner._fields[name].store and name.startswith("nps_") and name != "nps_survey_ids")
            or name in PARTNER_BLACKLIST_FIELDS
        ]
        customers = [
            {
                "id": subject.id,
                "company": subject.parent_id.name or None,
                **{field.name: self._export_value(subject, field) for field in partner_fields},
            }
            for subject in subjects
        ]
        # the customer of several companies gets each one's data from that company's managers
        surveys = self._subject_surveys(partner, order="id")
        survey_fields = [
            field
            for name, field in self.env["nps.survey"]._fields.items()
            if field.store
            and name not in EXPORT_EXCLUDED_SURVEY_FIELDS
            and not name.startswith(("message_", "activity_", "website_"))
            and field.type not in ("binary", "one2many")
            and not (field.type == "many2many" and field.comodel_name == "res.partner")
        ]
        survey_rows = [
            {"id": survey.id, **{field.name: self._export_value(survey, field) for field in survey_fields}}
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
                "changes": self._export_changes(message.tracking_value_ids),
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
                "changes": self._export_changes(message.tracking_value_ids.filtered(_is_consent_tracking)),
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

    @api.model
    def _export_xlsx(self, data):
        """The export's data as a workbook: one sheet per part, one line per item, one column per key."""
        sheets = []
        for key, title in (
            ("customers", self.env._("Customers")),
            ("surveys", self.env._("Surveys")),
            ("callbacks", self.env._("Callbacks")),
            ("messages", self.env._("Survey history")),
            ("consent_history", self.env._("Consent history")),
        ):
            columns = list(dict.fromkeys(column for row in data[key] for column in row))
            sheets.append((title, columns, [[row.get(column) for column in columns] for row in data[key]]))
        return xlsx_tables(sheets)

    @api.model
    def _export_zip(self, partner):
        """``(filename, zip bytes)`` of the customer's NPS data, logged on the customer."""
        partner.ensure_one()
        data = self._export_data(partner)
        base = f"nps-data-{partner.id}-{date.today().isoformat()}"
        output = io.BytesIO()
        with zipfile.ZipFile(output, "w", zipfile.ZIP_DEFLATED) as archive:
            archive.writestr(f"{base}.json", json.dumps(data, ensure_ascii=False, indent=2))
            archive.writestr(f"{base}.xlsx", self._export_xlsx(data))
        partner.sudo()._message_log(body=self.env._("NPS data exported by %(user)s.", user=self.env.user.display_name))
        return f"{base}.zip", output.getvalue()
