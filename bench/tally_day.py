"""Time the worker's unit of rollup work: recounting one day and its month (what
``tally_refresh`` does for every day touched since its last run), in a rolled-back
transaction so the database is left as it was.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/huying_bench_10m \\
        .venv/bin/python bench/tally_day.py 2026-11-20 2026-11-21 2026-11-22
"""

from __future__ import annotations

import os
import sys
import time
from datetime import date

import django

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "huying.settings")
django.setup()

from django.db import transaction  # noqa: E402

from huying.reports.tally import _recount_days, _recount_months  # noqa: E402


def main(days: list[date]) -> None:
    for day in days:
        with transaction.atomic():
            started = time.perf_counter()
            _recount_days([day])
            counted = time.perf_counter() - started
            started = time.perf_counter()
            _recount_months([day.replace(day=1)])
            summed = time.perf_counter() - started
            transaction.set_rollback(True)
        print(f"{day}  day {counted * 1000:.0f} ms  month {summed * 1000:.0f} ms")


if __name__ == "__main__":
    main([date.fromisoformat(a) for a in sys.argv[1:]] or [date.today()])
