"""The scheduled jobs of the callback loop and of the retention period moved from ``nps.survey`` to the services
``nps.survey.loop`` and ``nps.survey.privacy`` (1.2.0). Their records are ``noupdate``: the jobs whose code is
still the shipped one are pointed at the service; a job whose code a manager changed is left as it is."""

from odoo import SUPERUSER_ID, api

MOVED_CRONS = {
    # cron xmlid: (former code, service model, new code)
    "ir_cron_nps_after_answers": (
        "model._cron_nps_after_answers()",
        "nps.survey.loop",
        "model._cron_after_answers()",
    ),
    "ir_cron_nps_escalate_callbacks": (
        "model._cron_nps_escalate_callbacks()",
        "nps.survey.loop",
        "model._cron_escalate_callbacks()",
    ),
    "ir_cron_nps_anonymize_old_answers": (
        "model._cron_nps_anonymize_old()",
        "nps.survey.privacy",
        "model._cron_anonymize_old()",
    ),
}


def migrate(cr, version):
    if not version:
        return
    env = api.Environment(cr, SUPERUSER_ID, {})
    for xmlid, (former_code, model_name, code) in MOVED_CRONS.items():
        cron = env.ref(f"nps_closed_loop.{xmlid}", raise_if_not_found=False)
        if cron and cron.model_id.model == "nps.survey" and (cron.code or "").strip() == former_code:
            cron.write({"model_id": env["ir.model"]._get_id(model_name), "code": code})
