"""What this addon's routes need to judge their own input; nothing here touches another module's routes."""

import functools
import logging
import re

import werkzeug.exceptions

from odoo import http
from odoo.http import request
from odoo.tools import consteq
from odoo.tools.misc import get_lang

_logger = logging.getLogger(__name__)

# Tokens are uuid4 hex strings; anything else is answered with the 404 page before reaching
# the database (a NUL byte would make PostgreSQL raise) or consteq (which refuses non-ASCII text).
TOKEN_PATTERN = re.compile(r"[A-Za-z0-9_-]{8,128}")
# Only what a radio button sends: "7", not " 7", "7.0", "1e1" or "٧".
SCORE_PATTERN = re.compile(r"10|[0-9]")
TEXT_MAX_LENGTH = 5000
CHECKBOX_ON_VALUES = ("1", "on")
# Two 5000-character fields of 4-byte characters, percent-encoded, fit with room to spare;
# anything bigger is refused by Odoo (413) before it is parsed.
MAX_FORM_BYTES = 256 * 1024


def route(*args, **routing):
    """``odoo.http.route`` for routes that strangers call with parameters of any name.

    Odoo calls an endpoint with each request parameter as a keyword argument, through its own wrapper
    (``route_wrapper``), whose first parameter is named ``self``: a parameter "self" clashes with it, a
    server error before the method is reached, however it takes its ``**kwargs``. This wrapper takes the
    controller positionally and leaves "self" out of the keyword arguments; it stays in ``request.params``
    and in the raw form, where the routes that refuse unknown parameters see it.
    """

    def decorator(method):
        routed = http.route(*args, **routing)(method)

        @functools.wraps(routed)
        def endpoint(controller, /, *path_args, **params):
            params.pop("self", None)
            return routed(controller, *path_args, **params)

        return endpoint

    return decorator


def token_page_route(path, **routing):
    """The route of a page a visitor reaches with the token of a link (no login): shown on GET, recorded by a
    POST that the method checks itself (CSRF first, see ``check_csrf``), its form bounded in size.

    ``website=True``: with the Website app, the page's layout is the website's, which needs the request's
    website (without the app, Odoo ignores it). Showing the page writes nothing: read-only, from the replica if
    any (``read_only_unless_posted``), unless ``routing`` says otherwise."""
    routing = {
        "type": "http",
        "auth": "public",
        "website": True,
        "methods": ["GET", "POST"],
        "csrf": False,
        "max_content_length": MAX_FORM_BYTES,
        "readonly": read_only_unless_posted,
        **routing,
    }
    return route(path, **routing)


def read_only_unless_posted(_controller, *_route):
    """``readonly`` of a route that shows a page on GET and records a form on POST: a GET (or HEAD) is
    served on a read-only cursor, from the database replica when Odoo has one (``db_replica_host``), a POST
    on the primary. Odoo calls it with the controller (18.0), then the rule and its arguments (19.0)."""
    return request.httprequest.method in ("GET", "HEAD")


def valid_csrf(token):
    """Whether ``token`` is the session's CSRF token. Odoo's check ends in ``consteq``, which fails with a
    server error on non-ASCII text, and an uploaded file named "csrf_token" is no text at all: neither can be
    valid, so neither reaches it."""
    return isinstance(token, str) and token.isascii() and request.validate_csrf(token)


def csrf_refused(token):
    """Whether a post's CSRF token is not the session's (logged as Odoo logs it), for a route declared
    ``csrf=False`` that checks the token itself."""
    if valid_csrf(token):
        return False
    _logger.warning("CSRF validation failed on path '%s'", request.httprequest.path)
    return True


def csrf_message():
    return request.env._("Session expired (invalid CSRF token)")


def check_csrf(token):
    """Refuse a post whose CSRF token is not the session's, as Odoo refuses it on the routes it checks (a 400,
    in Odoo's words)."""
    if csrf_refused(token):
        raise werkzeug.exceptions.BadRequest(csrf_message())


# ----------------------------------------------------------------------
# The key in the link, the page's language, the posted fields
# ----------------------------------------------------------------------


def record_by_token(records, token):
    """The record of ``records``' model whose ``access_token`` is ``token`` (compared with ``consteq``), or an
    empty recordset: the token is the visitor's only key, so ``records`` comes as superuser."""
    if not isinstance(token, str) or not TOKEN_PATTERN.fullmatch(token):
        return records.browse()
    record = records.search([("access_token", "=", token)], limit=1)
    if not record or not consteq(record.access_token, token):
        return records.browse()
    return record


def page_lang(preferred=None):
    """The language to render a page in: ``preferred`` (the customer's or employee's) when it is installed,
    else the browser's best installed one, else the website's or company's."""
    installed = [code for code, _name in request.env["res.lang"].get_installed()]
    if preferred in installed:
        return preferred
    codes = {code.replace("_", "-"): code for code in installed}
    best = request.httprequest.accept_languages.best_match(list(codes))
    return codes.get(best) or get_lang(request.env).code


def parse_score(value):
    """The score as an int, or None for anything that is not exactly a whole number 0-10."""
    if isinstance(value, str) and SCORE_PATTERN.fullmatch(value):
        return int(value)
    return None


def read_score(form):
    """``(score, error message)`` of the form's score: one error or the other is None."""
    raw_score = form.get("score")
    if not raw_score:
        return None, request.env._("Please choose a score from 0 to 10.")
    score = parse_score(raw_score)
    if score is None:
        return None, request.env._("The score must be a whole number from 0 to 10.")
    return score, None


def read_text(form, name):
    """``(text, error message or None)`` of the form's text field ``name``, as typed (not stripped: given back
    with an error, nothing is lost). Browsers send line breaks as CRLF but count them as one character in
    ``maxlength``: so does this."""
    text = (form.get(name) or "").replace("\r\n", "\n")
    if len(text) > TEXT_MAX_LENGTH:
        return text, request.env._(
            "Please shorten your answer to %(max)s characters (it has %(count)s).",
            max=TEXT_MAX_LENGTH,
            count=len(text),
        )
    if "\x00" in text:
        return text, request.env._("Your answer contains characters that cannot be saved. Please retype it.")
    return text, None


def unexpected_fields(form, files, allowed):
    """Whether the post holds an upload, a field the form does not have, or one of its fields twice."""
    return bool(files) or bool(set(form) - allowed) or any(len(form.getlist(name)) > 1 for name in form)


def unexpected_fields_message():
    return request.env._("The form contained unexpected fields. Please answer with the form below.")
