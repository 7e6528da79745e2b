"""Dashboard reads on a streaming standby while intake loads the primary.

    .venv/bin/python bench/replica.py [--duration 20] [--writers 2] [--readers 2]

A throwaway primary and standby (huying/core/tests/pgpair.py: Debian's PostgreSQL, free
ports, removed afterwards) → the schema from the models and the test district
(huying.conftest.build_world) → two phases of ``--duration`` seconds, the dashboards' reads
on the primary (no replica alias), on the standby (inside ``lagging_reads``, as the pages
do), on the primary again (after a short warm-up): ``--writers`` threads submit cases through ``case_submit`` while
``--readers`` threads compute the hub's dashboard figures (kpis, daily trend, breakdown by
street) and a sampler measures, ten times a second, how long a point of the primary's WAL
takes to be replayed on the standby (what "lag" means to a reader) → bench/results/replica.md.
Both servers share this machine's cores: the standby moves the reads' work off the primary,
it cannot add CPU here.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from datetime import datetime
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(ROOT))

from run import RESULTS, log, pct  # noqa: E402


def _phase(name: str, args: argparse.Namespace, world: Any) -> dict[str, Any]:
    from django.db import connections

    from huying.cases.services.intake import case_submit
    from huying.conftest import MONDAY_10AM
    from huying.core import replicas
    from huying.reports import dashboard_data as data

    real_aliases = replicas.replica_aliases
    if name == "primary":
        replicas.replica_aliases = lambda: []  # type: ignore[assignment]
    stop = threading.Event()
    writes: list[float] = []
    reads: list[float] = []
    lags: list[float] = []
    served: dict[str, int] = {}
    scope = data.dashboard_scope(world.actor("hub"))
    window = data.Window.month(2026, 3)
    lat, lng = world.point_in(0)

    def writer() -> None:
        while not stop.is_set():
            t0 = time.perf_counter()
            case_submit(actor=world.actor("grid_worker"), title="路灯不亮", lat=lat, lng=lng,
                        now=MONDAY_10AM)  # fmt: skip
            writes.append(time.perf_counter() - t0)
        connections.close_all()

    def reader() -> None:
        while not stop.is_set():
            t0 = time.perf_counter()
            with replicas.lagging_reads():
                alias = replicas.read_alias()
                data.kpis(scope, window, MONDAY_10AM)
                data.trend(scope, window, "day")
                data.breakdown(scope, window, "street")
            reads.append(time.perf_counter() - t0)
            served[alias] = served.get(alias, 0) + 1
        connections.close_all()

    def sampler() -> None:
        primary, standby = connections["default"], connections["replica_1"]
        while not stop.is_set():
            with primary.cursor() as c:
                c.execute("SELECT pg_current_wal_lsn()")
                lsn = c.fetchone()[0]
            t0 = time.perf_counter()
            with standby.cursor() as c:
                while True:
                    c.execute("SELECT pg_last_wal_replay_lsn() >= %s::pg_lsn", [lsn])
                    if c.fetchone()[0] or time.perf_counter() - t0 > 30:
                        break
                    time.sleep(0.002)
            lags.append(time.perf_counter() - t0)
            time.sleep(0.1)
        connections.close_all()

    before = _rows_read()
    threads = [threading.Thread(target=writer) for _ in range(args.writers)]
    threads += [threading.Thread(target=reader) for _ in range(args.readers)]
    threads.append(threading.Thread(target=sampler))
    for t in threads:
        t.start()
    time.sleep(args.duration)
    stop.set()
    for t in threads:
        t.join()
    after = _rows_read()
    replicas.replica_aliases = real_aliases  # type: ignore[method-assign]
    ms = 1000
    return {
        "phase": name,
        "cases_per_s": round(len(writes) / args.duration, 1),
        "intake_p95_ms": round(pct(writes, 95) * ms, 1),
        "dashboards_per_s": round(len(reads) / args.duration, 1),
        "dashboard_p50_ms": round(pct(reads, 50) * ms, 1),
        "dashboard_p95_ms": round(pct(reads, 95) * ms, 1),
        "served_by": served,
        "replay_p50_ms": round(pct(lags, 50) * ms, 1),
        "replay_p95_ms": round(pct(lags, 95) * ms, 1),
        "replay_max_ms": round(max(lags, default=0) * ms, 1),
        "rows_read": {k: after[k] - before[k] for k in after},
    }


def _rows_read() -> dict[str, int]:
    """Rows the queries of each server have read (pg_stat_database: returned + fetched)."""
    from django.db import connections

    out = {}
    for alias in ("default", "replica_1"):
        with connections[alias].cursor() as c:
            c.execute("SELECT pg_stat_clear_snapshot()")
            c.execute(
                "SELECT tup_returned + tup_fetched FROM pg_stat_database"
                " WHERE datname = current_database()"
            )
            out[alias] = int(c.fetchone()[0])
    return out


def inner(args: argparse.Namespace) -> None:
    import django

    django.setup()
    from django.apps import apps
    from django.conf import settings
    from django.core.management import call_command

    from huying.conftest import build_world

    settings.MIGRATION_MODULES = {app.label: None for app in apps.get_app_configs()}
    call_command("migrate", run_syncdb=True, verbosity=0)
    world = build_world()
    # Warm the connections, caches and plans first; the primary phase is run again after the
    # standby's so that neither gains from coming first or from the cases the others added.
    _phase("replica", argparse.Namespace(**{**vars(args), "duration": 3}), world)
    results = [_phase(name, args, world) for name in ("primary", "replica", "primary")]
    print(json.dumps(results))


def markdown(results: list[dict[str, Any]], args: argparse.Namespace) -> str:
    lines = [
        f"# Dashboards on a streaming standby ({datetime.now():%Y-%m-%d %H:%M})",
        "",
        f"`.venv/bin/python bench/replica.py --duration {args.duration} --writers "
        f"{args.writers} --readers {args.readers}`; load average "
        f"{os.getloadavg()[0]:.1f} at the end.",
        "",
        "| dashboards read on | cases/s | intake p95 | dashboards/s | dashboard p50 | p95 "
        "| replay p50 | p95 | max | rows read on primary | on standby |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for r in results:
        lines.append(
            f"| {r['phase']} | {r['cases_per_s']} | {r['intake_p95_ms']} ms "
            f"| {r['dashboards_per_s']} | {r['dashboard_p50_ms']} ms | {r['dashboard_p95_ms']} ms "
            f"| {r['replay_p50_ms']} ms | {r['replay_p95_ms']} ms | {r['replay_max_ms']} ms "
            f"| {r['rows_read']['default']:,} | {r['rows_read']['replica_1']:,} |"
        )
    return "\n".join(lines) + "\n"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--duration", type=int, default=20)
    parser.add_argument("--writers", type=int, default=2)
    parser.add_argument("--readers", type=int, default=2)
    parser.add_argument("--inner", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.inner:
        inner(args)
        return
    from huying.core.tests import pgpair

    bin_dir = pgpair.bindir()
    if bin_dir is None:
        sys.exit("no PostgreSQL server binaries in /usr/lib/postgresql/*/bin")
    data_dir = tempfile.mkdtemp(prefix="huying-bench-replica-")
    with pgpair.streaming_pair(bin_dir) as pair:
        log(f"primary {pair.primary}, standby {pair.standby}")
        env = {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "huying.settings",
            "DATABASE_URL": pair.primary,
            "HUYING_REPLICA_URLS": pair.standby,
            "HUYING_TRAIL_KEY": "bench-trail-key-" + "k" * 32,
            "HUYING_DATA_DIR": data_dir,
        }
        done = subprocess.run(
            [sys.executable, __file__, "--inner", *sys.argv[1:]],
            env=env, cwd=ROOT, capture_output=True, text=True, check=False,
        )  # fmt: skip
        if done.returncode:
            sys.exit(done.stderr[-4000:])
        results = json.loads(done.stdout.splitlines()[-1])
    shutil.rmtree(data_dir, ignore_errors=True)
    for r in results:
        log(json.dumps(r, ensure_ascii=False))
    out = RESULTS / "replica.md"
    out.write_text(markdown(results, args), encoding="utf-8")
    log(f"wrote {out}")


if __name__ == "__main__":
    main()
