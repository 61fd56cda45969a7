import functools
from datetime import date, datetime

import pytz

from odoo import api, fields, models, tools
from odoo.tools import SQL
from odoo.tools.sql import table_exists

from .. import compat
from ..models.nps_score import CATEGORY_SELECTION

# The cube's time resolution. An hour: every boundary the Overview and the analysis cut time at (the start of a
# day, week, month... at midnight in the user's time zone) falls on an hour of UTC in every whole-hour time zone;
# the analysis reads the rows themselves for the others (see ``nps.report._cube_read_group``).
BUCKET = "1 hour"
# the columns of a survey the cube reads: a change of any other one changes no figure
TRACKED_COLUMNS = (
    "company_id",
    "campaign_id",
    "answer_date",
    "scheduled_date",
    "category",
    "state",
    "nps_value",
    "score",
    "customer_revenue",
)
# what identifies a cell, and what a cell adds up
KEY_COLUMNS = ("kind", "company_id", "campaign_id", "answer_date", "scheduled_date", "category", "state")
SUM_COLUMNS = (
    "survey_count",
    "nps_value_sum",
    "score_sum",
    "promoter_count",
    "passive_count",
    "detractor_count",
    "revenue_at_risk",
)
TOTAL_TABLE = "nps_answer_cube_total"
DELTA_TABLE = "nps_answer_cube_delta"
FOLD_BATCH = 200_000
# the dates of the cube: a time filtered on must be a whole hour
CUBE_DATES = ("answer_date", "scheduled_date")
# what the answers ("answer" cells) and the planned surveys ("plan" cells) may be filtered and grouped on
ANSWER_DIMENSIONS = ("company_id", "campaign_id", "category", "answer_date")
DIMENSIONS = {"answer": ANSWER_DIMENSIONS, "plan": ("company_id", "campaign_id", "state", "scheduled_date")}


@functools.cache
def _whole_hour_zone(name):
    """Whether the time zone ``name`` is always a whole number of hours from UTC (from 1970 to 2040, in winter
    and in summer): then every day, week and month of it starts on an hour of UTC."""
    zone = pytz.timezone(name)
    return all(
        zone.utcoffset(datetime(year, month, 1)).total_seconds() % 3600 == 0
        for year in range(1970, 2041)
        for month in (1, 7)
    )


def _contributions(rows, sign):
    """SQL: the cells of the surveys ``rows`` (a table of nps_survey rows), counted ``sign`` (1 or -1) times, in
    the columns KEY_COLUMNS + SUM_COLUMNS: each answer once in its hour of answer ("answer"), each planned survey
    once in its hour of planning and its state ("plan")."""
    return SQL(
        """
        SELECT 'answer', r.company_id, r.campaign_id, date_bin(%(bucket)s, r.answer_date, TIMESTAMP '2000-01-01'),
               NULL::timestamp, r.category, NULL::varchar,
               %(sign)s * COUNT(*), %(sign)s * COALESCE(SUM(r.nps_value), 0), %(sign)s * COALESCE(SUM(r.score), 0),
               %(sign)s * COUNT(*) FILTER (WHERE r.category = 'promoter'),
               %(sign)s * COUNT(*) FILTER (WHERE r.category = 'passive'),
               %(sign)s * COUNT(*) FILTER (WHERE r.category = 'detractor'),
               %(sign)s * COALESCE(SUM(r.customer_revenue) FILTER (WHERE r.category = 'detractor'), 0)
          FROM %(rows)s r
         WHERE r.category IS NOT NULL
      GROUP BY 2, 3, 4, 6
     UNION ALL
        SELECT 'plan', r.company_id, r.campaign_id, NULL::timestamp,
               date_bin(%(bucket)s, r.scheduled_date, TIMESTAMP '2000-01-01'), NULL::varchar, r.state,
               %(sign)s * COUNT(*), 0, 0, 0, 0, 0, 0
          FROM %(rows)s r
         WHERE r.scheduled_date IS NOT NULL
      GROUP BY 2, 3, 5, 7
        """,
        rows=rows,
        sign=sign,
        bucket=BUCKET,
    )


class NpsAnswerCube(models.Model):
    """The answers and planned surveys added up per hour, company, campaign and category (answers) or state
    (planned surveys): what the Overview and the analysis's pivot read instead of the rows, so that they take
    the time of the hours shown, not of the answers (ten million answers over three years are some 130,000
    cells a year).

    Kept exact by PostgreSQL itself: statement triggers on ``nps_survey`` add what each INSERT, UPDATE and
    DELETE changes (its transition tables, grouped per cell) to a delta table, whatever wrote it (the ORM, an
    erasure, a bulk load); nothing ever waits on a shared counter. The view sums the folded totals and the
    deltas not folded yet, so it is exact at any time; a job folds the deltas into the totals
    (:meth:`_cron_fold`). Figures only: no customer, no answer, no employee; record rules by company.
    """

    _name = "nps.answer.cube"
    _description = "NPS figures per hour"
    _auto = False
    _order = "answer_date desc"
    # the ORM writes the surveys' pending changes before the cube is read: the triggers see them then
    _depends = {"nps.survey": list(TRACKED_COLUMNS)}

    kind = fields.Selection([("answer", "Answers"), ("plan", "Planned surveys")], readonly=True)
    company_id = fields.Many2one("res.company", readonly=True)
    campaign_id = fields.Many2one("nps.campaign", readonly=True)
    answer_date = fields.Datetime(string="Answered (hour)", readonly=True)
    scheduled_date = fields.Datetime(string="Planned (hour)", readonly=True)
    category = fields.Selection(CATEGORY_SELECTION, readonly=True)
    state = fields.Selection(lambda self: self.env["nps.survey"]._fields["state"].selection, readonly=True)
    survey_count = fields.Integer(string="Surveys", readonly=True)
    nps_value_sum = fields.Integer(string="NPS points", readonly=True)
    score_sum = fields.Integer(string="Scores", readonly=True)
    promoter_count = fields.Integer(string="Promoters", readonly=True)
    passive_count = fields.Integer(string="Passives", readonly=True)
    detractor_count = fields.Integer(string="Detractors", readonly=True)
    revenue_at_risk = fields.Float(string="Revenue at risk", readonly=True)

    @api.model
    def _cuts_on_hours(self):
        """Whether the periods of the user's time zone (the one grouping by date uses) start on whole hours."""
        tz = self.env.context.get("tz")
        return not tz or tz not in pytz.all_timezones_set or _whole_hour_zone(tz)

    @api.model
    def _holds_domain(self, domain, kind="answer"):
        """Whether ``domain`` filters on the dimensions of the ``kind`` cells only, directly, and on whole hours of
        the dates: then the cells it selects hold exactly the surveys it selects."""
        for path, _operator, value in compat.domain_conditions(domain):
            if path not in DIMENSIONS[kind]:
                return False
            if path in CUBE_DATES:
                for moment in value if isinstance(value, list | tuple) else [value]:
                    if moment in (False, None) or (isinstance(moment, date) and not isinstance(moment, datetime)):
                        continue
                    if isinstance(moment, str):
                        try:
                            moment = fields.Datetime.to_datetime(moment)
                        except ValueError:
                            return False
                    if not isinstance(moment, datetime) or moment.minute or moment.second or moment.microsecond:
                        return False
        return True

    def init(self):
        cr = self.env.cr
        created = not table_exists(cr, TOTAL_TABLE)
        columns = SQL(
            """
            kind varchar NOT NULL, company_id integer, campaign_id integer, answer_date timestamp,
            scheduled_date timestamp, category varchar, state varchar, survey_count bigint NOT NULL,
            nps_value_sum bigint NOT NULL, score_sum bigint NOT NULL, promoter_count bigint NOT NULL,
            passive_count bigint NOT NULL, detractor_count bigint NOT NULL, revenue_at_risk numeric NOT NULL
            """
        )
        key = SQL(", ").join(map(SQL.identifier, KEY_COLUMNS))
        cr.execute(
            SQL(
                """
                CREATE TABLE IF NOT EXISTS %(total)s (id bigserial PRIMARY KEY, %(columns)s,
                    UNIQUE NULLS NOT DISTINCT (%(key)s));
                CREATE INDEX IF NOT EXISTS %(total_answer_index)s ON %(total)s (answer_date) WHERE kind = 'answer';
                CREATE INDEX IF NOT EXISTS %(total_plan_index)s ON %(total)s (scheduled_date) WHERE kind = 'plan';
                CREATE TABLE IF NOT EXISTS %(delta)s (id bigserial PRIMARY KEY, %(columns)s);
                """,
                total=SQL.identifier(TOTAL_TABLE),
                delta=SQL.identifier(DELTA_TABLE),
                total_answer_index=SQL.identifier(f"{TOTAL_TABLE}_answer_date_index"),
                total_plan_index=SQL.identifier(f"{TOTAL_TABLE}_scheduled_date_index"),
                columns=columns,
                key=key,
            )
        )
        self._create_triggers()
        tools.drop_view_if_exists(cr, self._table)
        cells = SQL(", ").join(map(SQL.identifier, KEY_COLUMNS + SUM_COLUMNS))
        cr.execute(
            SQL(
                "CREATE OR REPLACE VIEW %(view)s AS (SELECT id, %(cells)s FROM %(total)s"
                " UNION ALL SELECT -id, %(cells)s FROM %(delta)s)",
                view=SQL.identifier(self._table),
                cells=cells,
                total=SQL.identifier(TOTAL_TABLE),
                delta=SQL.identifier(DELTA_TABLE),
            )
        )
        if created:
            self._rebuild()

    def _create_triggers(self):
        """The statement triggers that keep the cube exact: INSERT adds the new rows' cells, DELETE takes the old
        ones off, UPDATE both, for the rows whose tracked columns changed only."""
        differs = SQL(
            "(%s) IS DISTINCT FROM (%s)",
            SQL(", ").join(SQL.identifier("o", column) for column in TRACKED_COLUMNS),
            SQL(", ").join(SQL.identifier("n", column) for column in TRACKED_COLUMNS),
        )
        changed_old = SQL("(SELECT o.* FROM old_rows o JOIN new_rows n ON n.id = o.id WHERE %s)", differs)
        changed_new = SQL("(SELECT n.* FROM old_rows o JOIN new_rows n ON n.id = o.id WHERE %s)", differs)
        insert = SQL(
            "INSERT INTO %s (%s)",
            SQL.identifier(DELTA_TABLE),
            SQL(", ").join(map(SQL.identifier, KEY_COLUMNS + SUM_COLUMNS)),
        )
        function = SQL.identifier("nps_answer_cube_track")
        self.env.cr.execute(
            SQL(
                """
                CREATE OR REPLACE FUNCTION %(function)s() RETURNS trigger LANGUAGE plpgsql AS $body$
                BEGIN
                    IF TG_OP = 'INSERT' THEN
                        %(insert)s %(inserted)s;
                    ELSIF TG_OP = 'DELETE' THEN
                        %(insert)s %(deleted)s;
                    ELSE
                        %(insert)s %(old)s UNION ALL %(new)s;
                    END IF;
                    RETURN NULL;
                END
                $body$;
                DROP TRIGGER IF EXISTS nps_answer_cube_insert ON nps_survey;
                DROP TRIGGER IF EXISTS nps_answer_cube_update ON nps_survey;
                DROP TRIGGER IF EXISTS nps_answer_cube_delete ON nps_survey;
                CREATE TRIGGER nps_answer_cube_insert AFTER INSERT ON nps_survey
                    REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION %(function)s();
                CREATE TRIGGER nps_answer_cube_update AFTER UPDATE ON nps_survey
                    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
                    FOR EACH STATEMENT EXECUTE FUNCTION %(function)s();
                CREATE TRIGGER nps_answer_cube_delete AFTER DELETE ON nps_survey
                    REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION %(function)s();
                """,
                function=function,
                insert=insert,
                inserted=_contributions(SQL("new_rows"), 1),
                deleted=_contributions(SQL("old_rows"), -1),
                old=_contributions(changed_old, -1),
                new=_contributions(changed_new, 1),
            )
        )

    def _drop_storage(self):
        """Drop the triggers, their function, the tables and the view over them (the module is uninstalled)."""
        self.env.cr.execute(
            SQL(
                "DROP FUNCTION IF EXISTS nps_answer_cube_track() CASCADE; DROP TABLE IF EXISTS %s, %s CASCADE",
                SQL.identifier(TOTAL_TABLE),
                SQL.identifier(DELTA_TABLE),
            )
        )

    def _rebuild(self):
        """The cube made again from the surveys: on install, and whenever it is in doubt."""
        cr = self.env.cr
        self.env["nps.survey"].flush_model()
        cr.execute(SQL("TRUNCATE %s, %s", SQL.identifier(TOTAL_TABLE), SQL.identifier(DELTA_TABLE)))
        cr.execute(
            SQL(
                "INSERT INTO %s (%s) %s",
                SQL.identifier(TOTAL_TABLE),
                SQL(", ").join(map(SQL.identifier, KEY_COLUMNS + SUM_COLUMNS)),
                _contributions(SQL("nps_survey"), 1),
            )
        )

    @api.model
    def _cron_fold(self, batch_size=FOLD_BATCH):
        """Fold the deltas into the totals (up to ``batch_size`` deltas a run; the cells whose count falls to
        zero are removed). Returns the number of deltas folded.

        One run at a time (a transaction-level advisory lock; a second run, e.g. "Run manually" while the
        cron runs, folds nothing and returns at once): two runs would add into the same totals rows, and the
        second would wait for the first and then fail to serialise its update. Deltas written while a run
        folds are not in its snapshot; the next run takes them."""
        if not self.env.execute_query(SQL("SELECT pg_try_advisory_xact_lock(hashtext(%s))", TOTAL_TABLE))[0][0]:
            return 0
        self.env["nps.survey"].flush_model(TRACKED_COLUMNS)
        key = SQL(", ").join(map(SQL.identifier, KEY_COLUMNS))
        sums = SQL(", ").join(SQL("SUM(%s)", SQL.identifier(column)) for column in SUM_COLUMNS)
        updates = SQL(", ").join(
            SQL("%(c)s = %(total)s.%(c)s + EXCLUDED.%(c)s", c=SQL.identifier(column), total=SQL.identifier(TOTAL_TABLE))
            for column in SUM_COLUMNS
        )
        folded = self.env.execute_query(
            SQL(
                """
                WITH taken AS (
                    DELETE FROM %(delta)s WHERE id IN (
                        SELECT id FROM %(delta)s ORDER BY id LIMIT %(limit)s FOR UPDATE SKIP LOCKED)
                    RETURNING *
                )
                INSERT INTO %(total)s (%(key)s, %(columns)s)
                SELECT %(key)s, %(sums)s FROM taken GROUP BY %(key)s
                ON CONFLICT (%(key)s) DO UPDATE SET %(updates)s
                RETURNING id, survey_count, (SELECT COUNT(*) FROM taken)
                """,
                delta=SQL.identifier(DELTA_TABLE),
                total=SQL.identifier(TOTAL_TABLE),
                key=key,
                columns=SQL(", ").join(map(SQL.identifier, SUM_COLUMNS)),
                sums=sums,
                updates=updates,
                limit=batch_size,
            )
        )
        if emptied := [cell_id for cell_id, count, _taken in folded if not count]:
            self.env.cr.execute(SQL("DELETE FROM %s WHERE id = ANY(%s)", SQL.identifier(TOTAL_TABLE), emptied))
        return folded[0][2] if folded else 0
