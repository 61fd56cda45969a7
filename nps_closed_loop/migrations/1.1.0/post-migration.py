"""Shipped ``noupdate`` records that 18.0.1.1.0 changed, brought up to date without overriding what a manager
changed:

- the themes' keywords (data/nps_reason_data.xml) came after the shipped reasons: reasons that have none get
  them from the data file itself (a manager's own keywords stay; their translations are loaded right after);
- the survey SMS carries an opt-out link: the shipped SMS text gets it if nobody changed that text.
"""

from lxml import etree

from odoo import SUPERUSER_ID, api
from odoo.tools.misc import file_open

PREVIOUS_SMS_BODY = "{{ object.company_id.name }}: from 0 to 10, would you recommend us? {{ object.get_base_url() }}{{ object.access_url }}"


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
    sms_template = env.ref("nps_closed_loop.nps_sms_template_survey", raise_if_not_found=False)
    if sms_template and sms_template.body == PREVIOUS_SMS_BODY:
        sms_template.body = PREVIOUS_SMS_BODY + " Stop: {{ object.get_base_url() }}{{ object.access_url }}/optout"
