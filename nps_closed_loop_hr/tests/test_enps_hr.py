"""Departments invited, answers counted per department, small departments folded into "Other"."""

from odoo.tests import TransactionCase, new_test_user, tagged


@tagged("post_install", "-at_install")
class TestEnpsDepartments(TransactionCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.user_enps = new_test_user(
            cls.env, login="enps_hr_manager", groups="nps_closed_loop.group_nps_employee_manager", email="m@e.com"
        )
        Department = cls.env["hr.department"]
        cls.sales = Department.create({"name": "Sales"})
        cls.support = Department.create({"name": "Support"})
        cls.legal = Department.create({"name": "Legal"})
        cls.members = {}
        for department, size in ((cls.sales, 6), (cls.support, 5), (cls.legal, 2)):
            users = cls.env["res.users"]
            for index in range(size):
                user = new_test_user(
                    cls.env,
                    login=f"hr_{department.name}_{index}",
                    groups="base.group_user",
                    email=f"{department.name}{index}@example.com",
                )
                cls.env["hr.employee"].create({"name": user.name, "user_id": user.id, "department_id": department.id})
                users |= user
            cls.members[department] = users
        cls.campaign = (
            cls.env["nps.employee.campaign"]
            .with_user(cls.user_enps)
            .create({"name": "By department", "department_ids": [(6, 0, (cls.sales | cls.support | cls.legal).ids)]})
        )

    def test_departments_invited_and_results_by_department(self):
        self.campaign.action_start()
        self.env["nps.employee.campaign"]._cron_pulses()
        invitations = self.env["nps.employee.invitation"].sudo().search([("campaign_id", "=", self.campaign.id)])
        self.assertEqual(
            invitations.user_id, self.members[self.sales] | self.members[self.support] | self.members[self.legal]
        )
        scores = {self.sales: 10, self.support: 2, self.legal: 9}
        for invitation in invitations:
            department = next(d for d, users in self.members.items() if invitation.user_id in users)
            invitation._enps_answer(scores[department], False)
        self.env["nps.employee.answer.pending"]._cron_release()
        answers = self.env["nps.employee.answer"].sudo().search([("campaign_id", "=", self.campaign.id)])
        # Legal: two employees invited, under the minimum group size: their answers keep no department at all
        self.assertEqual(set(answers.mapped("group_key")), {"Sales", "Support", ""})
        groups = self.campaign._enps_results()["current"]["groups"]
        # Legal (2) is under 5: never alone in Other, the smallest department shown (Support, 5) joins it
        self.assertEqual([(row["label"], row["count"]) for row in groups], [("Sales", 6), ("Other", 7)])
        self.assertNotIn("Legal", self.campaign.results_html)
