"""Districts as tenants: a district reads its own stations' applications, calls and rosters,
none of the next district's (absent, 404); the city reads every district's."""

from __future__ import annotations

import pytest
from django.test import Client

from huying.conftest import MONDAY_10AM, Neighbour, World
from huying.core.errors import InvalidInput, NotFound
from huying.onewindow import services
from huying.onewindow.models import Application, ElderCall
from huying.onewindow.tests.helpers import MATERIALS, accept, item
from huying.org.actors import Actor
from huying.org.models import Role
from huying.org.services import grant_role, person_create


def _theirs(world: World, neighbour: Neighbour) -> tuple[Application, ElderCall]:
    admin = world.actor("admin_q")
    made = services.item_create(
        actor=admin,
        code="QC001",
        name="青城老年优待证",
        time_limit=5,
        department_id=neighbour.department.pk,
        materials=MATERIALS,
    )
    made = services.item_publish(actor=admin, item_id=made.pk, version=made.version, published=True)
    user = person_create(username="window_q", full_name="青城窗口")
    window = Actor.from_grant(
        grant_role(user=user, role=Role.COMMUNITY_STAFF, unit=neighbour.community)
    )
    application = services.application_accept(
        actor=window,
        item_id=made.pk,
        resident_name="李青城",
        resident_phone="13800004321",
        materials_checked=MATERIALS,
        now=MONDAY_10AM,
    )
    call = services.call_take(
        actor=window,
        caller_name="王大爷",
        caller_phone="13800005678",
        request="路灯不亮",
        outcome="case",
        now=MONDAY_10AM,
    )
    return application, call


def _client(world: World, who: str) -> Client:
    client = Client()
    client.force_login(world.actor(who).user)
    return client


def _ids(client: Client, url: str) -> set[int]:
    response = client.get(url)
    assert response.status_code == 200
    return {row["id"] for row in response.json()}


@pytest.mark.parametrize("who", ("hub", "hub_sup", "leader", "admin"))
def test_a_district_reads_none_of_the_next_ones_stations(
    world: World, neighbour: Neighbour, who: str
) -> None:
    ours = accept(world, item(world))
    theirs, call = _theirs(world, neighbour)
    client = _client(world, who)
    assert _ids(client, "/api/v1/service-applications") == {ours.pk}
    assert client.get(f"/api/v1/service-applications/{theirs.pk}").status_code == 404
    assert call.pk not in _ids(client, "/api/v1/service-calls")
    roster = {"station_id": str(neighbour.community.pk), "day": "2026-03-10"}
    assert client.get("/api/v1/service-roster", roster).status_code == 404


def test_the_neighbour_and_the_city_read_theirs(world: World, neighbour: Neighbour) -> None:
    ours = accept(world, item(world))
    theirs, call = _theirs(world, neighbour)
    assert _ids(_client(world, "leader_q"), "/api/v1/service-applications") == {theirs.pk}
    city = _client(world, "city_sup")
    assert _ids(city, "/api/v1/service-applications") == {ours.pk, theirs.pk}
    assert call.pk in _ids(city, "/api/v1/service-calls")
    roster = {"station_id": str(neighbour.community.pk), "day": "2026-03-10"}
    assert city.get("/api/v1/service-roster", roster).status_code == 200


def test_the_service_items_are_the_districts(world: World, neighbour: Neighbour) -> None:
    """A district's administrator keeps its departments' items only; its windows accept
    them only: an item of the next district's department is not found."""
    ours = item(world)
    theirs, _call = _theirs(world, neighbour)
    admin = _client(world, "admin")
    page = admin.get("/onewindow/items/").content.decode()
    assert ours.name in page and theirs.item.name not in page
    assert admin.get(f"/onewindow/items/{theirs.item_id}/").status_code == 404
    with pytest.raises(NotFound):
        services.item_publish(
            actor=world.actor("admin"),
            item_id=theirs.item_id,
            version=theirs.item.version,
            published=False,
        )
    with pytest.raises(InvalidInput) as refused:
        services.item_create(
            actor=world.actor("admin"),
            code="FW009",
            name="越区事项",
            time_limit=5,
            department_id=neighbour.department.pk,
        )
    assert refused.value.details == {"field": "department_id"}
    with pytest.raises(NotFound):
        accept(world, theirs.item)
    assert Application.objects.filter(item=theirs.item).count() == 1
    window = world.client("community").get("/onewindow/").content.decode()
    assert ours.name in window and theirs.item.name not in window
    assert (
        theirs.item.name in _client(world, "city_admin").get("/onewindow/items/").content.decode()
    )
