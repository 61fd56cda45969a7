from odoo.addons.nps_closed_loop.tests import common as nps_common
from odoo.tests import new_test_user, tagged


@tagged("post_install", "-at_install")
class TestCorePagesWithTheWebsite(nps_common.PortalCommon):
    """With the Website app, the core's pages take the website's layout, which needs the request's website:
    the customer's survey page (shown, answered, thanked, opted out) and the employee's eNPS page answer as
    they do without it, never with a server error."""

    def test_the_customer_answers_and_opts_out(self):
        token = self.survey.access_token
        for path in (f"/nps/{token}", f"/nps/{token}?score=3", f"/nps/{token}/optout"):
            with self.subTest(path=path):
                response = self._get(path)
                self.assertEqual(response.status_code, 200)
                self.assertIn("o_nps_", response.text)
        self.assertEqual(self._get("/nps/not-a-token").status_code, 404)
        self._assert_unanswered()
        response = self._post(data={"score": "3", "comment": "Slow delivery"})
        self.assertEqual(response.status_code, 200)
        self.assertEqual((self.survey.state, self.survey.score), ("answered", 3))
        self.assertEqual(self._get(f"/nps/{token}/thanks").status_code, 200)
        other = self._create_survey(partner=self.customer_2, state="sent")
        response = self._post(other, path="/optout", allow_redirects=False)
        self.assertEqual(response.status_code, 303)
        self.assertEqual(self.customer_2.nps_consent, "refused")
        self.assertEqual(self._get(response.headers["Location"]).status_code, 200)

    def test_the_employee_answers_the_enps(self):
        employees = self.env["res.users"]
        for index in range(3):
            employees |= new_test_user(self.env, login=f"web_enps_{index}", email=f"web.enps.{index}@example.com")
        campaign = self.env["nps.employee.campaign"].create({"name": "eNPS", "user_ids": [(6, 0, employees.ids)]})
        campaign.action_start()
        self.env["nps.employee.campaign"]._cron_pulses()
        invitation = self.env["nps.employee.invitation"].sudo().search([("campaign_id", "=", campaign.id)], limit=1)
        self.assertTrue(invitation, "the pulse invited the employees")
        response = self._get(f"/enps/{invitation.access_token}")
        self.assertEqual(response.status_code, 200)
        self.assertFalse(invitation.answered, "showing the page records nothing")
        self.assertEqual(self._get("/enps/not-a-token").status_code, 404)
        response = self.url_open(f"/enps/{invitation.access_token}", data={"score": "8", "csrf_token": self._csrf()})
        self.assertEqual(response.status_code, 200)
        invitation.invalidate_recordset()
        self.assertTrue(invitation.answered)
