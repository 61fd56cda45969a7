"""The website's NPS blocks through HTTP and in the browser: only permitted testimonials, in the managers' order;
the recommendation rate with its count, hidden below the minimum; no WCAG 2.1 A/AA violation (axe-core)."""

import re
from datetime import timedelta
from unittest.mock import patch

from babel.dates import format_date

from odoo import fields
from odoo.addons.nps_closed_loop.tests import common as nps_common
from odoo.tests import HttpCase, tagged

PAGE_URL = "/nps-blocks-test"
READY = (
    "!!(document.querySelector('.s_nps_testimonials.o_nps_block_loaded')"
    " && document.querySelector('.s_nps_recommendation.o_nps_block_loaded'))"
)
# a query reading the answers: the survey table, the NPS analysis view or its figures per hour
ANSWER_TABLES = re.compile(r'\bFROM\s+"?nps_', re.IGNORECASE)


@tagged("post_install", "-at_install")
class TestWebsiteBlocks(HttpCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.env = cls.env(context=dict(cls.env.context, tracking_disable=True, mail_create_nolog=True))
        # a company of its own for the website: its answers are those of this test only
        cls.company = cls.env["res.company"].create({"name": "Brasserie du Parc"})
        cls.other_company = cls.env["res.company"].create({"name": "Other Company"})
        cls.website = cls.env.ref("website.default_website")
        cls.website.company_id = cls.company
        cls.website.user_id.sudo().company_ids |= cls.company
        cls.env["ir.config_parameter"].sudo().set_param("nps_closed_loop_website.min_answers", 3)
        last_month = fields.Datetime.now() - timedelta(days=20)
        cls.marie = cls._answer("Marie Dupont", "Lyon", 9, "Delivered on time, and a kind team.", sequence=20)
        cls.zoe = cls._answer("Zoé Bernard", "Paris", 10, "They called me back the same day.", sequence=5)
        # not shown: not marked, no permission, another company's, anonymised;
        # and one answer older than the rate's period
        cls.not_marked = cls._answer("Paul Martin", "Nantes", 10, "Not marked as a testimonial.", testimonial=False)
        cls.private = cls._answer("Lucie Noel", "Lille", 2, "Never quote me.", quote=False, testimonial=False)
        cls.other = cls._answer("Olga Other", "Metz", 10, "Quoted by the other company.", company=cls.other_company)
        cls.erased = cls._answer("Anne Erased", "Brest", 10, "Words of an erased customer.", sequence=1)
        cls.env["nps.survey.privacy"]._anonymize(cls.erased)
        cls.old = cls._answer(
            "Henri Old", "Caen", 1, "Too old for the rate.", testimonial=False, when=last_month - timedelta(days=400)
        )
        # the rate: Marie and Zoé promoters, Paul promoter, Lucie detractor, the erased answer a promoter
        # (erasure keeps the statistics): 4 promoters of 5 answers of the last 12 months
        cls.page = cls.env["website.page"].create(
            {
                "name": "NPS blocks test",
                "url": PAGE_URL,
                "type": "qweb",
                "website_id": cls.website.id,
                "is_published": True,
                "arch": cls._page_arch(),
            }
        )

    @classmethod
    def _answer(cls, name, city, score, comment, quote=True, testimonial=True, sequence=10, company=None, when=None):
        partner = cls.env["res.partner"].create(
            {"name": name, "city": city, "email": f"{name.split()[0].lower()}@example.com"}
        )
        return (
            cls.env["nps.survey"]
            .sudo()
            .create(
                {
                    "partner_id": partner.id,
                    "company_id": (company or cls.company).id,
                    "state": "answered",
                    "score": score,
                    "comment": comment,
                    "quote_allowed": quote,
                    "is_testimonial": testimonial,
                    "testimonial_sequence": sequence,
                    "answer_date": when or fields.Datetime.now() - timedelta(days=3),
                }
            )
        )

    @classmethod
    def _page_arch(cls):
        QWeb = cls.env["ir.qweb"]
        blocks = "".join(
            str(QWeb._render(f"nps_closed_loop_website.{name}"))
            for name in ("s_nps_recommendation", "s_nps_testimonials")
        )
        return (
            '<t name="NPS blocks test" t-name="nps_blocks_test"><t t-call="website.layout">'
            f'<div id="wrap" class="oe_structure oe_empty">{blocks}</div></t></t>'
        )

    def setUp(self):
        super().setUp()
        # the counts are kept per hour: each test reads the answers as they are
        self.env.registry.clear_cache()

    def _get(self, path):
        response = self.url_open(path)
        self.assertEqual(response.status_code, 200)
        return response.text

    def test_blocks_in_the_editor_panel(self):
        """Both blocks are offered in the website editor's blocks panel, with the customers' voices (People)."""
        self.authenticate("admin", "admin")
        panel = self.make_jsonrpc_request(
            "/web/dataset/call_kw/ir.ui.view/render_public_asset",
            {
                "model": "ir.ui.view",
                "method": "render_public_asset",
                "args": ["website.snippets"],
                "kwargs": {"values": {}},
            },
        )
        for name in ("s_nps_testimonials", "s_nps_recommendation"):
            view = self.env.ref(f"nps_closed_loop_website.{name}")
            self.assertRegex(panel, rf'data-oe-snippet-id="{view.id}"[^>]*data-o-group="people"')
            self.assertIn(f'data-snippet="{name}"', panel)

    def test_page_holds_no_answer(self):
        """The page itself holds the blocks, not the answers: they are filled on display."""
        html = self._get(PAGE_URL)
        self.assertIn('data-nps-block="testimonials"', html)
        self.assertIn('data-nps-block="recommendation"', html)
        self.assertNotIn("kind team", html)

    def test_testimonials_only_permitted_in_order(self):
        html = self._get("/nps_closed_loop_website/testimonials")
        self.assertIn("They called me back the same day.", html)
        self.assertIn("Delivered on time, and a kind team.", html)
        self.assertLess(html.index("They called me back"), html.index("Delivered on time"), "managers' order")
        for hidden in ("Not marked", "Never quote me", "Quoted by the other company", "Too old"):
            self.assertNotIn(hidden, html)
        self.assertNotIn("Words of an erased", html)
        self.assertTrue(self.erased.is_anonymized)
        # first name, last initial, city; the score and the month
        self.assertIn("Marie D.", html)
        self.assertIn(", Lyon", html)
        self.assertIn("Zoé B.", html)
        self.assertNotIn("Dupont", html)
        self.assertIn("10/10", html)
        month = self.marie.answer_date.strftime("%Y-%m")
        self.assertIn(f'datetime="{month}"', html)
        # nothing else of the answers: no e-mail, no customer id, no key
        self.assertNotIn("@example.com", html)
        self.assertNotIn(self.marie.sudo().access_token, html)
        self.assertNotIn(f"res.partner({self.marie.partner_id.id}", html)
        self.assertNotIn("/nps/", html)

        # reordered in NPS > Testimonials: the website follows
        self.marie.testimonial_sequence = 1
        html = self._get("/nps_closed_loop_website/testimonials?limit=1")
        self.assertIn("Delivered on time", html)
        self.assertNotIn("They called me back", html)

        # no longer a testimonial: gone at once
        self.marie.is_testimonial = False
        html = self._get("/nps_closed_loop_website/testimonials")
        self.assertNotIn("Delivered on time", html)

    def test_in_french(self):
        """The visitor's language: the month, the score's label and the rate's sentences."""
        self.env["res.lang"]._activate_lang("fr_FR")
        self.env["ir.module.module"]._load_module_terms(["nps_closed_loop_website"], ["fr_FR"], overwrite=True)
        self.website.language_ids |= self.env.ref("base.lang_fr")
        html = self._get("/fr/nps_closed_loop_website/testimonials")
        month = format_date(self.marie.answer_date.date(), "MMMM y", locale="fr_FR")
        self.assertIn(month, html)
        self.assertIn("Note", html)
        html = self._get("/fr/nps_closed_loop_website/recommendation")
        self.assertIn("de nos clients nous recommandent", html)
        self.assertIn("5 réponses", html)

    def test_recommendation_rate(self):
        html = self._get("/nps_closed_loop_website/recommendation")
        self.assertIn("80%", html)
        self.assertIn("of our customers recommend us", html)
        self.assertIn("Based on 5 answers over the last 12 months.", html)
        self.assertNotIn("@example.com", html)

    def test_recommendation_hidden_below_minimum(self):
        self.env["ir.config_parameter"].sudo().set_param("nps_closed_loop_website.min_answers", 6)
        html = self._get("/nps_closed_loop_website/recommendation")
        self.assertFalse(html.strip())

    def test_recommendation_one_grouped_query_cached(self):
        """One grouped read of the answers (the NPS analysis or its figures per hour), then none for the hour."""
        queries = []
        execute = type(self.env.cr).execute

        def logged_execute(cr, query, params=None, log_exceptions=True):
            queries.append(str(query))
            return execute(cr, query, params, log_exceptions)

        with patch.object(type(self.env.cr), "execute", logged_execute):
            self.assertEqual(self.website._nps_recommendation()["rate"], "80%")
            answer_reads = [query for query in queries if ANSWER_TABLES.search(query)]
            self.assertEqual(len(answer_reads), 1, answer_reads)
            self.assertIn("SUM(", answer_reads[0].upper())  # aggregated in the database, not read row by row
            queries.clear()
            self.website._nps_recommendation()
            self.assertFalse([query for query in queries if ANSWER_TABLES.search(query)])

    def test_recommendation_block_hidden_on_the_page(self):
        """Below the minimum the visitor sees no empty block: the testimonials still show."""
        self.env["ir.config_parameter"].sudo().set_param("nps_closed_loop_website.min_answers", 6)
        code = """
            const rate = document.querySelector(".s_nps_recommendation");
            const quotes = document.querySelector(".s_nps_testimonials");
            if (rate.offsetParent !== null || !rate.classList.contains("d-none")) {
                console.error("The recommendation block is shown below the minimum");
            } else if (quotes.offsetParent === null) {
                console.error("The testimonials are hidden");
            } else {
                console.log("test successful");
            }
        """
        self.browser_js(PAGE_URL, code, ready=READY)

    def test_tour_phone_and_desktop(self):
        for size in ("390x844", "1280x900"):
            with self.subTest(size=size):
                self.browser_size = size
                self.start_tour(PAGE_URL, "nps_website_blocks_tour")

    def test_edit_mode_shows_placeholders(self):
        """In the editor the blocks hold their placeholders: saving the page stores no answer."""
        self.start_tour(
            self.website.get_client_action_url(PAGE_URL, True), "nps_website_blocks_edit_tour", login="admin"
        )

    def test_accessibility(self):
        """axe-core finds no WCAG 2.1 A/AA violation in either block, on a phone and a desktop."""
        code = nps_common.axe_check_code(self.env, [".s_nps_testimonials", ".s_nps_recommendation"])
        for size in ("390x844", "1280x900"):
            with self.subTest(size=size):
                self.browser_size = size
                self.browser_js(PAGE_URL, code, ready=READY)
