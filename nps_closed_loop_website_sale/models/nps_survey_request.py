from odoo import api, models
from odoo.tools import SQL


class NpsSurveyRequest(models.Model):
    _inherit = "nps.survey.request"

    # a document has one request per campaign whose trigger fired on it: a handful at most
    _NPS_DOCUMENT_REQUESTS_LIMIT = 100

    @api.model
    def _nps_plan_now(self, documents):
        """Plan now the pending requests of ``documents`` whose campaign asks on the confirmation page, as the sending cron would have planned them: the
        core's planner with every planning rule, on just these requests, at their own date.

        The rows are taken as the cron takes them (``SKIP LOCKED``, deleted once planned, the error kept on a
        failure): a request the cron is planning at this very moment is left to it.
        """
        if documents:
            # only for the campaigns that ask on the page: the others' are left to the cron, after their delay
            self.env["nps.campaign"].flush_model(["ask_on_confirmation_page"])
            self._plan_requested_surveys(
                self._NPS_DOCUMENT_REQUESTS_LIMIT,
                SQL(
                    """res_model = %s AND res_id = ANY(%s)
                       AND campaign_id IN (SELECT id FROM nps_campaign WHERE ask_on_confirmation_page)""",
                    documents._name,
                    documents.ids,
                ),
            )
