import logging
from collections import defaultdict
from datetime import timedelta

from odoo import api, fields, models
from odoo.tools import SQL

from .nps_sql import lock_rows_skip_locked

_logger = logging.getLogger(__name__)


class NpsSurveyRequest(models.Model):
    """A survey asked for by a "Send NPS survey" action (an order confirmed, a ticket closed) that the sending
    cron has not planned yet.

    The action runs in the transaction of the user who confirmed the order: it only writes this row, with one
    INSERT. The rules that decide whether and when the customer gets a survey (one survey per document, the
    campaign's company, quiet period, sampling, send window) and the survey's creation run later, in batch, in
    the sending cron (:meth:`_plan_requested_surveys`), exactly as they would have run at the request's date.
    A pending request counts as a planned survey on its document (see ``nps.source.mixin``).
    """

    _name = "nps.survey.request"
    _description = "NPS survey requested by a trigger, not planned yet"
    _order = "id"
    # the sending cron's interval (data/ir_cron_data.xml): the longest a request waits for it untriggered
    _CRON_INTERVAL = timedelta(hours=1)

    campaign_id = fields.Many2one("nps.campaign", required=True, ondelete="cascade", index=True)
    res_model = fields.Char("Document model", required=True)
    res_id = fields.Many2oneReference("Document", model_field="res_model", required=True)
    partner_id = fields.Many2one("res.partner", string="Customer", ondelete="cascade")
    contact_user_id = fields.Many2one("res.users", string="Contact employee", ondelete="set null")
    # written by the INSERT of the trigger as the ORM would write it
    company_id = fields.Many2one(related="campaign_id.company_id", store=True)
    error = fields.Text(help="Why the survey could not be planned; the request is not tried again.")

    def init(self):
        # what a document shows of its pending request: one lookup per form
        self.env.cr.execute(
            SQL(
                "CREATE INDEX IF NOT EXISTS %s ON %s (res_model, res_id)",
                SQL.identifier(f"{self._table}_document_index"),
                SQL.identifier(self._table),
            )
        )

    # ------------------------------------------------------------------
    # In the trigger's transaction
    # ------------------------------------------------------------------
    @api.model
    def _request_surveys(self, campaign, records, partner_field="partner_id", user_field=None):
        """Ask for one survey of ``campaign`` per record of ``records`` (called by the "Send NPS survey"
        action, which checked access): one INSERT, whatever the number of records; the values come from the
        records and the campaign as the ORM holds them.

        The sending cron runs at least hourly (``_CRON_INTERVAL``), which plans a request before a campaign's
        delay of an hour or more ends. A campaign without delay also triggers the cron, in the same
        statement, unless a trigger is pending already: the cron thread finds it within a minute.
        """
        now = fields.Datetime.now()
        uid = self.env.uid
        company_id = campaign.company_id.id or None
        with_partner = partner_field in records._fields
        with_user = bool(user_field) and user_field in records._fields
        insert = SQL(
            """INSERT INTO %s (campaign_id, res_model, res_id, partner_id, contact_user_id, company_id,
                               create_uid, create_date, write_uid, write_date)
               VALUES %s""",
            SQL.identifier(self._table),
            SQL(", ").join(
                SQL(
                    "(%s, %s, %s, %s, %s, %s, %s, %s, %s, %s)",
                    campaign.id,
                    records._name,
                    record.id,
                    (record[partner_field].id or None) if with_partner else None,
                    (record[user_field].id or None) if with_user else None,
                    company_id,
                    uid,
                    now,
                    uid,
                    now,
                )
                for record in records
            ),
        )
        due = now + timedelta(hours=campaign.delay_hours)
        if due < now + self._CRON_INTERVAL:
            insert = self._with_cron_trigger(insert, due, now)
        self.env.cr.execute(insert)
        # written behind the ORM's back: the documents' planned state it may have computed is stale
        if "nps_survey_planned" in records._fields:
            records.invalidate_recordset(["nps_survey_planned"], flush=False)

    @api.model
    def _with_cron_trigger(self, insert, due, now):
        """``insert``, then a trigger of the sending cron at ``due`` in the same statement, unless the cron
        runs by then (its next call, or a pending trigger)."""
        cron_id = self.env["ir.model.data"]._xmlid_to_res_id(
            "nps_closed_loop.ir_cron_nps_send_surveys", raise_if_not_found=False
        )
        # read in the database: what the ORM holds of the cron and its triggers is written there first
        self.env["ir.cron"].flush_model(["active", "nextcall"])
        self.env["ir.cron.trigger"].flush_model()
        return SQL(
            """
            WITH request AS (%(insert)s)
            INSERT INTO ir_cron_trigger (cron_id, call_at, create_uid, create_date, write_uid, write_date)
            SELECT cron.id, %(due)s, %(uid)s, %(now)s, %(uid)s, %(now)s
              FROM ir_cron cron
             WHERE cron.id = %(cron_id)s AND cron.active AND cron.nextcall > %(due)s
               AND NOT EXISTS (SELECT 1 FROM ir_cron_trigger pending
                                WHERE pending.cron_id = cron.id AND pending.call_at <= %(due)s)
            """,
            insert=insert,
            due=due,
            now=now,
            uid=self.env.uid,
            cron_id=cron_id or 0,
        )

    # ------------------------------------------------------------------
    # In the sending cron
    # ------------------------------------------------------------------
    @api.model
    def _plan_requested_surveys(self, batch_size, condition=None):
        """Plan the surveys of up to ``batch_size`` pending requests (those matching the SQL ``condition`` if
        given, e.g. one document's); return (done, remaining).

        Requests are taken with ``SKIP LOCKED`` and deleted in the same transaction: several workers share
        them and each is consumed once. The requests made in the same minute for a campaign are planned
        together, as the action would have planned them then; a failure is isolated to its request, which
        keeps the error and is not tried again.
        """
        rows = lock_rows_skip_locked(
            self.sudo(),
            ["id", "campaign_id", "res_model", "res_id", "partner_id", "contact_user_id", "create_date"],
            batch_size,
            SQL("error IS NULL AND %s", condition or SQL("TRUE")),
        )
        if not rows:
            return 0, 0
        requests = self.sudo().browse([row[0] for row in rows])
        existing = self._existing_documents(rows)
        groups = defaultdict(list)
        for request_id, campaign_id, res_model, res_id, partner_id, user_id, create_date in rows:
            if res_id not in existing.get(res_model, ()):
                continue  # the document is gone: nothing to survey
            entry = {
                "request_id": request_id,
                "partner": self.env["res.partner"].browse(partner_id or ()),
                "user": self.env["res.users"].browse(user_id or ()),
                "record": self.env[res_model].browse(res_id),
            }
            groups[campaign_id, create_date.replace(second=0, microsecond=0)].append(entry)
        failed = {}
        for (campaign_id, minute), entries in groups.items():
            failed.update(self._plan_group(self.env["nps.campaign"].browse(campaign_id), entries, minute))
        for request_id, error in failed.items():
            requests.browse(request_id).error = error
        (requests - requests.browse(list(failed))).unlink()
        return len(rows), self.sudo().search_count([("error", "=", False)])

    @api.model
    def _existing_documents(self, rows):
        """``{model name: set of ids}``: the requests' documents that still exist (one query per model)."""
        ids_per_model = defaultdict(set)
        for _id, _campaign_id, res_model, res_id, *_rest in rows:
            ids_per_model[res_model].add(res_id)
        return {
            res_model: set(self.env[res_model].sudo().browse(list(ids)).exists().ids)
            for res_model, ids in ids_per_model.items()
            if res_model in self.env
        }

    @api.model
    def _plan_group(self, campaign, entries, now):
        """Plan these entries of ``campaign`` at once (savepoint); if that fails, one by one, so that only the
        broken requests fail. Return ``{request id: error}``."""
        schedule = self.env["nps.campaign.schedule"].sudo()
        try:
            with self.env.cr.savepoint():
                schedule._schedule(campaign.sudo(), entries, now=now)
            return {}
        except Exception:  # noqa: BLE001 pylint: disable=broad-exception-caught
            _logger.info("NPS: planning requested surveys failed, planning them one by one", exc_info=True)
        failed = {}
        for entry in entries:
            try:
                with self.env.cr.savepoint():
                    schedule._schedule(campaign.sudo(), [entry], now=now)
            except Exception as error:  # noqa: BLE001 pylint: disable=broad-exception-caught
                _logger.warning("NPS: the survey requested (%s) could not be planned: %s", entry["record"], error)
                failed[entry["request_id"]] = str(error)
        return failed
