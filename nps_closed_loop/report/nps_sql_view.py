from odoo import models, tools
from odoo.tools import SQL


class NpsSqlView(models.AbstractModel):
    """What the analysis views share: a query in overridable parts (``_select``, ``_from``, ``_where``,
    ``_group_by``) that ``init`` turns into the view, as Odoo's own reports do."""

    _name = "nps.sql.view"
    _description = "NPS analysis view"

    def _where(self):
        return SQL("TRUE")

    def _group_by(self):
        """Empty: one row per survey. An extension that aggregates rows returns its GROUP BY terms here."""
        return SQL()

    def _query(self):
        group_by = self._group_by()
        return SQL(
            "SELECT %s FROM %s WHERE %s%s",
            self._select(),
            self._from(),
            self._where(),
            SQL(" GROUP BY %s", group_by) if group_by else SQL(),
        )

    def init(self):
        if self._abstract:
            return
        tools.drop_view_if_exists(self.env.cr, self._table)
        self.env.cr.execute(SQL("CREATE OR REPLACE VIEW %s AS (%s)", SQL.identifier(self._table), self._query()))
