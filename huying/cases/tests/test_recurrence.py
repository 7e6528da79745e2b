"""反复发生预警 and 系统性问题: the same item N times in D days in one grid (or near one spot
across a grid border) warns; the hub, and only the hub, opens one case for the cause and links
the recurring cases both ways, on their trails."""

from __future__ import annotations

import io
import math
from collections.abc import Iterator
from datetime import datetime, timedelta
from typing import Any

import pytest
from django.test import Client
from hypothesis import given
from hypothesis import settings as settings_hypothesis
from hypothesis import strategies as st
from openpyxl import load_workbook

from huying.cases import recurrence, services
from huying.cases.models import Case, CaseEvent, CaseState, Source
from huying.cases.queues import home_for
from huying.cases.recurrence import _neighbours, recurrences, spots
from huying.cases.trail import check_trails
from huying.conftest import MONDAY_10AM, World
from huying.core.errors import InvalidInput, NotFound, PermissionDenied
from huying.core.geo import M_PER_DEG_LAT

from .helpers import submit

T0 = MONDAY_10AM
UNTIL = T0 + timedelta(days=20)


@pytest.fixture(autouse=True)
def _rule(settings: Any) -> Iterator[None]:
    settings.HUYING_RECURRENCE_COUNT = 3
    settings.HUYING_RECURRENCE_DAYS = 30
    settings.HUYING_RECURRENCE_METRES = 100
    yield


def report(
    world: World,
    when: datetime,
    *,
    grid: int = 0,
    level: int = 2,
    point: tuple[float, float] | None = None,
    who: str = "resident",
) -> Case:
    """A street light out (item L2), reported with its item guessed."""
    return submit(world, who=who, grid=grid, point=point, now=when, item_id=world.items[level].pk)


def warnings(world: World, who: str = "hub", until: datetime = UNTIL, **kw: Any) -> list[Any]:
    return recurrences(world.actor(who), until=until, **kw)


# --- the count and the window --------------------------------------------------------------------


def test_n_minus_one_is_no_warning_n_is_one(world: World) -> None:
    first = report(world, T0)
    report(world, T0 + timedelta(days=3))
    assert warnings(world) == []
    last = report(world, T0 + timedelta(days=9))
    [warning] = warnings(world)
    assert (warning.count, warning.nearby) == (3, False)
    assert (warning.item_name, warning.grid_name, warning.community_name) == (
        "路灯不亮",
        "网格1-1",
        "第1社区",
    )
    assert (warning.first_at, warning.last_at) == (first.reported_at, last.reported_at)
    assert warning.cases[0].number == first.number


def test_the_window_is_the_days_before_both_ends_included(world: World) -> None:
    until = T0 + timedelta(days=40)
    report(world, until - timedelta(days=30, minutes=1))  # one minute too early
    report(world, until - timedelta(days=30))
    report(world, until - timedelta(days=1))
    assert [w.count for w in warnings(world, until=until)] == []
    report(world, until)
    assert [w.count for w in warnings(world, until=until)] == [3]
    # Cases after ``until`` do not count either.
    assert warnings(world, until=until - timedelta(seconds=1)) == []


def test_other_items_other_grids_and_ended_cases_do_not_count(world: World) -> None:
    street = world.actor("street")
    report(world, T0)
    report(world, T0, level=3)  # another item
    report(world, T0, grid=1)  # the neighbouring grid's centre: ~960 m away
    rejected = report(world, T0)
    services.case_reject(actor=street, case_id=rejected.pk, reason="不属实", now=T0)
    master, merged = report(world, T0), report(world, T0)
    services.case_merge(actor=street, case_id=merged.pk, master_id=master.pk, now=T0)
    assert warnings(world) == []  # grid 0, item L2: the first and the master, that is all
    triaged = report(world, T0 + timedelta(days=1))
    services.case_triage(actor=street, case_id=triaged.pk, item_id=world.items[2].pk, now=T0)
    [warning] = warnings(world)  # any state counts, the item from triage or the guess
    assert warning.count == 3


def test_a_spot_across_a_grid_border_warns_too(world: World) -> None:
    """Grids 0 and 1 meet at lng 104.01: two reports on one side, one on the other, all
    within 100 m of the middle one."""
    west = report(world, T0, point=(30.605, 104.0095))
    middle = report(world, T0 + timedelta(days=1), point=(30.605, 104.0099))
    east = report(world, T0 + timedelta(days=2), point=(30.605, 104.0102))
    assert {west.grid_id, middle.grid_id} == {world.grids[0].pk} != {east.grid_id}
    [warning] = warnings(world)
    assert warning.nearby and warning.count == 3
    assert "100" in warning.place and "网格1-2" in warning.place
    assert warnings(world, metres=0) == []
    report(world, T0, point=(30.605, 104.0050))  # grid 0 now has three: its own warning
    assert sorted((w.nearby, w.count) for w in warnings(world)) == [(False, 3), (True, 3)]


@settings_hypothesis(max_examples=150, deadline=None)
@given(
    st.lists(st.tuples(st.floats(-400, 400), st.floats(-400, 400)), min_size=0, max_size=60),
    st.sampled_from([1, 30, 100, 250]),
    st.sampled_from([1, 7, recurrence.NEIGHBOUR_CHUNK]),
)
def test_neighbours_are_every_row_within_the_distance(
    offsets: list[tuple[float, float]], metres: int, chunk: int
) -> None:
    """The squares find exactly what comparing every pair finds (on the same plane), however
    the rows are cut into chunks."""
    middle = 30.0
    per_deg_lng = M_PER_DEG_LAT * math.cos(math.radians(middle))
    rows = [
        {"lat": middle + north / M_PER_DEG_LAT, "lng": 104.0 + east / per_deg_lng}
        for north, east in offsets
    ]
    plane = [(r["lat"] * M_PER_DEG_LAT, r["lng"] * per_deg_lng) for r in rows]

    def apart(i: int, j: int) -> float:
        return math.dist(plane[i], plane[j])

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(recurrence, "NEIGHBOUR_CHUNK", chunk)
        near = _neighbours(rows, metres)
    for i, members in enumerate(near):
        wanted = {j for j in range(len(rows)) if apart(i, j) < metres - 1e-6}
        unsure = {j for j in range(len(rows)) if abs(apart(i, j) - metres) <= 1e-6}
        assert wanted <= set(members) <= wanted | unsure


def test_spots_take_the_largest_group_first() -> None:
    def row(i: int, metres_north: float, grid: int) -> dict[str, Any]:
        return {
            "id": i,
            "lat": 30.0 + metres_north / M_PER_DEG_LAT,
            "lng": 104.0,
            "grid_id": grid,
            "reported_at": T0 + timedelta(hours=i),
        }

    rows = [row(0, 0, 1), row(1, 60, 2), row(2, 120, 1), row(3, 180, 2), row(4, 1000, 1)]
    groups = spots(rows, count=3, metres=100)
    assert [[r["id"] for r in g] for g in groups] == [[1, 2, 3]]  # the latest of two equals
    assert spots(rows, count=4, metres=100) == []
    same_grid = [row(0, 0, 1), row(1, 10, 1), row(2, 20, 1)]
    assert spots(same_grid, count=3, metres=100) == []  # the grid's own count warns of these


def test_a_street_sees_the_warnings_of_its_own_grids_only(world: World) -> None:
    for day in range(3):
        report(world, T0 + timedelta(days=day))
    assert [w.count for w in warnings(world, "street")] == [3]
    assert warnings(world, "street_b") == []
    for day in range(3):
        report(world, T0 + timedelta(days=day), grid=2, who="grid_worker_b")
    assert [w.grid_name for w in warnings(world, "street_b")] == ["网格2-1"]
    assert len(warnings(world, "hub")) == 2


def test_the_weekly_list_keeps_warnings_with_a_case_that_week(world: World) -> None:
    for day in (0, 2, 4):
        report(world, T0 + timedelta(days=day))
    until = T0 + timedelta(days=20)
    assert len(warnings(world, until=until)) == 1
    assert warnings(world, until=until, active_since=until - timedelta(days=7)) == []
    assert len(warnings(world, until=until, active_since=T0 + timedelta(days=4))) == 1


# --- 系统性问题 --------------------------------------------------------------------------------------


def _three(world: World) -> list[Case]:
    return [report(world, T0 + timedelta(days=d)) for d in (0, 2, 4)]


def test_the_hub_opens_a_systemic_case_that_links_them_both_ways(world: World) -> None:
    cases = _three(world)
    now = T0 + timedelta(days=5)
    parent = services.case_open_systemic(
        actor=world.actor("hub"),
        case_ids=[c.pk for c in cases],
        title="网格1-1路灯反复损坏",
        reason="30 天内同一网格路灯不亮 3 次，线路老化",
        now=now,
    )
    parent.refresh_from_db()
    # Through intake, as the hub's own finding: waiting for its triage.
    assert (parent.state, parent.source) == (CaseState.SUBMITTED, Source.INSPECTION)
    assert (parent.grid_id, parent.item_id) == (world.grids[0].pk, world.items[2].pk)
    assert [e.action for e in parent.events.order_by("seq")] == ["submit", "systemic.open"]
    assert parent.events.get(action="systemic.open").after["children"] == [c.number for c in cases]
    for case in cases:
        case.refresh_from_db()
        assert case.systemic_id == parent.pk
        assert case.state == CaseState.SUBMITTED  # its own lifecycle goes on
        link = case.events.get(action="systemic.link")
        assert link.after["systemic_number"] == parent.number
    assert set(parent.systemic_children.values_list("pk", flat=True)) == {c.pk for c in cases}
    report_ = check_trails()
    assert report_.intact and not report_.mismatches
    # The parent is no recurrence of its own; the warning now names it.
    [warning] = warnings(world, until=now)
    assert warning.count == 3 and warning.systemic == [(parent.pk, parent.number)]
    assert warning.unlinked_ids == []


@pytest.mark.parametrize("who", ["street", "street_leader", "leader", "admin", "dept_cg"])
def test_only_the_hub_may_open_one(world: World, who: str) -> None:
    cases = _three(world)
    before = (Case.objects.count(), CaseEvent.objects.count())
    with pytest.raises(PermissionDenied):
        services.case_open_systemic(
            actor=world.actor(who), case_ids=[c.pk for c in cases], title="路灯", reason="反复"
        )
    assert (Case.objects.count(), CaseEvent.objects.count()) == before
    assert not Case.objects.filter(systemic__isnull=False).exists()


def test_bad_requests_change_nothing(world: World) -> None:
    hub = world.actor("hub")
    cases = _three(world)
    ids = [c.pk for c in cases]
    services.case_reject(actor=world.actor("street"), case_id=cases[0].pk, reason="不属实", now=T0)
    before = (Case.objects.count(), CaseEvent.objects.count())
    with pytest.raises(InvalidInput):
        services.case_open_systemic(actor=hub, case_ids=ids[:1], title="路灯", reason="反复")
    with pytest.raises(InvalidInput):
        services.case_open_systemic(actor=hub, case_ids=ids, title="路灯", reason="反复")
    with pytest.raises(InvalidInput):
        services.case_open_systemic(actor=hub, case_ids=ids[1:], title="路灯", reason=" ")
    with pytest.raises(NotFound):
        services.case_open_systemic(
            actor=hub, case_ids=[*ids[1:], 10**9], title="路灯", reason="反复"
        )
    assert (Case.objects.count(), CaseEvent.objects.count()) == before
    services.case_open_systemic(actor=hub, case_ids=ids[1:], title="路灯", reason="反复")
    with pytest.raises(InvalidInput, match="已关联"):
        services.case_open_systemic(actor=hub, case_ids=ids[1:], title="路灯", reason="反复")


# --- pages --------------------------------------------------------------------------------------


def _client(world: World, who: str) -> Client:
    client = Client()
    client.force_login(world.actor(who).user)
    return client


def test_the_workbenches_show_the_card(world: World) -> None:
    for day in range(3):
        report(world, T0 + timedelta(days=day))
    now = T0 + timedelta(days=3)
    assert [w.count for w in home_for(world.actor("hub"), now).warnings or []] == [3]
    assert [w.count for w in home_for(world.actor("street"), now).warnings or []] == [3]
    assert home_for(world.actor("street_b"), now).warnings == []
    assert home_for(world.actor("dept_cg"), now).warnings is None
    page = _client(world, "hub").get("/").content.decode()
    assert "反复发生预警" in page  # the wall clock is past these cases: the card is empty


def test_the_weekly_list_and_its_export(world: World) -> None:
    cases = [report(world, T0 + timedelta(days=d)) for d in (0, 2, 4)]
    client = _client(world, "street")
    day = (T0 + timedelta(days=5)).date().isoformat()
    page = client.get(f"/cases/warnings/?end={day}").content.decode()
    assert "路灯不亮" in page and all(c.number in page for c in cases)
    assert "发起系统性问题" not in page  # the hub's alone
    earlier = (T0 + timedelta(days=30)).date().isoformat()
    assert cases[0].number not in client.get(f"/cases/warnings/?end={earlier}").content.decode()
    response = client.get(f"/cases/warnings/export.xlsx?end={day}")
    assert response.status_code == 200
    data = b"".join(response.streaming_content)  # type: ignore[attr-defined]
    sheet = load_workbook(io.BytesIO(data)).active
    assert sheet is not None
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][0].startswith("反复发生预警") and rows[1][0] == "事项"
    [row] = rows[2:]
    assert (row[0], row[3], row[4]) == ("路灯不亮", "网格1-1", 3)
    assert row[7] == "、".join(c.number for c in cases)
    assert client.get("/cases/warnings/?end=nonsense").status_code == 400


@pytest.mark.parametrize("who", ["dept_cg", "grid_worker", "community"])
def test_roles_without_warnings_have_no_list(world: World, who: str) -> None:
    assert _client(world, who).get("/cases/warnings/").status_code == 404


def test_the_hub_opens_it_from_the_list(world: World) -> None:
    cases = [report(world, T0 + timedelta(days=d)) for d in (0, 2, 4)]
    client = _client(world, "hub")
    day = (T0 + timedelta(days=5)).date().isoformat()
    assert "发起系统性问题" in client.get(f"/cases/warnings/?end={day}").content.decode()
    key = f"r{cases[0].pk}-g"  # the warning's key on the page: its first case, in a grid
    assert f'name="key" value="{key}"' in client.get(f"/cases/warnings/?end={day}").content.decode()
    response = client.post(
        "/cases/warnings/systemic",
        {"key": key, "title": "路灯反复损坏", "reason": "线路老化", "end": day},
    )
    assert response.status_code == 302
    parent = Case.objects.get(systemic_children=cases[0])
    assert response["Location"] == f"/cases/{parent.pk}/"
    page = client.get(f"/cases/{parent.pk}/").content.decode()
    assert "关联事件" in page and all(c.number in page for c in cases)
    child_page = client.get(f"/cases/{cases[0].pk}/").content.decode()
    assert "系统性问题" in child_page and parent.number in child_page
    assert "关联系统性问题" in child_page  # on its trail
    # A street posting the same form is refused, and nothing is made.
    refused = _client(world, "street").post(
        "/cases/warnings/systemic", {"key": key, "title": "x", "reason": "y", "end": day}
    )
    assert refused.status_code == 403
    assert Case.objects.filter(systemic_children__isnull=False).distinct().count() == 1


def test_the_list_names_a_warnings_latest_cases_and_counts_the_rest(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(recurrence, "SHOWN_CASES", 3)
    cases = [report(world, T0 + timedelta(days=d)) for d in range(5)]
    day = (T0 + timedelta(days=5)).date().isoformat()
    page = _client(world, "hub").get(f"/cases/warnings/?end={day}").content.decode()
    assert all(c.number in page for c in cases[2:])
    assert not any(c.number in page.split("发起系统性问题")[0] for c in cases[:2])
    assert "另有较早的 2 件未列出" in page
    assert "关联这 5 个事件" in page  # 发起系统性问题 links them all
    assert 'name="case_ids"' not in page  # the form names the warning, not its cases
    response = _client(world, "hub").post(
        "/cases/warnings/systemic",
        {"key": f"r{cases[0].pk}-g", "title": "路灯反复损坏", "reason": "线路老化", "end": day},
    )
    assert response.status_code == 302
    assert Case.objects.filter(systemic__isnull=False).count() == 5  # the unlisted two too


def test_a_warning_that_is_not_on_the_list_opens_nothing(world: World) -> None:
    """The form names a warning of a week's list; a key the list does not have (changed
    since, or made up) is refused with the reason, and nothing is made."""
    cases = [report(world, T0 + timedelta(days=d)) for d in (0, 2, 4)]
    client = _client(world, "hub")
    day = (T0 + timedelta(days=5)).date().isoformat()
    earlier = (T0 - timedelta(days=30)).date().isoformat()  # a week without the warning
    for key, end in (
        (f"r{cases[1].pk}-g", day),
        (f"r{cases[0].pk}-n", day),
        (f"r{cases[0].pk}-g", earlier),
    ):
        response = client.post(
            "/cases/warnings/systemic", {"key": key, "title": "路灯", "reason": "反复", "end": end}
        )
        assert response.status_code == 409, key
        assert "请刷新预警清单" in response.content.decode()
    for bad in ("1,2,3", "r1-x", ""):
        response = client.post(
            "/cases/warnings/systemic", {"key": bad, "title": "路灯", "reason": "反复", "end": day}
        )
        assert response.status_code == 422, bad
    assert not Case.objects.filter(systemic__isnull=False).exists()
