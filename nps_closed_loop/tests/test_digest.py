from datetime import timedelta

from lxml import html

from odoo import Command, fields
from odoo.addons.mail.tests.common import MailCase
from odoo.exceptions import AccessError
from odoo.tests import new_test_user, tagged

from . import common


@tagged("post_install", "-at_install")
class TestNpsDigest(common.NpsCommon, MailCase):
    """The NPS figures in Odoo's KPI digest: the answers of the digest's company answered in each period, the
    callbacks on time among them; for NPS users only."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        # a company of its own: the database may hold demo answers
        cls.digest_company = cls.env["res.company"].create({"name": "Digest Brewery"})
        cls.digest_manager = new_test_user(
            cls.env,
            login="nps_digest_manager",
            groups="nps_closed_loop.group_nps_manager",
            name="Diane Digest",
            email="diane@example.com",
            company_id=cls.digest_company.id,
            company_ids=[cls.digest_company.id, cls.company.id],
        )
        cls.digest_employee = new_test_user(
            cls.env,
            login="nps_digest_employee",
            groups="base.group_user",
            name="Eric Employee",
            email="eric@example.com",
            company_id=cls.digest_company.id,
            company_ids=[cls.digest_company.id],
        )
        cls.digest_campaign = cls.env["nps.campaign"].create(
            {"name": "Digest campaign", "company_id": cls.digest_company.id, "user_id": cls.digest_manager.id}
        )
        cls.now = fields.Datetime.now()

        def hours(count):
            return cls.now - timedelta(hours=count)

        in_company = {"company_id": cls.digest_company.id, "campaign_id": cls.digest_campaign.id}
        # the last 24 hours: 4 promoters, 3 detractors -> NPS 14; 2 callbacks due, 1 on time -> 50 %
        for score in (10, 10, 10, 9):
            cls._create_answered(score, answer_date=hours(2), **in_company)
        cls._create_answered(  # called back within its deadline
            3,
            answer_date=hours(5),
            loop_state="contacted",
            callback_deadline=hours(5) + timedelta(hours=48),
            first_contact_date=hours(4),
            **in_company,
        )
        cls._create_answered(  # still to call back, past its deadline
            2, answer_date=hours(20), loop_state="open", callback_deadline=hours(1), **in_company
        )
        cls._create_answered(  # still to call back, before its deadline: not counted yet
            1, answer_date=hours(2), loop_state="open", callback_deadline=hours(-46), **in_company
        )
        # 3 days ago: in the last 7 and 30 days -> NPS 25 of 8 answers
        cls._create_answered(9, answer_date=hours(72), **in_company)
        # 60 days ago: in no period of the digest
        cls._create_answered(0, answer_date=hours(60 * 24), **in_company)
        # another company's answer, in the last 24 hours, called back late
        cls._create_answered(
            0,
            answer_date=hours(3),
            loop_state="contacted",
            callback_deadline=hours(2),
            first_contact_date=hours(1),
        )
        cls.digest = cls.env["digest.digest"].create(
            {
                "name": "NPS weekly",
                "company_id": cls.digest_company.id,
                "periodicity": "weekly",
                "kpi_nps_score": True,
                "kpi_nps_answers": True,
                "kpi_nps_callbacks_on_time": True,
                "user_ids": [Command.set((cls.digest_manager | cls.digest_employee).ids)],
            }
        )

    def _values(self, user, days):
        """The KPI values over the last ``days`` days, computed as ``user`` with all their companies selected."""
        digest = self.digest.with_user(user).with_context(
            start_datetime=self.now - timedelta(days=days),
            end_datetime=self.now + timedelta(seconds=1),
            allowed_company_ids=user.company_ids.ids,
        )
        digest.invalidate_recordset()
        return (
            digest.kpi_nps_score_value,
            digest.kpi_nps_answers_value,
            digest.kpi_nps_callbacks_on_time_value,
        )

    def test_kpi_values_of_the_period_and_company(self):
        self.assertEqual(self._values(self.digest_manager, 1), (14, 7, 50))
        self.assertEqual(self._values(self.digest_manager, 7), (25, 8, 50))
        self.assertEqual(self._values(self.digest_manager, 30), (25, 8, 50))
        self.assertEqual(self._values(self.digest_manager, 90), (11, 9, 50), "the answer of 60 days ago")

    def test_kpi_values_of_a_digest_without_company(self):
        """A digest without company reads the current company's answers, as Odoo's KPIs do."""
        self.digest.company_id = False
        digest = self.digest.with_user(self.digest_manager).with_company(self.digest_company)
        digest = digest.with_context(
            start_datetime=self.now - timedelta(days=1), end_datetime=self.now + timedelta(seconds=1)
        )
        self.assertEqual(digest.kpi_nps_answers_value, 7)

    def test_kpi_refused_to_other_users(self):
        digest = self.digest.with_user(self.digest_employee).with_context(
            start_datetime=self.now - timedelta(days=1), end_datetime=self.now
        )
        for field_name in ("kpi_nps_score_value", "kpi_nps_answers_value", "kpi_nps_callbacks_on_time_value"):
            with self.assertRaises(AccessError):
                digest.mapped(field_name)

    def test_kpis_in_the_default_digest(self):
        default = self.env.ref("digest.digest_digest_default")
        self.assertTrue(default.kpi_nps_score and default.kpi_nps_answers and default.kpi_nps_callbacks_on_time)

    def test_digest_email(self):
        """The digest e-mail: the NPS figures of the three periods for the NPS manager, with a link to the NPS
        screens; none for an employee outside the NPS groups."""
        with self.mock_mail_gateway():
            self.digest.action_send()
        mails = {mail.email_to: mail for mail in self._new_mails}
        self.assertEqual(len(mails), 2)
        body = html.fromstring(mails[self.digest_manager.email_formatted].body_html)

        def kpi_values(field_name):
            cells = body.xpath(f'//table[@data-field="{field_name}"]//*[hasclass("kpi_value")]/text()')
            return [cell.strip() for cell in cells]

        self.assertEqual(kpi_values("kpi_nps_score"), ["14", "25", "25"])
        self.assertEqual(kpi_values("kpi_nps_answers"), ["7", "8", "8"])
        self.assertEqual(kpi_values("kpi_nps_callbacks_on_time"), ["50", "50", "50"])
        titles = " ".join(body.xpath('//tr[hasclass("kpi_header")]//span/text()')).lower()
        for title in ("net promoter score", "nps answers", "callbacks on time (%)"):
            self.assertIn(title, titles)
        links = body.xpath('//table[@data-field="kpi_nps_score"]//a/@href')
        self.assertIn("/odoo/action-nps_closed_loop.nps_overview_action?menu_id=", links[0] if links else "")
        links = body.xpath('//table[@data-field="kpi_nps_callbacks_on_time"]//a/@href')
        self.assertIn("/odoo/action-nps_closed_loop.nps_survey_action_callbacks", links[0] if links else "")

        employee_body = html.fromstring(mails[self.digest_employee.email_formatted].body_html)
        self.assertFalse(employee_body.xpath('//table[starts-with(@data-field, "kpi_nps_")]'))
