from datetime import datetime, timedelta

import odoo
from odoo import Command
from odoo.addons.nps_closed_loop.tests import common as nps_common

SALE_CAMPAIGN = "nps_closed_loop.nps_campaign_sale_order"


class WebOrderFixtures:
    """Mixed before a base of the core's tests (an ``HttpCase``): the website, the sales order campaign as the
    core ships it (a survey a day after the order, a quiet period of 90 days), a product and customers who
    checked out without an account.

    A mixin, not a test case: the bridge's tests import the core's ``tests/common`` module, not its classes,
    so that no test runner collects a base of the core in the bridge.
    """

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.website = cls.env["website"].search([("company_id", "=", cls.env.company.id)], limit=1) or cls.env.ref(
            "website.default_website"
        )
        cls.campaign_so = cls.env.ref(SALE_CAMPAIGN)
        cls.campaign_so.write({**nps_common.SALE_CAMPAIGN_SENDING, "lawful_basis": "legitimate_interest"})
        cls.product = cls.env["product.product"].create(
            {"name": "NPS web widget", "list_price": 40.0, "sale_ok": True, "is_published": True}
        )
        cls.shopper = cls.env["res.partner"].create(
            {"name": "Lucie Web", "email": "lucie@example.com", "lang": "en_US"}
        )
        cls.other_shopper = cls.env["res.partner"].create(
            {"name": "Marc Other", "email": "marc@example.com", "lang": "en_US"}
        )

    @classmethod
    def _web_order(cls, partner):
        """An order of the shop, confirmed as the payment confirms it (``payment.transaction``'s
        ``_check_amount_and_confirm_order``): the NPS rule asks for its survey."""
        order = cls.env["sale.order"].create(
            {
                "partner_id": partner.id,
                "website_id": cls.website.id,
                "order_line": [Command.create({"product_id": cls.product.id, "product_uom_qty": 1})],
            }
        )
        order.with_context(send_email=True).action_confirm()
        return order

    def _order_surveys(self, order):
        return self.env["nps.survey"].search([("res_model", "=", "sale.order"), ("res_id", "=", order.id)])

    def _checkout_session(self, order):
        """A browser session that just paid ``order``: what ``/shop/payment/validate`` leaves in it."""
        self.authenticate(None, None)
        self._set_last_order(order)

    def _set_last_order(self, order):
        self.session["sale_last_order_id"] = order.id
        odoo.http.root.session_store.save(self.session)

    def _csrf(self, response):
        match = nps_common.CSRF_PATTERN.search(response.text)
        self.assertTrue(match, "the page carries a CSRF token")
        return match.group(1)

    def _answered_earlier(self, partner, days):
        """A survey ``partner`` answered ``days`` days ago, sent the day before."""
        answered = datetime.now() - timedelta(days=days)
        return (
            self.env["nps.survey"]
            .sudo()
            .create(
                {
                    "partner_id": partner.id,
                    "campaign_id": self.campaign_so.id,
                    "state": "answered",
                    "score": 9,
                    "sent_date": answered - timedelta(days=1),
                    "answer_date": answered,
                }
            )
        )
