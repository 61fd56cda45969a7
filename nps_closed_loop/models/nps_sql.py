from psycopg2 import errors

from odoo.tools import SQL


def lock_rows_skip_locked(model, columns, limit, condition=None):
    """Rows of ``model`` (``columns`` read, ``condition`` an ``SQL`` filter), locked until the end of the
    transaction; rows another worker holds are skipped, not waited for.

    What batch jobs take with it, several workers running them at once never take twice. A row that another
    worker changed and committed after this transaction began (Odoo's transactions are REPEATABLE READ) cannot
    be locked: PostgreSQL refuses it with a serialisation failure. That row is the other worker's: this batch
    takes nothing (the job reports no work, the runner's next call starts a fresh transaction), instead of the
    error failing the whole job.
    """
    model.flush_model()
    cr = model.env.cr
    try:
        with cr.savepoint(flush=False):
            cr.execute(
                SQL(
                    "SELECT %s FROM %s WHERE %s ORDER BY id LIMIT %s FOR UPDATE SKIP LOCKED",
                    SQL(", ").join(SQL.identifier(column) for column in columns),
                    SQL.identifier(model._table),
                    condition or SQL("TRUE"),
                    limit,
                ),
                log_exceptions=False,
            )
            return cr.fetchall()
    except errors.SerializationFailure:
        return []


def callback_due(table, now):
    """SQL: the callback of a survey row of ``table`` is due at ``now``: made, or past its deadline. The one
    definition of what the SLA's on-time rate counts (the NPS report, the Overview's callbacks and agents)."""
    return SQL("(%(t)s.first_contact_date IS NOT NULL OR %(t)s.callback_deadline < %(now)s)", t=table, now=now)
