from odoo import api, fields, models


class NpsCampaign(models.Model):
    _name = "nps.campaign"
    _description = "NPS Campaign"
    _inherit = ["mail.thread"]
    _order = "sequence, id"

    # ------------------------------------------------------------------
    # Identity
    # ------------------------------------------------------------------
    name = fields.Char(required=True, translate=True, tracking=True)
    active = fields.Boolean(default=True, tracking=True)
    sequence = fields.Integer(default=10)
    company_id = fields.Many2one(
        "res.company",
        required=True,
        index=True,
        default=lambda self: self.env.company,
    )
    user_id = fields.Many2one(
        "res.users",
        string="Responsible",
        default=lambda self: self.env.user,
        tracking=True,
        help="Receives the callbacks nobody else can take.",
    )
    description = fields.Html(translate=True)
    question = fields.Char(
        translate=True,
        help="Leave empty for the standard question: "
        "How likely are you to recommend <company> to a friend or colleague?",
    )
    review_url = fields.Char(
        string="Review or referral link",
        help="Offered to promoters after they answer, e.g. your Google review page.",
    )
    survey_ids = fields.One2many("nps.survey", "campaign_id", string="Surveys")

    # ------------------------------------------------------------------
    # Sending settings
    # ------------------------------------------------------------------

    # ------------------------------------------------------------------
    # Closing the loop settings
    # ------------------------------------------------------------------

    # ------------------------------------------------------------------
    # Statistics (one grouped query for all campaigns)
    # ------------------------------------------------------------------
    survey_count = fields.Integer(compute="_compute_statistics")
    sent_count = fields.Integer(string="Sent", compute="_compute_statistics")
    answered_count = fields.Integer(string="Answered", compute="_compute_statistics")
    response_rate = fields.Float(string="Response rate (%)", compute="_compute_statistics", digits=(16, 1))
    nps = fields.Float(string="NPS", compute="_compute_statistics", digits=(16, 1))

    @api.depends("survey_ids.state", "survey_ids.nps_value")
    def _compute_statistics(self):
        stats = {}
        if self.ids:
            groups = self.env["nps.survey"]._read_group(
                [("campaign_id", "in", self.ids)],
                ["campaign_id", "state"],
                ["__count", "nps_value:avg"],
            )
            for campaign, state, count, nps in groups:
                values = stats.setdefault(campaign.id, {"total": 0, "sent": 0, "answered": 0, "nps": 0.0})
                values["total"] += count
                if state in ("sent", "answered", "expired"):
                    values["sent"] += count
                if state == "answered":
                    values["answered"] = count
                    values["nps"] = nps or 0.0
        for campaign in self:
            values = stats.get(campaign.id, {"total": 0, "sent": 0, "answered": 0, "nps": 0.0})
            campaign.survey_count = values["total"]
            campaign.sent_count = values["sent"]
            campaign.answered_count = values["answered"]
            campaign.response_rate = 100.0 * values["answered"] / values["sent"] if values["sent"] else 0.0
            campaign.nps = values["nps"]

    def action_view_surveys(self):
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id("nps_closed_loop.nps_survey_action")
        action["domain"] = [("campaign_id", "=", self.id)]
        action["context"] = {"default_campaign_id": self.id}
        return action

    # ------------------------------------------------------------------
    # Sending
    # ------------------------------------------------------------------

    # ------------------------------------------------------------------
    # Closing the loop
    # ------------------------------------------------------------------
