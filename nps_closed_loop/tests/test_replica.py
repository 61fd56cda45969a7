"""Read-only work served from a real PostgreSQL streaming replica.

A hot standby of the test database's cluster is made for this class (``pg_basebackup -R`` into a temporary
directory, started on a free port, its socket in that directory) and a real Odoo server runs with
``--db_replica_host``/``--db_replica_port`` pointing at it. The proof that a request was served from the replica:
its replay is paused while something is committed on the primary, and the request still answers as before;
once replay resumes it answers with the change. A request that went to the primary would see the change at
once. What is posted is written to the primary (the replica refuses writes) and reaches the replica.

Odoo runs a route declared read-only again on the primary when it wrote (a warning in its log) or when the
replica cannot be reached: the server's log must show neither.
"""

import contextlib
import io
import os
import pwd
import re
import shutil
import subprocess
import tempfile
import time
import zipfile
from contextlib import closing
from datetime import datetime
from pathlib import Path

import psycopg2
import requests

import odoo
from odoo import Command
from odoo.tools import SQL, config

from .. import compat
from ..tools.odoo_server import OdooServer, free_port, log_problems
from . import common

PASSWORD = "replica-test-password-1"
# what Odoo logs when a read-only route or RPC wrote (it is then run again on the primary), or when it could not
# open a cursor on the replica (it then reads from the primary)
PRIMARY_FALLBACK = re.compile(r"^.*(?:retrying with a read/write cursor|Failed to open a readonly cursor).*$", re.M)
# what a hot standby must set at least as high as its primary
STANDBY_MINIMA = (
    "max_connections",
    "max_worker_processes",
    "max_wal_senders",
    "max_prepared_transactions",
    "max_locks_per_transaction",
)
REPLAY_TIMEOUT = 180
# The replica's replication slot on the primary keeps the WAL it has not received yet (a busy primary recycles it
# otherwise, between the end of the copy and the replica's start): one per replica, named after the test process,
# dropped at the end, or by the next run should that process have been killed.
SLOT_PREFIX = "nps_test_replica_"


def _alive(pid):
    """Whether the process ``pid`` runs on this machine."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True  # another user's
    return True


class StreamingReplica:
    """A hot standby of the cluster holding the test database: ``pg_basebackup -R`` of the primary (as the
    cluster's owner when run as root, as PostgreSQL refuses to run as root) into a temporary directory, its own
    configuration (the primary's access rules, a socket in that directory only, no TCP), started with ``pg_ctl``;
    :meth:`stop` stops it and removes the directory."""

    def __init__(self):
        with closing(odoo.sql_db.db_connect("postgres").cursor()) as cr:
            self.settings = {name: self._show(cr, name) for name in ("wal_level", "max_wal_senders", *STANDBY_MINIMA)}
            self.hba_file = self._show(cr, "hba_file")
            self.ident_file = self._show(cr, "ident_file")
            primary_data = self._show(cr, "data_directory")
            major = int(self._show(cr, "server_version_num")) // 10000
        self.owner = pwd.getpwuid(os.stat(primary_data).st_uid).pw_name
        debian_bin = Path(f"/usr/lib/postgresql/{major}/bin")
        self.bin = debian_bin if debian_bin.is_dir() else Path(shutil.which("pg_ctl") or "pg_ctl").parent
        self.port = free_port()
        self.slot = f"{SLOT_PREFIX}{os.getpid()}_{time.time_ns()}"
        self.started = False
        # open to the cluster's owner, who runs the replica (mkdtemp's directory is its creator's only)
        self.directory = Path(tempfile.mkdtemp(prefix="nps-replica-"))
        self.directory.chmod(0o755)
        self.data = self.directory / "data"
        self.run = self.directory / "run"
        self.log_path = self.run / "replica.log"

    @staticmethod
    def _show(cr, name):
        cr.execute(SQL("SELECT current_setting(%s)", name))
        return cr.fetchone()[0]

    def _as_owner(self, *line, timeout=600):
        prefix = ["runuser", "-u", self.owner, "--"] if os.geteuid() == 0 else []
        result = subprocess.run(
            [*prefix, *line],
            cwd=self.directory,
            stdin=subprocess.DEVNULL,
            capture_output=True,
            text=True,
            timeout=timeout,
            check=False,
        )
        if result.returncode:
            command = " ".join(map(str, line))
            raise RuntimeError(f"{command} failed ({result.returncode}):\n{result.stderr}\n{self.log_tail()}")
        return result.stdout

    def log_tail(self):
        return self.log_path.read_text(errors="replace")[-4000:] if self.log_path.exists() else ""

    def start(self):
        if self.settings["wal_level"] not in ("replica", "logical") or int(self.settings["max_wal_senders"]) < 1:
            raise RuntimeError(
                "The test database's cluster allows no streaming replica: it needs wal_level = replica and "
                f"max_wal_senders > 0 (PostgreSQL's defaults), it has {self.settings}"
            )
        owner = pwd.getpwnam(self.owner)
        for path in (self.data, self.run):
            path.mkdir(mode=0o700)
            os.chown(path, owner.pw_uid, owner.pw_gid)
        self._drop_stale_slots()
        backup = [self.bin / "pg_basebackup", "-D", self.data, "-R", "-X", "stream", "-c", "fast", "--no-sync"]
        backup += ["--create-slot", f"--slot={self.slot}"]
        backup += [f"--host={config['db_host']}"] if config["db_host"] else []
        backup += [f"--port={config['db_port']}"] if config["db_port"] else []
        self._as_owner(*backup)
        # the primary's access rules: whoever connects to the primary connects to the replica alike
        for source, name in ((self.hba_file, "pg_hba.conf"), (self.ident_file, "pg_ident.conf")):
            shutil.copyfile(source, self.data / name)
            os.chown(self.data / name, owner.pw_uid, owner.pw_gid)
        settings = {
            "port": self.port,
            "listen_addresses": "''",
            "unix_socket_directories": f"'{self.run}'",
            "hot_standby": "on",
            "shared_buffers": "'32MB'",
            "fsync": "off",
            "logging_collector": "off",
            **{name: self.settings[name] for name in STANDBY_MINIMA},
        }
        conf = self.data / "postgresql.conf"
        conf.write_text("".join(f"{name} = {value}\n" for name, value in settings.items()))
        os.chown(conf, owner.pw_uid, owner.pw_gid)
        self.started = True
        self._as_owner(self.bin / "pg_ctl", "-D", self.data, "-l", self.log_path, "-w", "-t", "180", "start")

    def stop(self):
        if self.started:
            with contextlib.suppress(RuntimeError, subprocess.TimeoutExpired):
                self._as_owner(self.bin / "pg_ctl", "-D", self.data, "-m", "immediate", "-w", "stop", timeout=120)
            self.started = False
        self._drop_slots(self.slot)
        shutil.rmtree(self.directory, ignore_errors=True)

    @staticmethod
    def _drop_slots(*names, timeout=60):
        """Drop the replication slots ``names`` on the primary, once their replica's connection has ended."""
        deadline = time.monotonic() + timeout
        with closing(odoo.sql_db.db_connect("postgres").cursor()) as cr:
            cr._cnx.autocommit = True
            for name in names:
                while True:
                    cr.execute(SQL("SELECT active FROM pg_replication_slots WHERE slot_name = %s", name))
                    [row] = cr.fetchall() or [(None,)]
                    if row[0] is None:
                        break
                    if not row[0] or time.monotonic() > deadline:
                        cr.execute(SQL("SELECT pg_drop_replication_slot(%s)", name))
                        break
                    time.sleep(0.5)

    def _drop_stale_slots(self):
        """The slots of replicas of test processes gone (killed before they could drop theirs)."""
        with closing(odoo.sql_db.db_connect("postgres").cursor()) as cr:
            cr.execute(SQL("SELECT slot_name FROM pg_replication_slots WHERE slot_name LIKE %s", f"{SLOT_PREFIX}%"))
            names = [name for (name,) in cr.fetchall()]
        self._drop_slots(*(name for name in names if not _alive(int(name[len(SLOT_PREFIX) :].split("_")[0]))))

    def connect(self, db_name):
        """An autocommit connection to ``db_name`` on the replica, as Odoo's."""
        params = {"host": str(self.run), "port": self.port, "dbname": db_name}
        params.update({key: config[f"db_{key}"] for key in ("user", "password") if config[f"db_{key}"]})
        connection = psycopg2.connect(**params)
        connection.autocommit = True
        return connection

    def query(self, db_name, query):
        """The rows of ``query`` (``odoo.tools.SQL``) run on the replica's copy of ``db_name``."""
        with closing(self.connect(db_name)) as connection, connection.cursor() as cr:
            cr.execute(query.code, query.params)
            return cr.fetchall()

    def caught_up(self, db_name):
        """Wait until the replica replayed all that the primary committed so far."""
        with closing(odoo.sql_db.db_connect("postgres").cursor()) as cr:
            cr.execute(SQL("SELECT pg_current_wal_lsn()::text"))
            [[lsn]] = cr.fetchall()
        deadline = time.monotonic() + REPLAY_TIMEOUT
        while not self.query(db_name, SQL("SELECT pg_last_wal_replay_lsn() >= %s::pg_lsn", lsn))[0][0]:
            if time.monotonic() > deadline:
                raise TimeoutError(
                    f"the replica did not replay up to {lsn} within {REPLAY_TIMEOUT} s; its log:\n{self.log_tail()}"
                )
            time.sleep(0.2)

    @contextlib.contextmanager
    def paused(self, db_name):
        """Replay paused for the block: the replica keeps what it had, whatever the primary commits."""
        self.caught_up(db_name)
        self.query(db_name, SQL("SELECT pg_wal_replay_pause()::text"))
        try:
            while self.query(db_name, SQL("SELECT pg_get_wal_replay_pause_state()"))[0][0] != "paused":
                time.sleep(0.1)
            yield
        finally:
            self.query(db_name, SQL("SELECT pg_wal_replay_resume()::text"))


class TestStreamingReplica(common.OwnDatabaseCase):
    """An Odoo server with a real streaming replica: what is declared read-only is read from it."""

    DATABASE_SUFFIX = "replica"

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        with cls.committed() as env:
            cls._seed(env)
        cls.replica = StreamingReplica()
        cls.addClassCleanup(cls.replica.stop)
        cls.replica.start()
        cls.replica.caught_up(cls.db_name)

    @classmethod
    def _seed(cls, env):
        groups = compat.USER_GROUPS
        cls.manager_login = "replica_manager"
        env["res.users"].create(
            {
                "name": "Rita Replica",
                "login": cls.manager_login,
                "password": PASSWORD,
                "email": "rita@example.com",
                groups: [Command.set([env.ref("nps_closed_loop.group_nps_manager").id])],
            }
        )
        customer = env["res.partner"].create({"name": "Paul Portal", "email": "paul@example.com", "lang": "en_US"})
        cls.portal_login = "replica_portal"
        env["res.users"].create(
            {
                "login": cls.portal_login,
                "password": PASSWORD,
                "partner_id": customer.id,
                groups: [Command.set([env.ref("base.group_portal").id])],
            }
        )
        cls.customer_id = customer.id
        campaign = env["nps.campaign"].create({"name": "Replica campaign"})
        cls.campaign_id = campaign.id
        cls._answered(env, 9)
        cls._answered(env, 3)
        survey = env["nps.survey"].create({"partner_id": customer.id, "campaign_id": campaign.id, "state": "sent"})
        cls.survey_id = survey.id
        cls.token = survey.access_token

    @classmethod
    def _answered(cls, env, score, comment=False):
        partner = env["res.partner"].create({"name": f"Answer {score} {comment or ''}", "email": "a@example.com"})
        return env["nps.survey"].create(
            {
                "partner_id": partner.id,
                "campaign_id": cls.campaign_id,
                "state": "answered",
                "score": score,
                "comment": comment,
                "answer_date": datetime.now(),
            }
        )

    # ------------------------------------------------------------------
    # The server and its clients
    # ------------------------------------------------------------------
    def setUp(self):
        super().setUp()
        self.server = OdooServer(
            self.db_name,
            self.tmp.name,
            f"--db_replica_host={self.replica.run}",
            f"--db_replica_port={self.replica.port}",
            "--max-cron-threads=0",
            name=f"odoo-{self._testMethodName}",
        )
        self.server.__enter__()
        self.addCleanup(self.server.stop)

    def tearDown(self):
        log = self.server.log()
        self.assertEqual(PRIMARY_FALLBACK.findall(log), [], "served from the primary instead of the replica")
        self.assertEqual(log_problems(log), [], f"errors in the server's log:\n{log[-6000:]}")
        super().tearDown()

    def _session(self, login=None):
        session = requests.Session()
        session.trust_env = False  # no proxy between the test and its server
        if login:
            result = self._json(session, "/web/session/authenticate", db=self.db_name, login=login, password=PASSWORD)
            self.assertTrue(result.get("uid"), result)
        return session

    def _json(self, session, path, **params):
        response = session.post(self.server.url(path), json={"jsonrpc": "2.0", "method": "call", "params": params})
        self.assertEqual(response.status_code, 200, response.text[:2000])
        data = response.json()
        self.assertNotIn("error", data, data.get("error"))
        return data["result"]

    def _overview_count(self, session):
        overview = self._json(
            session,
            "/web/dataset/call_kw/nps.overview/get_nps_overview",
            model="nps.overview",
            method="get_nps_overview",
            args=[],
            kwargs={},
        )
        return overview["nps"]["count"]

    def _survey_state(self, on_replica=False):
        query = SQL("SELECT state, score FROM nps_survey WHERE id = %s", self.survey_id)
        if on_replica:
            return tuple(self.replica.query(self.db_name, query)[0])
        with closing(self.registry.cursor()) as cr:
            cr.execute(query)
            return cr.fetchone()

    def _wait_until(self, condition, message):
        deadline = time.monotonic() + REPLAY_TIMEOUT
        while not condition():
            if time.monotonic() > deadline:
                self.fail(f"not within {REPLAY_TIMEOUT} s: {message}")
            time.sleep(0.2)

    # ------------------------------------------------------------------
    # Tests
    # ------------------------------------------------------------------
    def test_overview_read_from_replica(self):
        """The Overview's RPC (``@api.readonly``) of an NPS manager is answered from the replica."""
        session = self._session(self.manager_login)
        before = self._overview_count(session)
        self.assertGreaterEqual(before, 2)
        with self.replica.paused(self.db_name):
            with self.committed() as env:
                self._answered(env, 10)
            self.assertEqual(self._overview_count(session), before, "the answer on the primary is not counted yet")
        self._wait_until(lambda: self._overview_count(session) == before + 1, "the replica's copy counts the answer")

    def test_answer_posted_to_primary_page_read_from_replica(self):
        """The survey page (GET) is read from the replica; the answer (POST) is written to the primary, its thanks
        page read from there, and the replica has it once replayed."""
        session = self._session()
        page = self._get(session, f"/nps/{self.token}").text
        self.assertIn('name="score"', page)
        csrf_token = common.CSRF_PATTERN.search(page).group(1)
        with self.replica.paused(self.db_name):
            answer = session.post(
                self.server.url(f"/nps/{self.token}"),
                data={"score": "4", "comment": "Posted beside a replica", "csrf_token": csrf_token},
                allow_redirects=False,
                timeout=60,
            )
            self.assertEqual(answer.status_code, 303, answer.text[:2000])
            self.assertEqual(self._survey_state(), ("answered", 4), "written to the primary")
            self.assertEqual(self._survey_state(on_replica=True), ("sent", None), "not replayed yet")
            # the thanks page reads the primary: the answer it thanks for was posted an instant ago
            self.assertIn("Posted beside a replica", self._get(session, answer.headers["Location"]).text)
            # the page itself is read from the replica, which has not replayed the answer yet: the form again
            stale = self._get(session, f"/nps/{self.token}").text
            self.assertIn('name="score"', stale)
            self.assertFalse("Posted beside a replica" in stale, "the page shows the replica's copy: no answer yet")
        self._wait_until(lambda: self._survey_state(on_replica=True) == ("answered", 4), "the answer replayed")
        self.replica.caught_up(self.db_name)
        self.assertIn("Posted beside a replica", self._get(session, f"/nps/{self.token}").text)

    def test_portal_list_read_from_replica(self):
        """``/my/nps``, the customer's surveys, is read from the replica."""
        portal = self._session(self.portal_login)
        with self.replica.paused(self.db_name):
            with self.committed() as env:
                survey = self._answered(env, 2)
                survey.partner_id = self.customer_id
                link = f"/nps/{survey.access_token}"
            page = self._get(portal, "/my/nps").text
            self.assertIn(f"/nps/{self.token}", page)
            self.assertFalse(link in page, "the survey committed on the primary is not listed yet")
        self.replica.caught_up(self.db_name)
        self.assertIn(link, self._get(portal, "/my/nps").text)

    def test_workbook_read_from_replica(self):
        """``/nps/workbook``, the NPS manager's export, is read from the replica."""
        manager = self._session(self.manager_login)
        comment = "Only on the primary for now"
        with self.replica.paused(self.db_name):
            with self.committed() as env:
                self._answered(env, 2, comment=comment)
            self.assertFalse(comment in self._workbook_text(manager), "the answer on the primary is not listed yet")
        self.replica.caught_up(self.db_name)
        self.assertIn(comment, self._workbook_text(manager))

    def _get(self, session, path):
        response = session.get(self.server.url(path), allow_redirects=False, timeout=120)
        self.assertEqual(response.status_code, 200, response.text[:2000])
        return response

    def _workbook_text(self, session):
        """The text of the workbook's sheets (xlsx: zipped XML)."""
        with zipfile.ZipFile(io.BytesIO(self._get(session, "/nps/workbook").content)) as book:
            return "".join(book.read(name).decode() for name in book.namelist() if name.endswith(".xml"))
