"""POST /api/v1/triage/suggest as an outside system or an intake page calls it: the
suggestion with the duplicates at the reported point (staff only, in the caller's scope), and
bad input answered with a clear 4xx or an empty suggestion, never a 500."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from huying.cases.tests.helpers import submit
from huying.conftest import World

URL = "/api/v1/triage/suggest"
#: Two street-light reports 20 m apart across the border of grid 1 (street 1) and grid 2
#: (street 2).
MINE = (30.605, 104.0199)
ACROSS = (30.605, 104.0201)


def _client(world: World, who: str) -> Client:
    client = Client()
    client.force_login(world.actor(who).user)
    return client


def _ask(client: Client, **body: Any) -> Any:
    return client.post(URL, body, content_type="application/json")


@pytest.fixture
def earlier(world: World) -> Any:
    """An open report of a dark street light, an hour ago, in street 1."""
    return submit(
        world,
        who="street",
        title="路灯不亮",
        description="小区门口路灯坏了好几天，晚上很黑",
        point=MINE,
        now=timezone.now() - timedelta(hours=1),
    )


def test_intake_is_told_of_an_earlier_report_at_the_same_spot(world: World, earlier: Any) -> None:
    answer = _ask(
        _client(world, "street"),
        title="路灯坏了",
        description="晚上路灯不亮，小区门口一片漆黑",
        lat=MINE[0],
        lng=MINE[1] + 0.0001,  # about 10 m east
    )
    assert answer.status_code == 200
    body = answer.json()
    assert body["items"][0]["name"] == "路灯不亮"
    [dup] = body["duplicates"]
    assert (dup["id"], dup["number"]) == (earlier.pk, earlier.number)
    assert 0.4 <= dup["similarity"] <= 1 and 5 < dup["distance_m"] < 15
    assert body["model"] is None


def test_no_point_no_duplicates_and_another_problem_is_not_one(world: World, earlier: Any) -> None:
    client = _client(world, "street")
    assert _ask(client, title="路灯坏了", description="晚上路灯不亮").json()["duplicates"] == []
    manhole = _ask(
        client, title="井盖缺失", description="小区门口井盖没了", lat=MINE[0], lng=MINE[1]
    )
    assert manhole.json()["duplicates"] == []


def test_another_streets_report_and_residents_are_never_shown(world: World, earlier: Any) -> None:
    near = {"title": "路灯坏了", "description": "晚上路灯不亮，小区门口一片漆黑"}
    other_street = _ask(_client(world, "street_b"), **near, lat=ACROSS[0], lng=ACROSS[1])
    assert other_street.status_code == 200 and other_street.json()["duplicates"] == []
    hub = _ask(_client(world, "hub"), **near, lat=ACROSS[0], lng=ACROSS[1])
    assert [d["id"] for d in hub.json()["duplicates"]] == [earlier.pk]
    resident = _ask(_client(world, "resident"), **near, lat=MINE[0], lng=MINE[1])
    assert resident.status_code == 200
    assert resident.json()["items"] and resident.json()["duplicates"] == []


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"title": ""}, "title"),  # nothing to suggest from
        ({}, "title"),
        ({"title": "路灯" * 25_000}, "title"),  # 50,000 characters
        ({"title": "路灯", "description": "灯" * 50_000}, "description"),
        ({"title": "路灯", "lat": 30.6}, "lat"),  # half a point
        ({"title": "路灯", "lat": 91, "lng": 104}, "lat"),
        ({"title": "路灯", "lat": True, "lng": 104}, "lat"),  # pydantic's lax mode read 1.0
        ({"title": "路灯", "lat": 30.6, "lng": "104.1"}, "lng"),
        ({"title": "路灯", "source": "pigeon"}, "source"),
        ({"title": 12}, "title"),
    ],
)
def test_bad_input_is_a_clear_422_naming_the_field(
    world: World, body: dict[str, Any], field: str
) -> None:
    answer = _ask(_client(world, "street"), **body)
    assert answer.status_code == 422, answer.content
    assert field in answer.content.decode()


@pytest.mark.parametrize("title", ["😀😀😀", "🚧🚨💡", "！！！？？？", "……", "   x"])
def test_text_with_nothing_to_go_on_gets_an_empty_suggestion(world: World, title: str) -> None:
    answer = _ask(_client(world, "street"), title=title)
    assert answer.status_code == 200
    body = answer.json()
    assert (body["items"], body["level"], body["lead"]) == ([], None, None)
