from odoo import fields, models


class NpsEmployeeCampaign(models.Model):
    """Departments invited to an employee NPS campaign: the users of their employees get each pulse."""

    _inherit = "nps.employee.campaign"

    department_ids = fields.Many2many(
        "hr.department",
        "nps_employee_campaign_hr_department_rel",
        "campaign_id",
        "department_id",
        string="Invited departments",
        help="The employees of these departments who have a user are invited, besides the employees chosen.",
    )

    def _enps_invited_users(self):
        users = super()._enps_invited_users()
        if not self.department_ids:
            return users
        employees = (
            self.env["hr.employee"]
            .sudo()
            .search([("department_id", "child_of", self.department_ids.ids), ("company_id", "=", self.company_id.id)])
        )
        return users | employees.user_id.filtered(lambda user: not user.share)
