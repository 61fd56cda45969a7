from odoo import http
from odoo.http import request


def block_content_route(path):
    """What a block's script fetches: read only (from the replica, if any), not a page of the sitemap."""
    return http.route(path, type="http", auth="public", website=True, methods=["GET"], sitemap=False, readonly=True)


class NpsWebsiteBlocks(http.Controller):
    """The content of the website's NPS blocks, rendered on the server for the block's script: only what
    ``website._nps_testimonials`` and ``website._nps_recommendation`` return, nothing else of the answers."""

    @block_content_route("/nps_closed_loop_website/testimonials")
    def nps_testimonials(self, limit=None, **kwargs):
        try:
            limit = int(limit) if limit else None
        except ValueError:
            limit = None
        return request.render(
            "nps_closed_loop_website.nps_testimonials_content",
            {"testimonials": request.website._nps_testimonials(limit=limit)},
        )

    @block_content_route("/nps_closed_loop_website/recommendation")
    def nps_recommendation(self, **kwargs):
        return request.render(
            "nps_closed_loop_website.nps_recommendation_content",
            {"recommendation": request.website._nps_recommendation()},
        )
