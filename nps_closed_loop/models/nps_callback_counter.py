from odoo import api, fields, models
from odoo.tools import SQL

from .. import compat


@compat.sql_constraints(
    ("user_unique", "UNIQUE(user_id)", "An agent has one callback counter."),
)
class NpsCallbackCounter(models.Model):
    """One row per agent, updated by every automatic callback assignment to them.

    Odoo runs each request in a REPEATABLE READ transaction: two answers assigned at the same moment
    read the agents' loads from snapshots that cannot see each other's callback, so both would pick
    the same idle agent. Each assignment updates the row of the agent it picks: when two pick the
    same agent, the second waits for the first, then fails to serialise, and the HTTP layer (or the
    cron runner) runs it again with a fresh snapshot, where the first callback counts. Two that pick
    different agents do not touch the same row and never wait for each other.
    """

    _name = "nps.callback.counter"
    _description = "NPS callbacks assigned to an agent"
    _log_access = False

    user_id = fields.Many2one("res.users", string="Agent", required=True, readonly=True, ondelete="cascade")
    assigned_count = fields.Integer(string="Callbacks assigned", readonly=True)

    @api.model
    def _nps_count_assignment(self, user):
        """Count a callback assigned to ``user`` (the row is created on their first one)."""
        if not user:
            return
        self.env.execute_query(
            SQL(
                """
                INSERT INTO %(table)s (user_id, assigned_count) VALUES (%(user_id)s, 1)
                    ON CONFLICT (user_id) DO UPDATE SET assigned_count = %(table)s.assigned_count + 1
                """,
                table=SQL.identifier(self._table),
                user_id=user.id,
            )
        )
        self.invalidate_model(["assigned_count"])
