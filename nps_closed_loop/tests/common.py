from odoo.tests import new_test_user
from odoo.tests.common import TransactionCase


class NpsCommon(TransactionCase):
    """Users of every kind, two customers and a campaign, built once per class."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.env = cls.env(context=dict(cls.env.context, tracking_disable=True, mail_create_nolog=True))
        cls.company = cls.env.company
        cls.other_company = cls.env["res.company"].create({"name": "Other Company"})
        cls.user_employee = new_test_user(
            cls.env, login="nps_employee", groups="base.group_user", name="Emma Employee", email="emma@example.com"
        )
        cls.user_salesman = new_test_user(
            cls.env,
            login="nps_salesman",
            groups="sales_team.group_sale_salesman",
            name="Sam Salesman",
            email="sam@example.com",
        )
        cls.user_nps = new_test_user(
            cls.env,
            login="nps_user",
            groups="nps_closed_loop.group_nps_user",
            name="Nora NPS",
            email="nora@example.com",
        )
        cls.user_manager = new_test_user(
            cls.env,
            login="nps_manager",
            groups="nps_closed_loop.group_nps_manager",
            name="Max Manager",
            email="max@example.com",
        )
        cls.user_portal = new_test_user(
            cls.env, login="nps_portal", groups="base.group_portal", name="Paula Portal", email="paula@example.com"
        )
        cls.user_public = cls.env.ref("base.public_user")
        cls.user_other_company = new_test_user(
            cls.env,
            login="nps_other_company",
            groups="nps_closed_loop.group_nps_manager",
            name="Olga Other",
            company_id=cls.other_company.id,
            company_ids=[cls.other_company.id],
        )
        cls.customer_company = cls.env["res.partner"].create(
            {"name": "Brasserie Dupont", "is_company": True, "email": "contact@dupont.example.com"}
        )
        cls.customer = cls.env["res.partner"].create(
            {
                "name": "Jeanne Dupont",
                "parent_id": cls.customer_company.id,
                "email": "jeanne@dupont.example.com",
                "mobile": "+33 6 12 34 56 78",
                "lang": "en_US",
                "user_id": cls.user_salesman.id,
            }
        )
        cls.customer_2 = cls.env["res.partner"].create({"name": "Arthur Martin", "email": "arthur@example.com"})
        cls.campaign = cls.env["nps.campaign"].create({"name": "Test campaign", "user_id": cls.user_manager.id})

    @classmethod
    def _create_survey(cls, partner=None, **values):
        return (
            cls.env["nps.survey"]
            .sudo()
            .create(
                {
                    "partner_id": (partner or cls.customer).id,
                    "campaign_id": cls.campaign.id,
                    **values,
                }
            )
        )

    @classmethod
    def _create_answered(cls, score, partner=None, **values):
        return cls._create_survey(partner=partner, state="answered", score=score, **values)
