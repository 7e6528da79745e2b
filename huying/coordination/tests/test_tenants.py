"""Districts as tenants: a district reads its own joint operations and meetings, none of the
next district's (absent, 404), and names only its own departments; the city reads across."""

from __future__ import annotations

import json

import pytest
from django.test import Client

from huying.conftest import MONDAY_10AM, Neighbour, World
from huying.coordination import services
from huying.coordination.models import JointOperation, Meeting, MeetingKind

DAY = MONDAY_10AM.date()


def _theirs(world: World, neighbour: Neighbour) -> tuple[JointOperation, Meeting]:
    operation = services.operation_create(
        actor=world.actor("street_q"),
        title="青城夜市整治",
        problem="占道经营",
        held_on=DAY,
        place="青城路",
        unit_ids=[neighbour.department.pk],
        now=MONDAY_10AM,
    )
    meeting = services.meeting_create(
        actor=world.actor("hub_q"), kind=MeetingKind.QUARTERLY, held_on=DAY, now=MONDAY_10AM
    )
    return operation, meeting


def _client(world: World, who: str) -> Client:
    client = Client()
    client.force_login(world.actor(who).user)
    return client


def _ids(client: Client, url: str) -> set[int]:
    response = client.get(url)
    assert response.status_code == 200
    return {row["id"] for row in response.json()}


@pytest.mark.parametrize("who", ("hub", "hub_sup", "leader"))
def test_a_district_reads_none_of_the_next_ones_operations_and_meetings(
    world: World, neighbour: Neighbour, who: str
) -> None:
    operation, meeting = _theirs(world, neighbour)
    client = _client(world, who)
    assert operation.pk not in _ids(client, "/api/v1/joint-operations")
    assert meeting.pk not in _ids(client, "/api/v1/meetings")
    assert client.get(f"/api/v1/joint-operations/{operation.pk}").status_code == 404
    assert client.get(f"/api/v1/meetings/{meeting.pk}").status_code == 404
    assert client.get(f"/coordination/meetings/{meeting.pk}/").status_code == 404


def test_the_neighbour_and_the_city_read_theirs(world: World, neighbour: Neighbour) -> None:
    operation, meeting = _theirs(world, neighbour)
    for who in ("leader_q", "city_sup"):
        client = _client(world, who)
        assert operation.pk in _ids(client, "/api/v1/joint-operations")
        assert meeting.pk in _ids(client, "/api/v1/meetings")


def test_a_street_names_only_its_own_districts_departments(
    world: World, neighbour: Neighbour
) -> None:
    body = {
        "title": "越区联合执法",
        "problem": "占道经营",
        "held_on": str(DAY),
        "place": "建设路",
        "unit_ids": [neighbour.department.pk],
    }
    response = _client(world, "street").post(
        "/api/v1/joint-operations", json.dumps(body), content_type="application/json"
    )
    assert response.status_code == 422
    assert not JointOperation.objects.exists()
