import logging
import random
from datetime import datetime, timedelta

from markupsafe import Markup

from odoo import SUPERUSER_ID, Command, api, fields, models
from odoo.exceptions import AccessError, ValidationError
from odoo.service.model import PG_CONCURRENCY_EXCEPTIONS_TO_RETRY
from odoo.tools import SQL, format_datetime, is_html_empty
from odoo.tools.misc import get_lang

from .. import compat
from .nps_sql import lock_rows_skip_locked
from .nps_theme import ThemeMatcher

_logger = logging.getLogger(__name__)


class NpsSurveyLoop(models.AbstractModel):
    """Closing the loop, apart from the survey it follows (as ``nps.survey.send`` is for sending).

    Everything that follows an answer: the customer's revenue at risk, the themes of their words, the control
    group's draw, who calls the customer back (never the employee they dealt with nor their salesperson) and
    by when, the callback activity, the alerts, the promoter's thank-you, the passive customer's follow-up,
    the callback's notes and outcome, the re-survey, and the escalation of callbacks not made in time; with
    the one definition of a callback due or late. Methods take the surveys as their first argument; the
    system calls them as superuser once the survey page or an employee's action was allowed.
    """

    _name = "nps.survey.loop"
    _description = "NPS closing the loop"

    _CALLBACK_TYPE = "nps_closed_loop.mail_activity_type_nps_callback"
    _PASSIVE_FOLLOWUP_TYPE = "nps_closed_loop.mail_activity_type_nps_passive_followup"
    _AFTER_ANSWERS_CRON = "nps_closed_loop.ir_cron_nps_after_answers"
    _HISTORY_SIZE = 5

    # ------------------------------------------------------------------
    # What follows an answer
    # ------------------------------------------------------------------
    @api.model
    def _after_answer(self, survey, is_change=False):
        """Hook: what follows ``survey``'s answer. ``is_change`` is True when an earlier answer was changed.

        Idempotent: a changed answer never creates a second callback, alert or thank-you.
        A changed answer that leaves callback territory (e.g. 4 changed to 9) cancels a callback
        nobody has made yet, with a note in the chatter; once the customer was contacted, the
        loop's history is kept as it is.
        """
        survey.ensure_one()
        # Runs after the controller's token check, for a customer who has no rights on callbacks, users or
        # campaigns: what follows is the system's work, written for the team in their language rather
        # than the customer's.
        team_lang = survey.sudo().campaign_id.user_id.lang or survey.env.lang
        survey = survey.with_user(SUPERUSER_ID).with_context(lang=team_lang)
        loop = self.with_env(survey.env)
        loop._store_customer_revenue(survey)
        wants_callback = loop._callback_wanted(survey) and survey.contact_allowed
        if is_change and survey.loop_state == "open" and not wants_callback:
            loop._cancel_callback(survey)
        if survey.loop_state == "none":
            survey.holdout = loop._draw_holdout(survey)
            if wants_callback and not survey.holdout:
                loop._create_callback(survey)
            elif survey.holdout and survey.campaign_id.resurvey_after_close:
                # The control group is re-surveyed as well (counted from its answer, as it has no loop to
                # close): otherwise its later NPS and recovery could never be compared.
                loop._schedule_followup(survey, survey.campaign_id.resurvey_days)
        elif survey.loop_state == "open" and is_change:
            loop._callback_activities(survey).write({"note": loop._callback_note(survey)})
        if survey.category == "detractor" and not survey.detractor_alert_date:
            loop._alert_detractor(survey)
        if survey.category == "promoter" and not survey.promoter_thanks_sent:
            loop._thank_promoter(survey)
        if survey.category == "passive":
            loop._schedule_passive_followup(survey)

    @api.model
    def _store_customer_revenue(self, surveys):
        """Record on the answers ``surveys`` their customer's revenue, in one query: the posted customer invoices
        of the customer's company minus its credit notes (untaxed, in the company's currency) dated within the
        12 months before the answer (the answer's day included, the same day a year before not). 0 without
        an answer date, a customer company, or invoicing, and when the credit notes exceed the invoices
        (nothing is at risk then: the Overview would otherwise subtract it from the others')."""
        if not surveys:
            return
        if "account.move" not in self.env:
            surveys.sudo().write({"customer_revenue": 0.0})
            return
        surveys.flush_recordset(["answer_date", "commercial_partner_id", "company_id"])
        self.env["account.move"].flush_model(
            ["commercial_partner_id", "company_id", "move_type", "state", "invoice_date", "amount_untaxed_signed"]
        )
        self.env.execute_query(
            SQL(
                """
                UPDATE nps_survey s
                   SET customer_revenue = GREATEST(COALESCE((
                       SELECT SUM(move.amount_untaxed_signed)
                         FROM account_move move
                        WHERE move.commercial_partner_id = s.commercial_partner_id
                          AND move.company_id = s.company_id
                          AND move.move_type IN ('out_invoice', 'out_refund')
                          AND move.state = 'posted'
                          AND move.invoice_date > (s.answer_date - INTERVAL '12 months')::date
                          AND move.invoice_date <= s.answer_date::date
                   ), 0), 0)
                 WHERE s.id IN %s
                """,
                tuple(surveys.ids),
            )
        )
        surveys.invalidate_recordset(["customer_revenue"])

    @api.model
    def _tag_themes(self, surveys, keep=False):
        """Tag the answers ``surveys`` with the themes their comment and follow-up answer talk about, each with
        its polarity (``nps.survey.mention``), from the themes' lexicons in the customer's language (see
        :mod:`.nps_theme`). ``keep``: add to the themes already set (by hand) instead of replacing them; the
        mentions are always those of the words.

        The lexicons are read once for all the answers, which are written in one go per set of themes.
        """
        surveys = surveys.sudo()  # the system tags the customer's words: the customer has no rights on themes
        if not surveys:
            return
        matcher = ThemeMatcher(self.env)
        by_themes = {}
        mentions = []
        for survey in surveys:
            found = matcher.tag(survey._nps_theme_text(), survey.partner_id.lang, survey.company_id.id, survey.score)
            themes = {theme for theme, _polarity in found}
            if keep:
                themes |= set(survey.theme_ids.ids)
            by_themes.setdefault(frozenset(themes), []).append(survey.id)
            mentions += [
                {"survey_id": survey.id, "reason_id": theme, "polarity": polarity} for theme, polarity in found
            ]
        for themes, survey_ids in by_themes.items():
            surveys.browse(survey_ids).write({"theme_ids": [Command.set(sorted(themes))], "themes_pending": False})
        self.env["nps.survey.mention"].sudo()._nps_replace(surveys, mentions)

    @api.model
    def _queue_tag_themes(self, surveys):
        """Tag ``surveys`` again by the batch job (:meth:`_cron_tag_themes`), for more answers than a request
        should tag: e.g. the past answers after a theme was added or a lexicon changed."""
        surveys = surveys.sudo().filtered(lambda survey: survey.comment or survey.followup)
        if not surveys:
            return
        surveys.themes_pending = True
        self.env.ref(self._TAG_THEMES_CRON)._trigger()

    _TAG_THEMES_CRON = "nps_closed_loop.ir_cron_nps_tag_themes"

    @api.model
    def _cron_tag_themes(self, batch_size=1000):
        """Tag again the answers waiting for it (``themes_pending``), in batches: e.g. every answer after the
        upgrade that brought the lexicons. Those of the survey page still followed up (``reaction_pending``) are
        left to :meth:`_cron_after_answers`. Several workers may run it at once: answers are taken with SKIP
        LOCKED, so none is tagged twice."""
        Survey = self.env["nps.survey"].sudo()
        condition = SQL("themes_pending AND reaction_pending IS NULL")
        rows = lock_rows_skip_locked(Survey, ["id"], batch_size, condition)
        self._tag_themes(Survey.browse(survey_id for (survey_id,) in rows))
        remaining = Survey.search_count([("themes_pending", "=", True), ("reaction_pending", "=", False)])
        compat.notify_progress(self.env, done=len(rows), remaining=remaining)

    @api.model
    def _start_after_answers_job(self):
        """Start the job that follows the answers given on the survey page (:meth:`_cron_after_answers`) at
        once, as ``ir.cron._trigger`` does, in one statement that also checks it is active; return False when
        it is switched off (the survey page then follows the answer up at once rather than never)."""
        cron_id = self.env["ir.model.data"]._xmlid_to_res_id(self._AFTER_ANSWERS_CRON, raise_if_not_found=False)
        self.env["ir.cron"].flush_model(["active"])
        now = fields.Datetime.now()
        started = self.env.execute_query(
            SQL(
                """
                INSERT INTO ir_cron_trigger (cron_id, call_at, create_uid, create_date, write_uid, write_date)
                SELECT id, %(now)s, %(uid)s, %(now)s, %(uid)s, %(now)s FROM ir_cron WHERE id = %(cron)s AND active
                RETURNING id
                """,
                now=now,
                uid=self.env.uid,
                cron=cron_id or 0,
            )
        )
        if started:
            # the cron workers are woken once the answer is committed, as ir.cron._trigger wakes them
            self.env.cr.postcommit.add(self.env["ir.cron"]._notifydb)
        return bool(started)

    @api.model
    def _reaction_pending(self, survey, is_change):
        """What the job has to follow up on ``survey``: changed again before the job ran, still a first answer."""
        return survey.reaction_pending or ("change" if is_change else "answer")

    @api.model
    def _cron_after_answers(self, batch_size=50):
        """What follows the answers given on the survey page: callbacks, alerts, thank-yous, notes.

        Several workers may run it at once: answers are taken with SKIP LOCKED, so none is followed up
        twice. One that fails (e.g. a conflict with a concurrent assignment) stays pending and is taken
        again by the next run.
        """
        Survey = self.env["nps.survey"].sudo()
        rows = lock_rows_skip_locked(
            Survey, ["id", "reaction_pending"], batch_size, SQL("reaction_pending IS NOT NULL")
        )
        # the themes of the words written on the survey page, for the whole batch at once
        self._tag_themes(Survey.browse(survey_id for survey_id, _pending in rows).filtered("themes_pending"))
        done = conflicts = 0
        for survey_id, pending in rows:
            survey = Survey.browse(survey_id)
            try:
                with self.env.cr.savepoint():
                    survey.reaction_pending = False
                    # written for the team: in the company's language unless the campaign's responsible has one
                    lang = get_lang(self.env, survey.company_id.partner_id.lang).code
                    self.with_context(lang=lang)._after_answer(survey.with_context(lang=lang), pending == "change")
                done += 1
            except PG_CONCURRENCY_EXCEPTIONS_TO_RETRY:
                # e.g. a callback assigned to the same agent at the same moment (see nps.callback.counter)
                conflicts += 1
                _logger.info("NPS: the answer of survey %s conflicted with another transaction, retried", survey_id)
            except Exception:
                _logger.exception("NPS: following up the answer of survey %s failed", survey_id)
        if conflicts:
            self.env.ref(self._AFTER_ANSWERS_CRON)._trigger(fields.Datetime.now() + timedelta(minutes=1))
        remaining = Survey.search_count([("reaction_pending", "!=", False)])
        compat.notify_progress(self.env, done=done, remaining=remaining)

    @api.model
    def _callback_wanted(self, survey):
        """A detractor, or any answer allowing contact when the campaign calls those back too."""
        survey.ensure_one()
        if survey.state != "answered" or not survey.category:
            return False
        return survey.category == "detractor" or bool(
            survey.contact_allowed and survey.campaign_id.callback_on_contact_allowed
        )

    @api.model
    def _draw_holdout(self, survey):
        """Whether this detractor falls into the campaign's control group.

        Drawn only among detractors who could be called (contact allowed, not a follow-up), so that the
        control and called groups are comparable. The draw is reproducible: seeded by the campaign's seed
        and the survey id, it gives the same result when the answer is changed.
        """
        survey.ensure_one()
        campaign = survey.campaign_id
        if (
            survey.category != "detractor"
            or not survey.contact_allowed
            or survey.followup_of_id
            or not campaign
            or campaign.holdout_percent <= 0
        ):
            return False
        draw = random.Random(f"{campaign.holdout_seed}:{survey.id}").random()
        return draw * 100.0 < campaign.holdout_percent

    # ------------------------------------------------------------------
    # Who calls back
    # ------------------------------------------------------------------
    @api.model
    def _salespeople(self, survey):
        """The customer's salesperson and their company's."""
        survey = survey.sudo()
        return survey.partner_id.user_id | survey.commercial_partner_id.user_id

    @api.model
    def _excluded_users(self, survey):
        """Who must never call this customer back: the employee they dealt with and their salesperson."""
        survey.ensure_one()
        return survey.sudo().contact_user_id | self._salespeople(survey)

    @api.model
    def _check_callback_user(self, survey, user):
        """Refuse the original contact or the customer's salesperson as the callback assignee."""
        survey.ensure_one()
        if not user:
            return
        survey = survey.sudo()
        if user == survey.contact_user_id:
            raise ValidationError(
                self.env._(
                    "%(user)s dealt with %(customer)s and cannot call them back: an unhappy customer does not "
                    "speak freely to the person they are unhappy with. Choose someone else.",
                    user=user.display_name,
                    customer=survey.partner_id.display_name,
                )
            )
        if user in self._excluded_users(survey):
            raise ValidationError(
                self.env._(
                    "%(user)s is the salesperson of %(customer)s and cannot call them back. Choose someone else.",
                    user=user.display_name,
                    customer=survey.partner_id.display_name,
                )
            )

    @api.model
    def _eligible_users(self, survey, users):
        """``users`` who may call this customer back: active employees of its company, not excluded."""
        survey.ensure_one()
        excluded = self._excluded_users(survey)
        return users.filtered(
            lambda user: user.active
            and not user.share
            and user not in excluded
            and survey.company_id in user.company_ids
        )

    @api.model
    def _eligible_managers(self, survey):
        """The NPS managers who may call this customer back: who calls when the campaign's team cannot,
        and who hears of a callback not made in time."""
        return self._eligible_users(
            survey, self.env.ref("nps_closed_loop.group_nps_manager").sudo()[compat.GROUP_USERS]
        )

    @api.model
    def _least_loaded_user(self, users):
        """Fewest open callbacks first; ties go to the one least recently assigned (round robin)."""
        Survey = self.env["nps.survey"].sudo()
        domain = [("callback_user_id", "in", users.ids)]
        load = dict(
            Survey._read_group(
                domain + [("loop_state", "in", ("open", "contacted"))], ["callback_user_id"], ["__count"]
            )
        )
        last_assigned = dict(
            Survey._read_group(
                domain + [("callback_assign_date", "!=", False)], ["callback_user_id"], ["callback_assign_date:max"]
            )
        )
        return min(users, key=lambda user: (load.get(user, 0), last_assigned.get(user) or datetime.min, user.id))

    @api.model
    def _pick_callback_user(self, survey):
        """Return ``(user, warning)``: who calls back, and why it is not the usual choice if so."""
        survey.ensure_one()
        campaign = survey.campaign_id
        team = self._eligible_users(survey, campaign.callback_user_ids)
        if team:
            return self._least_loaded_user(team), False
        managers = self._eligible_managers(survey)
        if managers:
            return self._least_loaded_user(managers), False
        responsible = campaign.user_id
        if (
            responsible
            and responsible.active
            and survey.company_id in responsible.company_ids
            and responsible not in self._excluded_users(survey)
        ):
            return responsible, self.env._(
                "Nobody in the callback team nor among the NPS managers can call this customer back: "
                "assigned to the campaign's responsible."
            )
        return self.env["res.users"], self.env._(
            "Nobody can call this customer back without being the person they dealt with: "
            "add someone to the campaign's callback team."
        )

    # ------------------------------------------------------------------
    # The callback
    # ------------------------------------------------------------------
    @api.model
    def _activities_of_type(self, surveys, activity_type_xmlid):
        activity_type = self.env.ref(activity_type_xmlid, raise_if_not_found=False)
        return surveys.sudo().activity_ids.filtered(lambda activity: activity.activity_type_id == activity_type)

    @api.model
    def _callback_activities(self, surveys):
        return self._activities_of_type(surveys, self._CALLBACK_TYPE)

    @api.model
    def _sync_callback_activities(self, surveys, vals):
        """Reassigned by hand on the survey: the callback activity follows."""
        if "callback_user_id" not in vals or self.env.context.get("nps_loop_sync"):
            return
        for survey in surveys.sudo().filtered("callback_user_id"):
            self._callback_activities(survey).with_context(nps_loop_sync=True).write(
                {"user_id": survey.callback_user_id.id}
            )

    @api.model
    def _create_callback(self, survey):
        """Assign the callback and schedule its activity, due within the campaign's SLA."""
        if self._assign_callback(survey):
            self._schedule_callback_activity(survey)

    @api.model
    def _assign_callback(self, survey):
        """Choose who calls back and set the loop open, due within the campaign's SLA; return the assignee.

        The loads are read from the transaction's snapshot: a callback assigned at the same moment by
        another transaction is not counted. Counting the assignment on the agent's row makes two such
        transactions that picked the same agent conflict: the second one is retried with a fresh snapshot
        (see ``nps.callback.counter``) and picks someone else.
        """
        survey.ensure_one()
        user, warning = self._pick_callback_user(survey)
        self.env["nps.callback.counter"]._nps_count_assignment(user)
        deadline = survey.campaign_id._nps_callback_deadline(user, survey.answer_date or fields.Datetime.now())
        survey.with_context(nps_loop_sync=True).write(
            {
                "loop_state": "open",
                "callback_user_id": user.id,
                "callback_assign_date": fields.Datetime.now(),
                "callback_deadline": deadline,
                "loop_overdue": False,
                "loop_warning": warning,
            }
        )
        if not user:
            survey.message_post(body=warning, subtype_xmlid="mail.mt_note")
        return user

    @api.model
    def _schedule_callback_activity(self, survey):
        """The assignee's *Call back detractor* activity, due by the callback deadline in their time zone."""
        survey.ensure_one()
        user = survey.callback_user_id
        local_deadline = fields.Datetime.context_timestamp(
            survey.with_context(tz=user.tz or "UTC"), survey.callback_deadline
        )
        # the summary and the note speak the caller's language
        lang = user.lang or self.env.lang
        loop, survey = self.with_context(lang=lang), survey.with_context(lang=lang)
        survey.activity_schedule(
            self._CALLBACK_TYPE,
            date_deadline=local_deadline.date(),
            summary=loop.env._(
                "Call back %(customer)s (%(score)s/10)", customer=survey.partner_id.display_name, score=survey.score
            ),
            note=loop._callback_note(survey),
            user_id=user.id,
        )

    @api.model
    def _callback_note(self, survey):
        """What the caller needs before dialling: the answer, the source, the phone, the history."""
        survey.ensure_one()
        partner = survey.partner_id
        previous = survey.search_fetch(
            [("partner_id", "=", partner.id), ("id", "!=", survey.id), ("category", "!=", False)],
            ["score", "answer_date"],
            order="answer_date desc nulls last, id desc",
            limit=self._HISTORY_SIZE,
        )
        lines = [
            (self.env._("Score"), f"{survey.score}/10"),
            (self.env._("Comment"), survey.comment or "-"),
            (self.env._("Follow-up answer"), survey.followup or "-"),
            (self.env._("Source document"), survey.res_name or "-"),
            (self.env._("Phone"), " / ".join(compat.partner_numbers(partner)) or "-"),
            (
                self.env._("Previous scores"),
                ", ".join(
                    f"{answer.score} ({answer.answer_date.date() if answer.answer_date else '-'})"
                    for answer in previous
                )
                or "-",
            ),
        ]
        return self.env["ir.qweb"]._render("nps_closed_loop.nps_survey_callback_note", {"lines": lines})

    @api.model
    def _cancel_callback(self, survey):
        """The changed answer no longer calls for a callback nobody has made yet (no longer a detractor, or
        contact no longer allowed): withdraw it."""
        survey.ensure_one()
        self._callback_activities(survey).unlink()
        survey.with_context(nps_loop_sync=True).write(
            {
                "loop_state": "none",
                "callback_user_id": False,
                "callback_deadline": False,
                "loop_overdue": False,
                "loop_warning": False,
            }
        )
        survey.message_post(
            body=self.env._(
                "The customer changed their answer to %(score)s/10: the callback is withdrawn.", score=survey.score
            ),
            subtype_xmlid="mail.mt_note",
        )

    @api.model
    def _callback_done(self, surveys):
        """The callback was made (activity marked done, or the call logged): the customer was contacted
        (or tried)."""
        now = fields.Datetime.now()
        for survey in surveys.sudo():
            values = {}
            if not survey.first_contact_date:
                values["first_contact_date"] = now
            if survey.loop_state == "open":
                values["loop_state"] = "contacted"
            if values:
                survey.write(values)

    @api.model
    def _add_note(self, surveys, note):
        """Add ``note`` (HTML) to the callback's internal notes of ``surveys``, dated and signed by the current
        user: the notes are a log, newest last, that no later note replaces.

        The notes stay out of the chatter, which the salesperson and the employee the customer dealt with
        read. Written as superuser: the callers checked that the user may log the call or close the loop.
        """
        if is_html_empty(note):
            return
        user = self.env.user
        entry = self.env["ir.qweb"]._render(
            "nps_closed_loop.nps_survey_loop_note",
            {
                "date": format_datetime(self.env, fields.Datetime.now(), tz=user.tz or "UTC", dt_format="short"),
                "author": user.display_name,
                "note": Markup(note),  # sanitised with the notes when they are written
            },
        )
        for survey in surveys.sudo():
            survey.loop_notes = Markup(survey.loop_notes or "") + entry

    @api.model
    def _close_loop(self, survey, outcome, reasons=None, notes=False):
        """Record the conversation's outcome and close the loop; ``notes`` are added to the earlier ones."""
        survey.ensure_one()
        # The outcome is tracked in the chatter; the notes stay internal (see _add_note).
        self._callback_activities(survey).action_feedback()
        self._add_note(survey, notes)
        now = fields.Datetime.now()
        survey.write(
            {
                "loop_state": "closed",
                "outcome": outcome,
                "reason_ids": [Command.set((reasons or self.env["nps.reason"]).ids)],
                "loop_close_date": now,
                "first_contact_date": survey.first_contact_date or now,
            }
        )

    @api.model
    def _can_be_followed_up(self, survey):
        """An answer is re-surveyed once, and a re-survey is not re-surveyed again."""
        survey.ensure_one()
        survey = survey.sudo()
        return bool(survey.partner_id and not survey.followup_survey_ids and not survey.followup_of_id)

    @api.model
    def _schedule_followup(self, survey, days):
        """Re-survey the customer in ``days`` days; this survey may break the quiet period, once."""
        if not self._can_be_followed_up(survey):
            return self.env["nps.survey"]
        survey = survey.sudo()
        return survey.create(
            {
                "partner_id": survey.partner_id.id,
                "campaign_id": survey.campaign_id.id,
                "company_id": survey.company_id.id,
                "channel": survey.channel,
                "res_model": survey.res_model,
                "res_id": survey.res_id,
                "contact_user_id": survey.contact_user_id.id,
                "scheduled_date": fields.Datetime.now() + timedelta(days=days),
                "followup_of_id": survey.id,
            }
        )

    # ------------------------------------------------------------------
    # Alerts, thanks, follow-ups
    # ------------------------------------------------------------------
    @api.model
    def _alert_detractor(self, survey):
        """Tell the campaign's followers at once, the salesperson too if the campaign says so, and the
        campaign's alert channel: the same alert, once per answer (``detractor_alert_date``)."""
        survey.ensure_one()
        survey.detractor_alert_date = fields.Datetime.now()
        campaign = survey.campaign_id
        recipients = campaign.message_partner_ids
        if campaign.notify_salesperson:
            recipients |= self._salespeople(survey).partner_id
        recipients -= survey.partner_id | survey.commercial_partner_id
        if not (recipients or campaign.alert_channel_id):
            return
        subject, body = self._detractor_alert(survey)
        if recipients:
            survey.message_notify(partner_ids=recipients.ids, subject=subject, body=body)
        if campaign.alert_channel_id:
            # posted by OdooBot (the loop runs as the system), with a link to the answer for who may open it
            campaign.alert_channel_id.message_post(
                author_id=self.env.ref("base.partner_root").id,
                body=Markup("<p><b>%s</b></p>%s<p>%s</p>") % (subject, body, survey._get_html_link()),
                message_type="comment",
                subtype_xmlid="mail.mt_comment",
            )

    @api.model
    def _detractor_alert(self, survey):
        """The detractor's alert, in the environment's language: its subject, and its body (who answered what
        and their comment, then who calls them back by when, or why nobody does)."""
        campaign = survey.campaign_id
        if survey.holdout:
            status = self.env._(
                "Control group: please do not call this customer, the campaign measures the effect of callbacks."
            )
        elif survey.contact_refused:
            status = self.env._("The customer did not allow us to contact them: no callback.")
        elif survey.callback_user_id:
            status = self.env._(
                "%(user)s calls them back by %(deadline)s.",
                user=survey.callback_user_id.display_name,
                deadline=format_datetime(self.env, survey.callback_deadline, tz=campaign.user_id.tz),
            )
        else:
            status = survey.loop_warning or ""
        summary = self.env._(
            "%(customer)s answered %(score)s/10 to %(campaign)s.",
            customer=survey.partner_id.display_name,
            score=survey.score,
            campaign=campaign.display_name or "-",
        )
        subject = self.env._("NPS detractor: %(customer)s", customer=survey.partner_id.display_name)
        return subject, Markup("<p>%s</p><p>%s</p><p>%s</p>") % (summary, survey.comment or "", status)

    @api.model
    def _review_invited(self, survey):
        """Whether this answered survey's customer is invited to leave a review, as the campaign chose:
        nobody (the default), everyone who answers, or promoters only (review gating, warned against)."""
        survey.ensure_one()
        campaign = survey.campaign_id
        if survey.state != "answered" or not campaign.review_url:
            return False
        invitation = campaign.review_invitation
        return invitation == "everyone" or (invitation == "promoters" and survey.category == "promoter")

    @api.model
    def _thank_promoter(self, survey):
        """Thank a promoter with the campaign's review or referral link, once, if the campaign invites them."""
        survey.ensure_one()
        if not (
            survey.campaign_id.promoter_thanks
            and self._review_invited(survey)
            and survey.partner_id.email
            and not survey.is_anonymized
        ):
            return
        survey.promoter_thanks_sent = True
        survey.message_post_with_source(
            "nps_closed_loop.mail_template_nps_promoter_thanks",
            subtype_xmlid="mail.mt_comment",
            message_type="comment",
        )

    @api.model
    def _schedule_passive_followup(self, survey):
        """Suggest the salesperson a word with a passive customer, once."""
        survey.ensure_one()
        salesperson = self._salespeople(survey)[:1]
        if not (survey.campaign_id.passive_followup_activity and salesperson):
            return
        if self._activities_of_type(survey, self._PASSIVE_FOLLOWUP_TYPE):
            return
        survey.activity_schedule(
            self._PASSIVE_FOLLOWUP_TYPE,
            summary=self.env._(
                "%(customer)s is passive (%(score)s/10): what would make them a promoter?",
                customer=survey.partner_id.display_name,
                score=survey.score,
            ),
            note=self._callback_note(survey),
            user_id=salesperson.id,
        )

    # ------------------------------------------------------------------
    # Due and late: one definition for the survey, the escalation and the Overview
    # ------------------------------------------------------------------
    @api.model
    def _late_domain(self, now=None):
        """Callbacks still to make past their deadline: shown late on the survey, escalated by the hourly
        job, counted late by the Overview."""
        return [("loop_state", "=", "open"), ("callback_deadline", "<", now or fields.Datetime.now())]

    @api.model
    def _due_domain(self, now=None):
        """Callbacks whose deadline can be judged, made or past it: the base of the on-time rate."""
        return [
            ("loop_state", "!=", "none"),
            "|",
            ("first_contact_date", "!=", False),
            ("callback_deadline", "<", now or fields.Datetime.now()),
        ]

    @api.model
    def _check_agent_grouping(self, groupby, aggregates, having):
        """Callbacks grouped per agent compare employees with one another: NPS managers only. Agents still
        see who handles each callback; the system (superuser) balances the load on them."""
        if self.env.su or self.env.user.has_group("nps_closed_loop.group_nps_manager"):
            return
        specs = [*groupby, *aggregates, *(term[0] for term in having or () if isinstance(term, list | tuple))]
        if any(spec.split(":")[0].split(".")[0] == "callback_user_id" for spec in specs):
            raise AccessError(
                self.env._("Only NPS managers may group or count surveys by the person who calls customers back.")
            )

    # ------------------------------------------------------------------
    # Escalation
    # ------------------------------------------------------------------
    @api.model
    def _cron_escalate_callbacks(self, batch_size=200):
        """Flag callbacks past their deadline as overdue and escalate them to the NPS managers."""
        Survey = self.env["nps.survey"].sudo()
        domain = [*self._late_domain(), ("loop_overdue", "=", False)]
        surveys = Survey.search(domain, limit=batch_size, order="callback_deadline, id")
        done = 0
        for survey in surveys:
            try:
                with self.env.cr.savepoint():
                    self._escalate(survey)
                done += 1
            except Exception:
                _logger.exception("NPS: escalating overdue callback of survey %s failed", survey.id)
        compat.notify_progress(self.env, done=done, remaining=Survey.search_count(domain))

    @api.model
    def _escalate(self, survey):
        survey.ensure_one()
        survey.loop_overdue = True
        managers = self._eligible_managers(survey)
        body = self.env._(
            "The callback of %(customer)s (%(score)s/10), assigned to %(user)s, was due by %(deadline)s "
            "and is not done yet.",
            customer=survey.partner_id.display_name,
            score=survey.score,
            user=survey.callback_user_id.display_name or "-",
            deadline=format_datetime(self.env, survey.callback_deadline, tz=survey.campaign_id.user_id.tz),
        )
        if managers:
            survey.message_notify(
                partner_ids=managers.partner_id.ids,
                subject=self.env._("Overdue NPS callback: %(customer)s", customer=survey.partner_id.display_name),
                body=body,
            )
        else:
            survey.message_post(body=body, subtype_xmlid="mail.mt_note")
