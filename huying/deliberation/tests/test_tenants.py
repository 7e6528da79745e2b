"""Districts as tenants: a district follows its own communities' deliberations, none of the
next district's (absent, 404); the city follows every district's."""

from __future__ import annotations

import pytest
from django.test import Client

from huying.conftest import MONDAY_10AM, Neighbour, World
from huying.core.errors import InvalidInput
from huying.deliberation import services
from huying.deliberation.models import Proposal, Recognition
from huying.deliberation.tests.helpers import menu
from huying.org.actors import Actor
from huying.org.models import Role
from huying.org.services import grant_role, person_create


def _theirs(world: World, neighbour: Neighbour) -> tuple[Recognition, Proposal]:
    recognition = services.recognition_request(
        actor=world.actor("resident_q"),
        community_id=neighbour.community.pk,
        name="李青城",
        address="青城路 1 号",
        now=MONDAY_10AM,
    )
    user = person_create(username="community_q", full_name="青城社区")
    staff = Actor.from_grant(
        grant_role(user=user, role=Role.COMMUNITY_STAFF, unit=neighbour.community)
    )
    proposal = services.proposal_create(
        actor=staff, title="青城小区加装路灯", description="夜里太黑", now=MONDAY_10AM
    )
    return recognition, proposal


def _ids(client: Client, url: str) -> set[int]:
    response = client.get(url)
    assert response.status_code == 200
    return {row["id"] for row in response.json()}


def _client(world: World, who: str) -> Client:
    client = Client()
    client.force_login(world.actor(who).user)
    return client


@pytest.mark.parametrize("who", ("hub", "hub_sup", "leader", "admin"))
def test_a_district_follows_none_of_the_next_ones_deliberations(
    world: World, neighbour: Neighbour, who: str
) -> None:
    ours = menu(world)
    recognition, theirs = _theirs(world, neighbour)
    client = _client(world, who)
    assert _ids(client, "/api/v1/deliberation/proposals") == {ours.pk}
    assert recognition.pk not in _ids(client, "/api/v1/deliberation/recognitions")
    assert client.get(f"/api/v1/deliberation/proposals/{theirs.pk}").status_code == 404
    assert client.get(f"/deliberation/proposals/{theirs.pk}/").status_code == 404


def test_the_neighbour_and_the_city_follow_theirs(world: World, neighbour: Neighbour) -> None:
    ours = menu(world)
    recognition, theirs = _theirs(world, neighbour)
    assert _ids(_client(world, "leader_q"), "/api/v1/deliberation/proposals") == {theirs.pk}
    city = _client(world, "city_sup")
    assert _ids(city, "/api/v1/deliberation/proposals") == {ours.pk, theirs.pk}
    assert recognition.pk in _ids(city, "/api/v1/deliberation/recognitions")


def test_a_resident_is_recognised_in_his_own_districts_communities_only(
    world: World, neighbour: Neighbour
) -> None:
    with pytest.raises(InvalidInput) as refused:
        services.recognition_request(
            actor=world.actor("resident"),
            community_id=neighbour.community.pk,
            name="王建华",
            address="青城路 2 号",
            now=MONDAY_10AM,
        )
    assert refused.value.details == {"field": "community_id"}
    page = _client(world, "resident").get("/m/deliberation/").content.decode()
    assert "第1社区" in page and "青城社区" not in page
