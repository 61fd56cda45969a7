from odoo.tools import SQL


def lock_rows_skip_locked(model, columns, limit, condition=None):
    """Rows of ``model`` (``columns`` read, ``condition`` an ``SQL`` filter), locked until the end of the
    transaction; rows another worker holds are skipped, not waited for.

    What batch jobs take with it, several workers running them at once never take twice.
    """
    model.flush_model()
    return model.env.execute_query(
        SQL(
            "SELECT %s FROM %s WHERE %s ORDER BY id LIMIT %s FOR UPDATE SKIP LOCKED",
            SQL(", ").join(SQL.identifier(column) for column in columns),
            SQL.identifier(model._table),
            condition or SQL("TRUE"),
            limit,
        )
    )


def callback_due(table, now):
    """SQL: the callback of a survey row of ``table`` is due at ``now``: made, or past its deadline. The one
    definition of what the SLA's on-time rate counts (the NPS report, the Overview's callbacks and agents)."""
    return SQL("(%(t)s.first_contact_date IS NOT NULL OR %(t)s.callback_deadline < %(now)s)", t=table, now=now)
