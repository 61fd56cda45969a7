import threading
import time
import uuid
from datetime import datetime, timedelta

from odoo import SUPERUSER_ID, Command, api
from odoo.service.model import retrying
from odoo.tests import new_test_user, tagged
from odoo.tests.common import TransactionCase
from odoo.tools import SQL, mute_logger

from . import common

NO_MAIL = {"tracking_disable": True, "mail_create_nosubscribe": True, "mail_notrack": True}


@tagged("post_install", "-at_install")
class ConcurrencyCommon(common.CommittedWorkers, TransactionCase):
    """Two Odoo workers at once on real committed data, as two HTTP requests would be: each worker has its
    own cursor and REPEATABLE READ transaction; the second runs in a thread, as it waits for the first's
    locks, inside :func:`odoo.service.model.retrying` like the HTTP layer runs a request."""

    def _committed(self, func):
        """Run ``func(env)`` in a transaction of its own, committed."""
        with self.registry.cursor() as cr:
            return func(api.Environment(cr, SUPERUSER_ID, NO_MAIL))

    def _in_thread(self, func, env, retry=True):
        """Start ``func`` on ``env``'s cursor in a thread, retried on serialisation failures and committed
        as the HTTP layer does (``retry``), or as it is (a cron job handles them itself)."""
        outcome = {}

        def run():
            try:
                with mute_logger("odoo.service.model"):
                    outcome["result"] = retrying(func, env) if retry else func()
            except Exception as exc:  # noqa: BLE001 - re-raised in the test's thread
                outcome["error"] = exc

        thread = threading.Thread(target=run, name="nps_worker_2")
        thread.start()
        return thread, outcome

    def _wait_until_blocked(self, cr, thread, timeout=30):
        """Wait until the worker of ``cr`` waits for a lock (or ended): it has read what it read."""
        pid = cr._cnx.get_backend_pid()
        deadline = time.monotonic() + timeout
        with self.registry.cursor() as watcher:
            while thread.is_alive() and time.monotonic() < deadline:
                watcher.execute("SELECT wait_event_type FROM pg_stat_activity WHERE pid = %s", [pid])
                row = watcher.fetchone()
                if row and row[0] == "Lock":
                    return True
                watcher.rollback()
                time.sleep(0.05)
        return False

    def _join(self, thread, outcome):
        thread.join(timeout=60)
        self.assertFalse(thread.is_alive(), "worker 2 ended")
        if "error" in outcome:
            raise outcome["error"]
        return outcome.get("result")


class TestConcurrentCallbackAssignment(ConcurrencyCommon):
    """Defect: two detractors answering at the same moment, two idle agents: both callbacks went to one
    agent, the second transaction counting the loads of its snapshot, taken before the first committed."""

    def setUp(self):
        super().setUp()

        def create(env):
            agents = env["res.users"]
            for letter in "xy":
                agents |= new_test_user(
                    env,
                    login=f"nps_concurrent_agent_{letter}_{uuid.uuid4().hex[:8]}",
                    groups="nps_closed_loop.group_nps_user",
                    name=f"Agent {letter.upper()}",
                    email=f"agent_{letter}@example.com",
                    tz="UTC",
                )
            campaign = env["nps.campaign"].create(
                {
                    "name": "Concurrent callbacks",
                    "holdout_percent": 0.0,
                    "callback_user_ids": [Command.set(agents.ids)],
                }
            )
            customers = env["res.partner"].create(
                [{"name": f"Unhappy {index}", "email": f"unhappy{index}@example.com"} for index in range(2)]
            )
            surveys = env["nps.survey"].create(
                [
                    {
                        "partner_id": customer.id,
                        "campaign_id": campaign.id,
                        "state": "sent",
                        "sent_date": datetime.now() - timedelta(days=1),
                    }
                    for customer in customers
                ]
            )
            return agents.ids, agents.partner_id.ids, campaign.id, customers.ids, surveys.ids

        self.agent_ids, self.agent_partner_ids, self.campaign_id, self.customer_ids, self.survey_ids = self._committed(
            create
        )
        self.addCleanup(self._cleanup)

    def _cleanup(self):
        def delete(env):
            cron = env.ref("nps_closed_loop.ir_cron_nps_after_answers")
            env["ir.cron.trigger"].search([("cron_id", "=", cron.id)]).unlink()
            surveys = env["nps.survey"].browse(self.survey_ids)
            env["mail.activity"].search([("res_model", "=", "nps.survey"), ("res_id", "in", surveys.ids)]).unlink()
            env["mail.mail"].search([("model", "=", "nps.survey"), ("res_id", "in", surveys.ids)]).unlink()
            env["mail.message"].search([("model", "=", "nps.survey"), ("res_id", "in", surveys.ids)]).unlink()
            surveys.unlink()
            env["nps.campaign"].browse(self.campaign_id).unlink()
            env["res.users"].browse(self.agent_ids).unlink()
            env["res.partner"].browse(self.agent_partner_ids + self.customer_ids).unlink()

        self._committed(delete)

    def _answer(self, env, survey_id, score):
        return env["nps.survey"].browse(survey_id)._record_answer(score, comment="Late", contact_allowed=True)

    def test_two_detractors_at_once_go_to_two_idle_agents(self):
        cr1, env1 = self._worker()
        cr2, env2 = self._worker()
        cr2.execute("SELECT 1")  # worker 2's snapshot is taken before worker 1 commits
        # worker 1 records a detractor's answer and has not committed yet
        self._answer(env1, self.survey_ids[0], 2)
        # worker 2 records another detractor's answer meanwhile: it counts the same loads (all zero)
        thread, outcome = self._in_thread(lambda: self._answer(env2, self.survey_ids[1], 3), env2)
        self.assertTrue(self._wait_until_blocked(cr2, thread), "worker 2 waits for worker 1")
        cr1.commit()
        self._join(thread, outcome)

        def callbacks(env):
            surveys = env["nps.survey"].browse(self.survey_ids)
            activities = env["mail.activity"].search(
                [
                    ("res_model", "=", "nps.survey"),
                    ("res_id", "in", surveys.ids),
                    ("activity_type_id", "=", env.ref("nps_closed_loop.mail_activity_type_nps_callback").id),
                ]
            )
            answered = env["mail.tracking.value"].search_count(
                [
                    ("mail_message_id.model", "=", "nps.survey"),
                    ("mail_message_id.res_id", "=", surveys[1].id),
                    ("field_id.name", "=", "state"),
                    ("new_value_char", "=", "Answered"),
                ]
            )
            return (
                [(survey.loop_state, survey.callback_user_id.id) for survey in surveys],
                sorted((activity.res_id, activity.user_id.id) for activity in activities),
                [(survey.state, survey.score) for survey in surveys],
                answered,
            )

        states, activities, answers, answered = self._committed(callbacks)
        self.assertEqual(answers, [("answered", 2), ("answered", 3)], "no answer lost")
        self.assertEqual(answered, 1, "worker 2's answer recorded once, not once per try")
        self.assertEqual([state for state, _user in states], ["open", "open"])
        assignees = [user for _state, user in states]
        self.assertEqual(sorted(assignees), sorted(self.agent_ids), "one callback each, on the two idle agents")
        self.assertEqual(
            activities,
            sorted(zip(self.survey_ids, assignees, strict=True)),
            "exactly one callback activity per answer, for its assignee",
        )

    def test_follow_up_job_and_an_answer_at_once_go_to_two_idle_agents(self):
        """The same when one of the answers is followed up by the job (answered on the survey page): the
        job's conflicting assignment is withdrawn and taken again shortly, with the loads up to date."""
        self._committed(
            lambda env: env["nps.survey"]
            .browse(self.survey_ids[1])
            .with_context(nps_defer_after_answer=True)
            ._record_answer(3, comment="Late", contact_allowed=True)
        )
        cr1, env1 = self._worker()
        cr2, env2 = self._worker()
        cr2.execute("SELECT 1")  # the job's snapshot is taken before worker 1 commits
        self._answer(env1, self.survey_ids[0], 2)
        thread, outcome = self._in_thread(lambda: env2["nps.survey.loop"]._cron_after_answers(), env2, retry=False)
        self.assertTrue(self._wait_until_blocked(cr2, thread), "the job waits for worker 1")
        cr1.commit()
        with mute_logger("odoo.addons.nps_closed_loop.models.nps_survey"):
            self._join(thread, outcome)
        cr2.commit()

        def state(env):
            survey = env["nps.survey"].browse(self.survey_ids[1])
            cron = env.ref("nps_closed_loop.ir_cron_nps_after_answers")
            retry = env["ir.cron.trigger"].search([("cron_id", "=", cron.id), ("call_at", ">", datetime.now())])
            return survey.reaction_pending, survey.loop_state, bool(retry)

        self.assertEqual(self._committed(state), ("answer", "none", True), "still pending, taken again shortly")
        cr3, env3 = self._worker()
        env3["nps.survey.loop"]._cron_after_answers()
        cr3.commit()
        surveys = self._committed(
            lambda env: [
                (s.loop_state, s.callback_user_id.id, s.reaction_pending)
                for s in env["nps.survey"].browse(self.survey_ids)
            ]
        )
        self.assertEqual([(state, pending) for state, _user, pending in surveys], [("open", False), ("open", False)])
        self.assertEqual(sorted(user for _state, user, _pending in surveys), sorted(self.agent_ids))


class TestConcurrentOptOut(ConcurrencyCommon):
    """Defect: simultaneous one-click opt-outs of one customer answered 400 (two transactions adding the
    same follower): opting out must be idempotent and succeed whatever arrives at once."""

    def setUp(self):
        super().setUp()

        def create(env):
            campaign = env["nps.campaign"].create({"name": "Concurrent opt-outs"})
            customer = env["res.partner"].create({"name": "Tired Customer", "email": "tired@example.com"})
            surveys = env["nps.survey"].create(
                [
                    {"partner_id": customer.id, "campaign_id": campaign.id, "state": state}
                    for state in ("sent", "scheduled")
                ]
            )
            return campaign.id, customer.id, surveys.ids

        self.campaign_id, self.customer_id, self.survey_ids = self._committed(create)
        self.addCleanup(self._cleanup)

    def _cleanup(self):
        def delete(env):
            env["mail.message"].search(
                [
                    "|",
                    "&",
                    ("model", "=", "res.partner"),
                    ("res_id", "=", self.customer_id),
                    "&",
                    ("model", "=", "nps.survey"),
                    ("res_id", "in", self.survey_ids),
                ]
            ).unlink()
            env["mail.followers"].search(
                [("res_model", "=", "res.partner"), ("res_id", "=", self.customer_id)]
            ).unlink()
            env["nps.survey"].browse(self.survey_ids).unlink()
            env["nps.campaign"].browse(self.campaign_id).unlink()
            env["res.partner"].browse(self.customer_id).unlink()

        self._committed(delete)

    def _opt_out(self, env):
        # as the controller does: the customer's partner, as superuser after the token check
        return env["res.partner"].browse(self.customer_id)._nps_opt_out()

    def test_two_opt_outs_at_once_both_succeed_once(self):
        cr1, env1 = self._worker()
        cr2, env2 = self._worker()
        cr2.execute("SELECT 1")  # worker 2's snapshot is taken before worker 1 commits
        self._opt_out(env1)
        thread, outcome = self._in_thread(lambda: self._opt_out(env2), env2)
        self.assertTrue(self._wait_until_blocked(cr2, thread), "worker 2 waits for worker 1")
        cr1.commit()
        self._join(thread, outcome)  # no IntegrityError: worker 2 succeeded (retried if need be)

        def state(env):
            customer = env["res.partner"].browse(self.customer_id)
            notes = env["mail.message"].search(
                [
                    ("model", "=", "res.partner"),
                    ("res_id", "=", customer.id),
                    ("message_type", "=", "comment"),
                ]
            )
            followers = env["mail.followers"].search([("res_model", "=", "res.partner"), ("res_id", "=", customer.id)])
            return (
                customer.nps_consent,
                env["nps.survey"].browse(self.survey_ids).mapped("state"),
                notes.mapped("body"),
                followers.partner_id.ids,
            )

        consent, states, notes, followers = self._committed(state)
        self.assertEqual(consent, "refused")
        self.assertEqual(states, ["cancelled", "cancelled"])
        self.assertEqual(len(notes), 1, "one note, not one per opt-out")
        self.assertIn("2 pending survey(s) cancelled", notes[0])
        self.assertNotIn(self.customer_id, followers, "the customer is not made a follower of their own record")


class TestOneClickOptOutTwice(common.PortalCommon):
    def _one_click(self):
        response = self.opener.post(
            self.base_url() + f"/nps/{self.survey.access_token}/optout",
            data={"List-Unsubscribe": "One-Click"},
            allow_redirects=False,
        )
        self.env.invalidate_all()
        return response

    def test_one_click_posted_twice_answers_200_both_times(self):
        """RFC 8058 senders read anything but 2xx as a failure: a repeated one-click opt-out succeeds too."""
        self.opener.cookies.clear()
        scheduled = self._create_survey(state="scheduled")
        messages_before = self.customer.message_ids
        first = self._one_click()
        self.assertEqual(first.status_code, 200)
        self.assertEqual(self.customer.nps_consent, "refused")
        self.assertEqual((self.survey | scheduled).mapped("state"), ["cancelled", "cancelled"])
        second = self._one_click()
        self.assertEqual(second.status_code, 200)
        self.assertIn("You will not receive satisfaction surveys any more", second.text)
        notes = (self.customer.message_ids - messages_before).filtered(
            lambda message: message.message_type == "comment"
        )
        self.assertEqual(len(notes), 1, "the second opt-out changes nothing")
        self.assertNotIn(self.customer, self.customer.message_partner_ids, "the customer follows nothing")


class TestConcurrentAfterAnswers(ConcurrencyCommon):
    """What follows the answers given on the survey page runs in a job: two workers running it at once share
    the pending answers and never follow one up twice (one alert per detractor)."""

    ANSWERS = 6

    def setUp(self):
        super().setUp()

        def create(env):
            manager = env["res.partner"].create({"name": "Alerted Manager", "email": "alerted@example.com"})
            campaign = env["nps.campaign"].create({"name": "Concurrent follow-ups", "holdout_percent": 0.0})
            campaign.message_subscribe(partner_ids=manager.ids)
            customers = env["res.partner"].create(
                [
                    {"name": f"Detractor {index}", "email": f"detractor{index}@example.com"}
                    for index in range(self.ANSWERS)
                ]
            )
            # answered on the survey page, not allowing contact: an alert each, no callback
            surveys = env["nps.survey"].create(
                [
                    {
                        "partner_id": customer.id,
                        "campaign_id": campaign.id,
                        "state": "answered",
                        "score": 3,
                        "answer_date": datetime.now(),
                        "reaction_pending": "answer",
                    }
                    for customer in customers
                ]
            )
            return campaign.id, (manager | customers).ids, surveys.ids

        self.campaign_id, self.partner_ids, self.survey_ids = self._committed(create)
        self.addCleanup(self._cleanup)

    def _cleanup(self):
        def delete(env):
            env["mail.mail"].search([("model", "=", "nps.survey"), ("res_id", "in", self.survey_ids)]).unlink()
            env["mail.message"].search([("model", "=", "nps.survey"), ("res_id", "in", self.survey_ids)]).unlink()
            env["nps.survey"].browse(self.survey_ids).unlink()
            env["nps.campaign"].browse(self.campaign_id).unlink()
            env["res.partner"].browse(self.partner_ids).unlink()

        self._committed(delete)

    def _followed_up(self):
        def read(env):
            alerts = env["mail.message"]._read_group(
                [
                    ("model", "=", "nps.survey"),
                    ("res_id", "in", self.survey_ids),
                    ("subject", "=like", "NPS detractor%"),
                ],
                ["res_id"],
                ["__count"],
            )
            surveys = env["nps.survey"].browse(self.survey_ids)
            return dict(alerts), surveys.mapped("reaction_pending"), all(surveys.mapped("detractor_alert_date"))

        return self._committed(read)

    def test_two_workers_share_the_answers_and_alert_once(self):
        cr1, env1 = self._worker()
        cr2, env2 = self._worker()
        # worker 1 takes a batch and is still working on it (not committed) when worker 2 runs
        env1["nps.survey.loop"]._cron_after_answers(batch_size=self.ANSWERS // 2)
        env2["nps.survey.loop"]._cron_after_answers(batch_size=self.ANSWERS)
        cr1.commit()
        cr2.commit()
        alerts, pending, alerted = self._followed_up()
        self.assertEqual(sorted(alerts), sorted(self.survey_ids), "every detractor is alerted")
        self.assertEqual(set(alerts.values()), {1}, "no detractor is alerted twice")
        self.assertEqual(set(pending), {False})
        self.assertTrue(alerted)
        # a third run finds nothing left to do
        cr3, env3 = self._worker()
        env3["nps.survey.loop"]._cron_after_answers()
        cr3.commit()
        self.assertEqual(set(self._followed_up()[0].values()), {1})


class TestBatchTakesWhatAnotherWorkerCommitted(ConcurrencyCommon):
    """A batch job's transaction began (REPEATABLE READ) before another worker changed and committed one of the
    rows it would take: PostgreSQL refuses to lock that row. The job takes nothing this time, without an error
    in the log nor a broken transaction, and its next run takes what is left."""

    def setUp(self):
        super().setUp()

        def create(env):
            customers = env["res.partner"].create(
                [{"name": f"Racing customer {index}", "email": f"racing{index}@example.com"} for index in range(2)]
            )
            campaign = env["nps.campaign"].create({"name": "Racing workers"})
            surveys = env["nps.survey"].create(
                [
                    {"partner_id": customer.id, "campaign_id": campaign.id, "scheduled_date": "2026-01-05"}
                    for customer in customers
                ]
            )
            return campaign.id, customers.ids, surveys.ids

        self.campaign_id, self.partner_ids, self.survey_ids = self._committed(create)
        self.addCleanup(self._cleanup)

    def _cleanup(self):
        def delete(env):
            env["nps.survey"].browse(self.survey_ids).unlink()
            env["nps.campaign"].browse(self.campaign_id).unlink()
            env["res.partner"].browse(self.partner_ids).unlink()

        self._committed(delete)

    def _due(self, env):
        ids = tuple(self.survey_ids)
        return env["nps.survey.send"]._lock_due(SQL("state = 'scheduled' AND id IN %s", ids), 10)

    def test_a_row_committed_by_another_worker_is_skipped_without_error(self):
        cr1, env1 = self._worker()
        cr2, _env2 = self._worker()
        taken_first, left = self.survey_ids
        # worker 1's transaction has its snapshot: both surveys are scheduled in it
        cr1.execute("SELECT count(*) FROM nps_survey WHERE id IN %s", [tuple(self.survey_ids)])
        self.assertEqual(cr1.fetchone()[0], 2)
        # worker 2 takes the first one, sends it and commits
        cr2.execute("SELECT id FROM nps_survey WHERE id = %s FOR UPDATE", [taken_first])
        cr2.execute("UPDATE nps_survey SET state = 'sent' WHERE id = %s", [taken_first])
        cr2.commit()
        with self.assertNoLogs("odoo.sql_db", level="ERROR"):
            self.assertFalse(self._due(env1), "the row worker 2 committed is not locked by worker 1")
        # the transaction goes on: the job can still report its progress
        cr1.execute("SELECT state FROM nps_survey WHERE id = %s", [left])
        self.assertEqual(cr1.fetchone()[0], "scheduled")
        cr1.commit()
        # its next run, in a new transaction, takes what is left, and only that
        self.assertEqual(self._due(env1).ids, [left])
        cr1.rollback()


class TestEmployeeAnswerPostedTwiceAtOnce(ConcurrencyCommon):
    """An employee's double tap on the eNPS page: two posts of one invitation in two workers at once. The
    second waits for the first's lock, fails to serialise, is run again as the HTTP layer runs it, and finds
    the invitation answered: one answer is stored, not two."""

    def setUp(self):
        super().setUp()

        def create(env):
            employee = new_test_user(
                env, login=f"enps_double_tap_{uuid.uuid4().hex[:8]}", groups="base.group_user", name="Double Tap"
            )
            campaign = env["nps.employee.campaign"].create(
                {"name": "Double tap eNPS", "user_ids": [Command.set(employee.ids)], "state": "running", "pulse": 1}
            )
            invitation = env["nps.employee.invitation"].create(
                {"campaign_id": campaign.id, "user_id": employee.id, "pulse": 1, "access_token": uuid.uuid4().hex}
            )
            return employee.id, campaign.id, invitation.id

        self.employee_id, self.enps_id, self.invitation_id = self._committed(create)
        self.addCleanup(self._committed, self._cleanup)

    def _cleanup(self, env):
        env["nps.employee.campaign"].browse(self.enps_id).unlink()  # its invitations and answers cascade
        user = env["res.users"].browse(self.employee_id)
        partner = user.partner_id
        user.unlink()
        partner.unlink()

    def _answer(self, env, score):
        return env["nps.employee.invitation"].browse(self.invitation_id)._enps_answer(score, False)

    def test_second_post_waits_and_finds_the_answer(self):
        cr1, env1 = self._worker()
        cr2, env2 = self._worker()
        self.assertTrue(self._answer(env1, 9), "worker 1 records the answer")
        thread, outcome = self._in_thread(lambda: self._answer(env2, 3), env2)
        self.assertTrue(self._wait_until_blocked(cr2, thread), "worker 2 waits for worker 1's lock")
        cr1.commit()
        self.assertFalse(self._join(thread, outcome), "worker 2, run again, finds the invitation answered")
        cr2.commit()

        def read(env):
            pending = env["nps.employee.answer.pending"].search([("campaign_id", "=", self.enps_id)])
            return pending.mapped("score"), env["nps.employee.invitation"].browse(self.invitation_id).answered

        self.assertEqual(self._committed(read), ([9], True), "one answer, the first one")
