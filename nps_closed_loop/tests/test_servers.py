"""Reliability against real Odoo processes on a database of their own, as it runs in production:
prefork servers (``--workers=2``) serving customers and running crons, ``odoo-bin shell`` processes
standing for more servers' cron workers, a real SMTP server (``aiosmtpd``) receiving what Odoo sends.

The database is created for this class (the module installed, no demo data), its data committed, and
dropped at the end: nothing here runs in the test's own transaction, and nothing is mocked.
"""

import collections
import email
import json
import re
import threading
import time
from email import policy
from pathlib import Path

import requests
from aiosmtpd.controller import Controller

from odoo import SUPERUSER_ID, Command, api

from .. import compat
from ..tools.odoo_server import RESULT_PREFIX, OdooServer, free_port, log_problems, run_odoo
from . import common

CLIENTS = 8
# A fresh database has every scheduled job due at the first start, Odoo's own included (autovacuum...): on a
# busy 2-core machine a cron worker may need more than the default 120 s limit to get through them.
CRON_LIMIT = "--limit-time-real=600"
SURVEY_LINK = re.compile(r'href="(https?://[^"]*/nps/[A-Za-z0-9_-]+)(?:\?[^"]*)?"')

# Run in an ``odoo-bin shell``: what one cron worker of one server does with the send job, once the test
# says go (the file ``go`` exists; the file ``ready`` says the process is up), until there is nothing left to
# take; a transaction refused by PostgreSQL (two workers on the same rows) is rolled back and run again, as
# Odoo's cron runner does. It reports the surveys it sent, and when it started and last sent some.
SEND_WORKER = """
import json, os, time
from psycopg2 import errors
open({ready!r}, "w").close()
while not os.path.exists({go!r}):
    time.sleep(0.01)
started = ended = time.time()
done_total, retries = 0, 0
while True:
    try:
        done = env["nps.survey.send"]._cron_send_surveys()
        env.cr.commit()
    except (errors.SerializationFailure, errors.LockNotAvailable, errors.DeadlockDetected):
        env.cr.rollback()
        env.invalidate_all()
        retries += 1
        continue
    if not done:
        break
    done_total += done
    ended = time.time()
print({prefix!r} + json.dumps({{"done": done_total, "retries": retries, "started": started, "ended": ended}}))
"""

# Run in an ``odoo-bin shell``: the send job and then the mail queue, as the crons of one server would.
SEND_AND_DELIVER = """
import json
while env["nps.survey.send"]._cron_send_surveys():
    env.cr.commit()
env.cr.commit()
env["mail.mail"].process_email_queue()
env.cr.commit()
# what the next run of the send job does first: report the emails the queue left in exception
env["nps.survey.send"]._cron_send_surveys()
env.cr.commit()
print({prefix!r} + json.dumps({{"ok": True}}))
"""


# Run in an ``odoo-bin shell``: the mail queue run as the cron runs it (again while emails are queued, as the cron
# runner does while work remains; a transaction refused is rolled back, as it does), once the test says go, as in
# SEND_WORKER. It reports the emails it sent (Odoo logs each one), when, and the errors logged.
QUEUE_WORKER = """
import json, logging, os, time
from psycopg2 import Error as DatabaseError
sent, errors = [], []

class Watch(logging.Handler):
    def emit(self, record):
        if record.levelno >= logging.ERROR:
            errors.append(record.getMessage())
        elif str(record.msg).startswith("Mail (mail.mail) with ID"):
            sent.append([record.args[0], time.time()])

mail_logger = logging.getLogger("odoo.addons.mail.models.mail_mail")
mail_logger.setLevel(logging.INFO)
logging.getLogger().addHandler(Watch())
open({ready!r}, "w").close()
while not os.path.exists({go!r}):
    time.sleep(0.01)
started, runs = time.time(), 0
deadline = started + 240
while time.time() < deadline and env["mail.mail"].search_count([("state", "=", "outgoing")]):
    before = len(sent)
    try:
        env["mail.mail"].process_email_queue()
        env.cr.commit()
    except DatabaseError:  # the transaction was refused (logged): rolled back, as the cron runner does
        env.cr.rollback()
    env.invalidate_all()  # the cron runs its job again with a new environment
    runs += 1
    if len(sent) == before:
        time.sleep(0.05)  # what is left is another process's, being sent
print({prefix!r} + json.dumps({{"sent": sent, "errors": errors, "started": started, "runs": runs}}))
"""


class SmtpSink:
    """A real SMTP server on loopback that keeps every message it receives."""

    def __init__(self, port):
        self.messages = []
        self._lock = threading.Lock()
        self.controller = Controller(self, hostname="127.0.0.1", port=port)

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 - aiosmtpd's handler hook
        with self._lock:
            self.messages.append((envelope.rcpt_tos, email.message_from_bytes(envelope.content, policy=policy.default)))
        return "250 Message accepted for delivery"

    def __enter__(self):
        self.controller.start()
        return self

    def __exit__(self, *exc_info):
        self.controller.stop()


class ServersCase(common.OwnDatabaseCase):
    """A database of its own for the class (see ``OwnDatabaseCase``), and real Odoo processes run on it."""

    DATABASE_SUFFIX = "servers"

    def shell(self, script, *args, timeout=300):
        """Run ``script`` in ``odoo-bin shell`` on the class's database, with more command-line ``args``:
        the JSON it printed after RESULT_PREFIX."""
        code, output = run_odoo(
            "-d",
            self.db_name,
            "--no-http",
            "--log-level=warn",
            *args,
            command="shell",
            log_path=f"{self.tmp.name}/shell-{time.monotonic_ns()}.log",
            stdin_text=script,
            timeout=timeout,
        )
        self.assertEqual(code, 0, output)
        results = [line[len(RESULT_PREFIX) :] for line in output.splitlines() if line.startswith(RESULT_PREFIX)]
        self.assertEqual(len(results), 1, output)
        return json.loads(results[0])

    def wait_for(self, condition, timeout=180, message=""):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if condition():
                return
            time.sleep(1)
        self.fail(f"not within {timeout} s: {message}")

    def assert_clean_log(self, *servers):
        for server in servers:
            log = server.log()
            problems = log_problems(log)
            # the failure shows the log from the first problem on: the traceback says what happened
            excerpt = log[log.find(problems[0]) :][:6000] if problems else ""
            self.assertEqual(problems, [], f"errors in the log of {server.name}:\n{excerpt}")

    def _customers_and_campaign(self, env, count, prefix, **campaign_values):
        env.company.email = "nps@example.com"
        callback_user = env["res.users"].create(
            {
                "name": f"{prefix} agent",
                "login": f"{prefix}_agent",
                "email": f"{prefix}.agent@example.com",
                compat.USER_GROUPS: [Command.set([env.ref("nps_closed_loop.group_nps_user").id])],
            }
        )
        campaign = env["nps.campaign"].create(
            {
                "name": f"{prefix} campaign",
                "quiet_period_days": 0,
                "holdout_percent": 0,
                "callback_user_ids": [Command.set(callback_user.ids)],
                **campaign_values,
            }
        )
        partners = env["res.partner"].create(
            [{"name": f"{prefix} customer {i}", "email": f"{prefix}.{i}@example.com"} for i in range(count)]
        )
        return campaign, partners

    @staticmethod
    def _use_mail_server(env, port):
        """The outgoing mail server the administrator sets up, here the test's SMTP server (or nobody)."""
        env["ir.mail_server"].search([]).active = False
        env["ir.mail_server"].create({"name": "Test SMTP", "smtp_host": "127.0.0.1", "smtp_port": port})


class TestSeveralServers(ServersCase):
    def test_same_answer_from_many_connections_at_once(self):
        """One customer's answer posted at the same moment from 8 connections (a double tap, two devices, a
        retrying proxy) against a prefork server: one answer, one callback, never a 5xx."""
        with self.committed() as env:
            campaign, partners = self._customers_and_campaign(env, 1, "tap")
            survey = env["nps.survey"].create(
                {"partner_id": partners.id, "campaign_id": campaign.id, "state": "sent", "sent_date": "2026-01-05"}
            )
            token, survey_id = survey.access_token, survey.id
        with OdooServer(
            self.db_name, self.tmp.name, "--workers=2", "--max-cron-threads=1", CRON_LIMIT, name="tap"
        ) as server:
            sessions = []
            for _index in range(CLIENTS):
                session = requests.Session()
                session.trust_env = False
                page = session.get(server.url(f"/nps/{token}"), timeout=60)
                self.assertEqual(page.status_code, 200)
                sessions.append((session, common.CSRF_PATTERN.search(page.text).group(1)))
            barrier = threading.Barrier(CLIENTS)
            statuses = []

            def post(session, csrf):
                barrier.wait()
                response = session.post(
                    server.url(f"/nps/{token}"),
                    data={"score": "2", "comment": "Nobody called back.", "contact_allowed": "1", "csrf_token": csrf},
                    allow_redirects=False,
                    timeout=60,
                )
                statuses.append(response.status_code)

            threads = [threading.Thread(target=post, args=pair) for pair in sessions]
            for thread in threads:
                thread.start()
            for thread in threads:
                thread.join()
            # every connection is told the answer is saved: the first stored it, the others found it there
            self.assertEqual(statuses, [303] * CLIENTS)

            def followed_up():
                with self.committed() as env:
                    return env["nps.survey"].browse(survey_id).loop_state != "none"

            # the callback is planned by the job the answer started, in the server's cron worker
            self.wait_for(followed_up, message="the answer's follow-up job")
            self.assert_clean_log(server)
        with self.committed() as env:
            survey = env["nps.survey"].browse(survey_id)
            self.assertEqual((survey.state, survey.score, survey.comment), ("answered", 2, "Nobody called back."))
            callbacks = env["mail.activity"].search(
                [
                    ("res_model", "=", "nps.survey"),
                    ("res_id", "=", survey_id),
                    ("activity_type_id", "=", env.ref("nps_closed_loop.mail_activity_type_nps_callback").id),
                ]
            )
            self.assertEqual(len(callbacks), 1, "one callback")
            self.assertEqual(survey.loop_state, "open")

    def test_two_servers_send_at_once(self):
        """Two prefork servers on the database, each with its cron workers, and the send job run at the same
        moment by two more processes (standing for the cron workers of two more servers, outside Odoo's own
        one-job-at-a-time lock): both processes send surveys at the same time, and every survey is sent
        once, every email received once."""
        count = 240
        with self.committed() as env:
            env["ir.config_parameter"].set_param("nps_closed_loop.send_batch_size", "20")
            campaign, partners = self._customers_and_campaign(env, count, "pair")
            env["nps.survey"].create(
                [
                    {"partner_id": partner.id, "campaign_id": campaign.id, "scheduled_date": "2026-01-05"}
                    for partner in partners
                ]
            )
            campaign_id = campaign.id
        smtp_port = free_port()
        with self.committed() as env:
            self._use_mail_server(env, smtp_port)
        with (
            SmtpSink(smtp_port) as sink,
            OdooServer(
                self.db_name, self.tmp.name, "--workers=2", "--max-cron-threads=1", CRON_LIMIT, name="a"
            ) as first,
            OdooServer(
                self.db_name, self.tmp.name, "--workers=2", "--max-cron-threads=1", CRON_LIMIT, name="b"
            ) as second,
        ):
            go = Path(self.tmp.name, "send.go")
            ready = [Path(self.tmp.name, f"send-{index}.ready") for index in range(2)]
            results = []
            shells = [
                threading.Thread(
                    target=lambda path=path: results.append(
                        self.shell(SEND_WORKER.format(ready=str(path), go=str(go), prefix=RESULT_PREFIX))
                    )
                )
                for path in ready
            ]
            for thread in shells:
                thread.start()
            try:
                # all at once: both processes up and waiting, then the servers' cron workers woken, then go
                self.wait_for(lambda: all(path.exists() for path in ready), message="both send processes up")
                with self.committed() as env:
                    env.ref("nps_closed_loop.ir_cron_nps_send_surveys")._trigger()
            finally:
                go.touch()  # never leaves a process waiting
            for thread in shells:
                thread.join()
            self.assertEqual(len(results), 2)
            for result in results:
                self.assertGreater(result["done"], 0, f"each process sent surveys: {results}")
            self.assertLessEqual(sum(result["done"] for result in results), count)
            first_run, second_run = results
            self.assertLess(
                max(first_run["started"], second_run["started"]),
                min(first_run["ended"], second_run["ended"]),
                f"the two processes sent at the same time: {results}",
            )

            def all_delivered():
                with self.committed() as env:
                    surveys = env["nps.survey"].search([("campaign_id", "=", campaign_id)])
                    pending = env["mail.mail"].search_count([("nps_survey_id", "in", surveys.ids)])
                    return set(surveys.mapped("state")) == {"sent"} and not pending and len(sink.messages) >= count

            self.wait_for(all_delivered, message="every invitation sent and delivered")
            time.sleep(3)  # anything sent twice would arrive now
            self.assert_clean_log(first, second)
        recipients = [address for rcpt_tos, _message in sink.messages for address in rcpt_tos]
        self.assertEqual(len(recipients), count, "one email per survey")
        self.assertEqual(sorted(recipients), sorted(f"pair.{i}@example.com" for i in range(count)))
        with self.committed() as env:
            surveys = env["nps.survey"].search([("campaign_id", "=", campaign_id)])
            self.assertEqual(set(surveys.mapped("send_attempt_count")), {0})
            self.assertEqual(len(set(surveys.mapped("sent_message_id"))), count, "each survey knows its email")

    def test_smtp_down_then_back(self):
        """The mail server is down while the invitations go out: none is lost, none is marked sent without
        its email. Once it is back they go out once each, and the email received carries the one-click
        unsubscribe headers and a link that opens the survey on the server."""
        count = 12
        smtp_port = free_port()
        with OdooServer(self.db_name, self.tmp.name, "--workers=2", "--max-cron-threads=0", name="web") as server:
            with self.committed() as env:
                env["ir.config_parameter"].set_param("web.base.url", server.url())
                env["ir.config_parameter"].set_param("web.base.url.freeze", "True")
                campaign, partners = self._customers_and_campaign(env, count, "down")
                surveys = env["nps.survey"].create(
                    [
                        {"partner_id": partner.id, "campaign_id": campaign.id, "scheduled_date": "2026-01-05"}
                        for partner in partners
                    ]
                )
                survey_ids = surveys.ids
                self._use_mail_server(env, smtp_port)
            # nothing listens on the port: the mail server is down
            self.shell(SEND_AND_DELIVER.format(prefix=RESULT_PREFIX))
            with self.committed() as env:
                surveys = env["nps.survey"].browse(survey_ids)
                self.assertEqual(set(surveys.mapped("state")), {"scheduled"}, "none lost, none marked sent")
                self.assertEqual(set(surveys.mapped("send_attempt_count")), {1})
                self.assertFalse(any(surveys.mapped("sent_date")))
                # the retry is due: no need to wait an hour here
                surveys.write({"scheduled_date": "2026-01-05"})
            with SmtpSink(smtp_port) as sink:
                self.shell(SEND_AND_DELIVER.format(prefix=RESULT_PREFIX))
                self.shell(SEND_AND_DELIVER.format(prefix=RESULT_PREFIX))
            with self.committed() as env:
                surveys = env["nps.survey"].browse(survey_ids)
                self.assertEqual(set(surveys.mapped("state")), {"sent"})
                tokens = dict(zip(surveys.mapped("partner_id.email"), surveys.mapped("access_token"), strict=True))
            self.assertEqual(
                sorted(address for rcpt_tos, _message in sink.messages for address in rcpt_tos),
                sorted(tokens),
                "each invitation received once, after the mail server came back",
            )
            rcpt_tos, message = sink.messages[0]
            token = tokens[rcpt_tos[0]]
            # long headers are folded after their name: unfolded, the value starts with white space
            unsubscribe = message["List-Unsubscribe"].strip()
            self.assertEqual(unsubscribe, f"<{server.url()}/nps/{token}/optout>")
            self.assertEqual(message["List-Unsubscribe-Post"].strip(), "List-Unsubscribe=One-Click")
            html = message.get_body(preferencelist=("html",)).get_content()
            links = set(SURVEY_LINK.findall(html))
            self.assertEqual(links, {f"{server.url()}/nps/{token}"})
            page = requests.get(next(iter(links)), timeout=60)
            self.assertEqual(page.status_code, 200)
            self.assertIn('name="score"', page.text, "the link opens the survey's form")
            # the one-click unsubscribe as a mail client sends it: no session, no CSRF token
            optout = requests.post(unsubscribe.strip("<>"), data={"List-Unsubscribe": "One-Click"}, timeout=60)
            self.assertEqual(optout.status_code, 200)
            self.assert_clean_log(server)
        with self.committed() as env:
            partner = env["res.partner"].search([("email", "=", rcpt_tos[0])])
            self.assertEqual(partner.nps_consent, "refused")


class TestMailQueueTwice(ServersCase):
    def test_queue_run_by_two_processes_at_once(self):
        """The mail queue run by two processes at the same moment (the cron, and an administrator's "Run
        manually" on the Email Queue Manager), on the same batch of invitations: both send some, at the same
        time, and each invitation is received once, its delivery recorded on its survey."""
        count = 150
        with self.committed() as env:
            campaign, partners = self._customers_and_campaign(env, count, "queue")
            env["nps.survey"].create(
                [
                    {"partner_id": partner.id, "campaign_id": campaign.id, "scheduled_date": "2026-01-05"}
                    for partner in partners
                ]
            )
            campaign_id = campaign.id
        with self.committed() as env:
            # the send job queues the invitations (the mail queue's cron is not running here)
            while env["nps.survey.send"]._cron_send_surveys():
                pass
        with self.committed() as env:
            surveys = env["nps.survey"].search([("campaign_id", "=", campaign_id)])
            mails = env["mail.mail"].search([("nps_survey_id", "in", surveys.ids)])
            self.assertEqual(set(surveys.mapped("state")), {"sent"})
            self.assertEqual(len(mails), count, "one queued email per survey")
            self.assertEqual(set(mails.mapped("state")), {"outgoing"})
            self.assertEqual(set(mails.mapped("auto_delete")), {True}, "deleted once sent, as survey emails are")
        smtp_port = free_port()
        with self.committed() as env:
            self._use_mail_server(env, smtp_port)
        with SmtpSink(smtp_port) as sink:
            go = Path(self.tmp.name, "queue.go")
            ready = [Path(self.tmp.name, f"queue-{index}.ready") for index in range(2)]
            results = []
            shells = [
                threading.Thread(
                    target=lambda path=path: results.append(
                        self.shell(QUEUE_WORKER.format(ready=str(path), go=str(go), prefix=RESULT_PREFIX))
                    )
                )
                for path in ready
            ]
            for thread in shells:
                thread.start()
            try:
                self.wait_for(lambda: all(path.exists() for path in ready), message="both queue processes up")
            finally:
                go.touch()  # never leaves a process waiting
            for thread in shells:
                thread.join()
            time.sleep(1)  # anything still on its way arrives now
        invitations = {f"queue.{i}@example.com" for i in range(count)}
        received = collections.Counter(
            address for rcpt_tos, _message in sink.messages for address in rcpt_tos if address in invitations
        )
        twice = {address: times for address, times in received.items() if times > 1}
        self.assertEqual(len(results), 2)
        first, second = results
        summary = {
            "sent by each": [len(result["sent"]) for result in results],
            "runs": [result["runs"] for result in results],
            "received": sum(received.values()),
            "received more than once": len(twice),
        }
        self.assertEqual(twice, {}, f"each invitation received once: {summary}")
        self.assertEqual(set(received), invitations, summary)
        for result in results:
            self.assertGreater(len(result["sent"]), 0, f"each process sent invitations: {summary}")
            self.assertEqual(result["errors"], [], "no error logged")
        self.assertLess(
            max(first["sent"][0][1], second["sent"][0][1]),
            min(first["sent"][-1][1], second["sent"][-1][1]),
            f"the two processes sent at the same time: {summary}",
        )
        with self.committed() as env:
            surveys = env["nps.survey"].search([("campaign_id", "=", campaign_id)])
            self.assertFalse(env["mail.mail"].search_count([("nps_survey_id", "in", surveys.ids)]), "none left")
            self.assertEqual(set(surveys.mapped("state")), {"sent"})
            self.assertEqual(len(set(surveys.mapped("sent_message_id"))), count, "each survey knows its email")


# Run in an ``odoo-bin shell``: uninstall the module as the Apps menu does.
UNINSTALL = """
import json
env["ir.module.module"].search([("name", "=", "nps_closed_loop")]).button_immediate_uninstall()
env.cr.commit()
print({prefix!r} + json.dumps({{"ok": True}}))
"""

# Run in an ``odoo-bin shell``: what is left of the module in the database.
LEFTOVERS = """
import json
cr = env.cr
cr.execute("SELECT state FROM ir_module_module WHERE name = 'nps_closed_loop'")
state = cr.fetchone()[0]
cr.execute("SELECT tablename FROM pg_tables WHERE tablename LIKE 'nps\\\\_%'")
tables = sorted(row[0] for row in cr.fetchall())
cr.execute("SELECT viewname FROM pg_views WHERE viewname LIKE 'nps\\\\_%'")
views = sorted(row[0] for row in cr.fetchall())
cr.execute("SELECT count(*) FROM ir_model_data WHERE module = 'nps_closed_loop'")
xmlids = cr.fetchone()[0]
cr.execute("SELECT model FROM ir_model WHERE model LIKE 'nps.%%'")
models = sorted(row[0] for row in cr.fetchall())
cr.execute(
    "SELECT table_name || '.' || column_name FROM information_schema.columns"
    " WHERE table_name IN ('res_partner', 'sale_order', 'res_company', 'mail_mail', 'sms_sms', 'mail_activity')"
    " AND column_name LIKE 'nps\\\\_%'"
)
columns = sorted(row[0] for row in cr.fetchall())
cr.execute("SELECT count(*) FROM ir_cron WHERE cron_name LIKE 'NPS%%'")
crons = cr.fetchone()[0]
counts = {{}}
if "nps.survey" in env:
    counts = {{
        "answered": env["nps.survey"].search_count([("state", "=", "answered")]),
        "campaigns": env["nps.campaign"].with_context(active_test=False).search_count([]),
    }}
print({prefix!r} + json.dumps({{
    "state": state, "tables": tables, "views": views, "xmlids": xmlids, "models": models,
    "columns": columns, "crons": crons, "counts": counts,
}}))
"""


class TestUninstallReinstall(ServersCase):
    def test_uninstall_then_reinstall_with_data(self):
        """Uninstalled from a database full of answers, callbacks and improvements, the module leaves nothing
        behind (tables, report views, columns on other models, crons, records); installed again, it works."""
        with self.committed() as env:
            env.company.email = "nps@example.com"
            agent = env["res.users"].create(
                {
                    "name": "Reinstall agent",
                    "login": "reinstall_agent",
                    compat.USER_GROUPS: [Command.set([env.ref("nps_closed_loop.group_nps_user").id])],
                }
            )
            campaign = env["nps.campaign"].create(
                {"name": "Reinstall campaign", "holdout_percent": 0, "callback_user_ids": [Command.set(agent.ids)]}
            )
            partners = env["res.partner"].create(
                [{"name": f"Reinstall customer {i}", "email": f"reinstall.{i}@example.com"} for i in range(11)]
            )
            order = env["sale.order"].create({"partner_id": partners[0].id})
            surveys = env["nps.survey"].create(
                [
                    {
                        "partner_id": partner.id,
                        "campaign_id": campaign.id,
                        "state": "sent",
                        "res_model": "sale.order",
                        "res_id": order.id,
                    }
                    for partner in partners
                ]
            )
            for score, survey in enumerate(surveys):
                survey._record_answer(score, comment="Livraison en retard", contact_allowed=True)
            env["nps.improvement"].create({"name": "Deliver on time", "survey_ids": [Command.set(surveys.ids)]})
            partners[0].nps_consent = "refused"
            self.assertTrue(
                env["mail.activity"].search_count([("res_model", "=", "nps.survey")]), "callbacks were planned"
            )
        before = self.shell(LEFTOVERS.format(prefix=RESULT_PREFIX))
        self.assertEqual(before["counts"]["answered"], 11)
        shipped_campaigns = before["counts"]["campaigns"] - 1
        self.assertIn("nps_survey", before["tables"])
        self.assertIn("nps_report", before["views"])
        self.assertIn("res_partner.nps_consent", before["columns"])

        self.shell(UNINSTALL.format(prefix=RESULT_PREFIX), timeout=600)
        after = self.shell(LEFTOVERS.format(prefix=RESULT_PREFIX))
        self.assertEqual(
            after,
            {
                "state": "uninstalled",
                "tables": [],
                "views": [],
                "xmlids": 0,
                "models": [],
                "columns": [],
                "crons": 0,
                "counts": {},
            },
        )

        code, output = run_odoo(
            "-d",
            self.db_name,
            "-i",
            "nps_closed_loop",
            "--stop-after-init",
            "--log-level=warn",
            log_path=f"{self.tmp.name}/reinstall.log",
            timeout=600,
        )
        self.assertEqual(code, 0, output)
        with open(f"{self.tmp.name}/reinstall.log", encoding="utf-8", errors="replace") as log:
            self.assertEqual(log_problems(log.read()), [], "a clean reinstall")
        again = self.shell(LEFTOVERS.format(prefix=RESULT_PREFIX))
        self.assertEqual(again["state"], "installed")
        self.assertEqual(again["tables"], before["tables"])
        self.assertEqual(again["views"], before["views"])
        self.assertEqual(again["columns"], before["columns"])
        self.assertEqual(
            again["counts"], {"answered": 0, "campaigns": shipped_campaigns}, "the shipped campaigns, no old answer"
        )
        # the reinstalled module works: a survey is answered and its callback planned
        with self._load_registry().cursor() as cr:
            env = api.Environment(cr, SUPERUSER_ID, {})
            partner = env["res.partner"].create({"name": "After reinstall", "email": "after@example.com"})
            campaign = env["nps.campaign"].create(
                {
                    "name": "After reinstall",
                    "holdout_percent": 0,
                    "callback_user_ids": [Command.set(env.ref("base.user_admin").ids)],
                }
            )
            survey = env["nps.survey"].create({"partner_id": partner.id, "campaign_id": campaign.id, "state": "sent"})
            survey._record_answer(1, comment="Too slow", contact_allowed=True)
            self.assertEqual(survey.loop_state, "open")
            cr.rollback()
