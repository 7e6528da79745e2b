"""Districts as tenants: a district's wide roles see none of the next district's patrols,
grids or streets (404 or absent); the neighbour's see theirs; the city's read across."""

from __future__ import annotations

import pytest
from django.test import Client

from huying.conftest import Neighbour, World
from huying.grid import services
from huying.grid.models import DutyTemplate, Patrol
from huying.org.actors import Actor
from huying.org.models import Role
from huying.org.services import grant_role, person_create

WORLD_WIDE = ("hub", "hub_sup", "leader", "admin")


def _patrols(world: World, neighbour: Neighbour) -> tuple[Patrol, Patrol]:
    ours = services.patrol_start(actor=world.actor("grid_worker"))
    user = person_create(username="gw_q", full_name="青城网格员")
    gw_q = Actor.from_grant(grant_role(user=user, role=Role.GRID_WORKER, unit=neighbour.grid))
    return ours, services.patrol_start(actor=gw_q)


def _client(world: World, who: str) -> Client:
    client = Client()
    client.force_login(world.actor(who).user)
    return client


def _listed(client: Client) -> set[int]:
    response = client.get("/api/v1/patrols")
    assert response.status_code == 200
    return {p["id"] for p in response.json()}


@pytest.mark.parametrize("who", WORLD_WIDE)
def test_a_district_sees_none_of_the_next_ones_patrols_and_grids(
    world: World, neighbour: Neighbour, who: str
) -> None:
    ours, theirs = _patrols(world, neighbour)
    client = _client(world, who)
    listed = _listed(client)
    assert ours.pk in listed and theirs.pk not in listed
    assert client.get(f"/api/v1/patrols/{theirs.pk}").status_code == 404
    assert client.get(f"/api/v1/grids/{neighbour.grid.pk}/duties").status_code == 404
    assert client.get(f"/grids/patrols/{theirs.pk}/").status_code == 404
    compliance = client.get("/api/v1/patrols/compliance", {"street_id": neighbour.street.pk})
    assert compliance.status_code == 404


def test_the_neighbours_hub_sees_its_own(world: World, neighbour: Neighbour) -> None:
    ours, theirs = _patrols(world, neighbour)
    client = _client(world, "hub_q")
    listed = _listed(client)
    assert theirs.pk in listed and ours.pk not in listed
    assert client.get(f"/api/v1/grids/{neighbour.grid.pk}/duties").status_code == 200
    assert client.get(f"/api/v1/grids/{world.grids[0].pk}/duties").status_code == 404
    compliance = client.get("/api/v1/patrols/compliance")
    assert compliance.status_code == 200
    assert compliance.json()["street_id"] == neighbour.street.pk


@pytest.mark.parametrize("who", ("city_sup", "city_admin"))
def test_the_city_reads_every_districts_patrols(
    world: World, neighbour: Neighbour, who: str
) -> None:
    ours, theirs = _patrols(world, neighbour)
    client = _client(world, who)
    assert {ours.pk, theirs.pk} <= _listed(client)
    assert client.get(f"/api/v1/patrols/{theirs.pk}").status_code == 200
    assert client.get(f"/api/v1/grids/{world.grids[0].pk}/duties").status_code == 200


def test_the_duty_template_is_a_districts_not_the_citys(world: World, neighbour: Neighbour) -> None:
    client = _client(world, "admin_q")
    response = client.post(
        "/api/v1/duty-template", {"text": "巡查青城路"}, content_type="application/json"
    )
    assert response.status_code == 201
    assert [t["text"] for t in _client(world, "admin").get("/api/v1/duty-template").json()] == []
    city = _client(world, "city_admin")
    refused = city.post("/api/v1/duty-template", {"text": "全市"}, content_type="application/json")
    assert refused.status_code == 403
    assert not DutyTemplate.objects.filter(district=neighbour.city).exists()


def test_a_grids_duty_names_only_its_own_districts_items(
    world: World, neighbour: Neighbour
) -> None:
    from huying.catalogue.models import Level
    from huying.core.errors import InvalidInput
    from huying.grid import duties
    from huying.grid.models import GridDuty

    leader = world.actor("grid_leader")
    grid = world.grids[0]
    with pytest.raises(InvalidInput):
        duties.duty_add(actor=leader, grid_id=grid.pk, item_id=neighbour.items[Level.GENERAL].pk)
    assert not GridDuty.objects.filter(grid=grid).exists()
    duty = duties.duty_add(actor=leader, grid_id=grid.pk, item_id=world.items[Level.GENERAL].pk)
    assert duty.item == world.items[Level.GENERAL]
    page = world.client("grid_leader").get(f"/grids/{grid.pk}/").content.decode()
    assert f'value="{world.items[Level.GENERAL].pk}"' in page
    assert f'value="{neighbour.items[Level.GENERAL].pk}"' not in page
