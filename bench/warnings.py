"""反复发生预警 at scale: finding them now (what a page did before the worker kept them) against
the worker's run that keeps them, and the pages' read of the kept snapshot.

    DATABASE_URL=postgres://…/huying_bench_10m python bench/warnings.py [--repeat 3]

For the hub (the district) and one street: the search a page would do (``recurrences`` with
no snapshot), then ``refresh_stored`` (every district and street whose window is large:
what the worker does every ``HUYING_RECURRENCE_REFRESH_SECONDS``), then the hub home's card,
the week's list (200) and the map's read of the snapshot. CPU and wall time per step, and the
SQL statements of the reads. Leaves the snapshots in place (the next worker run replaces them).
"""

from __future__ import annotations

import argparse
import os
import statistics
import time
from collections.abc import Callable
from typing import Any

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "huying.settings")
os.environ.setdefault("HUYING_LOG_LEVEL", "WARNING")

import django

django.setup()

from django.contrib.auth.models import User  # noqa: E402
from django.db import connection  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402
from django.utils import timezone  # noqa: E402

from huying.cases.models import RecurrenceSnapshot  # noqa: E402
from huying.cases.recurrence import recurrences, refresh_stored, week_of  # noqa: E402
from huying.org.actors import actor_for  # noqa: E402


def timed(step: Callable[[], Any]) -> tuple[float, float, int, Any]:
    with CaptureQueriesContext(connection) as queries:
        wall, cpu = time.perf_counter(), time.process_time()
        result = step()
        wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    return wall * 1000, cpu * 1000, len(queries), result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--street", default="street1", help="a street caller's username")
    args = parser.parse_args()
    hub = actor_for(User.objects.get(username="hub"))
    street = actor_for(User.objects.get(username=args.street))
    now = timezone.now()
    first, last = week_of(timezone.localdate())
    rows: list[tuple[str, list[float], list[float], int, str]] = []

    def measure(name: str, step: Callable[[], Any], describe: Callable[[Any], str]) -> None:
        walls, cpus, sql, out = [], [], 0, None
        for _ in range(args.repeat):
            wall, cpu, sql, out = timed(step)
            walls.append(wall)
            cpus.append(cpu)
        rows.append((name, walls, cpus, sql, describe(out)))
        print(f"{name}: {statistics.median(walls):.0f} ms wall", flush=True)

    RecurrenceSnapshot.objects.all().delete()
    found = lambda f: f"{f.total} warnings"  # noqa: E731
    measure("search now, hub (no snapshot)", lambda: recurrences(hub, until=now, limit=15), found)
    measure("search now, street", lambda: recurrences(street, until=now, limit=15), found)
    measure(
        "refresh_stored (the worker's run)",
        lambda: refresh_stored(now=timezone.now()),
        lambda s: f"{len(s.kept)} scopes kept",
    )
    now = timezone.now()
    measure(
        "home card from the snapshot, hub", lambda: recurrences(hub, until=now, limit=15), found
    )
    measure("home card, street", lambda: recurrences(street, until=now, limit=15), found)
    measure(
        "week's list (200), hub",
        lambda: recurrences(hub, until=last, active_since=first, limit=200),
        found,
    )
    print()
    print("| step | wall p50 ms | CPU p50 ms | SQL | result |")
    print("|---|---:|---:|---:|---|")
    for name, walls, cpus, sql, out in rows:
        print(
            f"| {name} | {statistics.median(walls):,.0f} | {statistics.median(cpus):,.0f} "
            f"| {sql} | {out} |"
        )
    for snapshot in RecurrenceSnapshot.objects.select_related("unit").order_by("unit__path"):
        print(
            f"- {snapshot.unit.name}: {snapshot.counted:,} cases in the window, "
            f"{snapshot.total:,} warnings, found in {snapshot.seconds:.1f} s"
        )


if __name__ == "__main__":
    main()
