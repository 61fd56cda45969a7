from datetime import datetime, timedelta

from odoo import SUPERUSER_ID, Command, api
from odoo.exceptions import AccessError, UserError
from odoo.tests import Form, tagged
from odoo.tests.common import TransactionCase

from . import common

INVALID = "The customer filter is not valid"


@tagged("post_install", "-at_install")
class TestRelationshipWizardAccess(common.NpsCommon):
    """The segment preview counts what the NPS manager can read themselves, nothing more.

    ``user_manager`` is an NPS manager who is neither a salesperson nor an accountant.
    """

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        sale_campaign = cls.env.ref("nps_closed_loop.nps_campaign_sale_order", raise_if_not_found=False)
        if sale_campaign:
            sale_campaign.active = False  # the orders below must not schedule surveys of their own
        cls.product = cls.env["product.product"].create({"name": "Espresso machine", "list_price": 100.0})
        cls.own_buyer, cls.foreign_buyer, cls.limited, cls.holding = cls.env["res.partner"].create(
            [
                {"name": "Buys here", "email": "here@example.com"},
                {"name": "Buys from the other company", "email": "there@example.com"},
                {"name": "Has a credit limit", "email": "limit@example.com", "credit_limit": 5000.0},
                {"name": "Holding", "is_company": True, "email": "holding@example.com"},
            ]
        )
        cls._confirm_order(cls.own_buyer, cls.company)
        cls._confirm_order(cls.foreign_buyer, cls.other_company)
        # a contact of the other company, with its bank account, under a company everybody can read
        cls.foreign_contact = cls.env["res.partner"].create(
            {"name": "Treasurer", "parent_id": cls.holding.id, "company_id": cls.other_company.id}
        )
        cls.env["res.partner.bank"].create({"partner_id": cls.foreign_contact.id, "acc_number": "NPS-SECRET-0042"})
        cls.own_bank = cls.env["res.partner.bank"].create(
            {"partner_id": cls.own_buyer.id, "acc_number": "NPS-PUBLIC-0001"}
        )
        cls.buyers = cls.own_buyer | cls.foreign_buyer

    @classmethod
    def _confirm_order(cls, partner, company):
        order = (
            cls.env["sale.order"]
            .with_company(company)
            .create(
                {
                    "partner_id": partner.id,
                    "company_id": company.id,
                    "order_line": [Command.create({"product_id": cls.product.id, "product_uom_qty": 1})],
                }
            )
        )
        order.action_confirm()
        return order

    def _preview(self, domain):
        """The wizard as the manager fills it in in the web client: the preview follows the filter."""
        wizard = Form(self.env["nps.relationship.wizard"].with_user(self.user_manager))
        wizard.partner_domain = repr(domain)
        return wizard

    def assertCounts(self, wizard, partners):
        self.assertFalse(wizard.domain_error)
        self.assertEqual(wizard.partner_count, len(partners))
        self.assertEqual(wizard.survey_count + wizard.excluded_count, len(partners))

    def assertRefused(self, wizard):
        self.assertIn(INVALID, wizard.domain_error or "")
        self.assertEqual((wizard.partner_count, wizard.survey_count, wizard.excluded_count), (0, 0, 0))

    def test_manager_is_neither_salesperson_nor_accountant(self):
        for group in ("sales_team.group_sale_salesman", "account.group_account_readonly", "base.group_partner_manager"):
            self.assertFalse(self.user_manager.has_group(group), group)

    def test_orders_of_another_company_are_not_counted(self):
        in_buyers = [("id", "in", self.buyers.ids)]
        # orders compared with ids or with nothing: the orders the manager cannot read count as none
        for domain, expected in (
            ([("sale_order_ids", "!=", False)], self.own_buyer),
            ([("sale_order_ids", "in", self.buyers.sale_order_ids.ids)], self.own_buyer),
            ([("sale_order_ids", "=", self.foreign_buyer.sale_order_ids.id)], []),
            ([("sale_order_ids", "=", False)], self.foreign_buyer),
        ):
            with self.subTest(domain=domain):
                self.assertCounts(self._preview(in_buyers + domain), expected)
        as_manager = self.env["res.partner"].with_user(self.user_manager)
        readable_orders = (
            self.env["sale.order"].with_user(self.user_manager).search([("partner_id", "in", self.buyers.ids)])
        )
        self.assertEqual(readable_orders.partner_id, self.own_buyer)
        # conditions the ORM checks itself: the count is what the manager's own search finds
        for domain in (
            [("sale_order_ids", "any", [("state", "=", "sale")])],
            [("sale_order_ids.state", "=", "sale")],
            [("sale_order_ids.company_id", "=", self.other_company.id)],
        ):
            with self.subTest(domain=domain):
                wizard = self._preview(in_buyers + domain)
                self.assertCounts(wizard, as_manager.search(in_buyers + domain))
                self.assertLessEqual(wizard.partner_count, 1)

    def test_bank_accounts_of_unreadable_contacts(self):
        """Bank accounts are readable by internal users only with their contact (same company)."""
        self.assertFalse(self.foreign_contact.with_user(self.user_manager)._filtered_access("read"))
        readable_banks = (
            self.env["res.partner.bank"]
            .with_user(self.user_manager)
            .search([("acc_number", "in", ("NPS-SECRET-0042", "NPS-PUBLIC-0001"))])
        )
        self.assertEqual(readable_banks, self.own_bank)
        self.assertCounts(self._preview([("child_ids.bank_ids.acc_number", "=", "NPS-SECRET-0042")]), [])
        self.assertCounts(self._preview([("child_ids.bank_ids.acc_number", "like", "NPS-SECRET")]), [])
        self.assertCounts(
            self._preview([("id", "=", self.holding.id), ("child_ids", "any", [("bank_ids", "!=", False)])]), []
        )
        self.assertCounts(self._preview([("bank_ids.acc_number", "=", "NPS-PUBLIC-0001")]), self.own_buyer)

    def test_fields_restricted_by_groups(self):
        # stored (the ORM refuses it) and computed on the fly (its search would read the accounting)
        for domain in (
            [("credit_limit", ">", 1000)],
            [("credit", ">", 0)],
            [("commercial_partner_id.credit_limit", ">", 1000)],
        ):
            with self.subTest(domain=domain):
                self.assertRefused(self._preview([("id", "=", self.limited.id), *domain]))

    def test_models_without_access(self):
        for domain in (
            [("sale_order_ids.order_line.price_unit", ">", 0)],
            [("sale_order_ids", "any", [("order_line", "!=", False)])],
            [("invoice_ids", "!=", False)],
        ):
            with self.subTest(domain=domain):
                self.assertRefused(self._preview([("id", "in", self.buyers.ids), *domain]))

    def test_refused_filter_cannot_be_confirmed(self):
        wizard = self._preview([("credit_limit", ">", 1000)])
        self.assertFalse(common.button_shown(wizard, "action_confirm"), "no button to send")
        with self.assertRaisesRegex(UserError, INVALID):
            wizard.save().action_confirm()  # refused all the same
        self.assertFalse(self.env["nps.relationship.queue"].search([]))

    def test_default_segment_for_a_manager_who_is_not_a_salesperson(self):
        wizard = Form(self.env["nps.relationship.wizard"].with_user(self.user_manager))
        self.assertIn("sale_order_ids", wizard.partner_domain)
        self.assertFalse(wizard.domain_error)
        wizard.partner_domain = wizard.partner_domain[:-1] + f", ('id', 'in', {self.buyers.ids})]"
        self.assertCounts(wizard, self.own_buyer)


@tagged("post_install", "-at_install")
class TestRelationshipQueue(common.NpsCommon):
    """Customers queued by the wizard, one row each, taken by the sending cron in batches."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.campaign.write({"quiet_period_days": 0, "delay_hours": 0})
        cls.campaign_2 = cls.env["nps.campaign"].create({"name": "Second campaign", "quiet_period_days": 0})
        cls.partners = cls.env["res.partner"].create(
            [{"name": f"Queued {index}", "email": f"queued{index}@example.com"} for index in range(5)]
        )
        cls.Queue = cls.env["nps.relationship.queue"]

    def _surveys(self, campaign):
        return self.env["nps.survey"].search([("campaign_id", "=", campaign.id)])

    def test_enqueue_is_idempotent(self):
        self.env["nps.campaign.schedule"]._enqueue_partners(self.campaign, self.partners[:3])
        self.env["nps.campaign.schedule"]._enqueue_partners(self.campaign, self.partners[1:4])
        self.env["nps.campaign.schedule"]._enqueue_partners(self.campaign_2, self.partners[:1])
        rows = self.Queue.search([("campaign_id", "=", self.campaign.id)])
        self.assertEqual(rows.partner_id, self.partners[:4])
        self.assertEqual(len(rows), 4, "one row per customer")
        self.assertEqual(rows.company_id, self.campaign.company_id)
        self.assertTrue(all(rows.mapped("create_date")))
        self.assertEqual(self.campaign.relationship_pending_count, 4)
        self.assertEqual(self.campaign_2.relationship_pending_count, 1)
        self.assertEqual((self.campaign | self.campaign_2).mapped("relationship_pending_count"), [4, 1])

    def test_batches_across_campaigns(self):
        self.env["nps.campaign.schedule"]._enqueue_partners(self.campaign, self.partners[:3])
        self.env["nps.campaign.schedule"]._enqueue_partners(self.campaign_2, self.partners[3:])
        now = datetime(2026, 3, 2, 9, 0)
        Schedule = self.env["nps.campaign.schedule"]
        self.assertEqual(Schedule._process_relationship_queues(2, now), (2, 3))
        self.assertEqual(self._surveys(self.campaign).partner_id, self.partners[:2])
        self.assertEqual(self.campaign.relationship_pending_count, 1)
        self.assertEqual(Schedule._process_relationship_queues(2, now), (2, 1))
        self.assertEqual(self._surveys(self.campaign).partner_id, self.partners[:3])
        self.assertEqual(self._surveys(self.campaign_2).partner_id, self.partners[3])
        self.assertEqual(Schedule._process_relationship_queues(2, now), (1, 0))
        self.assertEqual(Schedule._process_relationship_queues(2, now), (0, 0))
        self.assertEqual(self._surveys(self.campaign_2).partner_id, self.partners[3:])
        surveys = self._surveys(self.campaign) | self._surveys(self.campaign_2)
        self.assertEqual(set(surveys.mapped("state")), {"scheduled"})
        self.assertEqual(set(surveys.mapped("res_model")), {False}, "a relationship survey has no source document")
        self.assertFalse(self.Queue.search([]))
        self.assertEqual((self.campaign | self.campaign_2).mapped("relationship_pending_count"), [0, 0])

    def test_deleted_customer_leaves_the_queue(self):
        self.env["nps.campaign.schedule"]._enqueue_partners(self.campaign, self.partners)
        self.partners[0].unlink()
        self.assertEqual(self.env["nps.campaign.schedule"]._process_relationship_queues(10, None), (4, 0))
        self.assertEqual(self._surveys(self.campaign).partner_id, self.partners[1:])

    def test_batch_cost_does_not_depend_on_the_queue_length(self):
        warm_up, first, second = (
            self.env["res.partner"].create(
                [{"name": f"Batch {batch} {index}", "email": f"batch{batch}.{index}@example.com"} for index in range(5)]
            )
            for batch in range(3)
        )
        many = self.env["res.partner"].create(
            [{"name": f"Many {index}", "email": f"many{index}@example.com"} for index in range(200)]
        )
        counts = []
        for batch, waiting in ((warm_up, None), (first, None), (second, many)):
            self.env["nps.campaign.schedule"]._enqueue_partners(self.campaign, batch)
            if waiting:
                self.env["nps.campaign.schedule"]._enqueue_partners(self.campaign_2, waiting)
            self.env.flush_all()
            self.env.invalidate_all()
            queries = self.cr.sql_log_count
            self.assertEqual(self.env["nps.campaign.schedule"]._process_relationship_queues(5, None)[0], 5)
            self.env.flush_all()
            counts.append(self.cr.sql_log_count - queries)
        self.assertEqual(self._surveys(self.campaign).partner_id, warm_up | first | second)
        self.assertEqual(counts[1], counts[2], "a batch costs the same with 0 or 200 customers waiting")

    def test_access(self):
        self.env["nps.campaign.schedule"]._enqueue_partners(self.campaign, self.partners[:2])
        for user in (self.user_employee, self.user_nps, self.user_salesman):
            with self.subTest(user=user.login):
                with self.assertRaises(AccessError):
                    self.Queue.with_user(user).search([])
                with self.assertRaises(AccessError):
                    self.env["nps.campaign.schedule"].with_user(user)._enqueue_partners(
                        self.campaign.with_user(user), self.partners
                    )
                # the count alone is no secret: campaign forms show it to whoever reads them
                self.assertEqual(self.campaign.with_user(user).relationship_pending_count, 2)
        self.assertEqual(len(self.Queue.with_user(self.user_manager).search([])), 2)
        self.env["nps.campaign.schedule"].with_user(self.user_manager)._enqueue_partners(
            self.campaign.with_user(self.user_manager), self.partners
        )
        self.assertEqual(self.campaign.relationship_pending_count, 5)

    def test_wizard_queues_then_cron_sends(self):
        relationship = self.env.ref("nps_closed_loop.nps_campaign_relationship")
        relationship.write({"quiet_period_days": 0, "sampling_rate": 100})
        wizard = Form(self.env["nps.relationship.wizard"].with_user(self.user_manager))
        wizard.campaign_id = relationship
        wizard.partner_domain = repr([("id", "in", self.partners.ids)])
        self.assertEqual(wizard.survey_count, 5)
        action = common.click(wizard, "action_confirm")
        self.assertEqual(action["params"]["next"]["res_id"], relationship.id, "then the campaign opens")
        wizard.record.action_confirm()  # a second click (a double click) queues nobody twice
        self.assertEqual(relationship.relationship_pending_count, 5)
        self.assertEqual(self.env["nps.campaign.schedule"]._process_relationship_queues(100, None), (5, 0))
        self.assertEqual(self._surveys(relationship).partner_id, self.partners)


@tagged("post_install", "-at_install")
class TestRelationshipQueueWorkers(common.CommittedWorkers, TransactionCase):
    """Two cron workers at once, on committed data: each customer is taken by one of them only."""

    def setUp(self):
        super().setUp()
        with self.registry.cursor() as cr:
            env = api.Environment(cr, SUPERUSER_ID, {"tracking_disable": True})
            campaign = env["nps.campaign"].create({"name": "Queue workers test", "quiet_period_days": 0})
            partners = env["res.partner"].create(
                [{"name": f"Worker customer {index}", "email": f"worker{index}@example.com"} for index in range(6)]
            )
            env["nps.campaign.schedule"]._enqueue_partners(campaign, partners)
            self.campaign_id, self.partner_ids = campaign.id, partners.ids
        self.addCleanup(self._cleanup)

    def _cleanup(self):
        self._remove_committed(self.campaign_id, self.partner_ids, "nps.relationship.queue")

    def test_two_workers_take_different_customers(self):
        cr1, env1 = self._worker()
        cr2, env2 = self._worker()
        now = datetime.now() + timedelta(minutes=1)
        # worker 1 holds its batch (not committed yet) when worker 2 starts: worker 2 skips it, without waiting
        self.assertEqual(env1["nps.campaign.schedule"]._process_relationship_queues(4, now)[0], 4)
        self.assertEqual(env2["nps.campaign.schedule"]._process_relationship_queues(10, now)[0], 2)
        cr1.commit()
        cr2.commit()
        with self.registry.cursor() as cr:
            env = api.Environment(cr, SUPERUSER_ID, {})
            groups = env["nps.survey"]._read_group(
                [("campaign_id", "=", self.campaign_id)], ["partner_id"], ["__count"]
            )
            self.assertEqual({partner.id: count for partner, count in groups}, dict.fromkeys(self.partner_ids, 1))
            self.assertFalse(env["nps.relationship.queue"].search_count([("campaign_id", "=", self.campaign_id)]))
