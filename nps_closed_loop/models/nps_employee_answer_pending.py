from odoo import api, fields, models
from odoo.tools import SQL


class NpsEmployeeAnswerPending(models.Model):
    """Employee answers waiting to be released: nobody reads them, not even eNPS managers.

    An answer is written here, not in ``nps.employee.answer``, so that its row's id and position do not follow the
    order in which employees answered. :meth:`_release` moves a campaign's waiting answers together, in random
    order, once enough of them wait (or when the pulse ends), and deletes them here.

    What this does not hide (the remaining limit): until the release, this row and the invitation flagged
    answered were written by the same transaction (PostgreSQL's ``xmin`` of both rows is the same), and the
    waiting row's id follows the order of the answers; someone reading the database between an answer and its
    release, with the rights to read system columns, can tie the two. After the release, neither the answer's id,
    its row's transaction, nor its day (the same for all answers of that day) leads back to an invitation.
    The database's own logs (statement logging, WAL archives) are out of the addon's reach.
    """

    _name = "nps.employee.answer.pending"
    _description = "Employee NPS answer awaiting release"
    _log_access = False

    campaign_id = fields.Many2one("nps.employee.campaign", required=True, ondelete="cascade", index=True)
    pulse = fields.Integer(required=True)
    score = fields.Integer(required=True)
    comment = fields.Text()
    answer_day = fields.Date(required=True)
    group_key = fields.Char()

    @api.model
    def _cron_release(self):
        """Release the answers of every campaign where enough of them wait."""
        self._release(self.env["nps.employee.campaign"].search([("state", "!=", "draft")]))

    @api.model
    def _release(self, campaigns, force=False):
        """Move the waiting answers of ``campaigns`` into ``nps.employee.answer`` in random order: all of a
        campaign's waiting answers at once, when at least its minimum group size of them wait, or ``force`` (the
        pulse ends). Return the number of answers released."""
        if not campaigns:
            return 0
        self.flush_model()
        Answer = self.env["nps.employee.answer"]
        Answer.flush_model()
        self.env.cr.execute(
            SQL(
                """
                SELECT pending.campaign_id
                  FROM nps_employee_answer_pending pending
                  JOIN nps_employee_campaign campaign ON campaign.id = pending.campaign_id
                 WHERE pending.campaign_id = ANY(%s)
                 GROUP BY pending.campaign_id, campaign.min_group_size
                HAVING %s OR COUNT(*) >= campaign.min_group_size
                """,
                campaigns.ids,
                bool(force),
            )
        )
        campaign_ids = [row[0] for row in self.env.cr.fetchall()]
        if not campaign_ids:
            return 0
        # One statement: the ids are given in the random order of the SELECT.
        self.env.cr.execute(
            SQL(
                """
                WITH moved AS (
                    DELETE FROM nps_employee_answer_pending WHERE campaign_id = ANY(%(ids)s)
                    RETURNING campaign_id, pulse, score, comment, answer_day, group_key
                )
                INSERT INTO nps_employee_answer (campaign_id, pulse, score, comment, answer_day, group_key)
                SELECT campaign_id, pulse, score, comment, answer_day, group_key FROM moved ORDER BY random()
                """,
                ids=campaign_ids,
            )
        )
        released = self.env.cr.rowcount
        self.invalidate_model()
        Answer.invalidate_model()
        return released
