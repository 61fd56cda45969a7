import hashlib
from collections import Counter
from datetime import datetime, time, timedelta

import pytz

from odoo import api, fields, models
from odoo.tools import SQL

from .nps_score import REACHED_STATES
from .nps_sql import lock_rows_skip_locked


class NpsCampaignSchedule(models.AbstractModel):
    """Who gets a survey of a campaign, and when, apart from the campaign (as ``nps.survey.send`` is for
    sending): the rules applied when surveys are planned (one survey per document, documents of the
    campaign's company, quiet period, sampling, send window) and the relationship NPS queue.

    Called by the "Send NPS survey" server actions (one survey per triggering document), by the
    relationship wizard (preview, then queue) and by the sending cron (the queue, in batches). The rules
    checked again at send time (consent, reachability, context holds) are ``nps.survey.send``'s.
    """

    _name = "nps.campaign.schedule"
    _description = "NPS campaign scheduling"

    # ------------------------------------------------------------------
    # Entry points
    # ------------------------------------------------------------------
    @api.model
    def _schedule(self, campaign, entries, now=None, sample=True):
        """Schedule one survey of ``campaign`` per kept entry, all created at once; return (surveys,
        excluded per reason)."""
        campaign.ensure_one()
        now = now or fields.Datetime.now()
        kept, excluded = self._filter_entries(campaign, entries, now, sample=sample)
        send_date = now + timedelta(hours=campaign.delay_hours)
        channel = "sms" if campaign.channel == "sms" else "email"
        vals_list = [
            {
                "partner_id": entry["partner"].id,
                "campaign_id": campaign.id,
                "company_id": campaign.company_id.id,
                "res_model": entry["record"]._name if entry["record"] else False,
                "res_id": entry["record"].id if entry["record"] else False,
                "contact_user_id": entry["user"].id if entry["user"] else False,
                "channel": channel,
                "state": "scheduled",
                "scheduled_date": self._next_send_date(campaign, entry["partner"], send_date),
            }
            for entry in kept
        ]
        # Access was checked by the caller (server action runner, wizard for managers).
        surveys = (
            self.env["nps.survey"]
            .sudo()
            .with_context(mail_create_nolog=True, mail_create_nosubscribe=True, tracking_disable=True)
            .create(vals_list)
        )
        if surveys:
            # not env.ref(), which checks that the record exists with a query at every confirmed order
            cron_id = self.env["ir.model.data"]._xmlid_to_res_id(
                "nps_closed_loop.ir_cron_nps_send_surveys", raise_if_not_found=False
            )
            if cron_id:
                self.env["ir.cron"].sudo().browse(cron_id)._trigger(min(surveys.mapped("scheduled_date")))
        return surveys, excluded

    # ------------------------------------------------------------------
    # Rules: who gets a survey
    # ------------------------------------------------------------------
    @api.model
    def _filter_entries(self, campaign, entries, now, sample=True):
        """Split candidates into those to survey and a count of the others per reason; writes nothing.

        ``entries``: dicts with ``partner``, ``user`` and ``record`` (the source document, or None).
        ``sample``: False when the draw was made already (customers queued by the relationship wizard).
        """
        campaign.ensure_one()
        excluded = Counter()
        if not campaign.active:
            excluded[self.env._("Campaign archived")] = len(entries)
            return [], excluded
        documents = {}
        for entry in entries:
            if entry["record"]:
                documents.setdefault(entry["record"]._name, set()).add(entry["record"].id)
        surveyed_documents = set()
        for model_name, res_ids in documents.items():
            groups = (
                self.env["nps.survey"]
                .sudo()
                ._read_group([("res_model", "=", model_name), ("res_id", "in", list(res_ids))], ["res_id"])
            )
            surveyed_documents.update((model_name, res_id) for (res_id,) in groups)
        partners = self.env["res.partner"].union(*(entry["partner"] for entry in entries if entry["partner"]))
        recent = self._recently_surveyed(campaign, partners, now)
        kept = []
        for entry in entries:
            partner, record = entry["partner"], entry["record"]
            document = (record._name, record.id) if record else None
            if not partner:
                reason = self.env._("No customer")
            elif document in surveyed_documents:
                reason = self.env._("Document already surveyed")
            elif (
                record
                and "company_id" in record._fields
                and record.company_id
                and record.company_id != campaign.company_id
            ):
                reason = self.env._("Document of another company")
            elif self._quiet_key(campaign, partner) in recent:
                reason = self.env._("Surveyed recently (quiet period)")
            elif sample and not self._sampled(campaign, partner, record, now):
                reason = self.env._("Not drawn (sampling)")
            else:
                reason = None
            if reason:
                excluded[reason] += 1
                continue
            if campaign.quiet_period_days:
                recent.add(self._quiet_key(campaign, partner))
            if document:
                surveyed_documents.add(document)
            kept.append(entry)
        return kept, excluded

    @api.model
    def _sampled(self, campaign, partner, record, now):
        """Deterministic draw: the same document always gets the same answer, even when triggered again."""
        if campaign.sampling_rate >= 100:
            return True
        if campaign.sampling_rate <= 0:
            return False
        key = f"{campaign.id}:{record._name}:{record.id}" if record else f"{campaign.id}:{partner.id}:{now.date()}"
        draw = int.from_bytes(hashlib.sha256(key.encode()).digest()[:8], "big") / 2**64
        return draw * 100 < campaign.sampling_rate

    @api.model
    def _quiet_key(self, campaign, partner):
        """What the quiet period of ``campaign`` counts ``partner`` as: the contact, or its company."""
        if campaign._nps_quiet_field() == "commercial_partner_id":
            return partner.commercial_partner_id.id
        return partner.id

    @api.model
    def _recently_surveyed(self, campaign, partners, now):
        """Keys (contacts or companies, per the scope) surveyed within the quiet period, or about to be."""
        if not campaign.quiet_period_days or not partners:
            return set()
        field = campaign._nps_quiet_field()
        keys = partners.commercial_partner_id.ids if field == "commercial_partner_id" else partners.ids
        since = now - timedelta(days=campaign.quiet_period_days)
        return set(self._last_survey_dates(field, keys, since, include_scheduled=True))

    @api.model
    def _last_survey_dates(self, field, partner_ids, since, include_scheduled=False):
        """``{partner id: last sent date}`` of the customers surveyed since ``since``, in one query.

        ``field`` is ``partner_id`` or ``commercial_partner_id`` (the quiet period's scope). With
        ``include_scheduled``, customers who have a survey about to leave count too (date None).
        """
        if not partner_ids:
            return {}
        reached = ["&", ("state", "in", REACHED_STATES), ("sent_date", ">=", since)]
        domain = ["|", ("state", "=", "scheduled"), *reached] if include_scheduled else reached
        groups = (
            self.env["nps.survey"]
            .sudo()
            ._read_group([(field, "in", list(partner_ids)), *domain], [field], ["sent_date:max"])
        )
        return {partner.id: sent_date for partner, sent_date in groups}

    # ------------------------------------------------------------------
    # Rules: when
    # ------------------------------------------------------------------
    @api.model
    def _next_send_date(self, campaign, partner, date):
        """First moment from ``date`` (naive UTC) inside the send window of ``campaign``, in the customer's
        time zone."""
        campaign.ensure_one()
        if not campaign.send_window:
            return date
        tz_name = partner.tz or campaign.company_id.partner_id.tz or "UTC"
        try:
            tz = pytz.timezone(tz_name)
        except pytz.UnknownTimeZoneError:
            tz = pytz.utc
        local = pytz.utc.localize(date).astimezone(tz)
        weekdays = campaign._nps_send_weekdays()
        for offset in range(8):
            day = local.date() + timedelta(days=offset)
            if day.weekday() not in weekdays:
                continue
            start = tz.localize(datetime.combine(day, time()) + timedelta(hours=campaign.send_hour_from))
            end = tz.localize(datetime.combine(day, time()) + timedelta(hours=campaign.send_hour_to))
            candidate = max(local, start)
            if candidate < end:
                return candidate.astimezone(pytz.utc).replace(tzinfo=None)
        return date

    # ------------------------------------------------------------------
    # Relationship NPS queue
    # ------------------------------------------------------------------
    @api.model
    def _enqueue_partners(self, campaign, partners):
        """Queue customers for the cron, which creates and sends their surveys in batches.

        Customers queued already for this campaign are skipped, not queued twice: one INSERT,
        whatever the size of the segment or of the queue.
        """
        campaign.ensure_one()
        queue = self.env["nps.relationship.queue"]
        queue.check_access("create")
        if not partners:
            return
        self.env.execute_query(
            SQL(
                """
                INSERT INTO %(table)s (campaign_id, partner_id, company_id, create_uid, create_date, write_uid, write_date)
                SELECT %(campaign_id)s, partner_id, %(company_id)s, %(uid)s, %(now)s, %(uid)s, %(now)s
                  FROM unnest(%(partner_ids)s::int[]) AS partner_id
                    ON CONFLICT (campaign_id, partner_id) DO NOTHING
                """,
                table=SQL.identifier(queue._table),
                campaign_id=campaign.id,
                company_id=campaign.company_id.id,
                uid=self.env.uid,
                now=SQL("(now() AT TIME ZONE 'UTC')"),
                partner_ids=partners.ids,
            )
        )
        # written behind the ORM's back: forget what it may have read of the queue
        queue.invalidate_model()
        campaign.invalidate_recordset(["relationship_queue_ids", "relationship_pending_count"])
        self.env.ref("nps_closed_loop.ir_cron_nps_send_surveys").sudo()._trigger()

    @api.model
    def _process_relationship_queues(self, batch_size, now=None):
        """Create the surveys of up to ``batch_size`` queued customers; return (done, remaining).

        The rows taken are locked until the end of the transaction and those locked by another
        worker are skipped: two workers never take the same customer, nor wait for each other.
        """
        queue = self.env["nps.relationship.queue"].sudo()
        rows = lock_rows_skip_locked(queue, ["id", "campaign_id", "partner_id"], batch_size)
        if not rows:
            return 0, 0
        partner_ids_per_campaign = {}
        for _row_id, campaign_id, partner_id in rows:
            partner_ids_per_campaign.setdefault(campaign_id, []).append(partner_id)
        for campaign_id, partner_ids in partner_ids_per_campaign.items():
            partners = self.env["res.partner"].browse(partner_ids)
            self._schedule(
                self.env["nps.campaign"].browse(campaign_id),
                [{"partner": partner, "user": partner.user_id, "record": None} for partner in partners],
                now=now,
                sample=False,
            )
        queue.browse([row[0] for row in rows]).unlink()
        return len(rows), queue.search_count([])
