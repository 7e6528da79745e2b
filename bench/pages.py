"""Console and phone page timings on a demo district (in-process, Django's test client).

    HUYING_DATA_DIR=/tmp/d python bench/pages.py [--repeat 20]            # SQLite demo
    DATABASE_URL=postgres://…/db python bench/pages.py                      # PostgreSQL demo

Build the demo first (``huying migrate && huying demo``). For each role's key pages it
prints the median and 95th-percentile server time and the number of SQL queries, as a
Markdown table for docs/performance.md. Server time only: no network, no browser.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "huying.settings")
os.environ.setdefault("HUYING_LOG_LEVEL", "WARNING")

import django

django.setup()

from django.conf import settings  # noqa: E402
from django.contrib.auth import get_user_model  # noqa: E402
from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext, setup_test_environment  # noqa: E402

from huying.cases.models import Case, CaseState  # noqa: E402


def pages() -> list[tuple[str, str, str]]:
    """(role account, page name, url) on the demo district."""
    street_case = (
        Case.objects.filter(street__name="锦官驿街道", state=CaseState.ARCHIVED)
        .order_by("-id")
        .values_list("pk", flat=True)
        .first()
    )
    dept_case = (
        Case.objects.filter(assignments__department__name__contains="城管")
        .order_by("-id")
        .values_list("pk", flat=True)
        .first()
    )
    return [
        ("hub", "工作台 hub home", "/"),
        ("hub", "事件列表 case list (50 rows)", "/cases/"),
        ("hub", "列表：关键词 text search", "/cases/?text=路灯不亮"),
        ("hub", "列表：已超期 overdue", "/cases/?clock=overdue"),
        ("hub", "地图数据 map points", "/cases/map/points.json"),
        ("street1", "工作台 street home", "/"),
        ("street1", "事件详情 case detail", f"/cases/{street_case}/"),
        ("dept_cg", "工作台 department home", "/"),
        ("dept_cg", "事件详情 case detail", f"/cases/{dept_case}/"),
        ("leader", "工作台 leader home", "/"),
        ("grid1", "手机：我的任务 field home", "/m/"),
        ("resident1", "手机：反映问题 report form", "/m/report"),
    ]


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeat", type=int, default=20)
    args = parser.parse_args()
    setup_test_environment()
    settings.ALLOWED_HOSTS = ["testserver"]
    users = get_user_model().objects
    clients: dict[str, Client] = {}
    print(f"database: {connection.vendor}, cases: {Case.objects.count()}, repeat: {args.repeat}")
    print()
    print("| Page | Role | p50 ms | p95 ms | SQL queries |")
    print("|---|---|---:|---:|---:|")
    for who, name, url in pages():
        client = clients.setdefault(who, Client())
        client.force_login(users.get(username=who))
        client.get(url)  # warm caches (grid index, catalogue vocabulary, templates)
        times = []
        for _ in range(args.repeat):
            with CaptureQueriesContext(connection) as queries:
                started = time.perf_counter()
                response = client.get(url)
                times.append((time.perf_counter() - started) * 1000)
            if response.status_code != 200:
                print(f"{url}: HTTP {response.status_code}", file=sys.stderr)
                return 1
        times.sort()
        p95 = times[max(0, round(0.95 * len(times)) - 1)]
        print(
            f"| {name} | {who} | {statistics.median(times):.0f} | {p95:.0f} "
            f"| {len(queries.captured_queries)} |"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
