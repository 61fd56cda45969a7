"""What this addon's routes need to judge their own input; nothing here touches another module's routes."""

import functools
import logging

import werkzeug.exceptions

from odoo import http
from odoo.http import request

_logger = logging.getLogger(__name__)


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
