from odoo import http
from odoo.http import request

from .nps_http import route
from .nps_report import download_response


class NpsGdprController(http.Controller):
    @route("/nps/partner/<int:partner_id>/export", type="http", auth="user", methods=["GET"])
    def nps_partner_export(self, partner_id, **kwargs):
        """The customer's NPS data (a zip of a JSON file and an Excel workbook): NPS managers only."""
        # request.params: with a parameter named "self", which the route keeps out of kwargs
        if set(request.params) != {"partner_id"}:
            return request.not_found()
        partner = request.env["res.partner"].browse(partner_id).exists()
        if not partner:
            return request.not_found()
        # checks the NPS manager group and the user's access to the customer
        filename, content = request.env["nps.survey.privacy"]._export_zip(partner)
        return download_response(content, filename, "application/zip")
