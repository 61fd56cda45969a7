"""Who may do what, as two tables a reviewer reads: every model of the module × every role × read, write,
create and unlink; every HTTP route of the module × every role.

The records are those of company A (the main company) and of its customer, a portal user served by the
salesperson; the "other company" role is an NPS manager of company B only, looking at company A's records.
"""

import io
import json
import zipfile
from collections import namedtuple
from contextlib import closing

from odoo import Command
from odoo.exceptions import AccessError
from odoo.tests import HttpCase, new_test_user, tagged
from odoo.tools import mute_logger

from . import common

ROLES = ("public", "portal", "portal_other", "employee", "salesperson", "nps_user", "nps_manager", "other_company")

# ---------------------------------------------------------------------------------------------------------
# Models × roles. One letter per operation, in the order read, write, create, unlink:
#   R W C U   allowed on the concrete record of company A (create: a record of company A)
#   r w c u   granted by the access rights (ir.model.access) but refused on that record
#             (a record rule, or the model's own check)
#   -         refused by the access rights
# Abstract models hold no record: only their access rights are checked (nobody has any).
# ---------------------------------------------------------------------------------------------------------
MODEL_MATRIX = {
    # model                              public  portal  portal  employee sales-  NPS     NPS     other
    #                                            (owner) (other)          person  user    manager company
    "nps.survey":                       ("----", "R---", "r---", "r---", "R---", "RWC-", "RWCU", "rwcu"),
    "nps.campaign":                     ("----", "----", "----", "R---", "R---", "R---", "RWCU", "rwcu"),
    "nps.reason":                       ("----", "----", "----", "R---", "R---", "R---", "RWCU", "rwcu"),
    "nps.improvement":                  ("----", "----", "----", "----", "----", "R---", "RWCU", "rwcu"),
    "nps.survey.mention":               ("----", "----", "----", "----", "----", "R---", "RWCU", "rwcu"),
    "nps.relationship.queue":           ("----", "----", "----", "----", "----", "----", "RWCU", "rwcu"),
    "nps.survey.request":               ("----", "----", "----", "----", "----", "----", "RWCU", "rwcu"),
    # employee NPS: for eNPS managers only (tests/test_employee_nps.py), none of the roles here
    "nps.employee.campaign":            ("----", "----", "----", "----", "----", "----", "----", "----"),
    "nps.employee.invitation":          ("----", "----", "----", "----", "----", "----", "----", "----"),
    "nps.employee.answer":              ("----", "----", "----", "----", "----", "----", "----", "----"),
    "nps.employee.answer.pending":      ("----", "----", "----", "----", "----", "----", "----", "----"),
    "nps.employee.theme":               ("----", "----", "----", "----", "----", "----", "----", "----"),
    "nps.callback.counter":             ("----", "----", "----", "----", "----", "----", "R---", "r---"),
    "nps.report":                       ("----", "----", "----", "----", "----", "R---", "R---", "r---"),
    "nps.answer.cube":                  ("----", "----", "----", "----", "----", "R---", "R---", "r---"),
    "nps.report.funnel":                ("----", "----", "----", "----", "----", "R---", "R---", "r---"),
    "nps.holdout.report":               ("----", "----", "----", "----", "----", "R---", "R---", "r---"),
    "nps.theme.report":                 ("----", "----", "----", "----", "----", "R---", "R---", "r---"),
    "nps.close.loop.wizard":            ("----", "----", "----", "----", "----", "RWCU", "RWCU", "rwcu"),
    "nps.relationship.wizard":          ("----", "----", "----", "----", "----", "----", "RWCU", "rwcu"),
    "nps.workbook.wizard":              ("----", "----", "----", "----", "----", "RWC-", "RWC-", "RWc-"),
    "nps.improvement.announce.wizard":  ("----", "----", "----", "----", "----", "----", "RWCU", "rwcu"),
    "nps.message.mixin":                ("----", "----", "----", "----", "----", "----", "----", "----"),
    "nps.source.mixin":                 ("----", "----", "----", "----", "----", "----", "----", "----"),
    "nps.sql.view":                     ("----", "----", "----", "----", "----", "----", "----", "----"),
    "nps.survey.send":                  ("----", "----", "----", "----", "----", "----", "----", "----"),
    "nps.survey.loop":                  ("----", "----", "----", "----", "----", "----", "----", "----"),
    "nps.survey.entry":                 ("----", "----", "----", "----", "----", "----", "----", "----"),
    "nps.survey.privacy":               ("----", "----", "----", "----", "----", "----", "----", "----"),
    "nps.campaign.schedule":            ("----", "----", "----", "----", "----", "----", "----", "----"),
    "nps.overview":                     ("----", "----", "----", "----", "----", "----", "----", "----"),
    # models of other modules the module grants access to (its ir.model.access and ir.rule records); Odoo
    # itself grants no access to server actions and automation rules but to administrators
    "sale.order":                       ("----", "R---", "r---", "----", "RWC-", "----", "R---", "r---"),
    "base.automation":                  ("----", "----", "----", "----", "----", "----", "RW--", "rw--"),
    "ir.actions.server":                ("----", "----", "----", "----", "----", "----", "RW--", "rw--"),
}  # fmt: skip

# ---------------------------------------------------------------------------------------------------------
# Fields kept from some of those who read the record: R = readable on the concrete record, - = refused.
# Per-employee figures for NPS managers only; callback notes hidden from salespeople and customers; the
# customer's key for the system only.
# ---------------------------------------------------------------------------------------------------------
FIELD_MATRIX = {
    # (model, field)                         public portal  portal  employee sales-  NPS  NPS      other
    #                                               (owner) (other)        person  user manager  company
    ("nps.survey", "score"):                  ("-", "R",    "-",    "-",    "R",    "R",  "R",    "-"),
    ("nps.survey", "comment"):                ("-", "R",    "-",    "-",    "R",    "R",  "R",    "-"),
    ("nps.survey", "loop_state"):             ("-", "-",    "-",    "-",    "R",    "R",  "R",    "-"),
    ("nps.survey", "callback_user_id"):       ("-", "-",    "-",    "-",    "R",    "R",  "R",    "-"),
    ("nps.survey", "loop_notes"):             ("-", "-",    "-",    "-",    "-",    "R",  "R",    "-"),
    ("nps.survey", "contact_user_id"):        ("-", "-",    "-",    "-",    "-",    "-",  "R",    "-"),
    ("nps.survey", "access_token"):           ("-", "-",    "-",    "-",    "-",    "-",  "-",    "-"),
    ("nps.report", "user_id"):                ("-", "-",    "-",    "-",    "-",    "-",  "R",    "-"),
    ("nps.report", "callback_user_id"):       ("-", "-",    "-",    "-",    "-",    "-",  "R",    "-"),
    ("nps.campaign", "automation_ids"):       ("-", "-",    "-",    "-",    "-",    "-",  "R",    "-"),
}  # fmt: skip

# ---------------------------------------------------------------------------------------------------------
# Routes × roles. The customer is the portal owner; <token> is the key of their survey, which they got by
# email (anyone may hold it: a forwarded email). Cells: the HTTP status (redirects not followed);
#   login     redirected to the login page
#   NNN+      status NNN, and what the row's "+" says is there
#   count N   the JSON answer's NPS survey count
# A page past the last shows the last one (Odoo's portal pager), and downloads are checked to be one: an xlsx
# workbook, or a zip of the customer's data (a JSON file and an xlsx workbook).
# ---------------------------------------------------------------------------------------------------------
ROUTE_MATRIX = {
    # route                                "+" means                             public   portal   portal    employee sales-   NPS      NPS      other
    #                                                                                     (owner)  (other)            person   user     manager  company
    "GET /nps/<token>":                   ("the form, not a preview",           "200+",  "200+",  "200",    "200",   "200",   "200",   "200",   "200"),
    "POST /nps/<token>":                  ("",                                  "303",   "303",   "403",    "403",   "403",   "403",   "403",   "403"),
    "GET /nps/<token>/thanks":            ("",                                  "200",   "200",   "200",    "200",   "200",   "200",   "200",   "200"),
    "GET /nps/<token>/thanks unanswered": ("",                                  "303",   "303",   "303",    "303",   "303",   "303",   "303",   "303"),
    "GET /nps/<token>/optout":            ("",                                  "200",   "200",   "200",    "200",   "200",   "200",   "200",   "200"),
    "POST /nps/<token>/optout":           ("",                                  "303",   "303",   "403",    "403",   "403",   "403",   "403",   "403"),
    "POST /nps/<token>/optout one-click": ("",                                  "200",   "200",   "403",    "403",   "403",   "403",   "403",   "403"),
    "GET /nps/<wrong token>":             ("",                                  "404",   "404",   "404",    "404",   "404",   "404",   "404",   "404"),
    "GET /nps/<wrong token>/thanks":      ("",                                  "404",   "404",   "404",    "404",   "404",   "404",   "404",   "404"),
    "GET /nps/<wrong token>/optout":      ("",                                  "404",   "404",   "404",    "404",   "404",   "404",   "404",   "404"),
    "GET /my/nps":                        ("the customer's survey",             "login", "200+",  "200",    "200",   "200",   "200",   "200",   "200"),
    "GET /my/nps/page/2":                 ("the customer's survey",             "login", "200+",  "200",    "200",   "200",   "200",   "200",   "200"),
    "JSON /my/counters nps_survey_count": ("",                                  "login", "count 1", "count 1", "count 0", "count 0", "count 0", "count 0", "count 0"),
    "GET /nps/workbook":                  ("the customer's answer",             "login", "403",   "403",    "403",   "403",   "200+",  "200+",  "200"),
    "GET /nps/partner/<customer>/export": ("the customer's company A answer",   "login", "403",   "403",    "403",   "403",   "403",   "200+",  "200"),
}  # fmt: skip

OPERATIONS = ("read", "write", "create", "unlink")
# what is done for each operation of a model: the record, the field read, the values written or created
ModelOperations = namedtuple("ModelOperations", "record read write create")

XLSX_MIMETYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
SECRET = "The delivery came three weeks late"


class AccessMatrixCommon(common.NpsCommon):
    """Company A's customer (a portal user served by the salesperson), their answer, and one record of
    every model of the module for it."""

    maxDiff = None  # a wrong cell shows in its row

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.user_portal_other = new_test_user(
            cls.env, login="nps_portal_other", groups="base.group_portal", name="Pierre Portal"
        )
        cls.owner = cls.user_portal.partner_id
        cls.owner.user_id = cls.user_salesman
        cls.order = cls.env["sale.order"].create(
            {"partner_id": cls.owner.id, "user_id": cls.user_salesman.id, "company_id": cls.company.id}
        )
        # the customer follows their order, as once the quotation is sent to them (what the portal reads by)
        cls.order.message_subscribe(partner_ids=cls.owner.ids)
        cls.survey = cls._create_answered(
            3,
            partner=cls.owner,
            comment=SECRET,
            sent_date="2024-05-02 10:00:00",
            answer_date="2024-05-03 10:00:00",
            contact_user_id=cls.user_salesman.id,
            callback_user_id=cls.user_nps.id,
            loop_state="open",
            loop_notes="<p>Promised a discount</p>",
            res_model="sale.order",
            res_id=cls.order.id,
        )
        # the other customer's survey waits for their answer: its page is a form (a preview for anyone else)
        cls.survey_other = cls._create_survey(
            partner=cls.user_portal_other.partner_id, state="sent", sent_date="2024-05-02 10:00:00"
        )
        cls.users = dict(
            zip(
                ROLES,
                (
                    cls.user_public,
                    cls.user_portal,
                    cls.user_portal_other,
                    cls.user_employee,
                    cls.user_salesman,
                    cls.user_nps,
                    cls.user_manager,
                    cls.user_other_company,
                ),
                strict=True,
            )
        )


@tagged("post_install", "-at_install")
class TestModelAccessMatrix(AccessMatrixCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        company = cls.company
        cls.matrix_campaign = cls.env["nps.campaign"].create({"name": "Matrix campaign", "company_id": company.id})
        reason = cls.env["nps.reason"].create({"name": "Matrix reason", "company_id": company.id})
        improvement = cls.env["nps.improvement"].create(
            {"name": "Deliver on time", "company_id": company.id, "survey_ids": [Command.link(cls.survey.id)]}
        )
        mention = cls.env["nps.survey.mention"].create(
            {"survey_id": cls.survey.id, "reason_id": reason.id, "polarity": "complaint"}
        )
        mention_values = {
            "survey_id": cls.survey.id,
            "reason_id": cls.env["nps.reason"].create({"name": "Matrix theme"}).id,
            "polarity": "praise",
        }
        queue = cls.env["nps.relationship.queue"].create(
            {"campaign_id": cls.matrix_campaign.id, "partner_id": cls.customer.id}
        )
        request_values = {
            "campaign_id": cls.matrix_campaign.id,
            "res_model": "sale.order",
            "res_id": cls.order.id,
            "partner_id": cls.customer.id,
        }
        request = cls.env["nps.survey.request"].create(request_values)
        Counter = cls.env["nps.callback.counter"]
        Counter._nps_count_assignment(cls.user_nps)
        counter = Counter.search([("user_id", "=", cls.user_nps.id)])
        automation = cls.env.ref("nps_closed_loop.nps_automation_sale_order")
        action = cls.env.ref("nps_closed_loop.nps_action_sale_order")
        model_sale_order = cls.env["ir.model"]._get("sale.order")
        survey_ids = [("survey_id", "=", cls.survey.id)]
        loop_values = {"survey_id": cls.survey.id, "outcome": "resolved"}
        relationship_values = {"campaign_id": cls.matrix_campaign.id, "partner_domain": "[]"}
        workbook_values = {"campaign_ids": [Command.set(cls.matrix_campaign.ids)]}
        announce_values = {"improvement_id": improvement.id}
        cls.operations = {
            "nps.survey": ModelOperations(
                cls.survey,
                "score",
                {"loop_notes": "<p>Called back</p>"},
                {"partner_id": cls.owner.id, "campaign_id": cls.campaign.id, "company_id": company.id},
            ),
            "nps.campaign": ModelOperations(
                cls.matrix_campaign, "name", {"name": "Renamed"}, {"name": "New campaign", "company_id": company.id}
            ),
            "nps.reason": ModelOperations(
                reason, "name", {"name": "Renamed"}, {"name": "New reason", "company_id": company.id}
            ),
            "nps.improvement": ModelOperations(
                improvement, "name", {"name": "Renamed"}, {"name": "New improvement", "company_id": company.id}
            ),
            "nps.survey.mention": ModelOperations(mention, "polarity", {"polarity": "neutral"}, mention_values),
            "nps.relationship.queue": ModelOperations(
                queue,
                "partner_id",
                {"partner_id": cls.customer_2.id},
                {"campaign_id": cls.matrix_campaign.id, "partner_id": cls.customer_2.id},
            ),
            "nps.survey.request": ModelOperations(
                request, "partner_id", {"partner_id": cls.customer_2.id}, request_values
            ),
            "nps.employee.campaign": ModelOperations(
                enps := cls.env["nps.employee.campaign"].create({"name": "Matrix eNPS", "company_id": company.id}),
                "name",
                {"name": "Renamed"},
                {"name": "New eNPS", "company_id": company.id},
            ),
            "nps.employee.invitation": ModelOperations(
                cls.env["nps.employee.invitation"].create(
                    {"campaign_id": enps.id, "user_id": cls.user_employee.id, "pulse": 1, "access_token": "matrix-1"}
                ),
                "answered",
                {"answered": True},
                {"campaign_id": enps.id, "user_id": cls.user_salesman.id, "pulse": 1, "access_token": "matrix-2"},
            ),
            "nps.employee.theme": ModelOperations(
                cls.env["nps.employee.theme"].create({"name": "Matrix theme", "company_id": company.id}),
                "name",
                {"name": "Renamed"},
                {"name": "New theme"},
            ),
            **{
                model: ModelOperations(
                    cls.env[model].create(enps_answer), "score", {"score": 0}, {**enps_answer, "score": 10}
                )
                for model in ("nps.employee.answer", "nps.employee.answer.pending")
                for enps_answer in [{"campaign_id": enps.id, "pulse": 1, "score": 7, "answer_day": "2024-05-03"}]
            },
            "nps.callback.counter": ModelOperations(
                counter, "assigned_count", {"assigned_count": 0}, {"user_id": cls.user_manager.id}
            ),
            "nps.report": ModelOperations(
                cls.env["nps.report"].search(survey_ids), "answer_date", {"score": 10}, {"score": 10}
            ),
            "nps.report.funnel": ModelOperations(
                cls.env["nps.report.funnel"].search(survey_ids), "sent_date", {"campaign_id": False}, {}
            ),
            "nps.answer.cube": ModelOperations(
                cls.env["nps.answer.cube"].search(
                    [("kind", "=", "answer"), ("campaign_id", "=", cls.survey.campaign_id.id)], limit=1
                ),
                "survey_count",
                {"campaign_id": False},
                {},
            ),
            "nps.holdout.report": ModelOperations(
                cls.env["nps.holdout.report"].search(survey_ids), "answer_date", {"campaign_id": False}, {}
            ),
            "nps.theme.report": ModelOperations(
                cls.env["nps.theme.report"].search(survey_ids, limit=1), "cost", {"campaign_id": False}, {}
            ),
            "nps.close.loop.wizard": ModelOperations(
                cls.env["nps.close.loop.wizard"].create(loop_values), "outcome", {"outcome": "unreachable"}, loop_values
            ),
            "nps.relationship.wizard": ModelOperations(
                cls.env["nps.relationship.wizard"].create(relationship_values),
                "partner_domain",
                {"partner_domain": "[('is_company', '=', True)]"},
                relationship_values,
            ),
            "nps.workbook.wizard": ModelOperations(
                cls.env["nps.workbook.wizard"].create(workbook_values),
                "campaign_ids",
                {"date_from": "2024-01-01"},
                workbook_values,
            ),
            "nps.improvement.announce.wizard": ModelOperations(
                cls.env["nps.improvement.announce.wizard"].create(announce_values),
                "message",
                {"message": "<p>We changed carriers.</p>"},
                announce_values,
            ),
            "sale.order": ModelOperations(
                cls.order, "name", {"client_order_ref": "PO 42"}, {"partner_id": cls.owner.id, "company_id": company.id}
            ),
            "base.automation": ModelOperations(
                automation,
                "name",
                {"description": "Tuned by the NPS manager"},
                {"name": "New trigger", "model_id": model_sale_order.id, "trigger": "on_create_or_write"},
            ),
            "ir.actions.server": ModelOperations(
                action,
                "name",
                {"name": "Send NPS survey: renamed"},
                {
                    "name": "New action",
                    "model_id": model_sale_order.id,
                    "state": "nps_survey",
                    "nps_campaign_id": cls.matrix_campaign.id,
                },
            ),
        }

    # ------------------------------------------------------------------
    # Which models the tables cover
    # ------------------------------------------------------------------
    def _module_models(self):
        """The models the module defines, and those it grants access to (ACLs and record rules)."""
        defined = {name for name, model in self.registry.items() if model._original_module == "nps_closed_loop"}
        security = self.env["ir.model.data"].search(
            [("module", "=", "nps_closed_loop"), ("model", "in", ("ir.model.access", "ir.rule"))]
        )
        granted = {self.env[data.model].browse(data.res_id).model_id.model for data in security}
        return defined | granted

    def test_matrix_covers_every_model_of_the_module(self):
        self.assertEqual(set(MODEL_MATRIX), self._module_models(), "a model of the module without its row")
        for model in MODEL_MATRIX:
            with self.subTest(model=model):
                self.assertEqual(model in self.operations, not self.env[model]._abstract)
                if model in self.operations:
                    self.assertEqual(len(self.operations[model].record), 1, "one concrete record")
                    if "company_id" in self.env[model]._fields:
                        self.assertEqual(self.operations[model].record.company_id, self.company)
        self.assertEqual({model for model, _field in FIELD_MATRIX} - set(MODEL_MATRIX), set())

    # ------------------------------------------------------------------
    # Every cell, by doing the operation
    # ------------------------------------------------------------------
    def _succeeds(self, operation):
        """Whether ``operation`` runs without AccessError; whatever it did is rolled back."""
        try:
            with closing(self.env.cr.savepoint()):
                operation()
                self.env.flush_all()
        except AccessError:
            return False
        return True

    def _cell(self, model, user):
        """The cell's letters for ``user`` on ``model``, found by doing each operation."""
        Model = self.env[model].with_user(user)
        spec = self.operations.get(model)
        letters = ""
        for operation in OPERATIONS:
            granted = Model.has_access(operation)
            if spec is None:
                done = False
            else:
                record = spec.record.with_user(user)
                done = self._succeeds(
                    {
                        "read": lambda record=record, spec=spec: record.read([spec.read]),
                        "write": lambda record=record, spec=spec: record.write(dict(spec.write)),
                        "create": lambda Model=Model, spec=spec: Model.create(dict(spec.create)),
                        "unlink": lambda record=record: record.unlink(),
                    }[operation]
                )
            letter = operation[0] if operation != "unlink" else "u"
            if done:
                letters += letter.upper() if granted else "!"  # "!": done though the access rights refuse it
            else:
                letters += letter if granted else "-"
        return letters

    def _assert_row(self, *models):
        """The rows of ``models`` as in the table, compared at once: a wrong row does not hide the next."""
        expected = {model: dict(zip(ROLES, MODEL_MATRIX[model], strict=True)) for model in models}
        actual = {model: {role: self._cell(model, user) for role, user in self.users.items()} for model in models}
        self.assertEqual(actual, expected, f"access to {', '.join(models)}")

    def test_survey(self):
        self._assert_row("nps.survey")

    def test_campaign(self):
        self._assert_row("nps.campaign")

    def test_reason(self):
        self._assert_row("nps.reason")

    def test_improvement(self):
        self._assert_row("nps.improvement")

    def test_survey_mention(self):
        self._assert_row("nps.survey.mention")

    def test_relationship_queue(self):
        self._assert_row("nps.relationship.queue")

    def test_employee_nps(self):
        self._assert_row(
            "nps.employee.campaign",
            "nps.employee.invitation",
            "nps.employee.answer",
            "nps.employee.answer.pending",
            "nps.employee.theme",
        )

    def test_survey_request(self):
        self._assert_row("nps.survey.request")

    def test_callback_counter(self):
        self._assert_row("nps.callback.counter")

    def test_reports(self):
        self._assert_row("nps.report", "nps.answer.cube", "nps.report.funnel", "nps.holdout.report", "nps.theme.report")

    def test_wizards(self):
        self._assert_row(
            "nps.close.loop.wizard",
            "nps.relationship.wizard",
            "nps.workbook.wizard",
            "nps.improvement.announce.wizard",
        )

    def test_abstract_models(self):
        self._assert_row(
            "nps.message.mixin",
            "nps.source.mixin",
            "nps.sql.view",
            "nps.survey.send",
            "nps.survey.loop",
            "nps.survey.entry",
            "nps.survey.privacy",
            "nps.campaign.schedule",
            "nps.overview",
        )

    def test_models_of_other_modules(self):
        self._assert_row("sale.order", "base.automation", "ir.actions.server")

    def _field_cell(self, model, field, user):
        record = self.operations[model].record.with_user(user)
        return "R" if self._succeeds(lambda: record.read([field])) else "-"

    def test_fields(self):
        expected = {key: dict(zip(ROLES, cells, strict=True)) for key, cells in FIELD_MATRIX.items()}
        actual = {
            (model, field): {role: self._field_cell(model, field, user) for role, user in self.users.items()}
            for model, field in FIELD_MATRIX
        }
        self.assertEqual(actual, expected, "who reads which field")


@tagged("post_install", "-at_install")
class TestRouteAccessMatrix(AccessMatrixCommon, HttpCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        # one login per role (new_test_user's password is the login); the public role has no session
        cls.logins = {role: user.login for role, user in cls.users.items() if role != "public"}

    def _login(self, role):
        login = self.logins.get(role)
        self.authenticate(login, login)

    def _open(self, path, data=None, headers=None):
        response = self.url_open(path, data=data, headers=headers, allow_redirects=False)
        self.env.invalidate_all()
        return response

    def _status(self, response, plus=False):
        if response.status_code in (302, 303) and "/web/login" in response.headers.get("Location", ""):
            return "login"
        return f"{response.status_code}{'+' if plus else ''}"

    def _csrf(self):
        """The session's CSRF token, from the form of a survey waiting for an answer (the preview offers it
        too)."""
        match = common.CSRF_PATTERN.search(self._open(f"/nps/{self.survey_other.access_token}").text)
        self.assertTrue(match, "the survey page carries a CSRF token")
        return match.group(1)

    def _sent_survey(self):
        return self._create_survey(partner=self.owner, state="sent", sent_date="2024-05-02 10:00:00")

    def _assert_routes(self, cells):
        """Open each route of ``cells`` (``{route: cell(role)}``) as every role: each cell as in the table,
        the rows compared at once (a wrong row does not hide the next)."""
        expected, actual, meanings = {}, {}, []
        for route, cell in cells.items():
            plus_meaning, *row = ROUTE_MATRIX[route]
            expected[route] = dict(zip(ROLES, row, strict=True))
            actual[route] = {}
            for role in ROLES:
                self._login(role)
                actual[route][role] = cell(role)
            meanings.append(f"{route} ('+': {plus_meaning or 'not used'})")
        self.assertEqual(actual, expected, ", ".join(meanings))

    def _assert_route(self, route, cell):
        self._assert_routes({route: cell})

    # ------------------------------------------------------------------
    # The customer's survey page: whoever holds the token
    # ------------------------------------------------------------------
    def test_survey_page(self):
        def cell(_role):
            response = self._open(f"/nps/{self.survey.access_token}")
            return self._status(response, plus=response.status_code == 200 and "Preview:" not in response.text)

        self.survey.sudo().write({"state": "sent"})
        self._assert_route("GET /nps/<token>", cell)

    def test_answer(self):
        def cell(_role):
            survey = self._sent_survey()
            response = self._open(f"/nps/{survey.access_token}", data={"score": "9", "csrf_token": self._csrf()})
            recorded = survey.state == "answered"
            self.assertEqual(recorded, response.status_code == 303, "recorded exactly when accepted")
            return self._status(response)

        self._assert_route("POST /nps/<token>", cell)

    def test_thanks(self):
        survey = self._sent_survey()
        self._assert_routes(
            {
                "GET /nps/<token>/thanks": lambda _role: self._status(
                    self._open(f"/nps/{self.survey.access_token}/thanks")
                ),
                "GET /nps/<token>/thanks unanswered": lambda _role: self._status(
                    self._open(f"/nps/{survey.access_token}/thanks")
                ),
            }
        )

    def test_optout(self):
        self._assert_route(
            "GET /nps/<token>/optout", lambda _role: self._status(self._open(f"/nps/{self.survey.access_token}/optout"))
        )

    def _optout_cell(self, data):
        def cell(_role):
            self.owner.sudo().nps_consent = "unknown"
            response = self._open(f"/nps/{self.survey.access_token}/optout", data=data())
            opted_out = self.owner.nps_consent == "refused"
            self.assertEqual(opted_out, response.status_code in (200, 303), "opted out exactly when accepted")
            return self._status(response)

        return cell

    def test_optout_post(self):
        self._assert_routes(
            {
                "POST /nps/<token>/optout": self._optout_cell(lambda: {"csrf_token": self._csrf()}),
                "POST /nps/<token>/optout one-click": self._optout_cell(lambda: {"List-Unsubscribe": "One-Click"}),
            }
        )

    @mute_logger("odoo.http")
    def test_wrong_token(self):
        token = "0" * 32
        self._assert_routes(
            {
                route: lambda _role, path=path: self._status(self._open(path))
                for route, path in (
                    ("GET /nps/<wrong token>", f"/nps/{token}"),
                    ("GET /nps/<wrong token>/thanks", f"/nps/{token}/thanks"),
                    ("GET /nps/<wrong token>/optout", f"/nps/{token}/optout"),
                )
            }
        )

    # ------------------------------------------------------------------
    # The customer's portal
    # ------------------------------------------------------------------
    def test_portal_pages(self):
        token = self.survey.access_token

        def cell(path):
            response = self._open(path)
            return self._status(response, plus=response.status_code == 200 and f"/nps/{token}" in response.text)

        self._assert_routes(
            {
                "GET /my/nps": lambda _role: cell("/my/nps"),
                "GET /my/nps/page/2": lambda _role: cell("/my/nps/page/2"),
            }
        )

    def test_portal_counters(self):
        def cell(_role):
            response = self.url_open(
                "/my/counters",
                data=json.dumps({"jsonrpc": "2.0", "params": {"counters": ["nps_survey_count"]}}),
                headers={"Content-Type": "application/json"},
            )
            payload = response.json()
            if "error" in payload:
                self.assertEqual(payload["error"]["data"]["name"], "odoo.http.SessionExpiredException")
                return "login"
            return f"count {payload['result']['nps_survey_count']}"

        self._assert_route("JSON /my/counters nps_survey_count", cell)

    # ------------------------------------------------------------------
    # Downloads: the workbook and a customer's data
    # ------------------------------------------------------------------
    @staticmethod
    def _zip_text(content):
        with zipfile.ZipFile(io.BytesIO(content)) as archive:
            parts = []
            for name in archive.namelist():
                data = archive.read(name)
                if name.endswith(".xlsx"):
                    parts.append(TestRouteAccessMatrix._zip_text(data))
                else:
                    parts.append(data.decode("utf-8", "replace"))
            return "\n".join(parts)

    def _download(self, response, mimetype):
        """``(file names, text)`` of the zip (an xlsx workbook is one too) the response downloads, checked to
        be a ``mimetype`` attachment; None when it downloads nothing (a redirect, a refusal, an error)."""
        disposition = response.headers.get("Content-Disposition", "")
        if response.status_code != 200:
            self.assertNotIn("attachment", disposition, "no download without a 200")
            return None
        self.assertEqual(response.headers.get("Content-Type"), mimetype, "a 200 is the download")
        self.assertIn("attachment", disposition, "a 200 is the download")
        with zipfile.ZipFile(io.BytesIO(response.content)) as archive:
            names = archive.namelist()
        return names, self._zip_text(response.content)

    @mute_logger("odoo.http")
    def test_workbook(self):
        def cell(_role):
            response = self._open("/nps/workbook")
            download = self._download(response, XLSX_MIMETYPE)
            if download:
                self.assertIn("xl/workbook.xml", download[0], "an Excel workbook")
            return self._status(response, plus=bool(download) and self.owner.name in download[1])

        self._assert_route("GET /nps/workbook", cell)

    @mute_logger("odoo.http")
    def test_customer_export(self):
        def cell(_role):
            response = self._open(f"/nps/partner/{self.owner.id}/export")
            download = self._download(response, "application/zip")
            if download:
                extensions = sorted(name.rpartition(".")[2] for name in download[0])
                self.assertEqual(extensions, ["json", "xlsx"], "a JSON file and an Excel workbook")
            return self._status(response, plus=bool(download) and SECRET in download[1])

        self._assert_route("GET /nps/partner/<customer>/export", cell)
