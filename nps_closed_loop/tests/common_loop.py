from odoo import Command
from odoo.addons.mail.tests.common import MailCase
from odoo.tests import new_test_user

from . import common


class LoopCommon(common.NpsCommon, MailCase):
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
