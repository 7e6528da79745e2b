"""Districts as tenants in the figures: each district's dashboard, indicator tables and
monthly circular count its own cases only; a city role's dashboard sums every district's;
a drill-down never opens another district's street. Expected counts come from the cases
each test makes (the neighbour fixture reports three cases in 青城区 on 10 March: one
waiting, one self-handled, one called)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command
from django.utils import timezone

from huying.cases.tests.helpers import submit
from huying.conftest import MONDAY_10AM, Neighbour, World
from huying.core.errors import NotFound
from huying.evaluation import indicators as ind
from huying.evaluation.grouping import GroupBy
from huying.evaluation.periods import Period
from huying.reports import dashboard_data as data
from huying.reports.circular import services as circulars
from huying.reports.coverage import as_table, coverage
from huying.reports.models import Circular
from huying.reports.tabulate import annual_ranking, monthly_ranking, unit_rankings, within_unit
from huying.reports.tally import tally_rebuild

MARCH = Period.month(2026, 3)
OURS = 3  # the world's reports in March, made by each test
THEIRS = 3  # the neighbour's: case, handled, called


@pytest.fixture
def reported(world: World, neighbour: Neighbour) -> None:
    for grid in (0, 1, 2):
        submit(world, grid=grid, now=MONDAY_10AM)


def test_a_district_reader_counts_its_district_only(
    world: World, neighbour: Neighbour, reported: None
) -> None:
    for district, n in ((world.district, OURS), (neighbour.district, THEIRS)):
        [row] = ind.reports(period=MARCH, by=GroupBy.DISTRICT, actor=district)
        assert (row.key, row.reports) == (district.pk, n)
        streets = ind.reports(period=MARCH, by=GroupBy.STREET, actor=district)
        assert sum(r.reports for r in streets) == n
    # The city's roles read both, told apart by district.
    by_district = ind.reports(period=MARCH, by=GroupBy.DISTRICT, actor=world.actor("city_sup"))
    assert {r.key: r.reports for r in by_district} == {
        world.district.pk: OURS,
        neighbour.district.pk: THEIRS,
    }


def test_each_dashboard_counts_its_own_district_and_the_city_sums_them(
    world: World, neighbour: Neighbour, reported: None
) -> None:
    tally_rebuild(now=MONDAY_10AM)
    window = data.Window.month(2026, 3)
    expected = {"hub": OURS, "leader": OURS, "hub_q": THEIRS, "city_sup": OURS + THEIRS}
    for who, n in expected.items():
        scope = data.dashboard_scope(world.actor(who))
        kpis = data.kpis(scope, window, MONDAY_10AM)
        assert (kpis["reported"], kpis["open_now"]) == (n, n), who  # all still open
        trend = data.trend(scope, window, "month")
        assert trend["series"]["reported"] == [n], who
    city = data.dashboard_scope(world.actor("city_sup"))
    streets = {r["key"]: r["reported"] for r in data.breakdown(city, window, "street")}
    assert streets == {
        str(world.streets[0].pk): 2,
        str(world.streets[1].pk): 1,
        str(neighbour.street.pk): THEIRS,
    }


def test_a_drill_down_never_opens_another_districts_street(
    world: World, neighbour: Neighbour
) -> None:
    for who in ("hub", "leader", "dept_cg"):
        with pytest.raises(NotFound):
            within_unit(world.actor(who), neighbour.street.pk)
        assert within_unit(world.actor(who), world.streets[1].pk) == world.streets[1]
    query: dict[str, str | int] = {
        "table": "tiers",
        "by": "community",
        "period": "month",
        "month": "2026-03",
    }
    page = world.client("hub").get("/reports/indicators/", {**query, "within": neighbour.street.pk})
    assert page.status_code == 404
    assert neighbour.street.name not in page.content.decode()
    assert within_unit(world.actor("hub_q"), neighbour.street.pk) == neighbour.street
    assert within_unit(world.actor("city_sup"), world.streets[0].pk) == world.streets[0]


def test_the_command_makes_each_district_its_own_circular(
    world: World,
    neighbour: Neighbour,
    reported: None,
    monkeypatch: pytest.MonkeyPatch,
    settings: Any,
    tmp_path: Path,
) -> None:
    settings.MEDIA_ROOT = tmp_path
    monkeypatch.setattr(circulars, "render_docx", lambda doc: b"PK-docx")
    monkeypatch.setattr(circulars, "render_pdf", lambda doc: b"%PDF-1.7")
    call_command("circular", year=2026, month=3)
    made = {c.district_id: c.figures for c in Circular.objects.all()}
    assert set(made) == {world.district.pk, neighbour.district.pk}
    ours, theirs = made[world.district.pk], made[neighbour.district.pk]
    assert (ours["overview"]["reports"], theirs["overview"]["reports"]) == (OURS, THEIRS)
    assert [s["name"] for s in theirs["by_street"]] == [neighbour.street.name]
    assert {s["name"] for s in ours["by_street"]} == {s.name for s in world.streets}
    assert [d["name"] for d in theirs["ranking"]] == [neighbour.department.name]
    numbers = {c.district_id: c.doc_number for c in Circular.objects.all()}
    assert numbers == {  # each district's hub numbers its own, under its own 代字
        world.district.pk: f"锦呼应办通〔{timezone.localdate().year}〕1号",
        neighbour.district.pk: f"青呼应办通〔{timezone.localdate().year}〕1号",
    }
    # One district's, by its code.
    call_command("circular", year=2026, month=3, district=neighbour.district.code)
    assert Circular.objects.filter(district=neighbour.district).count() == 2
    assert Circular.objects.filter(district=world.district).count() == 1


def test_grid_coverage_is_of_the_readers_own_district(world: World, neighbour: Neighbour) -> None:
    theirs = coverage(world.actor("hub_q"), unit_id=None, year=2026, month=3)
    assert theirs.unit == neighbour.district
    assert [r.label for r in as_table(theirs).rows] == [neighbour.street.name]
    ours = coverage(world.actor("hub"), unit_id=None, year=2026, month=3)
    assert ours.unit == world.district
    with pytest.raises(NotFound):
        coverage(world.actor("hub"), unit_id=neighbour.street.pk, year=2026, month=3)
    city = world.actor("city_sup")
    street = coverage(city, unit_id=neighbour.street.pk, year=2026, month=3)
    assert (street.unit, street.trail) == (neighbour.street, [neighbour.district, neighbour.street])


def test_rankings_rank_each_district_on_its_own(world: World, neighbour: Neighbour) -> None:
    ours = {world.departments[k].name for k in ("cg", "sw", "hb", "jt")}
    hub = monthly_ranking(year=2026, month=3, actor=world.actor("hub"))
    assert {r.label for r in hub.rows} == ours
    assert {r.label for r in annual_ranking(year=2026, actor=world.actor("hub_q")).rows} == {
        neighbour.department.name
    }
    # The city reads every district's ranking, each district's departments led by its name.
    every = {f"锦城区 · {name}" for name in ours} | {f"青城区 · {neighbour.department.name}"}
    city = world.actor("city_sup")
    assert {r.label for r in monthly_ranking(year=2026, month=3, actor=city).rows} == every
    assert {r.label for r in annual_ranking(year=2026, actor=city).rows} == every
    [units] = unit_rankings(year=2026, month=3, actor=city)
    assert [r.label for r in units.rows] == ["锦城区 · 城管执法一中队（城管局）"]
