"""Time the demo builder (what the test suite used to assert with a stopwatch): the full
district (8 streets, 274 grids, 400+ accounts), and a small district with a simulated year
(the annual evaluation inputs' share of it). Everything runs in one transaction that is
rolled back, on a scratch SQLite database unless DATABASE_URL says otherwise.

    .venv/bin/python bench/demo_build.py [--cases 300] [--repeat 3]
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/huying_bench .venv/bin/python bench/demo_build.py

Targets (docs/performance.md, section 2): full district < 30 s; the annual inputs under
max(2 s, 20 % of the year). Exits 1 when a target is missed, so it can gate a bench run.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
from datetime import datetime
from zoneinfo import ZoneInfo

if not os.environ.get("DATABASE_URL"):
    os.environ.setdefault("HUYING_DATA_DIR", tempfile.mkdtemp(prefix="huying-bench-demo-"))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "huying.settings")

import django

django.setup()

from django.core.management import call_command  # noqa: E402
from django.db import transaction  # noqa: E402

from huying.demo.district import build_district  # noqa: E402
from huying.demo.year import simulate_year  # noqa: E402

YEAR_END = datetime(2026, 11, 20, 16, 0, tzinfo=ZoneInfo("Asia/Shanghai"))
FULL_LIMIT = 30.0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--cases", type=int, default=300, help="cases in the small year")
    parser.add_argument("--repeat", type=int, default=1)
    args = parser.parse_args()
    call_command("migrate", verbosity=0)
    ok = True
    for run in range(1, args.repeat + 1):
        with transaction.atomic():
            full = build_district(size="full", password="bench-demo")
            transaction.set_rollback(True)
        with transaction.atomic():
            small = build_district(size="small", password="bench-demo")
            stats = simulate_year(small, year_end=YEAR_END, cases=args.cases)
            transaction.set_rollback(True)
        annual_limit = max(2.0, 0.2 * stats.seconds)
        print(
            f"run {run}: full district {full.seconds:.1f} s ({len(full.accounts)} accounts, "
            f"limit {FULL_LIMIT:.0f} s); small district {small.seconds:.1f} s; "
            f"year of {args.cases} cases {stats.seconds:.1f} s, annual inputs "
            f"{stats.annual_seconds:.2f} s (limit {annual_limit:.1f} s)"
        )
        ok = ok and full.seconds < FULL_LIMIT and stats.annual_seconds < annual_limit
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
