"""Time ``verify-trail``'s work on an existing database (the command's own start-up, a few
seconds of Django and jieba, is left out): the chain, anchor and row checks over every case,
writing an anchor of every head, and a second check with the anchors loaded.

    HUYING_DATA_DIR=/tmp/d .venv/bin/python bench/verify_trail.py
    DATABASE_URL=postgres://… .venv/bin/python bench/verify_trail.py

The anchor is written to a scratch directory, not the data directory's ``anchors/``.
"""

from __future__ import annotations

import os
import resource
import tempfile
import time

os.environ["HUYING_TRAIL_ANCHOR_DIR"] = tempfile.mkdtemp(prefix="huying-bench-anchors-")
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "huying.settings")

import django

django.setup()

from django.utils import timezone  # noqa: E402

from huying.cases.anchors import write_anchor  # noqa: E402
from huying.cases.trail import check_trails  # noqa: E402


def timed(label: str, fn: object) -> object:
    t0 = time.perf_counter()
    result = fn()  # type: ignore[operator]
    print(f"{label}: {time.perf_counter() - t0:.2f} s")
    return result


def main() -> None:
    report = timed("verify (no anchors)", check_trails)
    print(
        f"  {report.cases} cases, {report.events} events, intact={report.intact}, "
        f"{len(report.breaks)} breaks, {len(report.mismatches)} row mismatches"
    )
    count = timed("write an anchor of every head", lambda: write_anchor(now=timezone.now()))
    print(f"  {count} heads")
    report = timed("verify (with the anchors)", check_trails)
    print(f"  anchored cases {report.anchored_cases}, intact={report.intact}")
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"peak memory {peak:.0f} MiB")


if __name__ == "__main__":
    main()
