from odoo import models


class NpsEmployeeInvitation(models.Model):
    """An answer counts in the department of the employee who gives it, and in nothing finer."""

    _inherit = "nps.employee.invitation"

    def _enps_group_of_user(self, user):
        self.ensure_one()
        employee = (
            self.env["hr.employee"]
            .sudo()
            .search([("user_id", "=", user.id), ("company_id", "=", self.campaign_id.company_id.id)], limit=1)
        )
        return employee.department_id.name or super()._enps_group_of_user(user)
