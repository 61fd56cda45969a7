from odoo import SUPERUSER_ID, Command, api
from odoo.addons.mail.tests.common import MailCase
from odoo.tests import new_test_user
from odoo.tests.common import TransactionCase

from .. import compat


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
                compat.PARTNER_MOBILE_FIELD: "+33 6 12 34 56 78",
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


class LoopCommon(NpsCommon, MailCase):
    """A callback team of three, plus a salesperson who is also an NPS user and sits in the team."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.callback_type = cls.env.ref("nps_closed_loop.mail_activity_type_nps_callback")
        cls.seller = new_test_user(
            cls.env,
            login="nps_seller",
            groups="sales_team.group_sale_salesman,nps_closed_loop.group_nps_user",
            name="Sophie Seller",
            email="sophie@example.com",
            tz="UTC",
        )
        cls.caller_a, cls.caller_b, cls.caller_c = (
            new_test_user(
                cls.env,
                login=f"nps_caller_{letter}",
                groups="nps_closed_loop.group_nps_user",
                name=f"Caller {letter.upper()}",
                email=f"caller_{letter}@example.com",
                tz="UTC",
            )
            for letter in "abc"
        )
        cls.customer.user_id = cls.seller
        cls.campaign.write(
            {
                "callback_user_ids": [Command.set((cls.seller | cls.caller_a | cls.caller_b | cls.caller_c).ids)],
                "holdout_percent": 0.0,
            }
        )
        cls.campaign.message_subscribe(partner_ids=cls.user_employee.partner_id.ids)
        cls.order = cls.env["sale.order"].create({"partner_id": cls.customer.id, "user_id": cls.seller.id})
        cls.reason_delivery = cls.env.ref("nps_closed_loop.nps_reason_delivery")
        cls.reason_support = cls.env.ref("nps_closed_loop.nps_reason_support")

    def _sent_survey(self, partner=None, **values):
        values = {
            "state": "sent",
            "contact_user_id": self.seller.id,
            "res_model": "sale.order",
            "res_id": self.order.id,
            **values,
        }
        return self._create_survey(partner=partner, **values)

    def _answer(self, score, partner=None, contact_allowed=True, comment="Late delivery, nobody warned us", **values):
        survey = self._sent_survey(partner=partner, **values)
        survey._record_answer(
            score, comment=comment, followup="Call before delivering", contact_allowed=contact_allowed
        )
        return survey

    def _callbacks(self, surveys):
        return self.env["mail.activity"].search(
            [
                ("res_model", "=", "nps.survey"),
                ("res_id", "in", surveys.ids),
                ("activity_type_id", "=", self.callback_type.id),
            ]
        )

    def _close_loop(self, survey, outcome="resolved", reasons=None, schedule_resurvey=False):
        wizard = (
            self.env["nps.close.loop.wizard"]
            .with_context(default_survey_id=survey.id)
            .create(
                {
                    "outcome": outcome,
                    "reason_ids": [Command.set((reasons or self.reason_delivery).ids)],
                    "notes": "<p>Apologised; delivery slot confirmed by phone.</p>",
                }
            )
        )
        wizard.schedule_resurvey = schedule_resurvey
        return wizard.action_confirm()


class HoldoutCommon(LoopCommon):
    """Five customer companies and a campaign that re-surveys and measures repurchase over 30 days."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.campaign.write({"resurvey_after_close": True, "resurvey_days": 30, "repurchase_days": 30})
        cls.customers = cls.env["res.partner"].create(
            [
                {"name": f"Client {index}", "is_company": True, "email": f"client{index}@example.com"}
                for index in range(5)
            ]
        )

    def _confirmed_order(self, partner, date_order, state="sale"):
        return self.env["sale.order"].create({"partner_id": partner.id, "state": state, "date_order": date_order})


class CommittedWorkers:
    """Mixin for tests of what two Odoo workers do at once: each worker is a real cursor on the test
    database whose transactions commit, so the test removes what it committed itself."""

    def _worker(self):
        cr = self.registry.cursor()
        self.addCleanup(cr.close)
        return cr, api.Environment(cr, SUPERUSER_ID, {})
