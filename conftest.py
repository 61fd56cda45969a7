"""A skipped test proves nothing: with ``--skip-allowlist=FILE`` (``make test`` passes it), a skip fails the run
unless FILE lists it with the reason it is acceptable.

FILE has one line per allowed skip, three fields separated by `` | ``: the test id (shell-style wildcards
allowed), the skip message as pytest reports it (wildcards allowed), and why the skip is acceptable (required).
Blank lines and lines starting with ``#`` are comments.
"""

import fnmatch
import pathlib

import pytest


def pytest_addoption(parser):
    parser.addoption(
        "--skip-allowlist",
        metavar="FILE",
        help="fail the run when a test is skipped and FILE does not list it (test id | skip message | why)",
    )


def pytest_configure(config):
    path = config.getoption("skip_allowlist")
    if path:
        config.pluginmanager.register(SkipAllowlist(path), "skip-allowlist")


class SkipAllowlist:
    def __init__(self, path):
        self.path = path
        self.entries = []
        for number, line in enumerate(pathlib.Path(path).read_text().splitlines(), 1):
            if not line.strip() or line.lstrip().startswith("#"):
                continue
            fields = [field.strip() for field in line.split(" | ")]
            if len(fields) != 3 or not all(fields):
                raise pytest.UsageError(f"{path}:{number}: expected 'test id | skip message | why', got {line!r}")
            self.entries.append(fields)
        self.unlisted = []

    def _record(self, report):
        if not report.skipped:
            return
        # a skip's longrepr is (file, line, "Skipped: <message>")
        longrepr = report.longrepr
        message = longrepr[2].removeprefix("Skipped: ") if isinstance(longrepr, tuple) else str(longrepr)
        if not any(
            fnmatch.fnmatchcase(report.nodeid, test) and fnmatch.fnmatchcase(message, reason)
            for test, reason, _why in self.entries
        ):
            self.unlisted.append((report.nodeid, message))

    def pytest_runtest_logreport(self, report):
        self._record(report)

    def pytest_collectreport(self, report):
        self._record(report)

    def pytest_sessionfinish(self, session):
        if self.unlisted and session.exitstatus == pytest.ExitCode.OK:
            session.exitstatus = pytest.ExitCode.TESTS_FAILED

    def pytest_terminal_summary(self, terminalreporter):
        if not self.unlisted:
            return
        terminalreporter.section("skipped tests not in the allow-list", red=True, bold=True)
        for nodeid, message in self.unlisted:
            terminalreporter.line(f"{nodeid} | {message}")
        terminalreporter.line(
            f"A skipped test proves nothing: make it run, or list it in {self.path} with the reason the skip "
            "is acceptable."
        )
