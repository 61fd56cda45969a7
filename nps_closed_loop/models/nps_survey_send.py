import logging
import re
from datetime import timedelta

import phonenumbers
from markupsafe import Markup

from odoo import api, fields, models
from odoo.tools import SQL, email_normalize

from .. import compat
from .nps_sql import lock_rows_skip_locked

_logger = logging.getLogger(__name__)


class NpsSurveySend(models.AbstractModel):
    """The send pipeline, apart from the survey it sends (as ``account.move.send`` is for invoices).

    Called by the sending cron and by the survey's "Send now": it checks the sending rules in batch,
    renders and queues every message of a batch at once, and writes what really happened on each
    survey (sent, cancelled or failed with its reason). One broken survey never stops the others.

    A survey is sent once its message is queued, and stays sent only if the message leaves: the emails
    and SMS report their delivery outcome (see :meth:`_message_delivered` and :meth:`_message_failed`).
    """

    _name = "nps.survey.send"
    _description = "NPS survey sending"

    _BATCH_SIZE = 500
    # channel: (campaign template field, default template, message model, its sending cron)
    _CHANNEL_MESSAGES = {
        "email": (
            "mail_template_id",
            "nps_closed_loop.nps_mail_template_survey",
            "mail.mail",
            "mail.ir_cron_mail_scheduler_action",
        ),
        "sms": (
            "sms_template_id",
            "nps_closed_loop.nps_sms_template_survey",
            "sms.sms",
            "sms.ir_cron_sms_scheduler_action",
        ),
    }
    _MAIL_RENDER_FIELDS = ("subject", "body_html", "email_from", "reply_to", "auto_delete", "mail_server_id")
    _REASON_MAX_LENGTH = 300
    # an invitation not delivered is sent again after these delays, then the survey fails
    _RETRY_DELAYS = (timedelta(hours=1), timedelta(hours=4))
    _MAX_SEND_ATTEMPTS = len(_RETRY_DELAYS) + 1
    # a survey held back by a context rule is checked again at the next run of the sending cron (hourly)
    _HOLD_RECHECK_DELAY = timedelta(hours=1)
    # how long a survey may be held when its campaign's surveys never expire
    _HOLD_LIMIT_DAYS = 30
    # email_normalize() is lenient ("a@@b" gives "@b"): a deliverable address has one @ and a dotted domain
    _EMAIL_RE = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s.]+$")

    # ------------------------------------------------------------------
    # Entry points
    # ------------------------------------------------------------------
    @api.model
    def _cron_send_surveys(self, batch_size=None):
        """Plan the surveys requested by triggers, create queued relationship surveys, then expire, remind and
        send what is due: one batch of each.

        No commit here: the cron runner calls again while the progress reports work remaining, and
        commits in between. Rows are taken with ``SKIP LOCKED``, so workers running it at once share
        the work and never send a survey twice.
        """
        batch_size = batch_size or int(
            self.env["ir.config_parameter"].sudo().get_param("nps_closed_loop.send_batch_size", self._BATCH_SIZE)
        )
        now = fields.Datetime.now()
        requested, request_rest = self.env["nps.survey.request"].sudo()._plan_requested_surveys(batch_size)
        queued, queue_rest = self.env["nps.campaign.schedule"].sudo()._process_relationship_queues(batch_size, now)
        expired = self._lock_due(SQL("state = 'sent' AND expiry_date <= %s", now), batch_size)
        expired.with_context(tracking_disable=True).write({"state": "expired", "reminder_date": False})
        reminded = self._lock_due(SQL("state = 'sent' AND reminder_date <= %s", now), batch_size)
        self._send_reminders(reminded, now)
        unreported = self._report_stuck_invitations(batch_size)
        due = self._lock_due(SQL("state = 'scheduled' AND scheduled_date <= %s", now), batch_size)
        self._send(due, now)
        done = requested + queued + len(expired) + len(reminded) + len(unreported) + len(due)
        # nothing done: what is left is locked by another worker, which reports it
        remaining = (
            request_rest + queue_rest + self.env["nps.survey"].sudo().search_count(self._due_domain(now)) if done else 0
        )
        compat.notify_progress(self.env, done=done, remaining=remaining)
        return done

    @api.model
    def _send(self, surveys, now=None):
        """Send these scheduled surveys: rules first, then all messages rendered and queued in batch.

        Return the surveys sent; each of the others ends cancelled or failed with its reason.
        """
        now = now or fields.Datetime.now()
        surveys = surveys.sudo().filtered(lambda survey: survey.state == "scheduled")
        verdicts = self._check_rules(surveys, now)
        rejected = {survey: verdict for survey, verdict in verdicts.items() if verdict.get("state")}
        held = {survey: verdict for survey, verdict in verdicts.items() if verdict.get("hold")}
        accepted = surveys.filtered(lambda survey: survey not in rejected and survey not in held)
        rejected.update(self._hold(held, now))
        failures = self._deliver(accepted, verdicts)
        rejected.update(failures)
        self._reject(rejected)
        sent = accepted.filtered(lambda survey: survey not in failures)
        groups = sent.grouped(lambda survey: (survey.campaign_id, verdicts[survey]["channel"]))
        for (campaign, channel), group in groups.items():
            group.with_context(tracking_disable=True).write(
                {
                    "state": "sent",
                    "state_reason": False,
                    "hold_reason": False,
                    "held_since": False,
                    "sent_date": now,
                    "channel": channel,
                    "reminder_date": now + timedelta(days=campaign.reminder_days) if campaign.reminder_days else False,
                    "expiry_date": now + timedelta(days=campaign.expiry_days) if campaign.expiry_days else False,
                }
            )
        return sent

    @api.model
    def _send_reminders(self, surveys, now=None):
        """Send the one reminder of these unanswered surveys (by SMS for "email, then SMS" campaigns)."""
        now = now or fields.Datetime.now()
        surveys = surveys.sudo().filtered(lambda survey: survey.state == "sent" and survey.reminder_date)
        verdicts = self._check_rules(surveys, now, reminder=True)
        reachable = surveys.filtered(lambda survey: not verdicts[survey].get("state"))
        failures = self._deliver(reachable, verdicts, reminder=True)
        reminded = reachable.filtered(lambda survey: survey not in failures)
        reminded.with_context(tracking_disable=True).write({"reminder_date": False, "reminder_sent_date": now})
        # one attempt only: a customer who cannot be reached now is not retried at every run
        (surveys - reminded).with_context(tracking_disable=True).write({"reminder_date": False})
        return reminded

    @api.model
    def _due_domain(self, now):
        return [
            "|",
            "&",
            ("state", "=", "scheduled"),
            ("scheduled_date", "<=", now),
            "&",
            ("state", "=", "sent"),
            "|",
            ("reminder_date", "<=", now),
            ("expiry_date", "<=", now),
        ]

    @api.model
    def _lock_due(self, condition, limit):
        """Surveys matching ``condition``, locked until the end of the transaction; rows locked by
        another worker are skipped, not waited for."""
        Survey = self.env["nps.survey"].sudo()
        rows = lock_rows_skip_locked(Survey, ["id"], limit, condition)
        return Survey.browse([row[0] for row in rows])

    @api.model
    def _hold(self, held, now):
        """Hold back these surveys (``{survey: hold verdict}``): they stay scheduled, with the reason, and are
        checked again at the next run. Past the hold limit (the campaign's expiry delay counted from the
        first hold) they are cancelled instead: return ``{survey: cancel verdict}`` for those."""
        cancelled, groups = {}, {}
        for survey, verdict in held.items():
            since = survey.held_since or now
            days = survey.campaign_id.expiry_days or self._HOLD_LIMIT_DAYS
            if now >= since + timedelta(days=days):
                cancelled[survey] = self._verdict(
                    "cancelled",
                    verdict["label"],
                    self.env._(
                        "Held back for %(days)s days, then cancelled: %(reason)s", days=days, reason=verdict["reason"]
                    ),
                )
                continue
            recheck = now + self._HOLD_RECHECK_DELAY
            if survey.campaign_id:
                recheck = self.env["nps.campaign.schedule"]._next_send_date(
                    survey.campaign_id, survey.partner_id, recheck
                )
            values = {
                "hold_reason": verdict["reason"][: self._REASON_MAX_LENGTH],
                "held_since": since,
                "scheduled_date": recheck,
            }
            groups.setdefault(tuple(sorted(values.items())), []).append(survey.id)
        self._write_grouped(groups)
        return cancelled

    @api.model
    def _reject(self, rejected):
        """Write the cancelled and failed surveys, one write per state and reason."""
        groups = {}
        for survey, verdict in rejected.items():
            values = {"state": verdict["state"], "state_reason": verdict["reason"][: self._REASON_MAX_LENGTH]}
            groups.setdefault(tuple(sorted(values.items())), []).append(survey.id)
        self._write_grouped(groups)

    @api.model
    def _write_grouped(self, groups):
        """``{sorted (field, value) items: survey ids}``: one write per distinct set of values."""
        for values, survey_ids in groups.items():
            self.env["nps.survey"].sudo().browse(survey_ids).with_context(tracking_disable=True).write(dict(values))

    # ------------------------------------------------------------------
    # Rules checked at send time
    # ------------------------------------------------------------------
    @api.model
    def _verdict(self, state, label, reason):
        """A survey that will not leave: ``label`` groups reasons in previews, ``reason`` is shown on it."""
        return {"state": state, "label": label, "reason": reason}

    @api.model
    def _check_rules(self, surveys, now, reminder=False):
        """The rules checked at send time, in batch: ``{survey: verdict}``.

        A verdict is either a rejection (see :meth:`_verdict`), a hold (see :meth:`_context_holds`: the
        survey stays due, checked again at the next run) or where to send:
        ``{"channel": "email" | "sms", "email": ..., "number": ...}``. A rejection wins over a hold.
        """
        verdicts = {}
        # a survey held back is not being sent: it takes no customer's turn in the quiet period
        holds = {} if reminder else self._context_holds(surveys.filtered("campaign_id.active"), now)
        quiet = {} if reminder else self._quiet_period_conflicts(surveys.filtered(lambda s: s not in holds), now)
        groups = surveys.grouped(
            lambda survey: (
                tuple(survey.campaign_id._nps_preferred_channels(reminder) if survey.campaign_id else [survey.channel]),
                survey.campaign_id.lawful_basis or "legitimate_interest",
            )
        )
        for (channels, basis), channel_surveys in groups.items():
            partner_verdicts = self._partner_verdicts(channel_surveys.partner_id, list(channels), basis)
            for survey in channel_surveys:
                partner_verdict = partner_verdicts.get(survey.partner_id.id)
                if not survey.partner_id:
                    verdict = self._verdict(
                        "failed", self.env._("No customer"), self.env._("The survey has no customer.")
                    )
                elif survey.campaign_id and not survey.campaign_id.active:
                    verdict = self._verdict(
                        "cancelled", self.env._("Campaign archived"), self.env._("The campaign is archived.")
                    )
                elif partner_verdict.get("state"):
                    verdict = partner_verdict
                else:
                    verdict = quiet.get(survey) or holds.get(survey) or partner_verdict
                verdicts[survey] = verdict
        return verdicts

    # ------------------------------------------------------------------
    # Context rules: hold back a survey while the customer's situation makes it inappropriate
    # ------------------------------------------------------------------
    @api.model
    def _context_hold_rules(self):
        """Extension point: the context rules a campaign can switch on, one dict per rule.

        - ``flag``: the boolean field of ``nps.campaign`` that switches the rule on;
        - ``matching``: a method ``(keys, now) -> set of keys`` answering for the whole batch in one query;
        - ``key``: the survey field whose value is matched (a many2one, or ``res_id``);
        - ``res_model`` (optional): only surveys whose source document is of this model are checked;
        - ``label`` and ``reason``: shown on a held survey; ``sequence`` orders the reasons of several holds.

        The core's rules need only the core's dependencies. Implemented by bridge addons, which add the
        rules of another app (the tickets bridge: "hold while a ticket is open") by extending this method
        with ``super()``, and add their ``flag`` field to ``nps.campaign``.
        """
        return [
            {
                "flag": "hold_excluded_company",
                "matching": self._held_excluded_companies,
                "key": "commercial_partner_id",
                "label": self.env._("Excluded company"),
                "reason": self.env._("The customer's company is excluded from NPS surveys."),
                "sequence": 10,
            },
            {
                "flag": "hold_unpaid_invoice",
                "matching": self._held_unpaid_invoices,
                "key": "commercial_partner_id",
                "label": self.env._("Unpaid invoice"),
                "reason": self.env._("The customer's company has an overdue or disputed invoice."),
                "sequence": 30,
            },
            {
                "flag": "hold_cancelled_order",
                "matching": self._held_cancelled_orders,
                "key": "res_id",
                "res_model": "sale.order",
                "label": self.env._("Cancelled order"),
                "reason": self.env._("The sales order was cancelled."),
                "sequence": 40,
            },
        ]

    @api.model
    def _context_holds(self, surveys, now):
        """The surveys to hold back, in batch: ``{survey: {"hold": True, "label", "reason"}}``.

        Each rule (see :meth:`_context_hold_rules`) the surveys' campaigns switch on costs one query for
        the whole batch, whatever its size.
        """

        def key_of(survey, key):
            value = survey[key]
            return value.id if isinstance(value, models.BaseModel) else value

        holds = {}
        for rule in sorted(self._context_hold_rules(), key=lambda rule: rule["sequence"]):
            candidates = surveys.filtered(lambda survey, flag=rule["flag"]: survey.campaign_id[flag])
            if rule.get("res_model"):
                candidates = candidates.filtered(lambda survey, model=rule["res_model"]: survey.res_model == model)
            keys = {key_of(survey, rule["key"]) for survey in candidates} - {False}
            if not keys:
                continue
            matched = rule["matching"](list(keys), now)
            for survey in candidates:
                if key_of(survey, rule["key"]) not in matched:
                    continue
                if survey in holds:
                    holds[survey]["reason"] += " " + rule["reason"]
                else:
                    holds[survey] = {"hold": True, "label": rule["label"], "reason": rule["reason"]}
        return holds

    @api.model
    def _held_excluded_companies(self, company_ids, now):
        """The companies flagged "Excluded from NPS surveys" among ``company_ids``."""
        return set(self.env["res.partner"].sudo().browse(company_ids).filtered("nps_excluded").ids)

    @api.model
    def _held_unpaid_invoices(self, company_ids, now):
        """The companies with a posted customer invoice overdue (due date passed, not paid) or disputed
        (payment blocked, Odoo's "Blocked" payment status)."""
        groups = (
            self.env["account.move"]
            .sudo()
            ._read_group(
                [
                    ("move_type", "=", "out_invoice"),
                    ("state", "=", "posted"),
                    ("commercial_partner_id", "in", company_ids),
                    "|",
                    ("payment_state", "=", "blocked"),
                    "&",
                    ("payment_state", "in", ("not_paid", "partial")),
                    ("invoice_date_due", "<", now.date()),
                ],
                ["commercial_partner_id"],
            )
        )
        return {partner.id for (partner,) in groups}

    @api.model
    def _held_cancelled_orders(self, order_ids, now):
        """The sales orders cancelled among ``order_ids`` (the surveys' source documents)."""
        return set(self.env["sale.order"].sudo().search([("id", "in", order_ids), ("state", "=", "cancel")]).ids)

    @api.model
    def _quiet_period_conflicts(self, surveys, now):
        """Surveys to cancel because their customer was surveyed within their campaign's quiet period,
        or gets another survey in this very batch."""
        candidates = surveys.filtered(
            lambda survey: survey.partner_id
            and survey.campaign_id.quiet_period_days
            and not survey._nps_quiet_period_exempt()
        )
        if not candidates:
            return {}
        since = now - timedelta(days=max(candidates.mapped("campaign_id.quiet_period_days")))
        Schedule = self.env["nps.campaign.schedule"]
        last_sent = {
            field: Schedule._last_survey_dates(field, candidates[field].ids, since)
            for field in ("partner_id", "commercial_partner_id")
        }
        label = self.env._("Surveyed recently (quiet period)")
        conflicts = {}
        taken = set()
        for survey in candidates.sorted(lambda survey: (survey.scheduled_date or now, survey.id)):
            campaign = survey.campaign_id
            field = campaign._nps_quiet_field()
            key = (field, survey[field].id)
            last = last_sent[field].get(survey[field].id)
            if last and last >= now - timedelta(days=campaign.quiet_period_days):
                conflicts[survey] = self._verdict(
                    "cancelled",
                    label,
                    self.env._(
                        "Already surveyed on %(date)s, within the quiet period of %(days)s days.",
                        date=fields.Date.to_string(last.date()),
                        days=campaign.quiet_period_days,
                    ),
                )
            elif key in taken:
                conflicts[survey] = self._verdict(
                    "cancelled", label, self.env._("Another survey is being sent to this customer.")
                )
            else:
                taken.add(key)
        return conflicts

    @api.model
    def _partner_verdicts(self, partners, channels, basis="legitimate_interest"):
        """Whether and how each customer can be surveyed, in batch: ``{partner_id: verdict}``.

        ``channels`` are tried in order; an opt-out (refusal, blacklist) is final, a missing or
        invalid address falls through to the next channel. ``basis`` is the campaign's lawful basis:
        with ``consent``, only the customers who agreed are surveyed.
        """
        partners = partners.sudo()
        emails = {partner.id: self._valid_email(partner.email) for partner in partners if partner.email}
        numbers = {partner.id: self._mobile_number(partner) for partner in partners} if "sms" in channels else {}
        email_list = [email for email in emails.values() if email]
        number_list = [number for number, _failure in numbers.values() if number]
        blacklisted_emails = set(
            self.env["mail.blacklist"].sudo().search([("email", "in", email_list)]).mapped("email")
            if email_list
            else []
        )
        blacklisted_numbers = set(
            self.env["phone.blacklist"].sudo().search([("number", "in", number_list)]).mapped("number")
            if number_list
            else []
        )

        def email_verdict(partner):
            if not partner.email:
                if partner.is_company:
                    reason = self.env._("The customer is a company record with no email address.")
                else:
                    reason = self.env._("The customer has no email address.")
                return self._verdict("failed", self.env._("No email address"), reason)
            email = emails[partner.id]
            if not email:
                return self._verdict(
                    "failed",
                    self.env._("Invalid email address"),
                    self.env._("%(email)s is not a valid email address.", email=partner.email),
                )
            if email in blacklisted_emails:
                return self._verdict(
                    "cancelled",
                    self.env._("Blacklisted"),
                    self.env._("The email address is on the blacklist."),
                )
            return {"channel": "email", "email": email}

        def sms_verdict(partner):
            number, failure = numbers[partner.id]
            if failure:
                return failure
            if number in blacklisted_numbers:
                return self._verdict(
                    "cancelled",
                    self.env._("Blacklisted"),
                    self.env._("The mobile number is on the phone blacklist."),
                )
            return {"channel": "sms", "number": number}

        verdicts = {}
        for partner in partners:
            if not partner.active:
                verdict = self._verdict(
                    "cancelled",
                    self.env._("Archived customer"),
                    self.env._("The customer is archived."),
                )
            elif partner.nps_consent == "refused":
                verdict = self._verdict(
                    "cancelled",
                    self.env._("Refused surveys"),
                    self.env._("The customer refused NPS surveys."),
                )
            elif basis == "consent" and partner.nps_consent != "granted":
                verdict = self._verdict(
                    "cancelled",
                    self.env._("No consent"),
                    self.env._("The campaign surveys only customers who agreed, and this customer has not."),
                )
            else:
                verdict = first_failure = None
                for channel in channels:
                    candidate = email_verdict(partner) if channel == "email" else sms_verdict(partner)
                    if not candidate.get("state") or candidate["state"] == "cancelled":
                        verdict = candidate
                        break
                    first_failure = first_failure or candidate
                verdict = verdict or first_failure
            verdicts[partner.id] = verdict
        return verdicts

    @api.model
    def _valid_email(self, email):
        normalized = email_normalize(email)
        return normalized if normalized and self._EMAIL_RE.match(normalized) else False

    @api.model
    def _mobile_number(self, partner):
        """``(E.164 number, None)`` or ``(False, failure verdict)``: the customer's mobile, else their phone
        if it is a mobile. A number without prefix is read in the customer's country."""
        raw_numbers = compat.partner_numbers(partner)
        if not raw_numbers:
            return False, self._verdict(
                "failed",
                self.env._("No valid mobile number"),
                self.env._("The customer has no mobile number."),
            )
        country = partner.country_id or partner.commercial_partner_id.country_id or self.env.company.country_id
        first_failure = None
        for raw in raw_numbers:
            try:
                number = phonenumbers.parse(raw, country.code or None)
            except phonenumbers.NumberParseException:
                number = None
            if number is None or not phonenumbers.is_valid_number(number):
                reason = self.env._("%(number)s is not a valid phone number.", number=raw)
            elif phonenumbers.number_type(number) not in (
                phonenumbers.PhoneNumberType.MOBILE,
                phonenumbers.PhoneNumberType.FIXED_LINE_OR_MOBILE,
            ):
                reason = self.env._("%(number)s is not a mobile number.", number=raw)
            else:
                return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164), None
            first_failure = first_failure or self._verdict("failed", self.env._("No valid mobile number"), reason)
        return False, first_failure

    # ------------------------------------------------------------------
    # Messages
    # ------------------------------------------------------------------
    @api.model
    def _deliver(self, surveys, verdicts, reminder=False):
        """Queue the emails and SMS of these surveys; return ``{survey: verdict}`` for those that failed."""
        by_email = surveys.filtered(lambda survey: verdicts[survey]["channel"] == "email")
        failures = self._queue_messages(
            by_email,
            "email",
            self._render_mails,
            lambda survey, rendered: self._mail_values(survey, rendered, verdicts[survey]),
            reminder,
        )
        failures.update(
            self._queue_messages(
                surveys - by_email,
                "sms",
                lambda template, ids: template._render_field("body", ids, compute_lang=True),
                lambda survey, body: {
                    "number": verdicts[survey]["number"],
                    "body": body,
                    "partner_id": survey.partner_id.id,
                    "state": "outgoing",
                },
                reminder,
            )
        )
        return failures

    @api.model
    def _failure(self, message, error):
        return self._verdict("failed", self.env._("Sending error"), message + " " + str(error))

    @api.model
    def _render_batch(self, surveys, render):
        """``render(ids)`` for all surveys at once; if that fails, one by one so that only the broken
        surveys fail. Return ``({survey_id: rendered}, {survey: failure verdict})``."""
        try:
            return render(surveys.ids), {}
        except Exception:  # noqa: BLE001 pylint: disable=broad-exception-caught
            _logger.info("NPS: batch rendering failed, rendering surveys %s one by one", surveys.ids, exc_info=True)
        rendered, failures = {}, {}
        for survey in surveys:
            try:
                rendered.update(render(survey.ids))
            except Exception as error:  # noqa: BLE001 pylint: disable=broad-exception-caught
                failures[survey] = self._failure(self.env._("The message could not be rendered:"), error)
        return rendered, failures

    @api.model
    def _create_batch(self, model_name, survey_values, failures):
        """Create all messages in one call; if that fails, one by one in savepoints, so that only the
        broken surveys fail (added to ``failures``)."""
        model = self.env[model_name].sudo()
        try:
            with self.env.cr.savepoint():
                return model.create([values for _survey, values in survey_values])
        except Exception:  # noqa: BLE001 pylint: disable=broad-exception-caught
            _logger.info("NPS: batch creation of %s failed, creating them one by one", model_name, exc_info=True)
        records = model
        for survey, values in survey_values:
            try:
                with self.env.cr.savepoint():
                    records |= model.create(values)
            except Exception as error:  # noqa: BLE001 pylint: disable=broad-exception-caught
                failures[survey] = self._failure(self.env._("The message could not be created:"), error)
        return records

    @api.model
    def _queue_messages(self, surveys, channel, render, message_values, reminder=False):
        """Render and create the messages of one channel in batch; return ``{survey: failure verdict}``.

        ``render(template, ids)`` gives ``{id: rendered}``; ``message_values(survey, rendered)`` the values
        of its ``mail.mail`` or ``sms.sms``.
        """
        if not surveys:
            return {}
        template_field, default_xmlid, model_name, cron_xmlid = self._CHANNEL_MESSAGES[channel]
        default_template = self.env.ref(default_xmlid)
        failures = {}
        survey_values = []
        for template, template_surveys in surveys.grouped(
            lambda survey: survey.campaign_id[template_field] or default_template
        ).items():
            # the only rendering where the survey's link holds the customer's token
            template_ctx = template.sudo().with_context(
                nps_reminder=reminder, **self.env["nps.survey"]._nps_token_context()
            )
            rendered, errors = self._render_batch(
                template_surveys, lambda ids, template_ctx=template_ctx: render(template_ctx, ids)
            )
            failures.update(errors)
            survey_values += [
                (
                    survey,
                    {
                        **message_values(survey, rendered[survey.id]),
                        # whose message it is, to report its delivery outcome to the survey
                        "nps_survey_id": survey.id,
                        "nps_reminder": reminder,
                    },
                )
                for survey in template_surveys
                if survey.id in rendered
            ]
        if survey_values:
            self._create_batch(model_name, survey_values, failures)
            self.env.ref(cron_xmlid)._trigger()
        return failures

    @api.model
    def _render_mails(self, template, res_ids):
        """``{res_id: values}`` of ``template`` for many surveys, through the template's public API
        (rendered per language, as ``send_mail`` would)."""
        return template._generate_template(res_ids, self._MAIL_RENDER_FIELDS)

    @api.model
    def _mail_values(self, survey, rendered, verdict):
        optout_url = f"{survey.get_base_url()}{survey._nps_with_token().access_url}/optout"
        values = {
            "subject": rendered.get("subject"),
            "body_html": rendered.get("body_html"),
            "email_from": rendered.get("email_from"),
            "reply_to": rendered.get("reply_to"),
            "email_to": survey.partner_id.email_formatted or verdict["email"],
            "auto_delete": rendered.get("auto_delete", True),
            "mail_server_id": rendered.get("mail_server_id"),
            "model": survey._name,
            "res_id": survey.id,
            # RFC 8058 one-click unsubscribe, answered by the opt-out route
            "headers": repr(
                {"List-Unsubscribe": f"<{optout_url}>", "List-Unsubscribe-Post": "List-Unsubscribe=One-Click"}
            ),
        }
        return {key: value for key, value in values.items() if value is not None and value is not False}

    @api.model
    def _log_on_documents(self, surveys):
        """Post "NPS survey sent" on the source documents that have a chatter, one batch per model
        (once the message has left, see :meth:`_message_delivered`)."""
        channel_labels = dict(surveys._fields["channel"]._description_selection(self.env))
        for model_name, model_surveys in surveys.filtered("res_model").grouped("res_model").items():
            if model_name not in self.env or not hasattr(self.env[model_name], "_message_log_batch"):
                continue
            documents = self.env[model_name].sudo().browse(model_surveys.mapped("res_id")).exists()
            existing = set(documents.ids)
            bodies = {
                survey.res_id: Markup("<p>%s</p>")
                % self.env._(
                    "NPS survey sent to %(customer)s (%(channel)s).",
                    customer=survey.partner_id.display_name,
                    channel=channel_labels[survey.channel],
                )
                for survey in model_surveys
                if survey.res_id in existing
            }
            documents._message_log_batch(bodies=bodies)

    # ------------------------------------------------------------------
    # Delivery outcome, reported by mail.mail, sms.sms and bounces
    # ------------------------------------------------------------------
    @api.model
    def _message_delivered(self, surveys, message_ids=None):
        """The invitations of these surveys have left: the mail server or the SMS provider took them.

        Only now is the send logged on the source documents. ``message_ids`` (``{survey id: Message-ID}``)
        are kept so that a bounce of the email is recognised.
        """
        surveys = surveys.sudo()
        for survey in surveys:
            if message_ids and message_ids.get(survey.id):
                survey.with_context(tracking_disable=True).sent_message_id = message_ids[survey.id]
        self._log_on_documents(surveys)

    @api.model
    def _message_failed(self, failures):
        """Messages that were not delivered: ``[(survey, channel, reminder, reason)]``.

        A survey waiting for its invitation is put back to be sent again after a delay, with the rules
        checked again, up to ``_MAX_SEND_ATTEMPTS`` attempts; then it fails with the reason. Either way it
        no longer counts as sent. A reminder that was not delivered changes nothing: it is noted on the
        survey, as is every failure. Return the surveys put back or failed.
        """
        now = fields.Datetime.now()
        Survey = self.env["nps.survey"].sudo()
        channel_labels = dict(Survey._fields["channel"]._description_selection(self.env))
        notes, groups = {}, {}
        for survey, channel, reminder, reason in failures:
            survey = survey.sudo()
            channel_label = channel_labels.get(channel, channel)
            # a survey no longer waits for its invitation once answered, closed, or reminded (it has the link)
            if reminder or survey.state != "sent" or survey.reminder_sent_date:
                if reminder:
                    message = self.env._(
                        "The reminder by %(channel)s could not be delivered: %(reason)s",
                        channel=channel_label,
                        reason=reason,
                    )
                else:
                    message = self.env._(
                        "The invitation by %(channel)s could not be delivered: %(reason)s",
                        channel=channel_label,
                        reason=reason,
                    )
                notes[survey.id] = message
                continue
            attempts = survey.send_attempt_count + 1
            values = {
                "send_attempt_count": attempts,
                "sent_date": False,
                "reminder_date": False,
                "expiry_date": False,
                "sent_message_id": False,
            }
            if attempts < self._MAX_SEND_ATTEMPTS:
                retry_date = now + self._RETRY_DELAYS[attempts - 1]
                if survey.campaign_id:
                    retry_date = self.env["nps.campaign.schedule"]._next_send_date(
                        survey.campaign_id, survey.partner_id, retry_date
                    )
                values.update(state="scheduled", scheduled_date=retry_date)
                message = self.env._(
                    "Not delivered by %(channel)s (attempt %(attempt)s of %(attempts)s), sent again later: "
                    "%(reason)s",
                    channel=channel_label,
                    attempt=attempts,
                    attempts=self._MAX_SEND_ATTEMPTS,
                    reason=reason,
                )
            else:
                values["state"] = "failed"
                message = self.env._(
                    "Not delivered by %(channel)s after %(attempts)s attempts: %(reason)s",
                    channel=channel_label,
                    attempts=attempts,
                    reason=reason,
                )
            values["state_reason"] = message[: self._REASON_MAX_LENGTH]
            notes[survey.id] = message
            groups.setdefault(tuple(sorted(values.items())), []).append(survey.id)
        self._write_grouped(groups)
        if notes:
            Survey.browse(list(notes))._message_log_batch(
                bodies={survey_id: Markup("<p>%s</p>") % message for survey_id, message in notes.items()}
            )
        return Survey.browse([survey_id for survey_ids in groups.values() for survey_id in survey_ids])

    @api.model
    def _report_stuck_invitations(self, limit):
        """Invitation emails left in exception without their outcome reported: the mail queue stops without
        reporting when it loses the connection to the mail server. Their surveys are put back like any other
        undelivered one (the emails are cancelled then, so each is taken once). Return the emails."""
        Mail = self.env["mail.mail"].sudo()
        rows = lock_rows_skip_locked(
            Mail,
            ["id"],
            limit,
            SQL(
                """state = 'exception' AND nps_reminder IS NOT TRUE AND EXISTS (
                       SELECT 1 FROM nps_survey survey
                        WHERE survey.id = mail_mail.nps_survey_id
                          AND survey.state = 'sent' AND survey.reminder_sent_date IS NULL)"""
            ),
        )
        mails = Mail.browse([row[0] for row in rows])
        if mails:
            mails._nps_report_delivery(mails._nps_delivery_outcomes())
        return mails
