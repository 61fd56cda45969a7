"""Speed goals of nps_closed_loop, measured on a real database (``make bench``).

1. NPS ``read_group`` over a million answers stays close to the same aggregate in raw SQL
   (Odoo's own rating.rating: 1.04x raw SQL); so does the NPS analysis pivot by month and campaign
   (``nps.report``), read as an NPS manager with its record rules, not as superuser.
2. The sending cron sends at least 3 times as many surveys per second as a naive loop of
   ``mail.template.send_mail`` doing the same job, both measured in the same run.

Run it through ``make bench``: the Makefile creates the bench database once (module installed without demo
data); this script fills it once with a million answers, then times each goal several times (best run kept).
"""

import argparse
import sys
import time

import odoo
from odoo import SUPERUSER_ID, Command, api, fields
from odoo.tools import SQL

ROWS = 1_000_000
REPEAT = 5


def best_of(function, repeat=REPEAT):
    timings = []
    for _i in range(repeat):
        start = time.perf_counter()
        result = function()
        timings.append(time.perf_counter() - start)
    return min(timings), result


def fill(env, rows):
    env.cr.execute(SQL("SELECT count(*) FROM nps_survey"))
    existing = env.cr.fetchone()[0]
    if existing >= rows:
        return existing
    partners = env["res.partner"].create([{"name": f"Bench customer {i}"} for i in range(200)])
    campaigns = env["nps.campaign"].create([{"name": f"Bench campaign {i}"} for i in range(5)])
    env.flush_all()
    env.cr.execute(
        SQL(
            """
            INSERT INTO nps_survey (partner_id, commercial_partner_id, campaign_id, company_id, state, channel,
                                    access_token, score, category, nps_value, answer_date, answer_month, loop_state,
                                    create_uid, write_uid, create_date, write_date)
            SELECT p.id, p.id, c.id, %(company)s, 'answered', 'email', md5(random()::text || i::text),
                   s.score,
                   CASE WHEN s.score <= 6 THEN 'detractor' WHEN s.score <= 8 THEN 'passive' ELSE 'promoter' END,
                   CASE WHEN s.score <= 6 THEN -100 WHEN s.score <= 8 THEN 0 ELSE 100 END,
                   d.answer_date, date_trunc('month', d.answer_date)::date, 'none',
                   1, 1, now(), now()
              FROM generate_series(1, %(rows)s) AS i
              CROSS JOIN LATERAL (SELECT mod(i::bigint * 7919, 11) AS score) AS s
              CROSS JOIN LATERAL (SELECT now() - (mod(i, 1095) || ' days')::interval AS answer_date) AS d
              JOIN LATERAL (SELECT (%(partners)s)[1 + mod(i, %(partner_count)s)] AS id) AS p ON true
              JOIN LATERAL (SELECT (%(campaigns)s)[1 + mod(i, %(campaign_count)s)] AS id) AS c ON true
            """,
            company=env.company.id,
            rows=rows - existing,
            partners=partners.ids,
            partner_count=len(partners),
            campaigns=campaigns.ids,
            campaign_count=len(campaigns),
        )
    )
    env.cr.execute(SQL("ANALYZE nps_survey"))
    env.cr.commit()  # the bench data is kept for the next run: this is a tool, not business code
    return rows


def bench_read_group(env):
    survey = env["nps.survey"]
    results = []
    # the raw SQL computes the same groups as the ORM (a month bucket is date_trunc of the stored month)
    month = SQL("date_trunc('month', answer_month::timestamp)::date")
    for groupby, column in (("campaign_id", SQL("campaign_id")), ("answer_month:month", month)):
        orm_time, orm_groups = best_of(lambda groupby=groupby: survey._read_group([], [groupby], ["nps_value:avg"]))
        sql_time, sql_groups = best_of(
            lambda column=column: env.cr.execute(SQL("SELECT %s, avg(nps_value) FROM nps_survey GROUP BY 1", column))
            or env.cr.fetchall()
        )
        assert len(orm_groups) == len(sql_groups), (groupby, len(orm_groups), len(sql_groups))
        results.append((f"NPS read_group by {groupby}", orm_time, sql_time))
    return results


def _bench_nps_manager(env):
    """An NPS manager, not the superuser: the analysis is timed with its access rights and record rules."""
    users = env["res.users"].with_context(active_test=False)
    return users.search([("login", "=", "nps_bench_manager")]) or users.create(
        {
            "name": "NPS bench manager",
            "login": "nps_bench_manager",
            "groups_id": [Command.set([env.ref("nps_closed_loop.group_nps_manager").id])],
        }
    )


def bench_report_pivot(env):
    """The NPS analysis pivot (nps.report) by month and campaign, as an NPS manager, against the same aggregate
    in raw SQL on the survey table (the report's rows are the answered surveys)."""
    report = env(user=_bench_nps_manager(env))["nps.report"]
    groupby = ["answer_date:month", "campaign_id"]
    orm_time, orm_groups = best_of(lambda: report._read_group([], groupby, ["nps_value:avg"]))
    query = SQL(
        "SELECT date_trunc('month', answer_date), campaign_id, avg(nps_value) FROM nps_survey"
        " WHERE category IS NOT NULL GROUP BY 1, 2"
    )
    sql_time, sql_groups = best_of(lambda: env.cr.execute(query) or env.cr.fetchall())
    assert len(orm_groups) == len(sql_groups), (len(orm_groups), len(sql_groups))
    return [("NPS analysis pivot by month x campaign (nps.report, NPS manager)", orm_time, sql_time)]


SEND_SURVEYS = 2000
NAIVE_SURVEYS = 300
SEND_GOAL_RATIO = 3.0


def _due_surveys(env, campaign, count, prefix):
    partners = env["res.partner"].create(
        [{"name": f"{prefix} {i}", "email": f"{prefix.lower()}.{i}@example.com"} for i in range(count)]
    )
    surveys = env["nps.survey"].create(
        [{"partner_id": partner.id, "campaign_id": campaign.id, "scheduled_date": "2000-01-01"} for partner in partners]
    )
    env.flush_all()
    return surveys


def bench_sending(env):
    """Surveys sent per second by one cron batch, and by a naive loop of ``mail.template.send_mail`` doing
    the same job (mail queued, survey marked sent), measured in the same run; everything is rolled back."""
    env.cr.execute(SQL("SAVEPOINT bench_sending"))
    try:
        campaign = env["nps.campaign"].create({"name": "Send bench", "quiet_period_days": 0})
        surveys = _due_surveys(env, campaign, SEND_SURVEYS, "Send bench")
        start = time.perf_counter()
        env["nps.survey.send"]._cron_send_surveys(batch_size=SEND_SURVEYS)
        env.flush_all()
        cron_rate = SEND_SURVEYS / (time.perf_counter() - start)
        sent = env["nps.survey"].search_count([("id", "in", surveys.ids), ("state", "=", "sent")])
        mails = env["mail.mail"].search_count([("model", "=", "nps.survey"), ("res_id", "in", surveys.ids)])
        assert sent == mails == SEND_SURVEYS, (sent, mails)

        naive = _due_surveys(env, campaign, NAIVE_SURVEYS, "Naive bench")
        template = env.ref("nps_closed_loop.nps_mail_template_survey")
        start = time.perf_counter()
        for survey in naive:
            template.send_mail(survey.id)
            survey.write({"state": "sent", "sent_date": fields.Datetime.now()})
        env.flush_all()
        naive_rate = NAIVE_SURVEYS / (time.perf_counter() - start)
        return cron_rate, naive_rate
    finally:
        env.cr.execute(SQL("ROLLBACK TO SAVEPOINT bench_sending"))
        env.invalidate_all()


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--odoo-config", required=True)
    parser.add_argument("--database", required=True)
    parser.add_argument("--rows", type=int, default=ROWS)
    args = parser.parse_args()
    odoo.tools.config.parse_config(["-c", args.odoo_config, "-d", args.database, "--log-level=warn"])
    registry = odoo.modules.registry.Registry(args.database)
    with registry.cursor() as cr:
        env = api.Environment(cr, SUPERUSER_ID, {})
        count = fill(env, args.rows)
        print(f"nps_survey rows: {count}")
        failed = False
        for name, orm_time, sql_time in bench_read_group(env) + bench_report_pivot(env):
            ratio = orm_time / sql_time
            verdict = "ok" if ratio <= 1.25 else "SLOW"
            failed |= verdict != "ok"
            print(
                f"{name}: ORM {orm_time:.3f} s, raw SQL {sql_time:.3f} s, ratio {ratio:.2f} ({verdict}, goal <= 1.25)"
            )
        cron_rate, naive_rate = bench_sending(env)
        ratio = cron_rate / naive_rate
        verdict = "ok" if ratio >= SEND_GOAL_RATIO else "SLOW"
        failed |= verdict != "ok"
        print(
            f"Sending: cron {cron_rate:.0f} surveys/s ({SEND_SURVEYS} in one batch), naive send_mail loop "
            f"{naive_rate:.0f} surveys/s ({NAIVE_SURVEYS}), ratio {ratio:.1f} ({verdict}, goal >= {SEND_GOAL_RATIO})"
        )
        cr.rollback()
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
