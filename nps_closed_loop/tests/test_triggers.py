from datetime import datetime, timedelta

from odoo import SUPERUSER_ID, api
from odoo.tests import tagged
from odoo.tests.common import TransactionCase

from . import common


@tagged("post_install", "-at_install")
class TestConcurrentSending(common.CommittedWorkers, TransactionCase):
    """Two cron workers at once, on real committed data (each worker has its own cursor and transaction)."""

    SURVEYS = 40

    def setUp(self):
        super().setUp()
        with self.registry.cursor() as cr:
            env = api.Environment(cr, SUPERUSER_ID, {"tracking_disable": True})
            campaign = env["nps.campaign"].create(
                {"name": "Concurrency test", "quiet_period_days": 0, "reminder_days": 0, "expiry_days": 0}
            )
            partners = env["res.partner"].create(
                [
                    {"name": f"Concurrent {index}", "email": f"concurrent{index}@example.com"}
                    for index in range(self.SURVEYS)
                ]
            )
            surveys = env["nps.survey"].create(
                [
                    {
                        "partner_id": partner.id,
                        "campaign_id": campaign.id,
                        "scheduled_date": datetime.now() - timedelta(hours=1),
                    }
                    for partner in partners
                ]
            )
            self.campaign_id, self.partner_ids, self.survey_ids = campaign.id, partners.ids, surveys.ids
        self.addCleanup(self._cleanup)

    def _cleanup(self):
        with self.registry.cursor() as cr:
            env = api.Environment(cr, SUPERUSER_ID, {"tracking_disable": True})
            env["mail.mail"].search([("model", "=", "nps.survey"), ("res_id", "in", self.survey_ids)]).unlink()
            env["mail.message"].search([("model", "=", "nps.survey"), ("res_id", "in", self.survey_ids)]).unlink()
            env["nps.survey"].browse(self.survey_ids).unlink()
            env["nps.campaign"].browse(self.campaign_id).unlink()
            env["res.partner"].browse(self.partner_ids).unlink()

    def _mails_per_survey(self):
        with self.registry.cursor() as cr:
            env = api.Environment(cr, SUPERUSER_ID, {})
            groups = env["mail.mail"]._read_group(
                [("model", "=", "nps.survey"), ("res_id", "in", self.survey_ids)], ["res_id"], ["__count"]
            )
            states = env["nps.survey"].browse(self.survey_ids).mapped("state")
        return dict(groups), states

    def test_two_workers_share_the_batch_and_never_send_twice(self):
        cr1, env1 = self._worker()
        cr2, env2 = self._worker()
        # worker 1 takes a batch and is still working on it (not committed) when worker 2 starts
        env1["nps.survey.send"]._cron_send_surveys(batch_size=25)
        env2["nps.survey.send"]._cron_send_surveys(batch_size=self.SURVEYS)
        cr1.commit()
        cr2.commit()
        mails, states = self._mails_per_survey()
        self.assertEqual(set(states), {"sent"})
        self.assertEqual(sorted(mails), sorted(self.survey_ids), "Every survey has a mail")
        self.assertEqual(set(mails.values()), {1}, "No survey was sent twice")
        # a third run finds nothing left to send
        cr3, env3 = self._worker()
        env3["nps.survey.send"]._cron_send_surveys()
        cr3.commit()
        self.assertEqual(set(self._mails_per_survey()[0].values()), {1})

    def test_worker_with_an_older_snapshot_sends_nothing_again(self):
        cr1, env1 = self._worker()
        cr2, env2 = self._worker()
        cr2.execute("SELECT 1")  # worker 2's transaction (and snapshot) starts before worker 1 commits
        env1["nps.survey.send"]._cron_send_surveys(batch_size=self.SURVEYS)
        cr1.commit()
        # worker 2 still sees the surveys as scheduled, but may not lock rows changed since its snapshot:
        # PostgreSQL refuses the lock, and the batch takes nothing instead of failing the job
        env2["nps.survey.send"]._cron_send_surveys(batch_size=self.SURVEYS)
        cr2.commit()
        mails, states = self._mails_per_survey()
        self.assertEqual(set(states), {"sent"})
        self.assertEqual(len(mails), self.SURVEYS)
        self.assertEqual(set(mails.values()), {1}, "No survey was sent twice")


@tagged("post_install", "-at_install")
class TestConcurrentPlanning(common.CommittedWorkers, TransactionCase):
    """Surveys requested by triggers, planned by two cron workers at once on real committed requests."""

    REQUESTS = 30

    def setUp(self):
        super().setUp()
        with self.registry.cursor() as cr:
            env = api.Environment(cr, SUPERUSER_ID, {"tracking_disable": True})
            campaign = env["nps.campaign"].create({"name": "Concurrent planning test", "quiet_period_days": 0})
            partners = env["res.partner"].create(
                [
                    {"name": f"Requested {index}", "email": f"requested{index}@example.com"}
                    for index in range(self.REQUESTS)
                ]
            )
            # each customer is its own document (its commercial partner is itself)
            env["nps.survey.request"]._request_surveys(campaign, partners, "commercial_partner_id")
            self.campaign_id, self.partner_ids = campaign.id, partners.ids
        self.addCleanup(self._cleanup)

    def _cleanup(self):
        self._remove_committed(self.campaign_id, self.partner_ids, "nps.survey.request")

    def _planned(self):
        with self.registry.cursor() as cr:
            env = api.Environment(cr, SUPERUSER_ID, {})
            surveys = env["nps.survey"].search([("campaign_id", "=", self.campaign_id)])
            left = env["nps.survey.request"].search_count([("campaign_id", "=", self.campaign_id)])
            return sorted(surveys.mapped("res_id")), left

    def test_two_workers_share_the_requests_and_plan_each_once(self):
        cr1, env1 = self._worker()
        cr2, env2 = self._worker()
        # worker 1 takes a batch and is still working on it (not committed) when worker 2 starts
        self.assertEqual(env1["nps.survey.request"]._plan_requested_surveys(batch_size=12)[0], 12)
        self.assertEqual(env2["nps.survey.request"]._plan_requested_surveys(batch_size=self.REQUESTS)[0], 18)
        cr1.commit()
        cr2.commit()
        self.assertEqual(self._planned(), (sorted(self.partner_ids), 0), "one survey per request, all consumed")
        # a third run finds nothing left
        cr3, env3 = self._worker()
        self.assertEqual(env3["nps.survey.request"]._plan_requested_surveys(batch_size=self.REQUESTS), (0, 0))
        cr3.commit()
        self.assertEqual(self._planned()[0], sorted(self.partner_ids))

    def test_worker_with_an_older_snapshot_plans_nothing_again(self):
        cr1, env1 = self._worker()
        cr2, env2 = self._worker()
        cr2.execute("SELECT 1")  # worker 2's snapshot is taken before worker 1 commits
        env1["nps.survey.request"]._plan_requested_surveys(batch_size=self.REQUESTS)
        cr1.commit()
        self.assertEqual(env2["nps.survey.request"]._plan_requested_surveys(batch_size=self.REQUESTS)[0], 0)
        cr2.commit()
        self.assertEqual(self._planned(), (sorted(self.partner_ids), 0))
