"""Dashboard reads at scale: every chart of huying/reports/dashboard_data.py, the case list's
first page and the monthly circular's indicators, timed in-process on a big database.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/huying_bench_10m \
        .venv/bin/python bench/dashboards.py [--repeat 20] [--explain-over 200] [--only kpis]

Build the database first (bench/bigdata.py --tally). "Now" is the data's end (the newest
report, rounded up to the minute), so the live counts see the open cases as generated.
Actors: the hub dispatcher (the district), a street caller (the first street: 64 of the
274 grids) and the 城管 department's handler (a department with field units). Windows: the
month so far (the API's default: day rows), the last 12 whole months (month rows) and the
last 365 days (365 day rows: the dearest window the API allows short of ten years).

Each call is run once to warm caches, then ``--repeat`` times; the table gives p50 / p95 in
milliseconds and the SQL queries per call. For anything whose p50 is over ``--explain-over``
ms, the slowest SQL statement of the call is printed with ``EXPLAIN (ANALYZE, BUFFERS)``.
Server time only (no HTTP, no JSON encoding).
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from collections.abc import Callable
from datetime import timedelta
from typing import Any

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "huying.settings")
os.environ.setdefault("HUYING_LOG_LEVEL", "WARNING")

import django

django.setup()

from django.contrib.auth import get_user_model  # noqa: E402
from django.db import connection  # noqa: E402
from django.db.models import Max  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402

from huying.cases import selectors  # noqa: E402
from huying.cases.models import Assignment, Case  # noqa: E402
from huying.evaluation import indicators  # noqa: E402
from huying.evaluation.grouping import GroupBy  # noqa: E402
from huying.evaluation.models import Rating  # noqa: E402
from huying.evaluation.periods import Period  # noqa: E402
from huying.org.actors import Actor, actor_for  # noqa: E402
from huying.org.models import OrgUnit  # noqa: E402
from huying.reports import dashboard_data as data  # noqa: E402
from huying.reports.models import DepartmentTally, Tally  # noqa: E402
from huying.reports.tally import day_of  # noqa: E402

ACTORS = (("hub", "hub"), ("street", "street1"), ("department", "dept_cg"))


def calls(actors: dict[str, Actor], now: Any) -> list[tuple[str, str, str, Callable[[], Any]]]:
    """(what, who, window, call) for every timed read."""
    today = day_of(now)
    windows = {
        "month so far": data.Window(today.replace(day=1), today),
        "12 months": data.Window.last_months(12, today),
        "365 days": data.Window.last_days(365, today),
    }
    last_month = (today.replace(day=1) - timedelta(days=1)).replace(day=1)
    out: list[tuple[str, str, str, Callable[[], Any]]] = []
    for who, actor in actors.items():
        scope = data.dashboard_scope(actor)
        for wname, w in windows.items():
            out.append(("kpis", who, wname, lambda s=scope, w=w: data.kpis(s, w, now)))
            step = "month" if wname == "12 months" else "day"
            out.append(
                (f"trend ({step})", who, wname, lambda s=scope, w=w, st=step: data.trend(s, w, st))
            )
            for dim in data.SCOPE_DIMS[scope.kind]:
                out.append(
                    (
                        f"breakdown {dim}",
                        who,
                        wname,
                        lambda s=scope, w=w, d=dim: data.breakdown(s, w, d),
                    )
                )
            if scope.kind != "street":
                out.append(("departments", who, wname, lambda s=scope, w=w: data.departments(s, w)))
            if not scope.is_department:
                out.append(("heat", who, wname, lambda s=scope, w=w: data.heat(s, w)))
        out.append(
            ("ranking", who, "month", lambda s=scope: data.ranking(s, today.year, today.month))
        )
        out.append(("clock_board", who, "now", lambda s=scope: data.clock_board(s, now)))
        out.append(("case list page 1 (50)", who, "now", lambda a=actor: case_page(a, now)))
        out.append(
            (
                "case list overdue page 1",
                who,
                "now",
                lambda a=actor: case_page(a, now, overdue=True),
            )
        )
    period = Period.month(last_month.year, last_month.month)
    label = f"{last_month:%Y-%m}"
    # The circular reads its district's figures as a whole.
    district = OrgUnit.objects.filter(kind=OrgUnit.Kind.DISTRICT).order_by("pk").first()
    assert district is not None
    for family in ("closure", "handling", "outcome"):
        fn = getattr(indicators, family)
        out.append(
            (
                f"indicators.{family} by street",
                "circular",
                label,
                lambda f=fn: f(period=period, by=GroupBy.STREET, actor=district),
            )
        )
    return out


WINDOWS = ("month so far", "12 months", "365 days")


def windows_of(window: str) -> tuple[str, ...]:
    """The windows a read's time counts in: ranking and the clock board are on every
    dashboard, whatever its window."""
    return (window,) if window in WINDOWS else WINDOWS


def case_page(actor: Actor, now: Any, *, overdue: bool | None = None) -> list[Case]:
    qs = selectors.case_list(actor, selectors.CaseFilters(overdue=overdue), now=now)
    rows, _cursor = selectors.keyset_page(qs, cursor=None, limit=50)
    return rows


def pct(values: list[float], p: float) -> float:
    values = sorted(values)
    return values[max(0, round(p * len(values)) - 1)]


def explain(sql: str) -> str:
    with connection.cursor() as cursor:
        cursor.execute("EXPLAIN (ANALYZE, BUFFERS) " + sql)
        return "\n".join(r[0] for r in cursor.fetchall())


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeat", type=int, default=20)
    parser.add_argument("--explain-over", type=float, default=200.0, help="ms (p50)")
    parser.add_argument(
        "--only", default="", help="only reads whose name contains one of these (comma-separated)"
    )
    args = parser.parse_args()
    if connection.vendor != "postgresql":
        print("this bench is for PostgreSQL (DATABASE_URL=postgres://…)", file=sys.stderr)
        return 1

    newest = Case.objects.aggregate(m=Max("reported_at"))["m"]
    now = (newest + timedelta(minutes=1)).replace(second=0, microsecond=0)
    users = get_user_model().objects
    actors = {who: actor_for(users.get(username=name)) for who, name in ACTORS}
    print(
        f"database {connection.settings_dict['NAME']}: {Case.objects.count():,} cases, "
        f"{Assignment.objects.count():,} assignments, {Rating.objects.count():,} ratings, "
        f"{Tally.objects.count():,} tally rows, {DepartmentTally.objects.count():,} department "
        f"tally rows; now = {now:%Y-%m-%d %H:%M %Z}; repeat {args.repeat}"
    )
    print()
    print("| Read | Actor | Window | p50 ms | p95 ms | SQL |")
    print("|---|---|---|---:|---:|---:|")
    slow: list[tuple[str, str, str, float, str]] = []
    page: dict[tuple[str, str], float] = {}  # (actor, window) → the sum of its charts' p50
    for what, who, window, call in calls(actors, now):
        if args.only and not any(part in what for part in args.only.split(",")):
            continue
        call()  # warm: plans, caches, buffers
        times: list[float] = []
        for _ in range(args.repeat):
            with CaptureQueriesContext(connection) as queries:
                started = time.perf_counter()
                call()
                times.append((time.perf_counter() - started) * 1000)
        p50 = statistics.median(times)
        print(
            f"| {what} | {who} | {window} | {p50:.1f} | {pct(times, 0.95):.1f} "
            f"| {len(queries.captured_queries)} |",
            flush=True,
        )
        if not what.startswith(("indicators", "case list")):
            for w in windows_of(window):
                page[(who, w)] = page.get((who, w), 0.0) + p50
        if p50 > args.explain_over and queries.captured_queries:
            worst = max(queries.captured_queries, key=lambda q: float(q["time"]))
            slow.append((what, who, window, float(worst["time"]) * 1000, worst["sql"]))
    print()
    print("Whole dashboard (every chart of the actor and window, plus ranking and clock board):")
    print()
    print("| Actor | Window | sum of p50 ms |")
    print("|---|---|---:|")
    for (who, window), total in page.items():
        if window in WINDOWS:
            print(f"| {who} | {window} | {total:.0f} |")
    for what, who, window, ms, sql in slow:
        print()
        print(f"### {what} — {who}, {window}: slowest statement {ms:.0f} ms")
        print()
        print("```sql")
        print(sql)
        print("```")
        print()
        print("```")
        print(explain(sql))
        print("```")
    return 0


if __name__ == "__main__":
    sys.exit(main())
