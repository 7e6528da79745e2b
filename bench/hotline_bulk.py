"""Time the bulk 12345 import (``huying hotline-import FILE --bulk``) on N generated rows.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/huying_bench \\
        .venv/bin/python bench/hotline_bulk.py --rows 1000000

Migrates the database and builds the small demo district when it has no ``hub`` account,
writes N rows of a GBK CSV export (one in every thousand refused: a phone number that is no
phone number), imports it as ``hub`` and prints the time spent reading and checking the
file, building and sealing the first events in Python, and the database's work (COPY and
the set-based statements), with the peak memory before and after. Then checks the result:
the trails of a sample verify (hash chain and replayed rows), the case numbers are unique,
the cases wait in the hub's triage queue. ``--again`` imports the same file a second time
(every row then known and unchanged).
"""

from __future__ import annotations

import argparse
import csv
import os
import random
import resource
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "huying.settings")

import django

django.setup()

from django.contrib.auth import get_user_model  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402
from django.utils import timezone  # noqa: E402

from huying.cases.models import Case, Source  # noqa: E402
from huying.cases.queues import hub_home  # noqa: E402
from huying.cases.replay import compare, replay  # noqa: E402
from huying.cases.trail import verify_case  # noqa: E402
from huying.hotline.bulk import bulk_import  # noqa: E402
from huying.hotline.models import HotlineTicket  # noqa: E402
from huying.org.actors import actor_for  # noqa: E402

HEADER = [
    "工单编号",
    "受理时间",
    "诉求人",
    "联系电话",
    "诉求渠道",
    "诉求类型",
    "诉求内容",
    "事发地址",
    "所属区域",
    "承办单位",
    "办理时限",
    "紧急程度",
]
TOPICS = ["垃圾堆放无人清理", "路灯不亮", "井盖缺失", "噪音扰民", "占道经营", "下水道堵塞"]


def peak_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def generate(path: Path, rows: int, seed: int, prefix: str = "BJ") -> None:
    """N rows of a GBK CSV, written as they are made."""
    rnd = random.Random(seed)
    with path.open("w", encoding="gbk", newline="") as f:
        out = csv.writer(f)
        out.writerow(HEADER)
        for n in range(1, rows + 1):
            phone = "bad-phone" if n % 1000 == 0 else f"138{rnd.randrange(10**8):08d}"
            topic = rnd.choice(TOPICS)
            out.writerow(
                [
                    f"{prefix}{n:010d}",
                    f"2026-11-{1 + n % 28:02d} {n % 24:02d}:{n % 60:02d}:00",
                    f"居民{n % 997}",
                    phone,
                    "电话",
                    "投诉",
                    f"锦城路 {n % 500} 号附近{topic}，已持续多日，请尽快处理（{n}）",
                    f"锦城路 {n % 500} 号",
                    "锦城区",
                    "锦城区呼应办",
                    f"2026-12-{1 + n % 28:02d} 18:00",
                    "一般",
                ]
            )


def setup() -> None:
    call_command("migrate", verbosity=0)
    if not get_user_model().objects.filter(username="hub").exists():
        from huying.demo.district import build_district

        build_district(size="small", password="x")


def check(created_before: int) -> None:
    hotline = Case.objects.filter(source=Source.HOTLINE)
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT count(*), count(DISTINCT number) FROM {Case._meta.db_table}")
        total, distinct = cursor.fetchone()
    print(f"cases {total}, distinct numbers {distinct}")
    ids = list(hotline.order_by("?").values_list("pk", flat=True)[:1000])
    breaks = mismatches = 0
    for case in Case.objects.filter(pk__in=ids):
        events = list(case.events.order_by("seq"))
        breaks += len(verify_case(case, events))
        mismatches += len(compare(case, [], replay(events)))
    print(f"sample of {len(ids)} trails: {breaks} breaks, {mismatches} row mismatches")
    hub = actor_for(get_user_model().objects.get(username="hub"))
    t0 = time.perf_counter()
    triage = next(q for q in hub_home(hub, timezone.now()).queues if q.key == "triage")
    print(
        f"hub triage queue: {triage.count} cases ({time.perf_counter() - t0:.2f} s), "
        f"tickets {HotlineTicket.objects.count()}, new hotline cases "
        f"{hotline.count() - created_before}"
    )


def run(path: Path) -> None:
    hub = actor_for(get_user_model().objects.get(username="hub"))
    before = Case.objects.filter(source=Source.HOTLINE).count()
    print(f"peak memory (RSS) before the import {peak_mib():.0f} MiB")
    r = bulk_import(path, actor=hub)
    print(
        f"created {r.created}, updated {r.updated}, unchanged {r.unchanged}, refused {len(r.bad)}"
    )
    print(
        f"read+check {r.parse_seconds:.1f} s, build+seal {r.build_seconds:.1f} s, "
        f"database {r.db_seconds:.1f} s, total {r.total_seconds:.1f} s"
    )
    print(f"peak memory (RSS) after the import {peak_mib():.0f} MiB")
    check(before)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--seed", type=int, default=12345)
    parser.add_argument(
        "--prefix", default="BJ", help="ticket numbers' prefix (a new one: new tickets)"
    )
    parser.add_argument("--again", action="store_true", help="import the same file twice")
    args = parser.parse_args()
    if connection.vendor != "postgresql":
        print("note: not PostgreSQL: the batched fallback is timed, not COPY", file=sys.stderr)
    setup()
    with tempfile.TemporaryDirectory(prefix="huying-hotline-bench-") as tmp:
        path = Path(tmp) / "export.csv"
        t0 = time.perf_counter()
        generate(path, args.rows, args.seed, args.prefix)
        size = path.stat().st_size / 2**20
        print(f"generated {args.rows} rows, {size:.0f} MiB GBK, {time.perf_counter() - t0:.1f} s")
        run(path)
        if args.again:
            print("--- the same file again")
            run(path)


if __name__ == "__main__":
    main()
