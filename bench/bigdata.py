"""Millions of cases straight into PostgreSQL, for the dashboard benchmark (bench/dashboards.py).

    .venv/bin/python bench/bigdata.py --cases 1000000 \
        [--database-url postgres://postgres@127.0.0.1:5432/huying_bench] \
        [--end 2026-12-02T12:00+08:00] [--years 3] [--chunk 500000] [--seed 0.42] [--tally]

Steps, each timed: fresh database (dropped if it exists; only 127.0.0.1) → ``huying migrate``
→ the demo district 锦城区 (``build_district``: 8 streets, 40 communities, 274 grids,
26 departments and their field units, catalogue v1 of 36 items, the demo accounts with
password ``demo12345``) → the secondary indexes and unique constraints of the case,
assignment and rating tables dropped → cases, assignments and ratings generated chunk by
chunk by ``INSERT … SELECT … FROM generate_series`` (random() per row, seeded) through an
unlogged staging table → indexes and constraints rebuilt → ``VACUUM ANALYZE`` → a summary
of what was made → with ``--tally``, ``huying tally --rebuild`` and the rollups' sizes.

What the rows look like (the ``end`` is "now" for the clocks):

- ``reported_at`` spread evenly over the ``years`` before ``end`` in id order (ids follow time
  as they do in production); ``number`` ``JJ-<local day>-<8-digit id>`` (unique; production
  numbers have a 5-digit daily counter).
- grid uniform over the 274 grids, street / community / ``territory_path`` / district from it,
  lat/lng inside the grid's bounding box; item skewed (a few items make most cases),
  level = the item's default level 80 % of the time; sources weighted like the demo year.
- fates: ≈ 2 % open now (35 % of the last 60 days' cases and 0.2 % backlog of any age),
  2 % rejected, 1 % merged (into an earlier case), the rest closed (已结案) or, after 15
  days, mostly archived (已备案). Closed cases: ``closed_at`` hours to days after
  ``reported_at``; satisfaction on 92 % (satisfied / basic / dissatisfied 78 / 10 / 4);
  ``first_overdue_at`` on 5 %, between reporting and closing.
- open cases: submitted / triaged / suspended (clock paused) / self-handling or in progress /
  verifying / follow-up; their running clock started a fraction 0–1.15 of its limit ago,
  so ≈ 13 % of running clocks are overdue (``first_overdue_at`` and the swept marks set) and
  ≈ 17 % due soon (``warn_at`` = 80 % of the limit passed).
- routes: 85 % self-handled (tier grid / community / street), 13 % called (对口呼叫),
  1.5 % hub, 0.5 % leader; every routed case past triage has a lead ``Assignment`` to the
  item's lead department (a 城管 case to its street's 综合执法中队 half the time), with
  consistent dispatched / report-in / result / due timestamps; 3 % of them a returned,
  upheld assignment to another department first (退回成立).
- ``Rating`` on half of the routed closed cases: five criteria ≤ 20, ``total`` their sum,
  ``effective_total`` = ``total`` (no appeals), ``verified_at`` between result and closing,
  a reason when below 60 or full marks, rated by the street's caller account.

Not generated: trail events (``CaseEvent``), notifications, attachments, rating revisions.
The dashboards never read the trail: the rollups are rebuilt from the case and assignment
columns (``tally_rebuild``) and the live counts read the clock columns; the trail is only
read by the incremental ``tally_refresh`` to find which days changed, and with no events its
mark stays at 0 — the next real event is read as usual. (``huying verify_trail`` would report
the generated cases as having no trail.)
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import time
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from run import HUYING, ROOT, Db, app_env, log  # noqa: E402

DEFAULT_DB = "postgres://postgres@127.0.0.1:5432/huying_bench"
TZ = ZoneInfo("Asia/Shanghai")
TABLES = ("cases_case", "cases_assignment", "evaluation_rating")


class Steps:
    """Wall-clock time of each named step, printed as it ends and summed at the end."""

    def __init__(self) -> None:
        self.times: list[tuple[str, float]] = []

    def run(self, name: str, fn, *args, **kwargs):  # type: ignore[no-untyped-def]
        log(f"{name} …")
        started = time.perf_counter()
        result = fn(*args, **kwargs)
        seconds = time.perf_counter() - started
        self.times.append((name, seconds))
        log(f"{name}: {seconds:.1f} s")
        return result

    def table(self) -> str:
        lines = ["| Step | Seconds |", "|---|---:|"]
        lines += [f"| {name} | {s:.1f} |" for name, s in self.times]
        lines.append(f"| **total** | **{sum(s for _, s in self.times):.1f}** |")
        return "\n".join(lines)


# --- district --------------------------------------------------------------------------------


def build_district(db: Db) -> None:
    """The demo district without its simulated year, in a subprocess (its own Django)."""
    code = (
        "import django; django.setup();"
        "from django.db import transaction;"
        "from huying.demo.district import build_district;"
        "from huying.demo.management.commands.demo import DEFAULT_PASSWORD;"
        "transaction.atomic()(build_district)(size='full', password=DEFAULT_PASSWORD)"
    )
    subprocess.run(
        [sys.executable, "-c", code],
        check=True,
        cwd=ROOT,
        env=app_env(db, DJANGO_SETTINGS_MODULE="huying.settings"),
    )


# --- lookup tables ---------------------------------------------------------------------------

LOOKUPS = """
CREATE TEMP TABLE b_grid AS
SELECT (row_number() OVER (ORDER BY g.id) - 1)::int AS n, g.id AS grid_id,
       c.id AS community_id, s.id AS street_id, s.parent_id AS district_id, g.path,
       g.min_lat, g.min_lng, g.max_lat, g.max_lng, s.name || c.name || g.name AS place
FROM org_orgunit g
JOIN org_orgunit c ON c.id = g.parent_id
JOIN org_orgunit s ON s.id = c.parent_id
WHERE g.kind = 'grid' AND g.min_lat IS NOT NULL;

CREATE TEMP TABLE b_item AS
SELECT (row_number() OVER (ORDER BY i.id) - 1)::int AS n, i.id AS item_id, i.name,
       i.default_level, d.id AS dept_id, d.path AS dept_path, d.code LIKE '%-cg' AS is_cg
FROM catalogue_catalogueitem i
JOIN catalogue_catalogueclass k ON k.id = i.klass_id
JOIN catalogue_catalogue cat ON cat.id = k.catalogue_id AND cat.is_current
JOIN org_orgunit d ON d.id = i.lead_department_id;

-- 城管 field units (综合执法X中队) are numbered in street order.
CREATE TEMP TABLE b_fu AS
SELECT s.id AS street_id, f.id AS fu_id, f.path AS fu_path
FROM (SELECT id, row_number() OVER (ORDER BY code) AS k FROM org_orgunit
      WHERE kind = 'street') s
JOIN (SELECT f.id, f.path, row_number() OVER (ORDER BY f.code) AS k
      FROM org_orgunit f JOIN org_orgunit d ON d.id = f.parent_id
      WHERE f.kind = 'field_unit' AND d.code LIKE '%-cg') f ON f.k = s.k;

CREATE TEMP TABLE b_dept AS
SELECT (row_number() OVER (ORDER BY id) - 1)::int AS n, id AS dept_id, path AS dept_path
FROM org_orgunit WHERE kind = 'department';

-- The street's caller account (sc_<street code>) rates for the street.
CREATE TEMP TABLE b_caller AS
SELECT s.id AS street_id, u.id AS user_id
FROM org_orgunit s JOIN auth_user u ON u.username = 'sc_' || s.code
WHERE s.kind = 'street';
"""

# One chunk of generated rows, every derived value computed once (the staging table is read
# by the three inserts below). ``u_*`` are independent uniform draws per row.
STAGE = """
INSERT INTO b_stage
SELECT r.g, a.rep, gr.grid_id, gr.community_id, gr.street_id, gr.district_id, gr.path,
       gr.min_lat + (gr.max_lat - gr.min_lat) * (0.05 + 0.9 * r.u_lat) AS lat,
       gr.min_lng + (gr.max_lng - gr.min_lng) * (0.05 + 0.9 * r.u_lng) AS lng,
       gr.place, it.item_id, it.name AS item_name,
       CASE WHEN d.state = 'submitted' THEN NULL ELSE b.level END AS level,
       b.source, c.fate, d.state, d.route, d.tier, d.suspended_from, c.dur, c.stage_start,
       c.rin, e.asg_start, e.closed_at, e.due_at, e.warn_at, e.paused,
       e.first_overdue_at, e.satisfaction,
       CASE WHEN it.is_cg AND r.u_fu < 0.5 THEN fu.fu_id ELSE it.dept_id END AS dept_id,
       CASE WHEN it.is_cg AND r.u_fu < 0.5 THEN fu.fu_path ELSE it.dept_path END AS dept_path,
       r.u_asg, r.u_rate, r.u_x
FROM (
    SELECT g, random() AS u_t, random() AS u_grid, random() AS u_item, random() AS u_lvl,
           random() AS u_src, random() AS u_st, random() AS u_inv, random() AS u_route,
           random() AS u_os, random() AS u_clk, random() AS u_dur, random() AS u_ov,
           random() AS u_sat, random() AS u_arch, random() AS u_asg, random() AS u_rate,
           random() AS u_x, random() AS u_fu, random() AS u_lat, random() AS u_lng
    FROM generate_series(%(lo)s::bigint, %(hi)s::bigint) AS g
) r
JOIN b_grid gr ON gr.n = floor(r.u_grid * %(grids)s)::int
JOIN b_item it ON it.n = floor(%(items)s * power(r.u_item, 1.7))::int
JOIN b_fu fu ON fu.street_id = gr.street_id
CROSS JOIN LATERAL (
    SELECT %(t0)s::timestamptz + ((r.g - 1) + r.u_t) * %(step)s * interval '1 second' AS rep
) a
CROSS JOIN LATERAL (
    SELECT %(t_end)s::timestamptz - a.rep AS age,
           CASE WHEN r.u_lvl < 0.8 THEN it.default_level
                ELSE 1 + floor((r.u_lvl - 0.8) * 20)::int END AS level,
           CASE WHEN r.u_src < 0.40 THEN 'grid_patrol' WHEN r.u_src < 0.60 THEN 'hotline_12345'
                WHEN r.u_src < 0.75 THEN 'resident' WHEN r.u_src < 0.83 THEN 'street_chief'
                WHEN r.u_src < 0.90 THEN 'informant' WHEN r.u_src < 0.93 THEN 'leader'
                WHEN r.u_src < 0.95 THEN 'media' WHEN r.u_src < 0.98 THEN 'inspection'
                ELSE 'api' END AS source
) b
CROSS JOIN LATERAL (
    SELECT CASE WHEN (b.age < interval '60 days' AND r.u_st < 0.35) OR r.u_st < 0.002
                     THEN 'open'
                WHEN r.u_inv < 0.02 OR (r.u_inv < 0.03 AND r.g <= 50) THEN 'rejected'
                WHEN r.u_inv < 0.03 THEN 'merged'
                ELSE 'done' END AS fate,
           CASE WHEN r.u_route < 0.85 THEN 'self' WHEN r.u_route < 0.98 THEN 'call'
                WHEN r.u_route < 0.995 THEN 'hub' ELSE 'leader' END AS route0,
           -- the stage's limit: 3 / 5 / 10 / 3 working days by level, ≈ × 1.4 in calendar time
           interval '1 day' * 1.4 * (CASE b.level WHEN 1 THEN 3 WHEN 2 THEN 5 WHEN 3 THEN 10
                                      ELSE 3 END) AS dur
) c0
CROSS JOIN LATERAL (
    SELECT c0.fate, c0.route0, c0.dur,
           greatest(a.rep + interval '10 minutes',
                    %(t_end)s::timestamptz - c0.dur * 1.15 * r.u_clk) AS stage_start,
           CASE WHEN b.level = 4 THEN interval '30 minutes' ELSE interval '1 day' END AS rin
) c
CROSS JOIN LATERAL (
    SELECT CASE c.fate
             WHEN 'open' THEN CASE WHEN r.u_os < 0.08 THEN 'submitted'
                                   WHEN r.u_os < 0.12 THEN 'triaged'
                                   WHEN r.u_os < 0.14 THEN 'suspended'
                                   WHEN r.u_os < 0.80 THEN CASE WHEN c.route0 = 'self'
                                        THEN 'self_handling' ELSE 'in_progress' END
                                   WHEN r.u_os < 0.92 THEN 'verifying'
                                   ELSE 'follow_up' END
             WHEN 'done' THEN CASE WHEN r.u_arch < 0.85 AND b.age > interval '20 days'
                                   THEN 'archived' ELSE 'closed' END
             ELSE c.fate END AS state,
           CASE WHEN c.fate IN ('rejected', 'merged') OR (c.fate = 'open' AND r.u_os < 0.12)
                THEN '' ELSE c.route0 END AS route,
           CASE WHEN c.fate IN ('rejected', 'merged') OR (c.fate = 'open' AND r.u_os < 0.12)
                     OR c.route0 <> 'self' THEN ''
                WHEN r.u_x < 0.6 THEN 'grid' WHEN r.u_x < 0.9 THEN 'community'
                ELSE 'street' END AS tier,
           CASE WHEN c.fate = 'open' AND r.u_os >= 0.12 AND r.u_os < 0.14
                THEN CASE WHEN c.route0 = 'self' THEN 'self_handling' ELSE 'in_progress' END
                ELSE '' END AS suspended_from
) d
CROSS JOIN LATERAL (
    SELECT CASE WHEN c.fate = 'done'
                THEN least(a.rep + interval '1 hour' * (1 + 160 * r.u_dur * r.u_dur)
                                   * CASE WHEN c.route0 = 'self' THEN 1 ELSE 2.5 END,
                           a.rep + (%(t_end)s::timestamptz - a.rep) * 0.98)
                WHEN c.fate IN ('rejected', 'merged')
                THEN least(a.rep + interval '1 hour' * (0.2 + 8 * r.u_dur),
                           a.rep + (%(t_end)s::timestamptz - a.rep) * 0.98)
           END AS closed_at,
           -- the case's own running clock: triage, self-handling, verification; a suspended
           -- case keeps its deadline with the clock paused
           d.state IN ('submitted', 'triaged', 'self_handling', 'verifying', 'suspended')
               AS case_clock,
           d.state = 'suspended' AS paused,
           -- a department not yet reported in: its report-in clock is the one running
           CASE WHEN d.state = 'in_progress' AND r.u_asg < 0.12
                THEN greatest(a.rep + interval '5 minutes',
                              %(t_end)s::timestamptz - c.rin * 1.15 * r.u_clk) END AS asg_start
) e0
CROSS JOIN LATERAL (
    SELECT e0.closed_at, e0.paused, e0.asg_start,
           coalesce(e0.asg_start + c.rin, c.stage_start + c.dur) AS run_due,
           CASE WHEN e0.case_clock THEN c.stage_start + c.dur END AS due_at,
           CASE WHEN e0.case_clock THEN c.stage_start + c.dur * 0.8 END AS warn_at,
           CASE WHEN c.fate = 'done' AND r.u_ov < 0.05
                THEN a.rep + (e0.closed_at - a.rep) * (0.4 + 0.5 * r.u_x)
                WHEN c.fate = 'open' AND d.state NOT IN ('follow_up', 'suspended')
                     AND coalesce(e0.asg_start + c.rin, c.stage_start + c.dur)
                         < %(t_end)s::timestamptz
                THEN coalesce(e0.asg_start + c.rin, c.stage_start + c.dur)
                     + interval '5 minutes'
           END AS first_overdue_at,
           CASE WHEN c.fate <> 'done' THEN ''
                WHEN r.u_sat < 0.78 THEN 'satisfied' WHEN r.u_sat < 0.88 THEN 'basic'
                WHEN r.u_sat < 0.92 THEN 'dissatisfied' ELSE '' END AS satisfaction
) e
"""

STAGE_COLUMNS = """
    g bigint, rep timestamptz, grid_id bigint, community_id bigint, street_id bigint,
    district_id bigint, path text, lat float8, lng float8, place text, item_id bigint,
    item_name text, level int, source text, fate text, state text, route text, tier text,
    suspended_from text, dur interval, stage_start timestamptz, rin interval,
    asg_start timestamptz, closed_at timestamptz,
    due_at timestamptz, warn_at timestamptz, paused boolean, first_overdue_at timestamptz,
    satisfaction text, dept_id bigint, dept_path text, u_asg float8, u_rate float8, u_x float8
"""

CASES = """
INSERT INTO cases_case (
    id, number, track_code, source, title, description, reporter_name, reporter_phone, lat, lng, address,
    district_id, street_id, community_id, grid_id, territory_path, item_id, level, state,
    route, tier, suspended_from, urge_count, supervised, rework_count, reopen_count,
    satisfaction, version, trail_head, submission_key, reported_at, updated_at, closed_at,
    first_overdue_at, due_at, warn_at, clock_unit, paused_remaining, overdue, swept_due_at,
    warned_due_at, master_id)
SELECT s.g,
       'JJ-' || to_char(s.rep, 'YYYYMMDD') || '-' || lpad(s.g::text, 8, '0'),
       translate(upper(substr(md5(random()::text), 1, 6)), '01', 'XY'),
       s.source, s.item_name, '（压测数据）' || s.item_name || '，' || s.place, '', '',
       s.lat, s.lng, s.place || '附近', s.district_id, s.street_id, s.community_id, s.grid_id,
       s.path, s.item_id, s.level, s.state, s.route, s.tier, s.suspended_from,
       0, false, 0, 0, s.satisfaction,
       CASE s.fate WHEN 'done' THEN 8 WHEN 'open' THEN 3 ELSE 2 END, '', '', s.rep,
       coalesce(s.closed_at, least(%(t_end)s::timestamptz, s.stage_start)),
       s.closed_at, s.first_overdue_at, s.due_at, s.warn_at,
       CASE WHEN s.due_at IS NULL THEN '' ELSE 'working_days' END,
       CASE WHEN s.paused THEN 600 END,
       s.first_overdue_at IS NOT NULL,
       CASE WHEN NOT s.paused AND s.due_at < %(t_end)s::timestamptz THEN s.due_at END,
       CASE WHEN NOT s.paused AND s.warn_at <= %(t_end)s::timestamptz THEN s.due_at END,
       CASE WHEN s.state = 'merged' THEN s.g - 1 - floor(s.u_x * 40)::bigint END
FROM b_stage s
"""

# Routed cases past triage: a lead assignment (and, 3 %, an earlier misrouted one, returned).
ROUTED = "s.route IN ('call', 'hub', 'leader')"
ASSIGNMENTS = f"""
INSERT INTO cases_assignment (
    case_id, department_id, department_path, role, route, caller_id, state, version,
    dispatched_at, report_in_due_at, reported_in_at, handle_due_at, result_at, result_text,
    return_reason, return_upheld, return_from, extension_requested_until, extension_reason,
    extension_count, urge_count, supervised, rework_count, round,
    due_at, warn_at, clock_unit, paused_remaining, overdue, swept_due_at, warned_due_at)
SELECT s.g, m.dept_id, m.dept_path, 'lead', s.route,
       CASE s.route WHEN 'call' THEN s.street_id WHEN 'hub' THEN %(hub)s ELSE s.district_id END,
       'returned', 3, s.rep + interval '20 minutes', s.rep + interval '1 day 20 minutes',
       NULL::timestamptz, NULL::timestamptz, NULL::timestamptz, '',
       '不属于本部门职责（压测数据）', true, 'awaiting_report_in', NULL::timestamptz, '',
       0, 0, false, 0, 0, NULL::timestamptz, NULL::timestamptz, '', NULL::int, false,
       NULL::timestamptz, NULL::timestamptz
FROM b_stage s JOIN b_dept m ON m.n = (floor(s.u_x * 1000)::int %% %(depts)s)
WHERE {ROUTED} AND s.u_asg > 0.97 AND m.dept_id <> s.dept_id
UNION ALL
SELECT s.g, s.dept_id, s.dept_path, 'lead', s.route,
       CASE s.route WHEN 'call' THEN s.street_id WHEN 'hub' THEN %(hub)s ELSE s.district_id END,
       t.state, 5, t.dispatched_at, t.report_in_due_at, t.reported_in_at, t.handle_due_at,
       t.result_at, CASE WHEN t.result_at IS NULL THEN '' ELSE '已处置完毕（压测数据）' END,
       '', NULL, '', NULL, '', 0, 0, false, 0, 0,
       t.due_at, t.warn_at, CASE WHEN t.due_at IS NULL THEN '' ELSE 'working_days' END,
       CASE WHEN s.paused THEN 600 END,
       s.first_overdue_at IS NOT NULL,
       CASE WHEN NOT s.paused AND t.due_at < %(t_end)s::timestamptz THEN t.due_at END,
       CASE WHEN NOT s.paused AND t.warn_at <= %(t_end)s::timestamptz THEN t.due_at END
FROM b_stage s
CROSS JOIN LATERAL (
    SELECT coalesce(s.closed_at, %(t_end)s::timestamptz) AS end_ref, s.rin
) x
CROSS JOIN LATERAL (
    SELECT CASE WHEN s.state IN ('in_progress', 'suspended') THEN
                CASE WHEN s.asg_start IS NOT NULL THEN 'awaiting_report_in'
                     WHEN s.state = 'in_progress' AND s.u_asg < 0.22 THEN 'reported_in'
                     ELSE 'handling' END
                ELSE 'result_submitted' END AS state
) k
CROSS JOIN LATERAL (
    SELECT CASE WHEN k.state = 'awaiting_report_in' THEN s.asg_start
                WHEN k.state = 'result_submitted'
                     THEN s.rep + (x.end_ref - s.rep) * 0.08
                ELSE greatest(s.rep + interval '5 minutes',
                              s.stage_start - interval '1 hour' * (0.5 + 3 * s.u_x))
           END AS dispatched_at
) p
CROSS JOIN LATERAL (
    SELECT k.state, p.dispatched_at, p.dispatched_at + x.rin AS report_in_due_at,
           CASE WHEN k.state = 'awaiting_report_in' THEN NULL
                WHEN k.state = 'result_submitted'
                     THEN p.dispatched_at + (x.end_ref - s.rep) * 0.08 * (0.3 + s.u_x)
                ELSE greatest(p.dispatched_at, s.stage_start) END AS reported_in_at,
           CASE WHEN k.state = 'awaiting_report_in' THEN NULL
                WHEN k.state = 'result_submitted'
                     THEN p.dispatched_at + (x.end_ref - s.rep) * 0.08 * (0.3 + s.u_x) + s.dur
                ELSE greatest(p.dispatched_at, s.stage_start) + s.dur END AS handle_due_at,
           CASE WHEN k.state <> 'result_submitted' THEN NULL
                WHEN s.closed_at IS NOT NULL THEN s.rep + (x.end_ref - s.rep) * 0.7
                -- verifying / follow-up: handed back before the street's clock started
                ELSE least(s.rep + (x.end_ref - s.rep) * 0.7,
                           greatest(s.stage_start, s.rep + (x.end_ref - s.rep) * 0.3))
           END AS result_at,
           CASE WHEN k.state = 'awaiting_report_in' THEN p.dispatched_at + x.rin
                WHEN k.state = 'result_submitted' THEN NULL
                ELSE greatest(p.dispatched_at, s.stage_start) + s.dur END AS due_at,
           CASE WHEN k.state = 'awaiting_report_in' THEN p.dispatched_at + x.rin * 0.8
                WHEN k.state = 'result_submitted' THEN NULL
                ELSE greatest(p.dispatched_at, s.stage_start) + s.dur * 0.8 END AS warn_at
) t
WHERE {ROUTED} AND s.state NOT IN ('submitted', 'triaged')
"""

# Half the routed closed cases are rated by their street; a dissatisfied reporter's case
# scores low. Criteria ≤ 20, total = their sum, a reason below 60 or at 100.
RATINGS = f"""
INSERT INTO evaluation_rating (
    case_id, unit_id, department_id, department_path, street_id, report_in, professionalism,
    responsibility, cooperation, result, total, reason, revision, effective_total,
    verified_at, rated_by_id, rated_at, updated_at, version)
SELECT v.g, v.dept_id,
       (SELECT CASE WHEN u.kind = 'field_unit' THEN u.parent_id ELSE u.id END
        FROM org_orgunit u WHERE u.id = v.dept_id),
       v.dept_path, v.street_id, v.c1, v.c2, v.c3, v.c4, v.c5, v.total,
       CASE WHEN v.total < 60 THEN '报到迟缓，处置结果群众不满意（压测数据）'
            WHEN v.total = 100 THEN '响应迅速，处置彻底（压测数据）' ELSE '' END,
       1, v.total, v.verified_at, v.user_id, v.rated_at, v.rated_at, 1
FROM (
    SELECT w.*, w.c1 + w.c2 + w.c3 + w.c4 + w.c5 AS total
    FROM (
        SELECT s.g, s.dept_id, s.dept_path, s.street_id, cl.user_id,
               least(20, b + floor(random() * spread))::int AS c1,
               least(20, b + floor(random() * spread))::int AS c2,
               least(20, b + floor(random() * spread))::int AS c3,
               least(20, b + floor(random() * spread))::int AS c4,
               least(20, b + floor(random() * spread))::int AS c5,
               s.rep + (s.closed_at - s.rep) * 0.82 AS verified_at,
               least(%(t_end)s::timestamptz,
                     s.rep + (s.closed_at - s.rep) * 0.82 + interval '3 hours') AS rated_at
        FROM b_stage s
        JOIN b_caller cl ON cl.street_id = s.street_id
        CROSS JOIN LATERAL (
            SELECT CASE WHEN s.satisfaction = 'dissatisfied' THEN 6 ELSE 14 END AS b,
                   CASE WHEN s.satisfaction = 'dissatisfied' THEN 10 ELSE 8 END AS spread
        ) q
        WHERE {ROUTED} AND s.fate = 'done' AND s.u_rate < 0.5
    ) w
) v
"""


# --- indexes ---------------------------------------------------------------------------------


def drop_indexes(cur) -> list[str]:  # type: ignore[no-untyped-def]
    """Drop the secondary indexes and unique constraints (not primary keys, not foreign
    keys); return the statements that recreate them."""
    restore: list[str] = []
    drops: list[str] = []
    for table in TABLES:
        cur.execute(
            "SELECT conname, pg_get_constraintdef(oid) FROM pg_constraint "
            "WHERE conrelid = %s::regclass AND contype = 'u'",
            [table],
        )
        constraints = cur.fetchall()
        cur.execute(
            "SELECT i.indexname, i.indexdef FROM pg_indexes i WHERE i.tablename = %s "
            "AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conname = i.indexname "
            "AND c.contype IN ('p', 'u'))",
            [table],
        )
        for name, definition in cur.fetchall():
            drops.append(f'DROP INDEX "{name}"')
            restore.append(definition)
        for name, definition in constraints:
            drops.append(f'ALTER TABLE {table} DROP CONSTRAINT "{name}"')
            restore.append(f'ALTER TABLE {table} ADD CONSTRAINT "{name}" {definition}')
    for sql in drops:
        cur.execute(sql)
    return restore


# --- main ------------------------------------------------------------------------------------


def generate(db: Db, *, cases: int, end: datetime, years: int, chunk: int, seed: float) -> None:
    import psycopg

    t0 = end - timedelta(days=365 * years)
    step = (end - t0).total_seconds() / cases
    steps = Steps()

    steps.run("database (re)created", db.recreate)
    steps.run(
        "huying migrate",
        subprocess.run,
        [HUYING, "migrate", "-v0"],
        check=True,
        cwd=ROOT,
        env=app_env(db),
    )
    steps.run("district (build_district, full)", build_district, db)

    with psycopg.connect(db.url, autocommit=True) as conn, conn.cursor() as cur:
        cur.execute("SET session_replication_role = replica")  # no FK triggers: consistent by
        cur.execute("SET synchronous_commit = off")  # construction, checked at the end
        cur.execute("SET maintenance_work_mem = '1GB'")
        cur.execute("SET work_mem = '256MB'")
        cur.execute("SET TIME ZONE 'Asia/Shanghai'")
        cur.execute("SELECT setseed(%s)", [seed])
        cur.execute(LOOKUPS)
        cur.execute("SELECT count(*) FROM b_grid")
        grids = cur.fetchone()[0]
        cur.execute("SELECT count(*) FROM b_item")
        items = cur.fetchone()[0]
        cur.execute("SELECT count(*) FROM b_dept")
        depts = cur.fetchone()[0]
        cur.execute("SELECT id FROM org_orgunit WHERE kind = 'hub'")
        hub = cur.fetchone()[0]
        cur.execute(f"CREATE UNLOGGED TABLE b_stage ({STAGE_COLUMNS})")
        restore = steps.run("secondary indexes dropped", drop_indexes, cur)

        params = {
            "grids": grids,
            "items": items,
            "depts": depts,
            "hub": hub,
            "t0": t0,
            "t_end": end,
            "step": step,
        }

        def load() -> None:
            for lo in range(1, cases + 1, chunk):
                hi = min(cases, lo + chunk - 1)
                started = time.perf_counter()
                cur.execute("TRUNCATE b_stage")
                cur.execute(STAGE, {**params, "lo": lo, "hi": hi})
                cur.execute(CASES, params)
                cur.execute(ASSIGNMENTS, params)
                n_asg = cur.rowcount
                cur.execute(RATINGS, params)
                log(
                    f"  cases {lo:,}–{hi:,}: +{n_asg:,} assignments, +{cur.rowcount:,} ratings "
                    f"({time.perf_counter() - started:.1f} s)"
                )

        steps.run(f"{cases:,} cases generated (chunks of {chunk:,})", load)
        cur.execute("DROP TABLE b_stage")
        for table in TABLES:
            cur.execute(
                f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                f"(SELECT coalesce(max(id), 1) FROM {table}))"
            )

        def rebuild() -> None:
            for sql in restore:
                started = time.perf_counter()
                cur.execute(sql)
                log(f"  {time.perf_counter() - started:6.1f} s  {sql[:100]}")

        steps.run(f"{len(restore)} indexes and constraints rebuilt", rebuild)
        steps.run("VACUUM ANALYZE", cur.execute, "VACUUM (ANALYZE) " + ", ".join(TABLES))
        steps.run("consistency checks", check, cur, end)
        summary(cur, end)
    print()
    print(steps.table())


CHECKS = {
    "cases whose grid is not in their street": """
        SELECT count(*) FROM cases_case c JOIN org_orgunit g ON g.id = c.grid_id
        JOIN org_orgunit m ON m.id = g.parent_id
        WHERE m.parent_id <> c.street_id OR c.community_id <> m.id OR c.territory_path <> g.path
    """,
    "cases outside their grid's box": """
        SELECT count(*) FROM cases_case c JOIN org_orgunit g ON g.id = c.grid_id
        WHERE c.lat NOT BETWEEN g.min_lat AND g.max_lat OR c.lng NOT BETWEEN g.min_lng AND g.max_lng
    """,
    "closed before reported / in the future": """
        SELECT count(*) FROM cases_case
        WHERE closed_at < reported_at OR closed_at > %(t_end)s OR reported_at > %(t_end)s
    """,
    "merged without an earlier master": """
        SELECT count(*) FROM cases_case c LEFT JOIN cases_case m ON m.id = c.master_id
        WHERE c.state = 'merged' AND (m.id IS NULL OR m.id >= c.id)
    """,
    "assignments without their case or department": """
        SELECT count(*) FROM cases_assignment a LEFT JOIN cases_case c ON c.id = a.case_id
        LEFT JOIN org_orgunit d ON d.id = a.department_id
        WHERE c.id IS NULL OR d.id IS NULL OR d.path <> a.department_path
    """,
    "assignment timestamps out of order": """
        SELECT count(*) FROM cases_assignment a JOIN cases_case c ON c.id = a.case_id
        WHERE a.dispatched_at < c.reported_at OR a.reported_in_at < a.dispatched_at
           OR a.result_at < a.reported_in_at OR a.result_at > c.closed_at
    """,
    "ratings not on a lead assignment's department": """
        SELECT count(*) FROM evaluation_rating r
        WHERE NOT EXISTS (SELECT 1 FROM cases_assignment a WHERE a.case_id = r.case_id
                          AND a.department_id = r.unit_id AND a.state = 'result_submitted')
    """,
}


def check(cur, end: datetime) -> None:  # type: ignore[no-untyped-def]
    bad = 0
    for what, sql in CHECKS.items():
        cur.execute(sql, {"t_end": end})
        n = cur.fetchone()[0]
        bad += n
        log(f"  {what}: {n}")
    if bad:
        raise SystemExit("generated data is inconsistent")


def summary(cur, end: datetime) -> None:  # type: ignore[no-untyped-def]
    cur.execute(
        """
        SELECT count(*),
               count(*) FILTER (WHERE state IN ('closed', 'archived')),
               count(*) FILTER (WHERE state IN ('rejected', 'merged')),
               count(*) FILTER (WHERE state NOT IN ('closed', 'archived', 'rejected', 'merged')),
               count(*) FILTER (WHERE due_at < %(now)s AND paused_remaining IS NULL),
               count(*) FILTER (WHERE warn_at <= %(now)s AND due_at >= %(now)s
                                AND paused_remaining IS NULL),
               count(*) FILTER (WHERE first_overdue_at IS NOT NULL),
               count(*) FILTER (WHERE satisfaction <> ''),
               count(*) FILTER (WHERE route IN ('call', 'hub', 'leader'))
        FROM cases_case
        """,
        {"now": end},
    )
    n, closed, invalid, open_, overdue, soon, first_overdue, rated, routed = cur.fetchone()
    cur.execute(
        "SELECT count(*), count(*) FILTER (WHERE due_at < %(now)s AND paused_remaining IS NULL "
        "AND state IN ('awaiting_report_in', 'reported_in', 'handling')), "
        "count(*) FILTER (WHERE return_upheld) FROM cases_assignment",
        {"now": end},
    )
    assignments, asg_overdue, returned = cur.fetchone()
    cur.execute("SELECT count(*) FROM evaluation_rating")
    ratings = cur.fetchone()[0]

    def pct(x: int) -> str:
        return f"{x:,} ({100 * x / max(n, 1):.2f} %)"

    print()
    print(f"cases {n:,}: closed/archived {pct(closed)}, rejected/merged {pct(invalid)}, ")
    print(f"  open now {pct(open_)}: case clock overdue {overdue:,}, due soon {soon:,}; ")
    print(f"  assignment clocks overdue {asg_overdue:,}")
    print(f"  first_overdue_at {pct(first_overdue)}, satisfaction {pct(rated)}, ")
    print(f"  routed {pct(routed)}")
    print(f"assignments {assignments:,} ({returned:,} returned upheld), ratings {ratings:,}")
    print(sizes(cur, ("cases_case", "cases_assignment", "evaluation_rating")))


def sizes(cur, tables: tuple[str, ...]) -> str:  # type: ignore[no-untyped-def]
    lines = ["| Table | Rows | Heap MB | Indexes MB |", "|---|---:|---:|---:|"]
    for table in tables:
        cur.execute(
            f"SELECT count(*), pg_table_size('{table}'), pg_indexes_size('{table}') FROM {table}"
        )
        rows, heap, index = cur.fetchone()
        lines.append(f"| {table} | {rows:,} | {heap / 2**20:,.0f} | {index / 2**20:,.0f} |")
    return "\n".join(lines)


def tally(db: Db) -> None:
    import psycopg

    started = time.perf_counter()
    subprocess.run([HUYING, "tally", "--rebuild"], check=True, cwd=ROOT, env=app_env(db))
    log(f"huying tally --rebuild: {time.perf_counter() - started:.1f} s")
    with psycopg.connect(db.url, autocommit=True) as conn, conn.cursor() as cur:
        cur.execute("VACUUM (ANALYZE) reports_tally, reports_departmenttally")
        print(sizes(cur, ("reports_tally", "reports_departmenttally")))
        cur.execute("SELECT grain, dim, count(*) FROM reports_tally GROUP BY 1, 2 ORDER BY 1, 2")
        for grain, dim, count in cur.fetchall():
            print(f"  {grain:<6} {dim:<10} {count:>10,}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--cases", type=int, default=1_000_000)
    parser.add_argument("--database-url", default=os.environ.get("DATABASE_URL", DEFAULT_DB))
    parser.add_argument(
        "--end",
        type=datetime.fromisoformat,
        default=None,
        help="the generated data's 'now' (ISO, default: now)",
    )
    parser.add_argument("--years", type=int, default=3)
    parser.add_argument("--chunk", type=int, default=500_000)
    parser.add_argument("--seed", type=float, default=0.42, help="setseed() value in [-1, 1]")
    parser.add_argument("--tally", action="store_true", help="then huying tally --rebuild")
    parser.add_argument(
        "--tally-only", action="store_true", help="only rebuild the rollups of an existing db"
    )
    args = parser.parse_args()
    db = Db(args.database_url)
    if (db.parts.hostname or "") not in ("127.0.0.1", "localhost"):
        raise SystemExit("refusing a non-local database")
    if not args.tally_only:
        end = args.end or datetime.now(TZ).replace(second=0, microsecond=0)
        if end.tzinfo is None:
            end = end.replace(tzinfo=TZ)
        generate(db, cases=args.cases, end=end, years=args.years, chunk=args.chunk, seed=args.seed)
    if args.tally or args.tally_only:
        tally(db)


if __name__ == "__main__":
    main()
