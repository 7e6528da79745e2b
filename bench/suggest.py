"""How long one triage suggestion takes (``huying.catalogue.suggest``), in-process, on the
database DATABASE_URL names (the demo district's catalogue, say):

    HUYING_DATA_DIR=DIR HUYING_DEMO=1 .venv/bin/python bench/suggest.py [--items 100] [--runs 2000]

``--items N`` repeats the current items (renamed) until there are N, as a bigger catalogue.
Texts are the demo's case titles and descriptions. Prints p50 / p95 / max in milliseconds.
"""

from __future__ import annotations

import argparse
import copy
import os
import statistics
import time

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "huying.settings")
os.environ.setdefault("HUYING_LOG_LEVEL", "WARNING")

import django

django.setup()

from huying.cases.models import Case  # noqa: E402
from huying.catalogue.selectors import current_items  # noqa: E402
from huying.catalogue.suggest import suggest  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--items", type=int, default=0)
    parser.add_argument("--runs", type=int, default=2000)
    args = parser.parse_args()
    items = list(current_items(None))  # the demo has one district
    base = list(items)
    while len(items) < args.items:
        clone = copy.copy(base[len(items) % len(base)])
        clone.name = f"{clone.name}{len(items)}"
        items.append(clone)
    texts = list(Case.objects.values_list("title", "description")[: args.runs]) or [
        ("路灯不亮", "")
    ]
    suggest(*texts[0], items=items)  # warm the pinyin cache for the terms
    times = []
    for n in range(args.runs):
        title, description = texts[n % len(texts)]
        start = time.perf_counter()
        suggest(title, description, items=items)
        times.append((time.perf_counter() - start) * 1000)
    times.sort()
    p95 = times[int(len(times) * 0.95) - 1]
    print(
        f"{len(items)} items, {len(times)} texts: p50 {statistics.median(times):.2f} ms, "
        f"p95 {p95:.2f} ms, max {times[-1]:.2f} ms"
    )


if __name__ == "__main__":
    main()
