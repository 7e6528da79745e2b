"""The dashboards' JSON: the hand-checked March seen by the hub, a street and a department;
scope (what is not theirs is absent); bad input refused with a structured error; a flat
number of queries whatever the data."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest
from django.test import Client

from huying.conftest import World, shared_fixture
from huying.evaluation.tests.helpers import at
from huying.evaluation.tests.march import March, build_march
from huying.reports.dashboard_data import Window
from huying.reports.tally import tally_rebuild

MARCH = "first=2026-03-01&last=2026-03-31"


@shared_fixture
def march(world: World) -> March:
    built = build_march(world)
    tally_rebuild(now=at(4, 2, 9))
    return built


def client_for(world: World, name: str) -> Client:
    client = Client()
    client.force_login(world.actor(name).user)
    return client


def get(world: World, name: str, url: str, status: int = 200) -> Any:
    response = client_for(world, name).get(f"/api/v1/dashboard/{url}")
    assert response.status_code == status, response.content.decode()
    return response.json()


def test_hub_sees_the_districts_month(march: March) -> None:
    k = get(march.world, "hub", f"kpis?{MARCH}")
    assert k["scope"] == "district"
    # Reported in March: A1–A10 and B1–B3 (B4 in February, B5 in April).
    assert (k["reported"], k["valid"]) == (13, 11)
    assert (k["closed"], k["on_time_closed"]) == (8, 6)
    assert k["on_time_closed_rate"] == round(6 / 8, 4)
    # Follow-ups: satisfied A1 A5 A9 B1 B3, basic A2 B2, dissatisfied A4 → (5 + 0.9×2) / 8.
    assert k["satisfaction_rate"] == round((5 + 0.9 * 2) / 8, 4)


def test_a_street_sees_only_its_street(march: March) -> None:
    k = get(march.world, "street", f"kpis?{MARCH}")
    assert (k["scope"], k["reported"], k["closed"]) == ("street", 10, 5)
    by_street = get(march.world, "street", f"breakdown?{MARCH}&dim=street", status=422)
    assert by_street["error"]["code"] == "invalid_input"
    grids = get(march.world, "street", f"breakdown?{MARCH}&dim=grid")
    assert {g["label"] for g in grids} <= {g.name for g in march.world.grids[:2]}
    # Grid 0 had A1 A2 A4 A6 A7 A8 A10 reported, grid 1 A3 A5 A9: the top place first.
    assert [g["reported"] for g in grids] == [7, 3]


def test_hub_breakdowns_by_street_class_and_source(march: March) -> None:
    streets = get(march.world, "hub", f"breakdown?{MARCH}&dim=street")
    assert [(s["label"], s["reported"], s["closed"]) for s in streets] == [
        (march.world.streets[0].name, 10, 5),
        (march.world.streets[1].name, 3, 3),
    ]
    classes = get(march.world, "hub", f"breakdown?{MARCH}&dim=class")
    assert sum(c["reported"] for c in classes) == 13


def test_trend_by_day_week_and_month_has_no_holes(march: March) -> None:
    days = get(march.world, "hub", f"trend?{MARCH}&step=day")
    assert len(days["labels"]) == 31 and days["labels"][0] == "2026-03-01"
    assert sum(days["series"]["reported"]) == 13
    assert sum(days["series"]["closed"]) == 8
    weeks = get(march.world, "hub", f"trend?{MARCH}&step=week")
    assert weeks["labels"][0] == "2026-02-23"  # the Monday of the week of 1 March
    assert sum(weeks["series"]["reported"]) == 13
    months = get(march.world, "hub", "trend?first=2026-02-01&last=2026-04-30&step=month")
    assert months["labels"] == ["2026-02-01", "2026-03-01", "2026-04-01"]
    assert months["series"]["reported"][1] == 13


def test_department_sees_its_own_work(march: March) -> None:
    k = get(march.world, "dept_cg", f"kpis?{MARCH}")
    assert k["scope"] == "department"
    assert k["returned"] == 1  # A4, returned as misrouted
    rows = get(march.world, "dept_cg", f"departments?{MARCH}")
    assert [r["label"] for r in rows] == [march.world.departments["cg"].name]
    hub_rows = get(march.world, "hub", f"departments?{MARCH}")
    assert len(hub_rows) >= 3  # 城管, 交通, 水务, 生态环境 all worked in March
    get(march.world, "dept_cg", f"breakdown?{MARCH}&dim=grid", status=422)
    get(march.world, "dept_cg", f"heat?{MARCH}", status=422)


def test_roles_without_a_dashboard_get_404(march: March) -> None:
    for name in ("resident", "grid_worker", "community"):
        body = get(march.world, name, f"kpis?{MARCH}", status=404)
        assert body["error"]["code"] == "not_found"


def test_anonymous_is_401() -> None:
    assert Client().get("/api/v1/dashboard/kpis").status_code == 401


@pytest.mark.parametrize(
    "query",
    [
        "kpis?first=2026-03-31&last=2026-03-01",  # backwards
        "kpis?first=2000-01-01&last=2026-03-01",  # beyond ten years
        "kpis?first=yesterday",
        "breakdown?dim=planet",
        "breakdown?dim=grid&top=0",
        "trend?step=hour",
        "ranking?year=2026&month=13",
    ],
)
def test_bad_input_is_422_with_a_structured_error(march: March, query: str) -> None:
    body = get(march.world, "hub", query, status=422)
    assert body["error"]["code"] == "invalid_input"
    assert body["error"]["message"]


def test_heat_weighs_each_grid_at_its_centre(march: March) -> None:
    points = get(march.world, "hub", f"heat?{MARCH}")
    assert sorted(p[2] for p in points) == [1, 2, 3, 7]  # grids 3, 2, 1, 0
    for lat, lng, _ in points:
        assert 20 < lat < 50 and 100 < lng < 130


def test_ranking_lists_every_department_with_its_count(march: March) -> None:
    rows = get(march.world, "dept_cg", "ranking?year=2026&month=3")
    assert {r["label"] for r in rows} >= {march.world.departments["cg"].name}
    assert sum(r["mine"] for r in rows) == 1
    assert all(r["rank"] is None for r in rows if r["cases"] < 3)


def test_queries_do_not_grow_with_the_window(
    march: March, django_assert_max_num_queries: Any
) -> None:
    client = client_for(march.world, "hub")
    for url in (
        f"kpis?{MARCH}",
        "trend?first=2016-03-01&last=2026-02-28&step=month",
        "trend?first=2025-03-01&last=2026-03-31&step=week",
        f"breakdown?{MARCH}&dim=item",
        f"departments?{MARCH}",
        f"heat?{MARCH}",
        "overdue",
    ):
        with django_assert_max_num_queries(12):
            assert client.get(f"/api/v1/dashboard/{url}").status_code == 200, url


def test_window_shortcuts() -> None:
    today = date(2026, 3, 15)
    assert Window.last_months(12, today) == Window(date(2025, 4, 1), date(2026, 3, 31))
    assert Window.last_days(7, today) == Window(date(2026, 3, 9), date(2026, 3, 15))
    assert Window.month(2026, 2).whole_months and not Window.last_days(7, today).whole_months
