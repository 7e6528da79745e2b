"""How long 疑似重复 and 反复发生预警 take on a big database (bench/bigdata.py's), in-process:

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/huying_bench_1m HUYING_DEMO=1 \
        .venv/bin/python bench/dupes.py [--runs 50] [--explain]

Duplicates: ``--runs`` open cases of the last weeks, for the hub and for their street's
caller (``duplicates_of_case``). Warnings: the hub's and one street's workbench card
(``recurrences`` as of the newest case) and the weekly list. Prints p50 / p95 / max in ms,
the rows a question reads, and with ``--explain`` PostgreSQL's plans of the queries.
"""

from __future__ import annotations

import argparse
import os
import statistics
import time
from collections.abc import Callable
from datetime import timedelta
from typing import Any

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "huying.settings")
os.environ.setdefault("HUYING_LOG_LEVEL", "WARNING")

import django

django.setup()

from django.db import connection  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402

from huying.cases import duplicates, recurrence  # noqa: E402
from huying.cases.models import Case  # noqa: E402
from huying.cases.rules import OPEN_CASE_STATES  # noqa: E402
from huying.org.actors import Actor  # noqa: E402
from huying.org.models import Role, RoleGrant  # noqa: E402


def actor(role: str, unit_id: int | None = None) -> Actor:
    grants = RoleGrant.objects.select_related("unit", "user").filter(role=role, is_active=True)
    if unit_id is not None:
        grants = grants.filter(unit_id=unit_id)
    grant = grants.order_by("pk").first()
    assert grant is not None, (role, unit_id)
    return Actor.from_grant(grant)


def timed(fn: Callable[[], Any], runs: int) -> tuple[list[float], Any]:
    times, result = [], None
    for _ in range(runs):
        start = time.perf_counter()
        result = fn()
        times.append((time.perf_counter() - start) * 1000)
    return sorted(times), result


def summary(name: str, times: list[float]) -> None:
    p95 = times[max(0, int(len(times) * 0.95) - 1)]
    print(
        f"{name}: n={len(times)} p50 {statistics.median(times):.1f} ms, "
        f"p95 {p95:.1f} ms, max {times[-1]:.1f} ms"
    )


def explain(fn: Callable[[], Any]) -> None:
    with CaptureQueriesContext(connection) as ctx:
        fn()
    for query in ctx.captured_queries:
        sql = query["sql"]
        if not sql.startswith("SELECT") or "cases_case" not in sql:
            continue
        with connection.cursor() as cursor:
            cursor.execute("EXPLAIN (ANALYZE, BUFFERS) " + sql)
            print("\n".join(row[0] for row in cursor.fetchall()))
        print()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=50)
    parser.add_argument("--explain", action="store_true")
    args = parser.parse_args()
    newest = Case.objects.order_by("-reported_at").values_list("reported_at", flat=True).first()
    assert newest is not None, "no cases"
    print(f"{Case.objects.count():,} cases, the newest reported {newest:%Y-%m-%d %H:%M}")
    picks = list(
        Case.objects.filter(
            state__in=OPEN_CASE_STATES,
            reported_at__gte=newest - timedelta(days=21),
            lat__isnull=False,
        )
        .order_by("?")
        .values("pk", "street_id")[: args.runs]
    )
    hub = actor(Role.HUB_DISPATCHER)
    callers = {p["street_id"]: actor(Role.STREET_CALLER, p["street_id"]) for p in picks}
    found = []
    for who in ("hub", "street"):
        times = []
        for pick in picks:
            acting = hub if who == "hub" else callers[pick["street_id"]]
            start = time.perf_counter()
            found.append(len(duplicates.duplicates_of_case(acting, case_id=pick["pk"])))
            times.append((time.perf_counter() - start) * 1000)
        summary(f"duplicates_of_case ({who})", sorted(times))
    print(f"  candidates per case: mean {statistics.mean(found):.2f}, max {max(found)}")
    street = callers[picks[0]["street_id"]]
    for name, acting in (("hub", hub), ("street", street)):
        times, warnings = timed(
            lambda a=acting: recurrence.recurrences(a, until=newest, limit=15), 5
        )
        summary(f"recurrences, workbench card ({name})", times)
        print(f"  warnings: {warnings.total}")
        times, warnings = timed(lambda a=acting: recurrence.recurrences(a, until=newest), 3)
        summary(f"recurrences, all read in full ({name})", times)
        print(f"  across grids: {sum(w.nearby for w in warnings)}")
    first, last = recurrence.week_of(newest.date())
    times, warnings = timed(
        lambda: recurrence.recurrences(hub, until=last, active_since=first, limit=200), 5
    )
    summary("recurrences, weekly list page (hub, 200 in full)", times)
    if args.explain:
        pick = picks[0]
        explain(
            lambda: duplicates.duplicates_of_case(callers[pick["street_id"]], case_id=pick["pk"])
        )
        explain(lambda: recurrence.recurrences(hub, until=newest, limit=15))


if __name__ == "__main__":
    main()
