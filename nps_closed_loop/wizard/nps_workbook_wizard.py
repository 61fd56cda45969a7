from odoo import api, fields, models
from odoo.exceptions import ValidationError


class NpsWorkbookWizard(models.TransientModel):
    """Choose what the NPS workbook covers: campaigns and a period of answers."""

    _name = "nps.workbook.wizard"
    _description = "Export NPS Workbook"

    campaign_ids = fields.Many2many(
        "nps.campaign", string="Campaigns", help="Leave empty for the answers of every campaign."
    )
    date_from = fields.Date(string="Answered from")
    date_to = fields.Date(string="Answered until")

    @api.constrains("date_from", "date_to")
    def _check_dates(self):
        for wizard in self:
            if wizard.date_from and wizard.date_to and wizard.date_from > wizard.date_to:
                raise ValidationError(self.env._("The period must start before it ends."))

    @api.constrains("campaign_ids")
    def _check_campaign_access(self):
        # only campaigns the user may read (those of their companies): refused as an access error, the way
        # Odoo 19.0 refuses linking records one cannot read
        self.campaign_ids.check_access("read")

    def action_export(self):
        self.ensure_one()
        return self.env["nps.report"]._nps_workbook_action(
            campaigns=self.campaign_ids, date_from=self.date_from, date_to=self.date_to
        )
