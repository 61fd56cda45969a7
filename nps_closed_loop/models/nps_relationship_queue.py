from odoo import fields, models

from .. import compat


@compat.sql_constraints(
    # the unique index also serves the lookups per campaign (its first column)
    ("campaign_partner_unique", "UNIQUE(campaign_id, partner_id)", "A customer is queued once per campaign."),
)
class NpsRelationshipQueue(models.Model):
    """A customer picked in the relationship NPS wizard whose survey the sending cron has not created yet.

    One row per customer and campaign: the cron takes rows in batches and deletes them once scheduled,
    so the cost of a batch does not depend on the size of the queue.
    """

    _name = "nps.relationship.queue"
    _description = "Relationship NPS: customer waiting for a survey"
    _order = "id"

    campaign_id = fields.Many2one("nps.campaign", required=True, ondelete="cascade")
    partner_id = fields.Many2one("res.partner", string="Customer", required=True, ondelete="cascade", index=True)
    company_id = fields.Many2one(related="campaign_id.company_id", store=True)
