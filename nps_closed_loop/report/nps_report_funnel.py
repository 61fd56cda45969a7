from odoo import fields, models
from odoo.tools import SQL

from ..models.nps_score import REACHED_STATES


class NpsReportFunnel(models.Model):
    """Response rate: one row per survey that reached its customer (sent, then answered or expired), with
    ``answered`` 1 or 0; the average of ``response_rate`` (100 or 0) is the response rate of any grouping.

    The answers themselves are analysed in ``nps.report``; this view only counts who answered whom.
    """

    _name = "nps.report.funnel"
    _inherit = ["nps.sql.view"]
    _description = "NPS Response Rate Analysis"
    _auto = False
    _rec_name = "survey_id"
    _order = "sent_date desc, id desc"
    _depends = {
        "nps.survey": [
            "state",
            "sent_date",
            "campaign_id",
            "company_id",
            "res_model",
            "channel",
            "commercial_partner_id",
        ],
        "res.partner": ["country_id"],
    }

    survey_id = fields.Many2one("nps.survey", readonly=True)
    sent_date = fields.Datetime(readonly=True)
    campaign_id = fields.Many2one("nps.campaign", readonly=True)
    company_id = fields.Many2one("res.company", readonly=True)
    res_model_id = fields.Many2one("ir.model", string="Source document type", readonly=True)
    channel = fields.Selection([("email", "Email"), ("sms", "SMS")], readonly=True)
    commercial_partner_id = fields.Many2one("res.partner", string="Customer", readonly=True)
    country_id = fields.Many2one("res.country", string="Customer country", readonly=True)
    sent_count = fields.Integer(string="Sent", readonly=True)
    answered_count = fields.Integer(string="Answered", readonly=True)
    response_rate = fields.Float(string="Response rate (%)", readonly=True, aggregator="avg", digits=(16, 1))

    def _select(self):
        return SQL(
            """
            s.id AS id,
            s.id AS survey_id,
            s.sent_date AS sent_date,
            s.campaign_id AS campaign_id,
            s.company_id AS company_id,
            source_model.id AS res_model_id,
            s.channel AS channel,
            s.commercial_partner_id AS commercial_partner_id,
            customer.country_id AS country_id,
            1 AS sent_count,
            (s.state = 'answered')::int AS answered_count,
            100.0 * (s.state = 'answered')::int AS response_rate
            """
        )

    def _from(self):
        return SQL(
            """
            nps_survey s
            LEFT JOIN ir_model source_model ON source_model.model = s.res_model
            LEFT JOIN res_partner customer ON customer.id = s.commercial_partner_id
            """
        )

    def _where(self):
        return SQL("s.state IN %s", REACHED_STATES)
