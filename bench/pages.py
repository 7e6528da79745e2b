"""Page and API timings (in-process, Django's test client): every page and read a person waits
for, on the demo district or on bench/bigdata.py's millions of cases.

    HUYING_DATA_DIR=/tmp/d python bench/pages.py [--repeat 20]                 # SQLite demo
    DATABASE_URL=postgres://…/huying_bench_10m python bench/pages.py --repeat 10 \\
        [--only 列表,详情] [--skip 预警] [--explain-over 300]                      # at scale

Build the data first (``huying migrate && huying demo``, or bench/bigdata.py --tally). For
each role's pages — role homes, the case list first and deep (a cursor in the middle of the
history) under each filter for the hub, a street and a department, case detail, the map's
points, the dashboard and its chart calls, indicator tables, rankings, a drill-down, the API
equivalents — it prints the median and 95th-percentile server time and the SQL queries per
request as a Markdown table; then sign-in (POST /login/) and the monthly circular's figures
of last month (``circular_figures``: every indicator the circular prints). Server time only:
no network, no browser. With ``--explain-over MS`` the slowest statement of each page whose
p50 is over MS is printed with ``EXPLAIN (ANALYZE, BUFFERS)`` (PostgreSQL).
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any
from urllib.parse import urlencode

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "huying.settings")
os.environ.setdefault("HUYING_LOG_LEVEL", "WARNING")

import django

django.setup()

from django.conf import settings  # noqa: E402
from django.contrib.auth import get_user_model  # noqa: E402
from django.db import connection  # noqa: E402
from django.db.models import Max, Min  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext, setup_test_environment  # noqa: E402
from django.utils import timezone  # noqa: E402

from huying.cases.models import Assignment, Case, CaseState  # noqa: E402
from huying.cases.rules import OPEN_CASE_STATES  # noqa: E402
from huying.cases.selectors import encode_cursor  # noqa: E402
from huying.org.models import OrgUnit  # noqa: E402
from huying.reports.circular.figures import circular_figures  # noqa: E402

#: The demo accounts' password (huying demo and bench/bigdata.py).
PASSWORD = "demo12345"
SCOPES = (("hub", "hub"), ("street", "street1"), ("dept", "dept_cg"))


@dataclass(frozen=True)
class Page:
    who: str | None  # None: signed out
    name: str
    url: str


def pct(values: list[float], p: float) -> float:
    values = sorted(values)
    return values[max(0, round(p * len(values)) - 1)]


def explain(sql: str) -> str:
    with connection.cursor() as cursor:
        cursor.execute("EXPLAIN (ANALYZE, BUFFERS) " + sql)
        return "\n".join(r[0] for r in cursor.fetchall())


def _actor_unit(username: str) -> OrgUnit:
    user = get_user_model().objects.get(username=username)
    return OrgUnit.objects.defer("boundary").get(grants__user=user, grants__is_active=True)


def list_filters(today: date) -> list[tuple[str, dict[str, Any]]]:
    """(name, query) of the case list's filters: each alone, with the most common item, a
    street (the first street's), the 城管 department, a text, last month and a rare source."""
    street = _actor_unit("street1")
    cg = _actor_unit("dept_cg")
    dept = cg if cg.kind == OrgUnit.Kind.DEPARTMENT else cg.parent
    ours = Case.objects.filter(district_id=street.district_id)  # not the city's other district
    item = ours.order_by("-id").values_list("item_id", flat=True)[:1].get()
    last_month_end = today.replace(day=1) - timedelta(days=1)
    return [
        ("all", {}),
        ("state=in_progress", {"state": CaseState.IN_PROGRESS}),
        ("state=closed", {"state": CaseState.CLOSED}),
        ("clock=overdue", {"clock": "overdue"}),
        ("clock=due_soon", {"clock": "due_soon"}),
        ("street", {"street": street.pk}),
        ("item", {"item": item}),
        ("department", {"department": dept.pk}),
        ("text (an item's words)", {"text": "路灯"}),
        ("text (no match)", {"text": "无此词语"}),
        ("text (a case number)", {"text": ours.values_list("number", flat=True).first()}),
        (
            "last month",
            {"date_from": last_month_end.replace(day=1), "date_to": last_month_end},
        ),
        ("source=media", {"source": "media"}),
        (
            "open + overdue + street",
            {"clock": "overdue", "street": street.pk, "state": CaseState.IN_PROGRESS},
        ),
    ]


API_FILTERS = {
    "state": "state",
    "street": "street_id",
    "item": "item_id",
    "department": "department_id",
    "source": "source",
    "text": "text",
}


def api_query(query: dict[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, value in query.items():
        if key == "clock":
            out[value] = "true"
        elif key == "date_from":
            out["reported_from"] = f"{value}T00:00:00+08:00"
        elif key == "date_to":
            out["reported_to"] = f"{value + timedelta(days=1)}T00:00:00+08:00"
        else:
            out[API_FILTERS[key]] = value
    return out


#: The dashboard's chart calls, as the page makes them for each kind of scope.
_CHARTS = ("kpis", "trend", "trend?step=month")
DASHBOARD_CALLS = {
    "hub": (
        *_CHARTS,
        "breakdown?dim=street",
        "breakdown?dim=item",
        "departments",
        "ranking",
        "heat",
        "overdue",
    ),
    "street": (
        *_CHARTS,
        "breakdown?dim=community",
        "breakdown?dim=item",
        "ranking",
        "heat",
        "overdue",
    ),
    "dept": (*_CHARTS, "departments", "ranking", "overdue"),
}
DASHBOARD_CALLS["leader"] = DASHBOARD_CALLS["hub"]


def pages() -> list[Page]:
    today = timezone.localdate()
    last_month_end = today.replace(day=1) - timedelta(days=1)
    first = last_month_end.replace(day=1)
    month = f"{first:%Y-%m}"
    street = _actor_unit("street1")
    # The accounts' district only: the demo also builds a second district (the city's).
    ours = Case.objects.filter(district_id=street.district_id)
    bounds = ours.aggregate(lo=Min("id"), hi=Max("id"))
    deep = encode_cursor((bounds["lo"] + bounds["hi"]) // 2)  # the middle of the history
    cg_case = (
        Assignment.objects.filter(
            department__name__contains="城管", case__district_id=street.district_id
        )
        .order_by("-case_id")
        .values_list("case_id", flat=True)
        .first()
    )
    old_case = (
        Assignment.objects.filter(
            case__district_id=street.district_id, case_id__lt=(bounds["lo"] + bounds["hi"]) // 2
        )
        .order_by("-case_id")
        .values_list("case_id", flat=True)
        .first()
    )
    open_case = (
        ours.filter(state=CaseState.IN_PROGRESS).order_by("-id").values_list("pk", flat=True)
    ).first()
    street_case = (
        Case.objects.filter(street=street).order_by("-id").values_list("pk", flat=True).first()
    )
    out = [
        Page(None, "公众首页 public front page", "/"),
        Page("hub", "工作台 hub home", "/"),
        Page("street1", "工作台 street home", "/"),
        Page("dept_cg", "工作台 department home", "/"),
        Page("leader", "工作台 leader home", "/"),
        Page("grid1", "手机：我的任务 field home", "/m/"),
        Page("resident1", "手机：反映问题 report form", "/m/report"),
        Page("hub", "收件箱 inbox", "/cases/inbox/"),
        Page("hub", "预警 warnings", "/cases/warnings/"),
    ]
    for label, who in SCOPES:
        for fname, query in list_filters(today):
            if label == "street" and fname == "street":
                continue  # the street's own street is the scope itself
            qs = urlencode(query)
            out.append(Page(who, f"列表 list {label}: {fname}", f"/cases/?{qs}"))
            sep = "&" if qs else ""
            out.append(
                Page(who, f"列表 list {label}: {fname}, deep", f"/cases/?{qs}{sep}cursor={deep}")
            )
            api = urlencode(api_query(query))
            if fname in ("all", "clock=overdue", "text (an item's words)", "last month"):
                out.append(Page(who, f"API list {label}: {fname}", f"/api/v1/cases?{api}"))
                out.append(
                    Page(
                        who,
                        f"API list {label}: {fname}, deep",
                        f"/api/v1/cases?{api}{sep}cursor={deep}",
                    )
                )
    out += [
        Page("hub", "详情 case detail (open, newest)", f"/cases/{open_case}/"),
        Page("hub", "详情 case detail (old, with assignment)", f"/cases/{old_case}/"),
        Page("street1", "详情 case detail", f"/cases/{street_case}/"),
        Page("dept_cg", "详情 case detail", f"/cases/{cg_case}/"),
        Page("hub", "API case detail", f"/api/v1/cases/{open_case}"),
        Page("dept_cg", "API case detail", f"/api/v1/cases/{cg_case}"),
        Page("hub", "地图 map page", "/cases/map/"),
        Page("hub", "地图数据 map points (hub, all)", "/cases/map/points.json"),
        Page("hub", "地图数据 map points (hub, overdue)", "/cases/map/points.json?clock=overdue"),
        Page("street1", "地图数据 map points (street, all)", "/cases/map/points.json"),
        Page("dept_cg", "地图数据 map points (dept, all)", "/cases/map/points.json"),
        Page("hub", "地图网格 map grids", "/cases/map/grids.json"),
    ]
    for label, who in (*SCOPES, ("leader", "leader")):
        out.append(Page(who, f"统计 dashboard page ({label})", "/reports/"))
        for call in DASHBOARD_CALLS[label]:
            out.append(
                Page(who, f"统计 API dashboard/{call} ({label})", f"/api/v1/dashboard/{call}")
            )
    for table in ("closure", "handling", "response", "outcome", "tiers"):
        out.append(
            Page(
                "hub",
                f"指标 indicators {table} (hub, {month})",
                f"/reports/indicators/?table={table}&period=month&month={month}",
            )
        )
    out += [
        Page("hub", "指标 indicators closure (hub, this month)", "/reports/indicators/"),
        Page(
            "hub",
            "指标 indicators closure by grid within a street",
            f"/reports/indicators/?table=closure&by=community&within={street.pk}"
            f"&period=month&month={month}",
        ),
        Page(
            "street1",
            f"指标 indicators closure (street, {month})",
            f"/reports/indicators/?table=closure&period=month&month={month}",
        ),
        Page(
            "dept_cg",
            f"指标 indicators handling (dept, {month})",
            f"/reports/indicators/?table=handling&period=month&month={month}",
        ),
        Page(
            "hub",
            f"指标 indicators closure (hub, year {first.year})",
            f"/reports/indicators/?table=closure&period=year&year={first.year}",
        ),
    ]
    for view in ("monthly", "units", "streets", "annual"):
        out.append(
            Page("hub", f"排名 rankings {view}", f"/reports/indicators/rankings/?view={view}")
        )
    drill = {"start": first, "end": last_month_end}
    for indicator, part, by, key in (
        ("completion", "numerator", "street", street.pk),
        ("completion", "denominator", "street", street.pk),
        ("on_time_completion", "denominator", "district", ""),
        ("satisfaction_rate", "numerator", "street", street.pk),
    ):
        q = urlencode({"indicator": indicator, "part": part, "by": by, "key": key, **drill})
        out.append(Page("hub", f"下钻 drill-down {indicator} {part} by {by}", f"/cases/?{q}"))
    out += [
        Page("street1", "评议 evaluation home (street)", "/evaluation/"),
        Page("street1", "评议 due (street)", "/evaluation/due/"),
        Page("street1", "评议 given (street)", "/evaluation/given/"),
        Page("dept_cg", "评议 received (dept)", "/evaluation/received/"),
        Page("hub", "通报 circulars list", "/reports/circulars/"),
    ]
    return out


def timed(call: Callable[[], Any], repeat: int) -> tuple[list[float], list[dict[str, str]]]:
    """Milliseconds of ``repeat`` calls after one warm-up, and the last call's SQL."""
    call()
    times: list[float] = []
    queries: list[dict[str, str]] = []
    for _ in range(repeat):
        with CaptureQueriesContext(connection) as captured:
            started = time.perf_counter()
            call()
            times.append((time.perf_counter() - started) * 1000)
        queries = captured.captured_queries
    return times, queries


def row(name: str, who: str, times: list[float], queries: list[dict[str, str]]) -> None:
    print(
        f"| {name} | {who} | {statistics.median(times):.0f} | {pct(times, 0.95):.0f} "
        f"| {len(queries)} |",
        flush=True,
    )


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeat", type=int, default=20)
    parser.add_argument(
        "--only", default="", help="only pages whose name contains one of these (comma-separated)"
    )
    parser.add_argument("--skip", default="", help="pages whose name contains one of these")
    parser.add_argument("--explain-over", type=float, default=0.0, help="ms (p50); 0: never")
    parser.add_argument("--logins", type=int, default=10)
    parser.add_argument("--circular-repeat", type=int, default=3)
    parser.add_argument(
        "--without-warnings-card",
        action="store_true",
        help="leave the 预警 card off the hub and street homes, to time their own queues",
    )
    args = parser.parse_args()
    if args.without_warnings_card:
        from huying.cases import queues

        setattr(queues, "recurrences", lambda *a, **k: None)  # noqa: B010
    setup_test_environment()
    settings.ALLOWED_HOSTS = ["testserver"]
    users = get_user_model().objects
    clients: dict[str | None, Client] = {}
    only = [part for part in args.only.split(",") if part]
    skip = [part for part in args.skip.split(",") if part]
    print(
        f"database: {connection.vendor} {connection.settings_dict['NAME']}, "
        f"cases: {Case.objects.count():,}, open: "
        f"{Case.objects.filter(state__in=OPEN_CASE_STATES).count():,}, "
        f"repeat: {args.repeat}, load average: {os.getloadavg()[0]:.1f}"
    )
    print()
    print("| Page | Role | p50 ms | p95 ms | SQL queries |")
    print("|---|---|---:|---:|---:|")
    slow: list[tuple[str, float, str]] = []
    for page in pages():
        if only and not any(part in page.name for part in only):
            continue
        if any(part in page.name for part in skip):
            continue
        client = clients.get(page.who)
        if client is None:
            client = clients[page.who] = Client()
            if page.who is not None:
                client.force_login(users.get(username=page.who))

        def get(client: Client = client, url: str = page.url) -> None:
            code = client.get(url).status_code
            if code != 200:
                raise SystemExit(f"{url}: HTTP {code}")

        times, queries = timed(get, args.repeat)
        row(page.name, page.who or "—", times, queries)
        if args.explain_over and statistics.median(times) > args.explain_over and queries:
            worst = max(queries, key=lambda q: float(q["time"]))
            slow.append((f"{page.name} ({page.who})", float(worst["time"]) * 1000, worst["sql"]))
    if not only or any(part in "login" for part in only):

        def sign_in() -> None:
            response = Client().post("/login/", {"username": "hub", "password": PASSWORD})
            if response.status_code != 302:
                raise SystemExit(f"sign-in failed: HTTP {response.status_code}")

        times, queries = timed(sign_in, args.logins)
        row("登录 sign-in (POST /login/)", "hub", times, queries)
    if not only or any(part in "circular" for part in only):
        today = timezone.localdate()
        last = today.replace(day=1) - timedelta(days=1)
        district = _actor_unit("leader")
        times, queries = timed(
            lambda: circular_figures(
                district=district, year=last.year, month=last.month, now=timezone.now()
            ),
            args.circular_repeat,
        )
        row(f"通报 circular figures of {last:%Y-%m} (every indicator)", "worker", times, queries)
    for name, ms, sql in slow:
        print()
        print(f"### {name}: slowest statement {ms:.0f} ms")
        print()
        print("```sql")
        print(sql)
        print("```")
        print()
        print("```")
        print(explain(sql))
        print("```")
    return 0


if __name__ == "__main__":
    sys.exit(main())
