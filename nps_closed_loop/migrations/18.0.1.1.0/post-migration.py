"""The shipped themes' keywords (data/nps_reason_data.xml) came after the shipped reasons, which are
``noupdate``: an update leaves those reasons as they were. Give their keywords to the reasons that have none,
from the data file itself; a manager's own keywords stay. Their translations are loaded right after."""

from lxml import etree

from odoo import SUPERUSER_ID, api
from odoo.tools.misc import file_open


def migrate(cr, version):
    if not version:
        return
    env = api.Environment(cr, SUPERUSER_ID, {"lang": "en_US"})
    with file_open("nps_closed_loop/data/nps_reason_data.xml", "rb") as data:
        records = etree.parse(data).iterfind(".//record[@model='nps.reason']")
        keywords = {record.get("id"): record.findtext("field[@name='keywords']") for record in records}
    for xmlid, words in keywords.items():
        reason = env.ref(f"nps_closed_loop.{xmlid}", raise_if_not_found=False)
        if words and reason and not reason.keywords:
            reason.keywords = words
