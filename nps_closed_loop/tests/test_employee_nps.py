"""Employee NPS (issue 22): a pulse end to end, the anonymity of the stored answers, the minimum group size and
who sees what."""

import random
from datetime import date, timedelta

from freezegun import freeze_time

from odoo.addons.mail.tests.common import MailCase
from odoo.exceptions import AccessError, ValidationError
from odoo.tests import new_test_user, tagged
from odoo.tools import SQL, mute_logger

from ..models.nps_employee_groups import fold_groups
from . import common

TODAY = date(2026, 11, 26)


class EnpsCommon(common.NpsCommon, MailCase):
    """An eNPS manager, six invited employees and their running campaign (minimum group size 5)."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.user_enps = new_test_user(
            cls.env,
            login="enps_manager",
            groups="nps_closed_loop.group_nps_employee_manager",
            name="Erin eNPS",
            email="erin@example.com",
        )
        cls.staff = cls.env["res.users"]
        for index in range(6):
            cls.staff |= new_test_user(
                cls.env,
                login=f"enps_staff_{index}",
                groups="base.group_user",
                name=f"Staff {index}",
                email=f"staff{index}@example.com",
            )
        cls.enps = (
            cls.env["nps.employee.campaign"]
            .with_user(cls.user_enps)
            .create({"name": "Quarterly eNPS", "user_ids": [(6, 0, cls.staff.ids)], "reminder_days": 7})
        )
        cls.Invitation = cls.env["nps.employee.invitation"].sudo()
        cls.Pending = cls.env["nps.employee.answer.pending"].sudo()
        cls.Answer = cls.env["nps.employee.answer"].sudo()

    def _start(self, when=TODAY):
        with freeze_time(when):
            self.enps.sudo().write({"state": "running", "next_pulse_date": when})
            self.env["nps.employee.campaign"]._cron_pulses(today=when)
        return self.Invitation.search([("campaign_id", "=", self.enps.id), ("pulse", "=", self.enps.pulse)])

    def _enps_mails(self, invitations):
        """The emails of ``invitations`` waiting to leave."""
        return (
            self.env["mail.mail"]
            .sudo()
            .search([("nps_employee_invitation_id", "in", invitations.ids), ("state", "=", "outgoing")])
        )

    def _results(self, user=None):
        campaign = self.enps.with_user(user or self.user_enps)
        campaign.invalidate_recordset()
        return campaign._enps_results()


@tagged("post_install", "-at_install")
class TestEmployeeNps(EnpsCommon):
    def test_pulse_end_to_end(self):
        surveys_before = self.env["nps.survey"].sudo().search_count([])
        with self.mock_mail_gateway():
            invitations = self._start()
            self.assertEqual(len(invitations), 6)
            self.assertEqual(set(invitations.mapped("mail_state")), {"queued"}, "not sent before the mail left")
            mails = self._enps_mails(invitations)
            self.assertEqual(len(mails), 6)
            invitation = invitations[0]
            mail = mails.filtered(lambda m: m.nps_employee_invitation_id == invitation)
            self.assertIn(f"/enps/{invitation.access_token}?score=10", mail.body_html)
            self.assertIn("as a place to work", mail.body_html)
            self.assertEqual(mail.recipient_ids, invitation.user_id.partner_id)
            mails.send()
        self.assertEqual(len(self._mails), 6)
        self.assertEqual(set(invitations.mapped("mail_state")), {"sent"})
        self.assertEqual(self.enps.pulse, 1)
        self.assertEqual(self.enps.next_pulse_date, TODAY + timedelta(days=92))  # three months later

        # four answers wait: fewer than the minimum group size, none is released
        for invitation, score in zip(invitations[:4], (10, 9, 3, 7), strict=True):
            invitation._enps_answer(score, f"Comment {score}")
        self.assertEqual(self.Pending.search_count([("campaign_id", "=", self.enps.id)]), 4)
        self.assertEqual(self.Pending._release(self.enps), 0)
        results = self._results()
        self.assertFalse(results["current"])
        self.assertEqual(results["pulses"][0]["answered"], 4)
        self.assertAlmostEqual(results["pulses"][0]["rate"], 400 / 6)
        self.assertTrue(results["pulses"][0]["on_target"])
        self.assertIn("Not enough answers yet (0 of 5 needed)", self.enps.with_user(self.user_enps).results_html)

        # the fifth: the daily job releases the five together
        invitations[4]._enps_answer(10, False)
        self.env["nps.employee.answer.pending"]._cron_release()
        self.assertEqual(self.Pending.search_count([("campaign_id", "=", self.enps.id)]), 0)
        self.assertEqual(self.Answer.search_count([("campaign_id", "=", self.enps.id)]), 5)
        current = self._results()["current"]
        self.assertTrue(current["shown"])
        self.assertEqual(current["count"], 5)
        self.assertEqual(current["nps"], 40)  # 3 promoters, 1 detractor of 5
        self.assertGreater(current["margin"], 0)
        self.assertEqual(current["comments"], ["Comment 10", "Comment 3", "Comment 7", "Comment 9"])
        self.assertEqual([bar["count"] for bar in current["distribution"]], [0, 0, 0, 1, 0, 0, 0, 1, 0, 1, 2])
        html = self.enps.with_user(self.user_enps).results_html
        self.assertIn("Comment 3", html)
        self.assertNotIn("Staff", html, "no name on the results")
        # nothing of it reached the customer NPS
        self.assertEqual(self.env["nps.survey"].sudo().search_count([]), surveys_before)

    def test_not_enough_answers_below_the_threshold(self):
        invitations = self._start()
        for invitation in invitations[:3]:
            invitation._enps_answer(9, "Secret words")
        self.enps.with_user(self.user_enps).action_close()  # the pulse ends: released whatever their number
        self.assertEqual(self.Answer.search_count([("campaign_id", "=", self.enps.id)]), 3)
        results = self._results()
        self.assertFalse(results["current"]["shown"])
        self.assertNotIn("comments", results["current"])
        html = self.enps.with_user(self.user_enps).results_html
        self.assertIn("Not enough answers yet (3 of 5 needed)", html)
        self.assertNotIn("Secret words", html)

    def test_one_reminder_to_those_who_did_not_answer(self):
        with self.mock_mail_gateway(), freeze_time(TODAY):
            invitations = self._start()
            self._enps_mails(invitations).send()
        self.assertEqual(set(invitations.mapped("send_date")), {TODAY})
        invitations[0]._enps_answer(8, False)
        Campaign = self.env["nps.employee.campaign"]
        with self.mock_mail_gateway():
            Campaign._cron_pulses(today=TODAY + timedelta(days=6))
            self.assertFalse(self._enps_mails(invitations), "not before the delay")
            Campaign._cron_pulses(today=TODAY + timedelta(days=7))
            reminders = self._enps_mails(invitations)
            self.assertEqual(reminders.nps_employee_invitation_id, invitations[1:])
            self.assertIn("still love to hear from you", reminders[0].body_html)
            reminders.send()
            Campaign._cron_pulses(today=TODAY + timedelta(days=8))
            self.assertFalse(self._enps_mails(invitations), "one reminder only")
        self.assertEqual(invitations.filtered("reminded"), invitations[1:])

    def test_failed_mail_is_not_sent(self):
        invitations = self._start()
        with self.mock_mail_gateway(), mute_logger("odoo.addons.mail.models.mail_mail"):
            mails = self._enps_mails(invitations[:1])
            invitations[0].user_id.partner_id.email = "not an address"
            mails.send()
        self.assertNotEqual(invitations[0].mail_state, "sent")

    def test_mail_in_each_employees_language(self):
        self.env["res.lang"]._activate_lang("fr_FR")
        self.staff[1].lang = "fr_FR"
        invitations = self._start()
        template = self.env.ref("nps_closed_loop.nps_employee_mail_template")
        langs = template._render_lang(invitations[:2].ids)
        self.assertEqual(langs, {invitations[0].id: "en_US", invitations[1].id: "fr_FR"})

    def test_minimum_group_size_never_below_three(self):
        with self.assertRaises(ValidationError):
            self.enps.min_group_size = 2
        self.enps.min_group_size = 3

    def test_only_internal_users_invited(self):
        with self.assertRaises(ValidationError):
            self.enps.user_ids = [(4, self.user_portal.id)]

    def test_themes_are_the_employees_own_in_every_language(self):
        """Comments count in the employees' themes, read in each installed language (the language an employee
        wrote in is not kept); a customer theme never tags them."""
        self.env["res.lang"]._activate_lang("fr_FR")
        self.env["ir.module.module"]._load_module_terms(["nps_closed_loop"], ["fr_FR"], overwrite=True)
        self.env["nps.reason"].create({"name": "Customer workload", "lexicon": "workload\ncharge de travail"})
        invitations = self._start()
        comments = (
            "Charge de travail trop lourde ce trimestre.",
            "Too many meetings, and overtime every week.",
            "Des collègues formidables, mais le salaire ne suit pas.",
            "Fier de ce que nous livrons, la facture est juste.",  # delivery and invoicing: customer themes only
            "Le meilleur employeur du pays.",  # read in English too: "pays" is not pay
            "La nouvelle organisation des équipes change tout.",  # nor "équipes" equipment
        )
        for invitation, comment in zip(invitations, comments, strict=True):
            invitation._enps_answer(8, comment)
        self.assertEqual(self.Pending._release(self.enps), 6)
        themes = {theme["name"]: theme["count"] for theme in self._results()["current"]["themes"]}
        self.assertEqual(
            themes,
            {
                "Workload": 2,
                "Meetings and communication": 1,
                "Team and atmosphere": 2,
                "Pay and benefits": 1,
            },
        )
        # in French for a French-speaking manager
        french = self.enps.with_user(self.user_enps).with_context(lang="fr_FR")
        themes = {theme["name"] for theme in french._enps_results()["current"]["themes"]}
        self.assertEqual(
            themes,
            {"Charge de travail", "Réunions et communication", "Équipe et ambiance", "Rémunération et avantages"},
        )


@tagged("post_install", "-at_install")
class TestEmployeeNpsAnonymity(EnpsCommon):
    def _columns(self, table):
        return dict(
            self.env.execute_query(
                SQL(
                    "SELECT column_name, data_type FROM information_schema.columns WHERE table_name = %s",
                    table,
                )
            )
        )

    def _referenced_tables(self, table):
        rows = self.env.execute_query(
            SQL(
                """
                SELECT DISTINCT target.table_name
                  FROM information_schema.table_constraints constraint_
                  JOIN information_schema.constraint_column_usage target
                    ON target.constraint_name = constraint_.constraint_name
                 WHERE constraint_.table_name = %s AND constraint_.constraint_type = 'FOREIGN KEY'
                """,
                table,
            )
        )
        return {row[0] for row in rows}

    def test_answer_tables_hold_nothing_that_leads_to_a_person(self):
        for table in ("nps_employee_answer", "nps_employee_answer_pending"):
            with self.subTest(table=table):
                columns = self._columns(table)
                self.assertEqual(
                    set(columns), {"id", "campaign_id", "pulse", "score", "comment", "answer_day", "group_key"}
                )
                for name in columns:
                    for word in ("user", "partner", "employee", "invitation", "token", "email", "create", "write"):
                        self.assertNotIn(word, name)
                self.assertFalse(
                    [name for name, kind in columns.items() if kind.startswith(("timestamp", "time"))],
                    "no time finer than the day",
                )
                self.assertEqual(columns["answer_day"], "date")
                self.assertEqual(self._referenced_tables(table), {"nps_employee_campaign"})
        # the invitation keeps no time at all of the answer
        invitation_columns = self._columns("nps_employee_invitation")
        self.assertFalse([name for name, kind in invitation_columns.items() if kind.startswith("time")])
        self.assertNotIn("write_date", invitation_columns)

    def test_answers_cannot_be_joined_to_invitations(self):
        staff = self.staff
        for index in range(6, 12):
            staff |= new_test_user(
                self.env, login=f"enps_more_{index}", groups="base.group_user", email=f"m{index}@e.com"
            )
        self.enps.sudo().user_ids = staff
        invitations = self._start()
        self.assertEqual(len(invitations), 12)
        # each invitation answered in id order, with a score and comment telling which one it was
        order = list(range(12))
        random.Random(7).shuffle(order)
        for position in order:
            invitations[position]._enps_answer(position % 11, f"invitation {position}")
        released = self.Pending._release(self.enps)
        self.assertEqual(released, 12)
        answers = self.Answer.search([("campaign_id", "=", self.enps.id)], order="id")
        by_id = [int(comment.split()[1]) for comment in answers.mapped("comment")]
        self.assertEqual(sorted(by_id), list(range(12)))
        self.assertNotEqual(by_id, order, "the answers' ids do not follow the order of the answers")
        self.assertNotEqual(by_id, list(range(12)), "nor the order of the invitations")
        # by date or time: one day for all, and nothing on the invitation to compare it with
        self.assertEqual(set(answers.mapped("answer_day")), {answers[0].answer_day})
        joined = self.env.execute_query(
            SQL(
                """
                SELECT COUNT(*) FROM nps_employee_answer answer
                  JOIN information_schema.columns col
                    ON col.table_name = 'nps_employee_invitation' AND col.data_type IN ('date', 'timestamp without time zone')
                 WHERE answer.campaign_id = %s AND col.column_name <> 'send_date'
                """,
                self.enps.id,
            )
        )
        self.assertEqual(joined[0][0], 0, "the invitation has no date but the day its email left")
        # the same statement: the released rows share their transaction with one another, not with an answer
        xmins = self.env.execute_query(
            SQL("SELECT COUNT(DISTINCT xmin::text) FROM nps_employee_answer WHERE campaign_id = %s", self.enps.id)
        )
        self.assertEqual(xmins[0][0], 1)

    def test_no_group_of_fewer_than_the_minimum_stored(self):
        invitations = self._start()
        invitations[:5].group_key = "Sales"
        invitations[5].group_key = "Legal"
        for invitation in invitations:
            invitation._enps_answer(7, False)
        self.Pending._release(self.enps)
        answers = self.Answer.search([("campaign_id", "=", self.enps.id)])
        self.assertEqual(sorted(answers.mapped("group_key")), ["", "Sales", "Sales", "Sales", "Sales", "Sales"])

    def test_fold_groups(self):
        self.assertEqual(fold_groups({"A": 10, "B": 10}, 5), (["A", "B"], set()))
        # one group under the threshold never alone in Other: the next smallest joins it
        self.assertEqual(fold_groups({"A": 6, "B": 7, "C": 2}, 5), (["B"], {"A", "C"}))
        self.assertEqual(fold_groups({"A": 10, "B": 3, "C": 3}, 5), (["A"], {"B", "C"}))
        # Other too small with every group in it: no group shown, the total only
        self.assertEqual(fold_groups({"A": 10, "B": 1, "C": 1}, 5), ([], set()))
        self.assertEqual(fold_groups({"A": 2}, 5), ([], set()))

    def test_fold_groups_never_reveals_a_small_group(self):
        rng = random.Random(22)
        for _ in range(2000):
            minimum = rng.randint(3, 6)
            counts = {f"G{i}": rng.randint(1, 12) for i in range(rng.randint(1, 6))}
            shown, folded = fold_groups(counts, minimum)
            with self.subTest(counts=counts, minimum=minimum):
                self.assertTrue(all(counts[group] >= minimum for group in shown))
                rest = set(counts) - set(shown)
                if shown:
                    # the total minus the groups shown is Other: at least two groups, the minimum of answers
                    self.assertEqual(rest, folded)
                    if rest:
                        self.assertGreaterEqual(len(rest), 2)
                        self.assertGreaterEqual(sum(counts[group] for group in rest), minimum)

    def test_results_fold_groups_into_other(self):
        invitations = self._start()
        self.assertTrue(invitations)
        values = []
        for group, count, score in (("Sales", 6, 10), ("Support", 7, 0), ("Legal", 2, 5)):
            values += [
                {"campaign_id": self.enps.id, "pulse": 1, "score": score, "answer_day": TODAY, "group_key": group}
            ] * count
        self.Answer.create(values)
        groups = self._results()["current"]["groups"]
        self.assertEqual([(row["label"], row["count"]) for row in groups], [("Support", 7), ("Other", 8)])
        self.assertEqual(groups[0]["nps"], -100)


@tagged("post_install", "-at_install")
class TestEmployeeNpsAccess(EnpsCommon):
    def test_enps_manager_sees_results(self):
        self._start()
        self.assertIn("o_nps_employee_results", self.enps.with_user(self.user_enps).results_html)
        self.env["nps.employee.answer"].with_user(self.user_enps).search([])

    def test_others_see_nothing(self):
        self._start()
        self.Answer.create({"campaign_id": self.enps.id, "pulse": 1, "score": 3, "answer_day": TODAY})
        for user in (self.staff[0], self.user_manager, self.user_nps, self.user_salesman, self.user_employee):
            for model in ("nps.employee.campaign", "nps.employee.answer", "nps.employee.invitation"):
                with self.subTest(user=user.login, model=model), self.assertRaises(AccessError):
                    self.env[model].with_user(user).search([]).read([])
            with self.subTest(user=user.login), self.assertRaises(AccessError):
                self.enps.with_user(user).read(["results_html"])

    def test_enps_manager_reads_no_invitation_nor_waiting_answer(self):
        self._start()
        for model in ("nps.employee.invitation", "nps.employee.answer.pending"):
            with self.subTest(model=model), self.assertRaises(AccessError):
                self.env[model].with_user(self.user_enps).search([])
        with self.assertRaises(AccessError):
            self.env["nps.employee.answer"].with_user(self.user_enps).create(
                {"campaign_id": self.enps.id, "pulse": 1, "score": 3, "answer_day": TODAY}
            )


@tagged("post_install", "-at_install")
class TestEmployeeNpsRoutes(EnpsCommon, common.HttpCase):
    def setUp(self):
        super().setUp()
        self.invitations = self._start()
        self.invitation = self.invitations[0]
        self.url = f"/enps/{self.invitation.access_token}"

    def _get(self, path, **kwargs):
        response = self.url_open(path, **kwargs)
        self.env.invalidate_all()
        return response

    def _csrf(self):
        match = common.CSRF_PATTERN.search(self._get(f"/enps/{self.invitations[1].access_token}").text)
        self.assertTrue(match)
        return match.group(1)

    def _post(self, data, csrf=True, url=None):
        pairs = list(data.items()) if isinstance(data, dict) else list(data)
        if csrf:
            pairs.append(("csrf_token", self._csrf()))
        response = self.url_open(url or self.url, data=pairs)
        self.env.invalidate_all()
        return response

    def _assert_nothing_stored(self):
        self.assertFalse(self.invitation.answered)
        self.assertEqual(self.Pending.search_count([("campaign_id", "=", self.enps.id)]), 0)

    def test_get_shows_the_page_and_stores_nothing(self):
        response = self._get(f"{self.url}?score=8")
        self.assertEqual(response.status_code, 200)
        self.assertIn("as a place to work", response.text)
        self.assertIn('id="nps_score_8" value="8" checked', response.text.replace('checked="checked"', "checked"))
        self.assertNotIn(self.invitation.user_id.name, response.text)
        self._assert_nothing_stored()

    def test_post_records_one_answer(self):
        response = self._post({"score": "9", "comment": "Great team"})
        self.assertEqual(response.status_code, 200)
        self.assertIn("your answer is recorded", response.text)
        self.assertTrue(self.invitation.answered)
        pending = self.Pending.search([("campaign_id", "=", self.enps.id)])
        self.assertEqual((pending.score, pending.comment), (9, "Great team"))
        # a second post is refused, nothing more stored
        response = self._post({"score": "2", "comment": "Changed my mind"})
        self.assertEqual(response.status_code, 409)
        self.assertEqual(self.Pending.search_count([("campaign_id", "=", self.enps.id)]), 1)

    def test_bad_input_stores_nothing(self):
        for data in (
            {"score": "11"},
            {"score": "7.0"},
            {},
            [("score", "3"), ("score", "4")],
            {"score": "3", "comment": "x" * 5001},
            {"score": "3", "comment": "nul \x00 byte"},
            {"score": "3", "extra": "field"},
        ):
            with self.subTest(data=data):
                response = self._post(data)
                self.assertEqual(response.status_code, 400)
                self.assertIn("Your answer was not saved", response.text)
                self._assert_nothing_stored()

    def test_upload_or_self_parameter_stores_nothing(self):
        csrf = self._csrf()
        response = self.url_open(
            self.url, data={"score": "9", "csrf_token": csrf}, files={"comment": ("a.txt", b"text")}
        )
        self.assertEqual(response.status_code, 400)
        response = self.url_open(self.url, data={"score": "9", "self": "1", "csrf_token": csrf})
        self.assertEqual(response.status_code, 400)
        self.env.invalidate_all()
        self._assert_nothing_stored()

    @mute_logger("odoo.addons.nps_closed_loop.controllers.nps_http", "odoo.http")
    def test_post_without_csrf_refused(self):
        response = self._post({"score": "9"}, csrf=False)
        self.assertEqual(response.status_code, 400)
        self._assert_nothing_stored()

    def test_wrong_token_and_closed_campaign(self):
        self.assertEqual(self._get("/enps/notatokenatall0000").status_code, 404)
        self.assertEqual(self._get("/enps/%00").status_code, 404)
        csrf = self._csrf()
        self.enps.sudo().state = "closed"
        response = self._post({"score": "9", "csrf_token": csrf}, csrf=False)
        self.assertEqual(response.status_code, 410)
        self._assert_nothing_stored()
