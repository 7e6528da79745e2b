"""What the 12345 web import costs per row: the dry run (read + plan) and the import, with and
without the job's progress writes (one UPDATE every ``PROGRESS_EVERY`` rows).

    HUYING_DATA_DIR=… .venv/bin/python bench/hotline_import.py [--rows 1000] [--repeat 2]

Needs a demo district (``huying demo``) in the database it is pointed at; acts as ``hub``.
Every run is rolled back, so the database is left as it was. Prints a table for
docs/performance.md.
"""

from __future__ import annotations

import argparse
import os
import time
from collections.abc import Callable
from typing import Any

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "huying.settings")

import django

django.setup()

from django.contrib.auth import get_user_model  # noqa: E402
from django.db import connection, transaction  # noqa: E402
from django.utils import timezone  # noqa: E402

from huying.hotline import importing  # noqa: E402
from huying.hotline.models import HotlineImport  # noqa: E402
from huying.org.actors import actor_for  # noqa: E402

TEXTS = [
    ("路灯", "小区门口路灯不亮已经三天，晚上行人看不清路"),
    ("市容环境", "菜市场外占道经营，早上堵得车都过不去"),
    ("噪音", "夜里十二点工地还在施工，噪音扰民严重"),
    ("排水", "小区楼下下水道堵塞，污水漫到路面"),
]


def export(rows: int) -> bytes:
    header = ",".join(importing.DEFAULT_MAPPING)
    lines = [header]
    for n in range(rows):
        kind, text = TEXTS[n % len(TEXTS)]
        lines.append(
            f"BENCH{n:07d},2026-12-01 09:00:00,王女士,13800138000,电话,{kind},{text} {n},"
            f"锦城路 {n % 90 + 1} 号,锦城区,,2026-12-10 18:00,{'特急' if n % 7 == 0 else '一般'}"
        )
    return ("\r\n".join(lines) + "\r\n").encode("gbk")


class Rollback(Exception):
    pass


def timed(work: Callable[[], Any]) -> float:
    """``work`` in a transaction that is rolled back; its seconds."""
    started = time.perf_counter()
    try:
        with transaction.atomic():
            work()
            elapsed = time.perf_counter() - started
            raise Rollback
    except Rollback:
        pass
    return elapsed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, default=1000)
    parser.add_argument("--repeat", type=int, default=2)
    args = parser.parse_args()
    user = get_user_model().objects.get(username="hub")
    actor = actor_for(user)
    data = export(args.rows)

    def plan() -> importing.Plan:
        return importing.plan_import(importing.read_rows(data, "bench.csv"))

    def run(progress: bool) -> None:
        job = HotlineImport.objects.create(
            requested_by=user, grant_id=actor.grant_id, file_name="bench.csv",
            created_at=timezone.now(),
        )  # fmt: skip
        rows = HotlineImport.objects.filter(pk=job.pk)
        report = (lambda done: rows.update(done=done)) if progress else None
        importing.run_import(plan(), actor=actor, on_progress=report)

    best = {"dry run (read + plan)": float("inf"), "import": float("inf")}
    best["import with progress"] = float("inf")
    for _ in range(args.repeat):
        best["dry run (read + plan)"] = min(best["dry run (read + plan)"], timed(plan))
        best["import"] = min(best["import"], timed(lambda: run(False)))
        best["import with progress"] = min(best["import with progress"], timed(lambda: run(True)))
    print(f"{args.rows} rows on {connection.vendor}, best of {args.repeat}")
    print("| Step | s | rows/s |")
    print("|---|---:|---:|")
    for label, seconds in best.items():
        print(f"| {label} | {seconds:.2f} | {args.rows / seconds:.0f} |")


if __name__ == "__main__":
    main()
