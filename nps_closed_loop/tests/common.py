"""What the tests share: the bases that build their data, and helpers that use the addon as the web client
and the browser do. No test module imports another; none of the bases here has a test of its own."""

import json
import re
import tempfile
import unittest
from contextlib import closing
from datetime import datetime, timedelta
from unittest.mock import patch

from freezegun import freeze_time

import odoo
from odoo import SUPERUSER_ID, Command, api
from odoo.addons.mail.tests.common import MailCase
from odoo.tests import HttpCase, new_test_user, tagged
from odoo.tests.common import TransactionCase, get_db_name
from odoo.tools import SQL, config
from odoo.tools.safe_eval import safe_eval

from .. import compat
from ..tools.odoo_server import run_odoo

NOW = datetime(2026, 11, 26, 20, 0, 0)  # a Thursday, 21:00 in Paris
#: the mobile number of ``NpsCommon.customer``
CUSTOMER_MOBILE = "+33 6 12 34 56 78"
#: the CSRF token of a page's form
CSRF_PATTERN = re.compile(r'name="csrf_token"\s+value="([^"]+)"')
# the sales order campaign as the core ships it, made active and sending every survey by email at once
SALE_CAMPAIGN_SENDING = {
    "active": True,
    "delay_hours": 24,
    "quiet_period_days": 90,
    "quiet_period_scope": "customer",
    "sampling_rate": 100,
    "channel": "email",
    "send_window": False,
}


def client_read_group(model, domain, groupby, aggregates, grouped_list=False):
    """Groups as the web client asks for them: the pivot and graph views, or with ``grouped_list`` the
    grouped list view (one level at a time, the sub-levels read as the groups are opened)."""
    if grouped_list:
        if compat.FORMATTED_READ_GROUP:
            return model.web_read_group(domain, groupby, aggregates, auto_unfold=len(groupby) > 1)
        return model.web_read_group(domain, aggregates, groupby, lazy=len(groupby) < 2)
    if compat.FORMATTED_READ_GROUP:
        return model.formatted_read_group(domain, groupby, aggregates)
    return model.read_group(domain, aggregates, groupby, lazy=False)


def buttons_shown(form, name):
    """The buttons ``name`` the ``odoo.tests.Form`` shows to its user now: in the view the user gets (their
    groups applied) and not invisible for the form's current values."""
    return [
        button
        for button in form._view["tree"].xpath(f"//button[@name='{name}']")
        if not safe_eval(button.get("invisible") or "False", form._get_eval_context())
    ]


def button_shown(form, name):
    return bool(buttons_shown(form, name))


def axe_check_code(env, selectors):
    """JavaScript for ``HttpCase.browser_js``: runs axe-core (the script of the axe-core-python package, served
    to the page as a public attachment) on the elements of the CSS ``selectors``, WCAG 2.1 A and AA rules only;
    the test succeeds when it finds no violation, and fails when it checked nothing."""
    from axe_core_python.base import AXE_SCRIPT  # a test requirement (requirements.txt), not Odoo's

    script = env["ir.attachment"].create(
        {"name": "axe.min.js", "raw": AXE_SCRIPT.encode(), "mimetype": "application/javascript", "public": True}
    )
    context = json.dumps({"include": [[selector] for selector in selectors]})
    options = json.dumps({"runOnly": {"type": "tag", "values": ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]}})
    return f"""
        const script = document.createElement("script");
        script.src = "/web/content/{script.id}";
        script.onerror = () => console.error("axe-core could not be loaded");
        script.onload = () => axe.run({context}, {options}).then((result) => {{
            const violations = result.violations.map((violation) => ({{
                id: violation.id, impact: violation.impact,
                nodes: violation.nodes.map((node) => node.target.join(" ")),
            }}));
            if (!result.passes.length) {{
                console.error("axe-core checked nothing");
            }} else if (violations.length) {{
                console.error("WCAG 2.1 A/AA violations: " + JSON.stringify(violations));
            }} else {{
                console.log("test successful");
            }}
        }});
        document.head.appendChild(script);
    """


def click(form, name):
    """Press the ``type="object"`` button ``name`` of the ``odoo.tests.Form`` as the web client does: it
    must be shown; the record is saved (its constraints checked), then the button's method is called on
    it. What the method returns (an action, or None)."""
    assert button_shown(form, name), f"the button {name} is not shown"
    return getattr(form.save(), name)()


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
                compat.PARTNER_MOBILE_FIELD: CUSTOMER_MOBILE,
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


class ThemeCostsCommon(NpsCommon):
    """Ten answers of ten days ago in their own campaign, with the themes and mentions the tagging would write
    (no comment: the figures do not depend on the matcher):

    =====  =========  ===========================================
    score  category   mentions
    =====  =========  ===========================================
    10     promoter   Delivery praise
    9      promoter   Delivery praise, Price neutral
    9      promoter   -
    8      passive    Delivery complaint
    7      passive    Price complaint
    6      detractor  Delivery complaint, Price complaint
    4      detractor  Delivery complaint
    2      detractor  Price praise
    0      detractor  Support, set by hand (no polarity)
    5      detractor  -
    =====  =========  ===========================================
    """

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.costs_campaign = cls.env["nps.campaign"].create({"name": "Theme costs campaign"})
        cls.delivery = cls.env.ref("nps_closed_loop.nps_reason_delivery")
        cls.price = cls.env.ref("nps_closed_loop.nps_reason_price")
        cls.support = cls.env.ref("nps_closed_loop.nps_reason_support")
        answers = [
            (10, [(cls.delivery, "praise")]),
            (9, [(cls.delivery, "praise"), (cls.price, "neutral")]),
            (9, []),
            (8, [(cls.delivery, "complaint")]),
            (7, [(cls.price, "complaint")]),
            (6, [(cls.delivery, "complaint"), (cls.price, "complaint")]),
            (4, [(cls.delivery, "complaint")]),
            (2, [(cls.price, "praise")]),
            (0, [(cls.support, None)]),
            (5, []),
        ]
        answered_at = datetime.now() - timedelta(days=10)
        cls.costs_answers = cls.env["nps.survey"]
        for score, mentions in answers:
            survey = cls._create_answered(score, campaign_id=cls.costs_campaign.id, answer_date=answered_at)
            survey.theme_ids = [Command.set([theme.id for theme, _polarity in mentions])]
            cls.env["nps.survey.mention"].sudo().create(
                [
                    {"survey_id": survey.id, "reason_id": theme.id, "polarity": polarity}
                    for theme, polarity in mentions
                    if polarity
                ]
            )
            cls.costs_answers |= survey
        cls.costs_domain = [("campaign_id", "=", cls.costs_campaign.id)]


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

    def _remove_committed(self, campaign_id, partner_ids, *campaign_models):
        """Remove what the test committed: the campaign's surveys and rows of ``campaign_models``, the campaign
        and the customers."""
        with self.registry.cursor() as cr:
            env = api.Environment(cr, SUPERUSER_ID, {"tracking_disable": True})
            for model in ("nps.survey", *campaign_models):
                env[model].search([("campaign_id", "=", campaign_id)]).unlink()
            env["nps.campaign"].browse(campaign_id).unlink()
            env["res.partner"].browse(partner_ids).unlink()


class SendingCommon(NpsCommon, MailCase):
    """The sales order campaign active and sending by email at once, a product to sell, a company in France."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.Survey = cls.env["nps.survey"]
        cls.campaign_so = cls.env.ref("nps_closed_loop.nps_campaign_sale_order")
        cls.campaign_so.write({**SALE_CAMPAIGN_SENDING, "reminder_days": 3, "expiry_days": 30})
        cls.product = cls.env["product.product"].create({"name": "NPS test widget", "list_price": 100.0})
        cls.campaign.write({"quiet_period_days": 0})
        cls.env.company.country_id = cls.env.ref("base.fr")

    @classmethod
    def _confirm_order(cls, partner, user=None):
        order = cls.env["sale.order"].create(
            {
                "partner_id": partner.id,
                "user_id": (user or cls.user_salesman).id,
                "order_line": [Command.create({"product_id": cls.product.id, "product_uom_qty": 1})],
            }
        )
        order.action_confirm()
        # the rule only asks for the survey: the sending job plans it, the first step of its cron
        cls.env["nps.survey.request"]._plan_requested_surveys(batch_size=500)
        return order

    def _order_surveys(self, orders):
        return self.Survey.search([("res_model", "=", "sale.order"), ("res_id", "in", orders.ids)])

    def _due_survey(self, partner, **values):
        return self._create_survey(partner, scheduled_date=NOW - timedelta(hours=1), **values)

    def _survey_mails(self, surveys):
        return self.env["mail.mail"].search([("model", "=", "nps.survey"), ("res_id", "in", surveys.ids)])

    def _survey_sms(self, partners):
        return self.env["sms.sms"].search([("partner_id", "in", partners.ids)])

    def _run_cron(self, when=NOW):
        with freeze_time(when):
            return self.env["nps.survey.send"]._cron_send_surveys()


@tagged("post_install", "-at_install")
class PortalCommon(NpsCommon, HttpCase):
    """Helpers to open the survey page and post to it like a browser does."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.campaign.review_url = "https://example.com/review"
        cls.survey = cls._create_survey(state="sent", res_model="res.partner", res_id=cls.customer_company.id)
        # The CSRF token belongs to the browser session, not to a page: any open form provides one.
        cls.form_partner = cls.env["res.partner"].create({"name": "Form Opener", "email": "form@example.com"})
        cls.form_survey = cls._create_survey(partner=cls.form_partner, state="sent")

    def _get(self, path, **kwargs):
        response = self.url_open(path, **kwargs)
        self.env.invalidate_all()
        return response

    def _csrf(self):
        response = self._get(f"/nps/{self.form_survey.access_token}")
        match = CSRF_PATTERN.search(response.text)
        self.assertTrue(match, "the page carries a CSRF token")
        return match.group(1)

    def _post(self, survey=None, data=None, path="", csrf=True, **kwargs):
        """Post the form; ``data`` is a dict or a list of pairs (to repeat a field)."""
        survey = survey or self.survey
        pairs = list(data.items()) if isinstance(data, dict) else list(data or [])
        if csrf:
            pairs.append(("csrf_token", self._csrf()))
        response = self.url_open(f"/nps/{survey.access_token}{path}", data=pairs, **kwargs)
        self.env.invalidate_all()
        return response

    def _assert_unanswered(self, survey=None, state="sent"):
        survey = survey or self.survey
        survey.invalidate_recordset()
        self.assertEqual(survey.state, state)
        self.assertIs(survey.score, False, "nothing was recorded")
        self.assertFalse(survey.comment)
        self.assertFalse(survey.answer_date)


#: the campaign fields of the core's context hold rules, each on
RULES_ON = {
    "hold_unpaid_invoice": True,
    "hold_cancelled_order": True,
    "hold_excluded_company": True,
}
RULES_OFF = dict.fromkeys(RULES_ON, False)


class ContextRulesCommon(SendingCommon):
    """A campaign with every context rule on, and what the tests of the rules share (the bridges' too)."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.campaign.write({**RULES_ON, "expiry_days": 30, "reminder_days": 3, "send_window": False})
        cls.colleague = cls.env["res.partner"].create(
            {"name": "Paul Dupont", "parent_id": cls.customer_company.id, "email": "paul@dupont.example.com"}
        )

    def _assert_held(self, survey, words, when=NOW, since=NOW):
        self.assertEqual(survey.state, "scheduled")
        self.assertIn(words, survey.hold_reason)
        self.assertEqual(survey.held_since, since, "the hold limit counts from the first hold")
        self.assertEqual(survey.scheduled_date, when + timedelta(hours=1), "checked again at the next run")
        self.assertFalse(self._survey_mails(survey))

    def _assert_sent(self, survey):
        self.assertEqual(survey.state, "sent")
        self.assertFalse(survey.hold_reason)
        self.assertFalse(survey.held_since)
        self.assertEqual(len(self._survey_mails(survey)), 1)

    def _order(self, partner):
        """A confirmed order; the survey its confirmation schedules is left out, the tests make their own."""
        order = self._confirm_order(partner)
        self._order_surveys(order).unlink()
        return order

    def _invoice(self, partner, due_date):
        move = self.env["account.move"].create(
            {
                "move_type": "out_invoice",
                "partner_id": partner.id,
                "invoice_date": due_date,
                "invoice_date_due": due_date,
                "invoice_line_ids": [
                    Command.create({"name": "Beer", "quantity": 1, "price_unit": 100.0, "tax_ids": [Command.clear()]})
                ],
            }
        )
        move.action_post()
        return move

    def _hold_setups(self):
        """How each rule holds back the survey of a company in the batch tests: ``[setup(company, order)]``.
        The tests of a bridge that adds a rule add its setup."""
        return [
            lambda company, order: company.write({"nps_excluded": True}),
            lambda company, order: order._action_cancel(),
            lambda company, order: self._invoice(company, (NOW - timedelta(days=5)).date()),
        ]

    def _batch(self, size, tag):
        """``size`` due surveys of different companies: each rule holds one in turn, then one is sent."""
        setups = self._hold_setups()
        surveys = held = self.Survey
        for index in range(size):
            company = self.env["res.partner"].create(
                {"name": f"Company {tag}{index}", "is_company": True, "email": f"c{tag}{index}@example.com"}
            )
            order = self._order(company)
            kind = index % (len(setups) + 1)
            if kind < len(setups):
                setups[kind](company, order)
            survey = self._due_survey(company, res_model="sale.order", res_id=order.id)
            surveys |= survey
            if kind < len(setups):
                held |= survey
        return surveys, held

    def _check_batch(self, surveys, held):
        self.assertEqual(held.mapped("state"), ["scheduled"] * len(held))
        self.assertTrue(all(held.mapped("hold_reason")))
        self.assertEqual((surveys - held).mapped("state"), ["sent"] * len(surveys - held))

    def _run_counted(self, when, queries=None):
        self.env.flush_all()
        self.env.invalidate_all()
        if queries is not None:
            with self.assertQueryCount(queries):
                self._run_cron(when)
            return queries
        count = self.cr.sql_log_count
        self._run_cron(when)
        self.env.flush_all()  # as assertQueryCount counts
        return self.cr.sql_log_count - count

    def _assert_query_budget(self):
        """One query per rule for a whole batch: twice the surveys, the same number of queries."""
        size = len(self._hold_setups()) + 1
        warm_up = self._batch(size, "w")
        self._run_counted(NOW - timedelta(minutes=50))  # caches filled
        self._check_batch(*warm_up)
        small = self._batch(size, "a")
        queries = self._run_counted(NOW - timedelta(minutes=40))
        self._check_batch(*small)
        large = self._batch(2 * size, "b")
        self._run_counted(NOW - timedelta(minutes=30), queries)
        self._check_batch(*large)


class ThemeCommon(NpsCommon):
    """The shipped themes with their French keywords (from fr.po), a French and an English customer."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.env["res.lang"]._activate_lang("fr_FR")
        cls.env["ir.module.module"]._load_module_terms(["nps_closed_loop"], ["fr_FR"], overwrite=True)
        cls.delivery = cls.env.ref("nps_closed_loop.nps_reason_delivery")
        cls.price = cls.env.ref("nps_closed_loop.nps_reason_price")
        cls.quality = cls.env.ref("nps_closed_loop.nps_reason_product_quality")
        cls.product = cls.env.ref("nps_closed_loop.nps_reason_product")
        cls.support = cls.env.ref("nps_closed_loop.nps_reason_support")
        cls.invoicing = cls.env.ref("nps_closed_loop.nps_reason_invoicing")
        cls.customer_fr = cls.env["res.partner"].create(
            {"name": "Brasserie Lefèvre", "email": "contact@lefevre.example.com", "lang": "fr_FR"}
        )
        cls.customer_en = cls.customer  # en_US
        # answers of this campaign only: the database may hold demo answers
        cls.campaign_themes = cls.env["nps.campaign"].create({"name": "Themes campaign"})

    @classmethod
    def _answered(cls, score, comment, partner=None, followup=False):
        return cls._create_answered(
            score,
            partner=partner or cls.customer_fr,
            comment=comment,
            followup=followup,
            campaign_id=cls.campaign_themes.id,
        )


class OwnDatabaseCase(unittest.TestCase):
    """A database of its own for the class, named after the test database and ``DATABASE_SUFFIX``: the module
    installed by ``odoo-bin -i``, its data committed (``committed()``), dropped at the end. For what real Odoo
    processes, or a replica of the cluster, do with it: nothing runs in the test's own transaction."""

    DATABASE_SUFFIX = "own"

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.tmp = tempfile.TemporaryDirectory(prefix=f"nps-{cls.DATABASE_SUFFIX}-")  # pylint: disable=consider-using-with
        cls.addClassCleanup(cls.tmp.cleanup)
        cls.db_name = f"{get_db_name()}_{cls.DATABASE_SUFFIX}"
        cls._drop_database()
        cls.addClassCleanup(cls._drop_database)
        code, output = run_odoo(
            "-d",
            cls.db_name,
            "-i",
            "nps_closed_loop",
            "--without-demo=all",
            "--stop-after-init",
            "--log-level=warn",
            log_path=f"{cls.tmp.name}/install.log",
            timeout=600,
        )
        if code != 0:
            raise RuntimeError(f"install failed ({code}): {output}")
        cls.registry = cls._load_registry()

    @classmethod
    def _load_registry(cls):
        """The registry of the class's database, loaded anew in this process to seed and read the data; its
        modules' tests are not run (it is not the database under test)."""
        with patch.dict(config.options, {"test_enable": False}):
            return odoo.modules.registry.Registry.new(cls.db_name)

    @classmethod
    def _drop_database(cls):
        odoo.modules.registry.Registry.delete(cls.db_name)
        odoo.sql_db.close_db(cls.db_name)
        with closing(odoo.sql_db.db_connect("postgres").cursor()) as cr:
            cr._cnx.autocommit = True
            cr.execute(SQL("DROP DATABASE IF EXISTS %s WITH (FORCE)", SQL.identifier(cls.db_name)))

    @classmethod
    def committed(cls):
        """A cursor on the class's database whose block commits, and its superuser environment."""
        return _Committed(cls.registry)


class _Committed:
    def __init__(self, registry):
        self.registry = registry

    def __enter__(self):
        self.cr = self.registry.cursor()
        self.cr.__enter__()
        return api.Environment(self.cr, SUPERUSER_ID, {})

    def __exit__(self, *exc_info):
        return self.cr.__exit__(*exc_info)
