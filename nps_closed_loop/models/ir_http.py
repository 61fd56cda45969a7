import logging

import werkzeug.exceptions

from odoo import models
from odoo.http import request

from .. import compat

_logger = logging.getLogger(__name__)


def checkable_csrf_token(token):
    """Whether Odoo's CSRF check can judge ``token``: it ends in consteq, which raises a TypeError (a server
    error) on non-ASCII text, and an uploaded file named "csrf_token" is no text at all. Neither can be valid."""
    return isinstance(token, str) and token.isascii()


class IrHttp(models.AbstractModel):
    _inherit = "ir.http"

    @classmethod
    def _pre_dispatch(cls, rule, args):
        # Called after super(): the route's own upload limit is set before the form is read.
        result = super()._pre_dispatch(rule, args)
        # Odoo checks the CSRF token next (HttpDispatcher.dispatch): one it cannot judge is refused as Odoo
        # refuses any invalid token, with a 400, instead of failing on it.
        routing = rule.endpoint.routing
        if (
            routing["type"] == "http"
            and request.httprequest.method not in compat.SAFE_HTTP_METHODS
            and routing.get("csrf", True)
        ):
            token = {**request.get_http_params(), **args}.get("csrf_token")
            if token is not None and not checkable_csrf_token(token):
                _logger.warning("CSRF validation failed on path '%s'", request.httprequest.path)
                raise werkzeug.exceptions.BadRequest(request.env._("Session expired (invalid CSRF token)"))
        return result

    @classmethod
    def _dispatch(cls, endpoint):
        # Odoo passes every request parameter as a keyword argument to the controller method: a
        # crafted parameter named "self" clashes with the method's own and ends in a server error.
        # The survey routes (public, linked from emails) drop it; the form check then reports it.
        if endpoint.routing.get("nps_drop_self_param"):
            request.params.pop("self", None)
        return super()._dispatch(endpoint)

    @classmethod
    def _serve_fallback(cls):
        # A path no route matched is looked up as an attachment URL (and by other modules as a page or a
        # redirect): PostgreSQL refuses text with a NUL byte, a server error. No such URL can exist: 404.
        if "\x00" in request.httprequest.path:
            return None
        return super()._serve_fallback()
