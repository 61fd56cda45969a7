import re
from datetime import date

from odoo import http
from odoo.exceptions import AccessError
from odoo.http import content_disposition, request

from .nps_http import route

# The link carries campaign ids and dates only, checked strictly: nothing in it is evaluated.
IDS_PATTERN = re.compile(r"[0-9]{1,9}(,[0-9]{1,9}){0,999}")
DATE_PATTERN = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
XLSX_MIMETYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
WORKBOOK_PARAMS = frozenset(("campaign_ids", "date_from", "date_to"))


def parse_date(value):
    """A ``YYYY-MM-DD`` parameter as a date; None if absent; ValueError if anything else."""
    if not value:
        return None
    if not DATE_PATTERN.fullmatch(value):
        raise ValueError(value)
    return date.fromisoformat(value)


def download_response(content, filename, mimetype):
    """A file download: what both the workbook and a customer's data export answer."""
    return request.make_response(
        content,
        headers=[
            ("Content-Type", mimetype),
            ("Content-Disposition", content_disposition(filename)),
            ("Content-Length", len(content)),
        ],
    )


class NpsReportController(http.Controller):
    # reads only (the workbook is built in memory): served from the database replica, if any
    @route("/nps/workbook", type="http", auth="user", methods=["GET"], readonly=True)
    def nps_workbook(self, campaign_ids="", date_from="", date_to="", **kwargs):
        """The NPS workbook of the answers the user may read: of the campaigns ``campaign_ids`` (comma-separated
        ids, all if empty), answered from ``date_from`` to ``date_to`` (``YYYY-MM-DD``, included)."""
        # request.params: with a parameter named "self", which the route keeps out of kwargs
        if set(request.params) - WORKBOOK_PARAMS or (campaign_ids and not IDS_PATTERN.fullmatch(campaign_ids)):
            return request.not_found()
        try:
            start, end = parse_date(date_from), parse_date(date_to)
        except ValueError:
            return request.not_found()
        Report = request.env["nps.report"]
        if not Report.has_access("read"):
            raise AccessError(request.env._("Only NPS users may export the NPS workbook."))
        ids = [int(campaign_id) for campaign_id in campaign_ids.split(",")] if campaign_ids else []
        content = Report._nps_workbook_content(Report._nps_workbook_domain(ids, start, end))
        filename = f"{request.env._('NPS analysis')} {date.today().isoformat()}.xlsx"
        return download_response(content, filename, XLSX_MIMETYPE)
