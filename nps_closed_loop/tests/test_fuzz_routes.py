"""Property-based fuzzing of the customer's public routes: the survey answer (``POST /nps/<token>``) and the
opt-out (one-click ``POST /nps/<token>/optout`` and its page).

Whatever arrives (random and repeated fields, invalid UTF-8, NUL bytes, uploaded files, odd content types
and methods, odd tokens, with or without the session's CSRF token), the server never answers with a 5xx,
never shows a traceback, logs no error, and stores something only when the request was a valid answer
(or a valid opt-out), then exactly what the rules below say. The expected outcome is computed here from
the documented rules, apart from the controller:

- only a path that Odoo's router hands to a route is this addon's to answer: one that reaches no route (an
  odd token with a "/" in it) is answered by Odoo's fallback, as Odoo ships it (an attachment URL lookup,
  which fails on a NUL byte); of such a request, only that it stores nothing is asserted;
- the form is what werkzeug parses: ``application/x-www-form-urlencoded`` (and its old alias
  ``application/x-url-encoded``) or ``multipart/form-data`` bodies only, undecodable UTF-8 bytes read as
  U+FFFD; a multipart part with a file name is an upload, not a field;
- the survey route checks the CSRF token itself, where Odoo's own check would read it: from the query string,
  the form, then the uploads, the later winning; the opt-out reads it from the form only, or needs none for
  RFC 8058's ``List-Unsubscribe=One-Click``;
- an answer is valid when the form holds only the answer's fields (and the CSRF token), each at most once,
  no upload, a score that is exactly one of "0" to "10", texts of at most 5000 characters once CRLF counts as
  one, without NUL, and check boxes absent, "1" or "on". It is stored with its texts stripped.
"""

import contextlib
import logging
import threading
from typing import NamedTuple
from unittest.mock import patch
from urllib.parse import quote, quote_from_bytes, unquote

import requests
import werkzeug.exceptions
from hypothesis import HealthCheck, Phase, example, given, settings
from hypothesis import strategies as st

from odoo.tests import tagged
from odoo.tools import mute_logger

from ..controllers.nps_http import MAX_FORM_BYTES, TEXT_MAX_LENGTH
from . import common

# Markers replaced by the session's CSRF token (and a tampered copy of it) when a request is sent.
CSRF = "\ue000csrf"
CSRF_TAMPERED = "\ue001csrf"
ANSWER_FIELDS = ("score", "comment", "followup", "contact_allowed", "quote_allowed")
VALID_SCORES = tuple(str(score) for score in range(11))
FORM_TYPES = ("application/x-www-form-urlencoded", "application/x-url-encoded")
MULTIPART_NAME_CHARS = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-.[]")
FUZZ_SETTINGS = {
    "deadline": None,
    "suppress_health_check": [HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
    "derandomize": True,
    "database": None,
    "phases": [Phase.explicit, Phase.generate, Phase.shrink],
}


class Part(NamedTuple):
    """One field of the request body; with a ``filename`` (multipart bodies), an uploaded file."""

    name: str
    value: str | bytes
    filename: str | None = None


class Fuzz(NamedTuple):
    method: str
    # ("valid" | "upper" | "short" | "extended" | "percent" | "trailing_slash", "") or ("raw", URL path segment)
    token: tuple[str, str]
    # "urlencoded" | "multipart" | "x-url-encoded" | "urlencoded-latin1" | "URLENCODED" | "text/plain"
    # | "application/json" | "application/octet-stream" | "none" (no Content-Type)
    body: str
    parts: tuple[Part, ...]
    query: tuple[tuple[str, str], ...] = ()


# ----------------------------------------------------------------------
# Strategies
# ----------------------------------------------------------------------
TEXT = st.characters(exclude_categories=("Cs",))  # any character that UTF-8 can carry
ODD_SCORES = (
    "",
    " 7",
    "7 ",
    "07",
    "+7",
    "-0",
    "-1",
    "11",
    "100",
    "7.0",
    "7.5",
    "1e1",
    "0x7",
    "٣",
    "７",
    "³",
    "7\x00",
    "\x00",
    "10\n",
    "9" * 50,
    "NaN",
    "None",
    "false",
    "[7]",
)
LONG_TEXTS = (
    "x" * TEXT_MAX_LENGTH,
    "x" * (TEXT_MAX_LENGTH + 1),
    ("x" * 98 + "\r\n") * (TEXT_MAX_LENGTH // 100),  # 5000 characters once CRLF counts as one
    ("x" * 99 + "\r\n") * (TEXT_MAX_LENGTH // 100) + "x",  # one too many
    "é" * (TEXT_MAX_LENGTH + 1),
    "😀" * TEXT_MAX_LENGTH,
    " " * (TEXT_MAX_LENGTH + 1),
    "\n \t" * 10 + "kept" + "\u2003" * 5,
)
WRONG_CSRF = (
    "",
    "0" * 40 + "o1",
    "0" * 40 + "o99999999999",
    "not-a-token",
    "éo99999999999",  # non-ASCII before a valid-looking expiry
    CSRF_TAMPERED,
)
ODD_TOKENS = (
    "",
    "0" * 32,
    "abc",
    "a" * 300,
    "%00" * 16,
    "%C3%A9" * 16,
    "%FF" * 20,
    "%zz",
    "'%20OR%201=1%20--%20aaaa",
    "..%2F..%2Fetc%2Fpasswd",
    "%2F" * 10,
    "a/b",
    "thanks",
)
score_values = st.one_of(
    st.sampled_from(VALID_SCORES),
    st.sampled_from(VALID_SCORES),
    st.sampled_from(VALID_SCORES),
    st.sampled_from(ODD_SCORES),
    st.integers(min_value=-(10**30), max_value=10**30).map(str),
    st.floats().map(str),
    st.text(TEXT, max_size=4),
    st.binary(min_size=1, max_size=4),
)
text_values = st.one_of(
    st.text(TEXT, max_size=40),
    st.text(TEXT, max_size=40),
    st.text(TEXT, max_size=20).map(lambda text: text + "\x00" + text),
    st.sampled_from(LONG_TEXTS),
    st.binary(max_size=12),
)
checkbox_values = st.one_of(
    st.sampled_from(("1", "on", "1", "on", "0", "off", "yes", "true", "ON", "", " 1")),
    st.text(TEXT, max_size=3),
)
extra_names = st.one_of(
    st.sampled_from(
        (
            "state",
            "token",
            "self",
            "kwargs",
            "score[]",
            "Score",
            "score ",
            "partner_id",
            "answer_date",
            "List-Unsubscribe",
            "from",
            "csrf",
            "redirect",
        )
    ),
    st.text(TEXT, min_size=1, max_size=8),
)
csrf_parts = st.sampled_from(
    (
        (Part("csrf_token", CSRF),),
        (Part("csrf_token", CSRF),),
        (Part("csrf_token", CSRF),),
        (),
        (Part("csrf_token", CSRF), Part("csrf_token", "0" * 40 + "o1")),
        (Part("csrf_token", "0" * 40 + "o1"), Part("csrf_token", CSRF)),
        (Part("csrf_token", CSRF, "csrf.txt"),),
        (Part("csrf_token", CSRF), Part("csrf_token", CSRF, "csrf.txt")),
    )
    + tuple((Part("csrf_token", wrong),) for wrong in WRONG_CSRF)
) | st.text(TEXT, max_size=6).map(lambda text: (Part("csrf_token", text + "o99999999999"),))
uploads = st.builds(
    Part,
    st.sampled_from(("comment", "score", "attachment", "List-Unsubscribe")),
    st.sampled_from((b"One-Click", b"7", b"\x00\xff", b"")),
    st.sampled_from(("note.txt", "../../etc/passwd", "score")),
)
token_specs = st.one_of(
    st.just(("valid", "")),
    st.just(("valid", "")),
    st.just(("valid", "")),
    st.just(("valid", "")),
    st.sampled_from(tuple((kind, "") for kind in ("upper", "short", "extended", "percent", "trailing_slash"))),
    st.sampled_from(ODD_TOKENS).map(lambda raw: ("raw", raw)),
    st.text(TEXT, max_size=40).map(lambda text: ("raw", quote(text, safe=""))),
    st.text(st.sampled_from("/%.é\x00?a0"), max_size=20).map(lambda text: ("raw", quote(text, safe="/%"))),
)
body_kinds = st.sampled_from(
    ("urlencoded",) * 6
    + ("multipart",) * 3
    + (
        "x-url-encoded",
        "urlencoded-latin1",
        "URLENCODED",
        "text/plain",
        "application/json",
        "application/octet-stream",
        "none",
    )
)
methods = st.sampled_from(("POST",) * 10 + ("GET", "HEAD", "PUT"))


@st.composite
def _fields(draw, counts):
    """Parts for each ``(name, values, possible counts)``, random extra fields, maybe uploads, a CSRF token
    (or not), in random order."""
    parts = []
    for name, values, possible_counts in counts:
        parts += [Part(name, draw(values)) for _index in range(draw(st.sampled_from(possible_counts)))]
    for _index in range(draw(st.sampled_from((0, 0, 0, 0, 1, 2)))):
        parts.append(Part(draw(extra_names), draw(st.text(TEXT, max_size=8))))
    for _index in range(draw(st.sampled_from((0,) * 7 + (1,)))):
        parts.append(draw(uploads))
    parts += draw(csrf_parts)
    return tuple(draw(st.permutations(parts)))


answer_parts = _fields(
    (
        ("score", score_values, (1, 1, 1, 1, 1, 0, 2, 3)),
        ("comment", text_values, (1, 1, 0, 2)),
        ("followup", text_values, (1, 0, 0, 2)),
        ("contact_allowed", checkbox_values, (0, 1, 1, 2)),
        ("quote_allowed", checkbox_values, (0, 0, 1, 2)),
    )
)
optout_parts = _fields(
    (
        (
            "List-Unsubscribe",
            st.sampled_from(("One-Click", "One-Click", "one-click", "One-Click ", "Yes", ""))
            | st.text(TEXT, max_size=4),
            (0, 1, 1, 2),
        ),
        ("from", st.sampled_from(("page", "email", "")) | st.text(TEXT, max_size=4), (0, 0, 1, 2)),
    )
)
queries = st.lists(
    st.tuples(
        st.sampled_from(("score", "csrf_token", "from", "comment", "List-Unsubscribe")),
        st.sampled_from(("5", "page", "One-Click", CSRF, "")),
    ),
    max_size=2,
).map(tuple)
answer_requests = st.builds(Fuzz, methods, token_specs, body_kinds, answer_parts, queries)
optout_requests = st.builds(Fuzz, methods, token_specs, body_kinds, optout_parts, queries)


# ----------------------------------------------------------------------
# What the server receives, computed apart from it
# ----------------------------------------------------------------------
def _encode(value):
    return value if isinstance(value, bytes) else value.encode()


def _decode(value):
    """How werkzeug reads a field: UTF-8, undecodable bytes as U+FFFD."""
    return value.decode("utf-8", "replace") if isinstance(value, bytes) else value


def _first(pairs, name):
    return next((value for key, value in pairs if key == name), None)


class Received(NamedTuple):
    routed: bool  # the path reaches a route (else Odoo's fallback answers)
    token_ok: bool
    form: list  # [(name, value)] as parsed, in order
    uploads: list  # names of the uploaded files
    query: list  # [(name, value)]
    too_big: bool


@tagged("post_install", "-at_install")
class TestFuzzRoutes(common.PortalCommon):
    """Hypothesis runs each test over many generated requests (derandomized: the same ones on every run)."""

    def _fresh_survey(self):
        partner = self.env["res.partner"].create({"name": "Fuzzed Customer", "email": "fuzzed@example.com"})
        return self._create_survey(partner=partner, state="sent")

    def _session_csrf(self):
        if not getattr(self, "_fuzz_csrf", None):
            self._fuzz_csrf = self._csrf()
        return self._fuzz_csrf

    def _resolve(self, value):
        if isinstance(value, str):
            csrf = self._session_csrf()
            tampered = csrf[:-1] + ("1" if csrf[-1] != "1" else "2")
            return value.replace(CSRF_TAMPERED, tampered).replace(CSRF, csrf)
        return value

    @staticmethod
    def _body_kind(fuzz):
        """multipart needs plain field names: with others, the same fields go urlencoded."""
        if fuzz.body == "multipart" and not all(set(part.name) <= MULTIPART_NAME_CHARS for part in fuzz.parts):
            return "urlencoded"
        return fuzz.body

    def _segment(self, fuzz, token):
        kind, raw = fuzz.token
        return {
            "valid": token,
            "upper": token.upper(),
            "short": token[:-1],
            "extended": token + "0",
            "percent": "".join(f"%{ord(char):02X}" for char in token),
            "trailing_slash": token + "/",
            "raw": raw,
        }[kind]

    def _prepare(self, fuzz, survey, suffix=""):
        """The request, as the HTTP session will send it (with its cookies)."""
        segment = self._segment(fuzz, survey.access_token)
        url = f"{self.base_url()}/nps/{segment}{suffix}"
        if fuzz.query:
            url += "?" + "&".join(f"{quote(name)}={quote(self._resolve(value))}" for name, value in fuzz.query)
        parts = [Part(part.name, self._resolve(part.value), part.filename) for part in fuzz.parts]
        kind = self._body_kind(fuzz)
        kwargs = {}
        if kind == "multipart":
            kwargs["files"] = [
                (part.name, (part.filename, _encode(part.value), "application/octet-stream"))
                if part.filename
                else (part.name, (None, _encode(part.value)))
                for part in parts
            ] or [("", (None, b""))]
        else:
            body = b"&".join(
                quote_from_bytes(_encode(part.name), safe="").encode()
                + b"="
                + quote_from_bytes(_encode(part.value), safe="").encode()
                for part in parts
            )
            content_type = {
                "urlencoded": "application/x-www-form-urlencoded",
                "x-url-encoded": "application/x-url-encoded",
                "urlencoded-latin1": "application/x-www-form-urlencoded; charset=latin-1",
                "URLENCODED": "Application/X-WWW-Form-URLEncoded",
                "none": None,
            }.get(kind, kind)
            kwargs["data"] = body
            kwargs["headers"] = {"Content-Type": content_type} if content_type else {}
        prepared = self.opener.prepare_request(requests.Request(fuzz.method, url, **kwargs))
        path_token = unquote(segment, errors="replace")
        if not suffix:
            # Odoo's routing map is built with strict_slashes=False: "/nps/<token>/" is the survey route itself
            # (not a redirect); before "/optout" the extra slash makes "//", which is not the route.
            path_token = path_token.removesuffix("/")
        routed = self._reaches_a_route(prepared, fuzz.method)
        return prepared, self._received(fuzz, kind, routed, path_token == survey.access_token, parts, prepared)

    def _reaches_a_route(self, prepared, method):
        """Whether Odoo's router hands the path, as the server decodes it, to a route: under /nps/, one of this
        addon's. (werkzeug matches routes only: what happens next is the route's.)"""
        path = unquote(prepared.path_url.partition("?")[0], errors="replace")
        try:
            self._routing_map().bind("localhost").match(path, method=method)
        except werkzeug.exceptions.NotFound:
            return False
        except werkzeug.exceptions.HTTPException:
            return True  # the route refuses the method (405), or the router redirects (merged slashes)
        return True

    def _routing_map(self):
        """The server's routing map (cached): Odoo builds it for the database named on the current thread, which
        the test runner's main thread may not carry."""
        with patch.object(threading.current_thread(), "dbname", self.env.cr.dbname, create=True):
            return self.env["ir.http"].routing_map()

    def _received(self, fuzz, kind, routed, token_ok, parts, prepared):
        content_type_header = prepared.headers.get("Content-Type")
        content_type = (content_type_header or "").split(";")[0].strip().lower()
        form, uploads = [], []
        if content_type in FORM_TYPES or content_type == "multipart/form-data":
            for part in parts:
                if part.filename and kind == "multipart":
                    uploads.append(part.name)
                else:
                    form.append((part.name, _decode(part.value)))
        return Received(
            routed=routed,
            token_ok=token_ok,
            form=form,
            uploads=uploads,
            query=[(name, self._resolve(value)) for name, value in fuzz.query],
            # werkzeug refuses a body over the route's limit when it has a Content-Type to parse it by
            too_big=bool(content_type_header) and len(prepared.body or b"") > MAX_FORM_BYTES,
        )

    def _send(self, prepared, received):
        """Send the request; on a path that reaches a route, the server must answer without a 5xx, a traceback or
        an error in the log. A path that reaches none is Odoo's fallback's to answer: its response is not judged."""
        # on the "odoo" logger itself: its level (CRITICAL under pytest-odoo) would hide errors from the root
        # Odoo 19.0's test server answers only requests carrying the cookie HttpCase sets while it allows them
        allow_requests = getattr(self, "allow_requests", contextlib.nullcontext)
        if received.routed:
            log_check = self.assertNoLogs("odoo", logging.ERROR)
        else:
            log_check = mute_logger("odoo.http", "odoo.sql_db")  # what Odoo's fallback logs on a NUL byte
        with allow_requests(), log_check:
            prepared.headers.pop("Cookie", None)
            prepared.prepare_cookies(self.opener.cookies)
            response = self.opener.send(prepared, allow_redirects=False, timeout=30)
        self.env.invalidate_all()
        if not received.routed:
            return response
        self.assertLess(response.status_code, 500, response.text[:2000])
        if response.status_code >= 400:
            self.assertNotIn("Traceback", response.text)
            self.assertNotIn('File "/', response.text)
        return response

    def _assert_status(self, response, fuzz, received, posted):
        """The status of the response: ``posted`` (the statuses expected) for a POST that reached the route."""
        status = response.status_code
        if not received.routed:
            return  # Odoo's fallback answered
        if not received.token_ok:
            self.assertGreaterEqual(status, 300, "not found, or another route")
        elif received.too_big:
            self.assertEqual(status, 413)
        elif fuzz.method in ("GET", "HEAD"):
            self.assertEqual(status, 200, "the page is shown")
        elif fuzz.method == "POST":
            self.assertIn(status, posted)
        else:
            self.assertEqual(status, 405)

    def _csrf_ok(self, received):
        """The route's check on POST reads the parameters where Odoo's would: query string, then form, then
        uploads, the later winning."""
        if "csrf_token" in received.uploads:
            return False
        token = _first(received.form, "csrf_token")
        if token is None:
            token = _first(received.query, "csrf_token")
        return token == self._session_csrf()

    @staticmethod
    def _expected_answer(received):
        """The values stored for this form, or None if it is not a valid answer."""
        names = [name for name, _value in received.form]
        if received.uploads or set(names) - {*ANSWER_FIELDS, "csrf_token"}:
            return None
        if any(names.count(name) > 1 for name in ANSWER_FIELDS):
            return None
        values = dict(received.form)
        if values.get("score") not in VALID_SCORES:
            return None
        answer = {"score": int(values["score"])}
        for name in ("comment", "followup"):
            text = values.get(name, "").replace("\r\n", "\n")
            if len(text) > TEXT_MAX_LENGTH or "\x00" in text:
                return None
            answer[name] = text.strip() or False
        for name in ("contact_allowed", "quote_allowed"):
            if values.get(name) not in (None, "1", "on"):
                return None
            answer[name] = name in values
        return answer

    # ------------------------------------------------------------------
    # The survey page
    # ------------------------------------------------------------------
    @settings(max_examples=150, **FUZZ_SETTINGS)
    @given(fuzz=answer_requests)
    # Found by this test: an uploaded file named "csrf_token" made Odoo's CSRF check fail with a server error
    # (the route now checks the token itself).
    @example(fuzz=Fuzz("POST", ("valid", ""), "multipart", (Part("score", "3"), Part("csrf_token", CSRF, "x.txt"))))
    # Found by this test: a non-ASCII CSRF token with a future expiry made Odoo's CSRF check fail with a server error.
    @example(fuzz=Fuzz("POST", ("valid", ""), "urlencoded", (Part("score", "3"), Part("csrf_token", "éo99999999999"))))
    @example(
        fuzz=Fuzz("POST", ("valid", ""), "urlencoded", (Part("score", "3"), Part("csrf_token", b"\xffo9999999999")))
    )
    # A NUL byte in the token: refused before PostgreSQL sees it (a path with a NUL and no route, "0%2F%00", is
    # Odoo's fallback's: it fails on it, as Odoo ships it).
    @example(fuzz=Fuzz("POST", ("raw", "0%00"), "urlencoded", (Part("score", "0"), Part("csrf_token", CSRF))))
    @example(fuzz=Fuzz("GET", ("raw", "%00"), "none", ()))
    # A trailing slash is the same route (strict_slashes=False): the answer is stored.
    @example(fuzz=Fuzz("POST", ("trailing_slash", ""), "urlencoded", (Part("score", "0"), Part("csrf_token", CSRF))))
    # the one valid answer of each kind, and its near misses
    @example(fuzz=Fuzz("POST", ("valid", ""), "urlencoded", (Part("score", "0"), Part("csrf_token", CSRF))))
    @example(
        fuzz=Fuzz(
            "POST",
            ("valid", ""),
            "multipart",
            (
                Part("score", "10"),
                Part("comment", b"caf\xe9 "),
                Part("contact_allowed", "on"),
                Part("csrf_token", CSRF),
            ),
        )
    )
    @example(fuzz=Fuzz("POST", ("valid", ""), "urlencoded", (Part("score", "٣"), Part("csrf_token", CSRF))))
    @example(fuzz=Fuzz("POST", ("valid", ""), "text/plain", (Part("score", "3"),), (("csrf_token", CSRF),)))
    @example(
        fuzz=Fuzz(
            "POST", ("valid", ""), "urlencoded", (Part("score", "3"), Part("score", "9"), Part("csrf_token", CSRF))
        )
    )
    @example(fuzz=Fuzz("GET", ("valid", ""), "none", (), (("score", "5"), ("csrf_token", CSRF))))
    def test_survey_answer_never_fails_and_stores_only_valid_answers(self, fuzz):
        survey = self._fresh_survey()
        prepared, received = self._prepare(fuzz, survey)
        response = self._send(prepared, received)
        answer = None
        if received.token_ok and fuzz.method == "POST" and not received.too_big and self._csrf_ok(received):
            answer = self._expected_answer(received)
        survey.invalidate_recordset()
        if answer is None:
            self.assertRecordValues(
                survey,
                [
                    {
                        "state": "sent",
                        "score": False,
                        "comment": False,
                        "followup": False,
                        "contact_allowed": False,
                        "quote_allowed": False,
                        "answer_date": False,
                    }
                ],
            )
            # refused: the customer is told that nothing was saved
            self._assert_status(response, fuzz, received, range(400, 500))
        else:
            self._assert_status(response, fuzz, received, (303,))
            self.assertTrue(response.headers["Location"].endswith(f"/nps/{survey.access_token}/thanks"))
            self.assertRecordValues(survey, [{"state": "answered", **answer}])
            self.assertTrue(survey.answer_date)

    # ------------------------------------------------------------------
    # The opt-out: one-click POST and its page
    # ------------------------------------------------------------------
    @settings(max_examples=80, **FUZZ_SETTINGS)
    @given(fuzz=optout_requests)
    # Found by this test: a non-ASCII CSRF token with a future expiry made the opt-out fail with a server error.
    @example(fuzz=Fuzz("POST", ("valid", ""), "urlencoded", (Part("csrf_token", "éo99999999999"),)))
    @example(fuzz=Fuzz("POST", ("valid", ""), "urlencoded", (Part("List-Unsubscribe", "One-Click"),)))
    @example(
        fuzz=Fuzz(
            "POST",
            ("valid", ""),
            "multipart",
            (Part("List-Unsubscribe", "One-Click", "x.txt"), Part("List-Unsubscribe", "Yes")),
        )
    )
    @example(fuzz=Fuzz("GET", ("valid", ""), "none", (), (("List-Unsubscribe", "One-Click"), ("csrf_token", CSRF))))
    @example(fuzz=Fuzz("POST", ("valid", ""), "urlencoded", (Part("csrf_token", CSRF),), (("from", "page"),)))
    def test_optout_never_fails_and_opts_out_only_when_asked(self, fuzz):
        survey = self._fresh_survey()
        partner = survey.partner_id
        prepared, received = self._prepare(fuzz, survey, suffix="/optout")
        response = self._send(prepared, received)
        one_click = _first(received.form, "List-Unsubscribe") == "One-Click"
        confirmed = _first(received.form, "csrf_token") == self._session_csrf()
        posted = received.token_ok and fuzz.method == "POST" and not received.too_big
        partner.invalidate_recordset()
        survey.invalidate_recordset()
        if posted and (one_click or confirmed):
            # the controller's keyword arguments: query string, then form, then uploads, the later winning
            source_param = "upload" if "from" in received.uploads else _first(received.form, "from")
            if source_param is None:
                source_param = _first(received.query, "from")
            if one_click:
                source = "one_click"
            else:
                source = "survey_page" if source_param == "page" else "email_link"
            # no redirect for mail clients (they do not follow them); the customer sees the confirmation
            self._assert_status(response, fuzz, received, (200,) if one_click else (303,))
            self.assertRecordValues(partner, [{"nps_consent": "refused", "nps_consent_source": source}])
            self.assertEqual(survey.state, "cancelled")
        else:
            self.assertEqual(partner.nps_consent, "unknown")
            self.assertEqual(survey.state, "sent")
            # neither one-click nor confirmed: the confirmation is asked again
            self._assert_status(response, fuzz, received, (400,))

    # ------------------------------------------------------------------
    # Every route of the addon judges its own input; other routes are Odoo's
    # ------------------------------------------------------------------
    def test_the_addon_changes_no_handling_of_other_routes(self):
        """No server-wide patch: the request dispatch (ir.http) is Odoo's, and each route of the addon that takes
        posts checks its CSRF token itself (Odoo's own check fails with a server error on an odd token)."""
        for cls in type(self.env["ir.http"]).mro():
            self.assertFalse(cls.__module__.startswith("odoo.addons.nps_closed_loop"), cls)
        routes = {}
        for rule in self._routing_map().iter_rules():
            # the core's routes (a bridge may extend another app's route, keeping that app's declaration)
            if rule.endpoint.__module__.startswith("odoo.addons.nps_closed_loop."):
                routes[rule.rule] = rule.endpoint.routing
        self.assertGreaterEqual(set(routes), {"/nps/<string:token>", "/nps/<string:token>/optout", "/my/nps"})
        for path, routing in routes.items():
            with self.subTest(path=path):
                self.assertTrue(routing["methods"], "the methods it takes are declared")
                if set(routing["methods"]) - {"GET", "HEAD"}:
                    self.assertIs(routing.get("csrf"), False, "it checks the CSRF token itself")
                self.assertFalse({key for key in routing if key.startswith("nps")}, "no routing key of its own")

    def test_a_parameter_named_self_is_judged_by_each_route(self):
        """Odoo's wrapper of an endpoint names its first parameter "self": a parameter of that name is a server
        error on Odoo's routes. Those of the addon take it as any unknown parameter."""
        # the customer's routes, posted to
        survey = self._fresh_survey()
        csrf = self._session_csrf()
        response = self.url_open(
            f"/nps/{survey.access_token}?self=1", data={"score": "7", "csrf_token": csrf}, allow_redirects=False
        )
        self.assertEqual(response.status_code, 303, "in the query string, it is no field of the answer")
        self.env.invalidate_all()
        self.assertEqual(survey.score, 7)
        response = self.url_open(
            f"/nps/{survey.access_token}/optout", data={"self": "x", "csrf_token": csrf}, allow_redirects=False
        )
        self.assertEqual(response.status_code, 303)
        self.env.invalidate_all()
        self.assertEqual(survey.partner_id.nps_consent, "refused")
        # the team's
        self.authenticate("nps_manager", "nps_manager")
        for path, status in (
            ("/my/nps?self=1", 200),
            ("/my/nps/page/2?self=1", 200),
            # these refuse any parameter they do not know
            ("/nps/workbook?self=1", 404),
            (f"/nps/partner/{self.customer.id}/export?self=1", 404),
            ("/nps/workbook?date_from=2024-01-01&self=1", 404),
        ):
            with self.subTest(path=path), self.assertNoLogs("odoo", logging.ERROR):
                response = self.url_open(path, allow_redirects=False)
            self.assertEqual(response.status_code, status)
        # without it, the same routes answer
        self.assertEqual(self.url_open("/nps/workbook?date_from=2024-01-01").status_code, 200)
        self.assertEqual(self.url_open(f"/nps/partner/{self.customer.id}/export").status_code, 200)
