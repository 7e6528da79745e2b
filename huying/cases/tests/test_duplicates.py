"""疑似重复: earlier open cases that read alike, near the same spot, within a week, only the
ones the actor may see; merged from the case page with one click, through the merge service."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from typing import Any, TypedDict

import pytest
from django.test import Client

from huying.cases import services
from huying.cases.duplicates import (
    duplicates_of_case,
    find_duplicates,
    report_at,
)
from huying.cases.models import Case, CaseState
from huying.conftest import MONDAY_10AM, World
from huying.core.errors import NotFound, PermissionDenied
from huying.core.geo import M_PER_DEG_LAT
from huying.core.text import character_profile, profile_similarity

from .helpers import submit

T0 = MONDAY_10AM


class Text(TypedDict):
    title: str
    description: str


#: Two reports of one broken street light, worded differently.
LIGHT: Text = {"title": "路灯不亮", "description": "小区门口路灯坏了好几天，晚上很黑"}
LIGHT_AGAIN: Text = {"title": "路灯坏了", "description": "晚上路灯不亮，小区门口一片漆黑"}
#: Another problem at the same gate.
MANHOLE: Text = {"title": "井盖缺失", "description": "小区门口井盖没了，很危险"}


@pytest.fixture(autouse=True)
def _windows(settings: Any) -> Iterator[None]:
    settings.HUYING_DUPLICATE_METRES = 200
    settings.HUYING_DUPLICATE_DAYS = 7
    settings.HUYING_DUPLICATE_SIMILARITY = 0.4
    yield


def north_of(point: tuple[float, float], metres: float) -> tuple[float, float]:
    return point[0] + metres / M_PER_DEG_LAT, point[1]


def ids(found: list[Any]) -> list[int]:
    return [d.id for d in found]


# --- the text measure, on hand-made pairs --------------------------------------------------------

SAME = [
    (LIGHT, LIGHT_AGAIN),
    (
        {"title": "井盖缺失", "description": "人民路与解放路口井盖没了，很危险"},
        {"title": "井盖丢失", "description": "解放路口有个井盖不见了"},
    ),
    (
        {"title": "垃圾堆放", "description": "菜市场后面垃圾好几天没人清运，臭味很大"},
        {"title": "垃圾没人清运", "description": "菜市场后门垃圾堆积，气味难闻"},
    ),
    (
        {"title": "占道经营", "description": "小贩在人行道上摆摊卖水果"},
        {"title": "人行道摆摊", "description": "水果摊占用人行道，行人没法走"},
    ),
    (
        {"title": "噪音扰民", "description": "工地夜间施工噪音很大"},
        {"title": "夜间施工噪音", "description": "晚上十一点还在施工，吵得睡不着"},
    ),
    (
        {"title": "下水道堵塞", "description": "污水冒到路面上"},
        {"title": "污水外溢", "description": "下水道堵了，污水溢到路上"},
    ),
]
DIFFERENT = [
    (LIGHT, MANHOLE),
    (
        {"title": "垃圾堆放", "description": "菜市场后面垃圾好几天没人清运"},
        {"title": "占道经营", "description": "菜市场门口小贩占道摆摊"},
    ),
    (
        {"title": "噪音扰民", "description": "工地夜间施工噪音很大"},
        {"title": "路面破损", "description": "工地门口路面被压坏了"},
    ),
    (
        {"title": "违章停车", "description": "车辆停在消防通道上"},
        {"title": "共享单车乱停", "description": "单车堆在人行道上"},
    ),
]


def _similarity(a: dict[str, str], b: dict[str, str]) -> float:
    return profile_similarity(
        character_profile(f"{a['title']}\n{a['description']}"),
        character_profile(f"{b['title']}\n{b['description']}"),
    )


@pytest.mark.parametrize(("a", "b"), SAME)
def test_two_reports_of_one_problem_read_alike(a: dict[str, str], b: dict[str, str]) -> None:
    """The default threshold (0.4) was chosen from these pairs: the same problem in other
    words scores 0.53 or more, different problems at one place 0.31 or less."""
    assert _similarity(a, b) >= 0.5


@pytest.mark.parametrize(("a", "b"), DIFFERENT)
def test_different_problems_do_not(a: dict[str, str], b: dict[str, str]) -> None:
    assert _similarity(a, b) < 0.35


# --- place, time and text ----------------------------------------------------------------------


def test_an_earlier_report_nearby_that_reads_alike_is_offered(world: World) -> None:
    here = world.point_in(0)
    earlier = submit(world, **LIGHT, point=here, now=T0)
    later = submit(world, **LIGHT_AGAIN, point=north_of(here, 120), now=T0 + timedelta(days=2))
    [found] = duplicates_of_case(world.actor("street"), case_id=later.pk)
    assert (found.id, found.number, found.state) == (earlier.pk, earlier.number, "submitted")
    assert found.distance_m == pytest.approx(120, abs=1)
    assert 0.5 < found.similarity < 1
    # Only earlier cases: the earlier report stays the master.
    assert duplicates_of_case(world.actor("street"), case_id=earlier.pk) == []


def test_distance_decides_when_both_have_a_point(world: World) -> None:
    here = world.point_in(0)
    near = submit(world, **LIGHT, point=north_of(here, 190), now=T0)
    submit(world, **LIGHT, point=north_of(here, 230), now=T0)  # in the box's reach, too far
    case = submit(world, **LIGHT_AGAIN, point=here, now=T0 + timedelta(hours=1))
    assert ids(duplicates_of_case(world.actor("street"), case_id=case.pk)) == [near.pk]


def test_only_the_days_before_count(world: World) -> None:
    here = world.point_in(0)
    t = T0 + timedelta(days=10)
    on_the_edge = submit(world, **LIGHT, point=here, now=t - timedelta(days=7))
    submit(world, **LIGHT, point=here, now=t - timedelta(days=7, minutes=1))
    case = submit(world, **LIGHT_AGAIN, point=here, now=t)
    assert ids(duplicates_of_case(world.actor("street"), case_id=case.pk)) == [on_the_edge.pk]


def test_text_that_is_not_alike_is_no_duplicate(world: World) -> None:
    here = world.point_in(0)
    submit(world, **MANHOLE, point=here, now=T0)
    case = submit(world, **LIGHT, point=here, now=T0 + timedelta(hours=1))
    assert duplicates_of_case(world.actor("street"), case_id=case.pk) == []


def test_only_open_cases_are_candidates(world: World) -> None:
    street = world.actor("street")
    here = world.point_in(0)
    rejected = submit(world, **LIGHT, point=here, now=T0)
    services.case_reject(actor=street, case_id=rejected.pk, reason="重复反映", now=T0)
    master = submit(world, **LIGHT, point=here, now=T0)
    merged = submit(world, **LIGHT, point=here, now=T0)
    services.case_merge(actor=street, case_id=merged.pk, master_id=master.pk, now=T0)
    case = submit(world, **LIGHT_AGAIN, point=here, now=T0 + timedelta(hours=1))
    assert ids(duplicates_of_case(street, case_id=case.pk)) == [master.pk]


def test_without_a_point_the_grid_decides(world: World) -> None:
    """A report placed by its grid alone is compared with the grid's cases, wherever in the
    grid they are; a neighbouring grid's are not candidates however near."""
    grid0, grid1 = world.grids[0], world.grids[1]
    far_corner = (30.6005, 104.0005)  # grid 0, ~700 m from its centre
    in_grid = submit(world, **LIGHT, point=far_corner, now=T0)
    submit(world, **LIGHT, grid=1, now=T0)
    case = services.case_submit(
        actor=world.actor("street"), **LIGHT_AGAIN, unit_id=grid0.pk, now=T0 + timedelta(hours=1)
    )
    assert (case.lat, case.grid_id) == (None, grid0.pk)
    [found] = duplicates_of_case(world.actor("street"), case_id=case.pk)
    assert (found.id, found.distance_m) == (in_grid.pk, None)
    # And the other way: a case with a point meets the grid's case that has none.
    later = submit(world, **LIGHT, point=far_corner, now=T0 + timedelta(hours=2))
    assert set(ids(duplicates_of_case(world.actor("street"), case_id=later.pk))) == {
        in_grid.pk,
        case.pk,
    }
    assert grid1.pk not in {c.grid_id for c in Case.objects.filter(pk__in=[in_grid.pk, case.pk])}


def test_a_street_never_sees_another_streets_case_as_a_duplicate(world: World) -> None:
    """Grids 1 (street 1) and 2 (street 2) share a border: two reports 20 m apart across it."""
    mine = submit(world, who="street", **LIGHT, point=(30.605, 104.0199), now=T0)
    theirs = submit(
        world, who="street_b", **LIGHT_AGAIN, point=(30.605, 104.0201), now=T0 + timedelta(hours=1)
    )
    assert (mine.street_id, theirs.street_id) == (world.streets[0].pk, world.streets[1].pk)
    assert duplicates_of_case(world.actor("street_b"), case_id=theirs.pk) == []
    assert ids(duplicates_of_case(world.actor("hub"), case_id=theirs.pk)) == [mine.pk]
    with pytest.raises(NotFound):
        duplicates_of_case(world.actor("street_b"), case_id=mine.pk)


def test_residents_are_never_told(world: World) -> None:
    case = submit(world, who="resident", **LIGHT, now=T0)
    with pytest.raises(PermissionDenied):
        duplicates_of_case(world.actor("resident"), case_id=case.pk)


def test_a_report_not_yet_made_is_compared_too(world: World) -> None:
    """At intake (12345, a patrol): the text and point of what is about to be reported."""
    here = world.point_in(0)
    earlier = submit(world, **LIGHT, point=here, now=T0)
    report = report_at(**LIGHT_AGAIN, lat=here[0], lng=here[1], now=T0 + timedelta(days=1))
    assert ids(find_duplicates(world.actor("hub"), report)) == [earlier.pk]
    away = report_at(**LIGHT_AGAIN, lat=here[0] + 0.01, lng=here[1], now=T0 + timedelta(days=1))
    assert find_duplicates(world.actor("hub"), away) == []


# --- the case page and the API -------------------------------------------------------------------


def _client(world: World, who: str) -> Client:
    client = Client()
    client.force_login(world.actor(who).user)
    return client


def test_the_case_page_offers_a_one_click_merge_into_the_earlier_case(world: World) -> None:
    here = world.point_in(0)
    earlier = submit(world, **LIGHT, point=here, now=T0)
    later = submit(world, **LIGHT_AGAIN, point=north_of(here, 50), now=T0 + timedelta(hours=3))
    client = _client(world, "street")
    page = client.get(f"/cases/{later.pk}/").content.decode()
    assert "疑似重复" in page and earlier.number in page and "合并到此事件" in page
    assert 'name="c-merge-master_number" value="' + earlier.number + '"' in page
    response = client.post(
        f"/cases/{later.pk}/act/merge",
        {
            "c-merge-master_number": earlier.number,
            "c-merge-expected_version": later.version,
            "c-merge-reason": "疑似重复：与 X 文字相似度 70%",
        },
    )
    assert response.status_code == 302
    later.refresh_from_db()
    assert (later.state, later.master_id) == (CaseState.MERGED, earlier.pk)
    event = later.events.order_by("-seq").first()
    assert event is not None and event.action == "merge"
    assert event.after["master_number"] == earlier.number
    # The earlier case's page has nothing to offer: nothing before it.
    page = client.get(f"/cases/{earlier.pk}/").content.decode()
    assert "未发现疑似重复的事件" in page


def test_the_box_is_only_for_those_who_may_merge_now(world: World) -> None:
    here = world.point_in(0)
    submit(world, **LIGHT, point=here, now=T0)
    later = submit(world, **LIGHT_AGAIN, point=here, now=T0 + timedelta(hours=1))
    assert "h-dupes" not in _client(world, "leader").get(f"/cases/{later.pk}/").content.decode()
    services.case_triage(
        actor=world.actor("street"), case_id=later.pk, item_id=world.items[2].pk, now=T0
    )
    assert "h-dupes" not in _client(world, "street").get(f"/cases/{later.pk}/").content.decode()


def test_the_api_lists_them(world: World) -> None:
    here = world.point_in(0)
    earlier = submit(world, **LIGHT, point=here, now=T0)
    later = submit(world, **LIGHT_AGAIN, point=north_of(here, 80), now=T0 + timedelta(hours=1))
    response = _client(world, "street").get(f"/api/v1/cases/{later.pk}/duplicates")
    assert response.status_code == 200
    body = response.json()
    assert body["case_id"] == later.pk
    assert (body["metres"], body["days"], body["threshold"]) == (200, 7, 0.4)
    [item] = body["items"]
    assert (item["id"], item["number"], item["state"]) == (earlier.pk, earlier.number, "submitted")
    assert item["distance_m"] == pytest.approx(80, abs=1)
    assert 0.5 < item["similarity"] < 1


@pytest.mark.parametrize(
    ("who", "status"), [("street_b", 404), ("dept_sw", 404), ("resident", 403)]
)
def test_the_api_answers_404_out_of_scope(world: World, who: str, status: int) -> None:
    case = submit(world, who="resident", **LIGHT, now=T0)
    response = _client(world, who).get(f"/api/v1/cases/{case.pk}/duplicates")
    assert response.status_code == status, response.content


@pytest.mark.parametrize(("case_id", "status"), [("999999", 404), ("0", 422), ("x", 422)])
def test_the_api_refuses_bad_ids(world: World, case_id: str, status: int) -> None:
    response = _client(world, "hub").get(f"/api/v1/cases/{case_id}/duplicates")
    assert response.status_code == status


def test_a_systemic_case_does_not_offer_the_cases_it_links(world: World) -> None:
    """It has no point, so its grid's open cases are compared with it; those it links are
    its cause's reports, not copies of it. An unlinked one that reads alike still shows."""
    linked = [submit(world, **LIGHT, now=T0 + timedelta(hours=h)) for h in (0, 1)]
    other = submit(world, **LIGHT_AGAIN, now=T0 + timedelta(hours=2))
    parent = services.case_open_systemic(
        actor=world.actor("hub"),
        case_ids=[c.pk for c in linked],
        title=LIGHT["title"],
        reason=LIGHT["description"],
        now=T0 + timedelta(hours=3),
    )
    assert parent.lat is None and parent.grid_id == world.grids[0].pk
    assert ids(duplicates_of_case(world.actor("hub"), case_id=parent.pk)) == [other.pk]
