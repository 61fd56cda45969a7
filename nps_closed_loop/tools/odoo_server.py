"""Real Odoo processes for the reliability tests (``tests/test_servers.py``) and the bench
(``tools/bench.py``): a server (prefork workers, crons) or a command (install, shell) on a database, started
with the configuration of the process that starts it (addons path, data directory, database connection).

Every process is started in a session of its own and killed with all its children when its block ends,
whatever the outcome; each wait is limited in time. Outside ``tests/``, so that the bench imports it without
Odoo's test framework (which refuses to be imported outside a test run).
"""

import contextlib
import os
import re
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import requests

import odoo
from odoo.tools import config

from .. import compat

# An Odoo log line: "2025-01-31 12:00:00,000 1234 ERROR db logger: message"
LOG_PROBLEM = re.compile(r"^\S+ \S+ \d+ (?:ERROR|CRITICAL) .*$|^Traceback .*$", re.MULTILINE)
# what a shell script prints for the test to read: one JSON document on this line
RESULT_PREFIX = "NPS_TEST_RESULT "


def free_port():
    """A TCP port free on this machine right now (bound to port 0, then released)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def config_file():
    """The configuration file this process was started with, if any."""
    if compat.CONFIG_FILE_IS_AN_OPTION:
        return config["config"]
    return config.get("config") or config.rcfile


def option_text(value):
    """An option of several values (``addons_path``) as the command line takes it: comma-separated."""
    return ",".join(value) if compat.CONFIG_LISTS else value


def odoo_command(*args, command=None):
    """The command line of ``odoo-bin [command] args`` with the test's configuration."""
    odoo_bin = Path(odoo.__path__[0]).parent / "odoo-bin"
    line = [sys.executable, str(odoo_bin)] if odoo_bin.exists() else [sys.executable, "-m", "odoo"]
    if command:
        line.append(command)
    rcfile = config_file()
    if rcfile and os.path.isfile(rcfile):
        line.append(f"--config={rcfile}")
    line += [f"--addons-path={option_text(config['addons_path'])}", f"--data-dir={config['data_dir']}"]
    for key in ("db_host", "db_port", "db_user"):
        if config[key]:
            line.append(f"--{key}={config[key]}")
    return line + list(args)


def odoo_environ():
    """The environment of the processes: the database password, if any, is not put on the command line."""
    environ = dict(os.environ)
    if config["db_password"]:
        environ["PGPASSWORD"] = config["db_password"]
    return environ


def log_problems(text):
    """The ERROR and CRITICAL lines and tracebacks of an Odoo log."""
    return LOG_PROBLEM.findall(text)


def _kill_group(process, timeout=20):
    """Stop ``process`` and every process it started (its session): gracefully, then by force."""
    with contextlib.suppress(ProcessLookupError, subprocess.TimeoutExpired):
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGTERM)
            process.wait(timeout=timeout)
    # prefork workers and the gevent process may outlive their master
    with contextlib.suppress(ProcessLookupError):
        os.killpg(process.pid, signal.SIGKILL)
    with contextlib.suppress(subprocess.TimeoutExpired):
        process.wait(timeout=timeout)


def run_odoo(*args, command=None, log_path, stdin_text=None, timeout=300):
    """Run ``odoo-bin`` to its end (install, shell script): ``(return code, stdout)``; the log goes to
    ``log_path``. Killed, with its children, past ``timeout`` seconds."""
    line = odoo_command(*args, f"--logfile={log_path}", command=command)
    with subprocess.Popen(
        line,
        stdin=subprocess.PIPE if stdin_text is not None else subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        env=odoo_environ(),
        start_new_session=True,
    ) as process:
        try:
            output, _errors = process.communicate(stdin_text, timeout=timeout)
        except subprocess.TimeoutExpired:
            _kill_group(process)
            output, _errors = process.communicate()
            return None, output
        finally:
            _kill_group(process)
    return process.returncode, output


class OdooServer:
    """``with OdooServer(db_name, log_dir, "--workers=2") as server:`` an Odoo server serving ``db_name``
    alone on free ports, its log in a file; stopped with all its processes when the block ends."""

    def __init__(self, db_name, log_dir, *args, name="odoo", start_timeout=180):
        self.db_name = db_name
        self.args = args
        self.name = name
        self.start_timeout = start_timeout
        self.log_path = Path(log_dir) / f"{name}.log"
        self.port = None
        self.process = None

    def url(self, path=""):
        return f"http://127.0.0.1:{self.port}{path}"

    def log(self):
        return self.log_path.read_text(errors="replace") if self.log_path.exists() else ""

    def log_tail(self, lines=60):
        return "\n".join(self.log().splitlines()[-lines:])

    def __enter__(self):
        self.port = free_port()
        line = odoo_command(
            "--database",
            self.db_name,
            f"--db-filter=^{re.escape(self.db_name)}$",
            "--no-database-list",
            "--http-interface=127.0.0.1",
            f"--http-port={self.port}",
            # prefork servers also start a gevent process for websockets: on a port of its own
            f"--gevent-port={free_port()}",
            "--log-level=warn",
            f"--logfile={self.log_path}",
            *self.args,
        )
        self.process = subprocess.Popen(  # pylint: disable=consider-using-with
            line,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            env=odoo_environ(),
            start_new_session=True,
        )
        try:
            self._wait_until_up()
        except BaseException:
            self.stop()
            raise
        return self

    def __exit__(self, *exc_info):
        self.stop()

    def stop(self):
        if self.process:
            _kill_group(self.process)

    def _wait_until_up(self):
        session = requests.Session()
        session.trust_env = False  # no proxy between the test and its server
        deadline = time.monotonic() + self.start_timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"{self.name} stopped at start:\n{self.log_tail()}")
            with contextlib.suppress(requests.RequestException):
                if session.get(self.url("/web/health"), timeout=10).status_code == 200:
                    return
            time.sleep(0.5)
        raise TimeoutError(f"{self.name} did not answer within {self.start_timeout} s:\n{self.log_tail()}")
