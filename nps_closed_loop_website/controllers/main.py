from odoo import http
from odoo.http import request


class NpsWebsiteBlocks(http.Controller):
    """The content of the website's NPS blocks, rendered on the server for the block's script: only what
    ``website._nps_testimonials`` and ``website._nps_recommendation`` return, nothing else of the answers."""

    @http.route(
        "/nps_closed_loop_website/testimonials",
        type="http",
        auth="public",
        website=True,
        methods=["GET"],
        sitemap=False,
        readonly=True,
    )
    def nps_testimonials(self, limit=None, **kwargs):
        try:
            limit = int(limit) if limit else None
        except ValueError:
            limit = None
        return request.render(
            "nps_closed_loop_website.nps_testimonials_content",
            {"testimonials": request.website._nps_testimonials(limit=limit)},
        )

    @http.route(
        "/nps_closed_loop_website/recommendation",
        type="http",
        auth="public",
        website=True,
        methods=["GET"],
        sitemap=False,
        readonly=True,
    )
    def nps_recommendation(self, **kwargs):
        return request.render(
            "nps_closed_loop_website.nps_recommendation_content",
            {"recommendation": request.website._nps_recommendation()},
        )
