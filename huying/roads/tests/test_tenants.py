"""Districts as tenants: a district's administrator keeps the roads of its own streets only
(the next district's are 404 to it and cannot be added to); the city's keeps every district's."""

from __future__ import annotations

import json

from django.test import Client

from huying.conftest import MONDAY_10AM, Neighbour, World
from huying.roads import services
from huying.roads.models import Road


def _client(world: World, who: str) -> Client:
    client = Client()
    client.force_login(world.actor(who).user)
    return client


def test_a_district_keeps_none_of_the_next_ones_roads(world: World, neighbour: Neighbour) -> None:
    theirs = services.road_create(
        actor=world.actor("admin_q"), street_id=neighbour.street.pk, name="青城路", now=MONDAY_10AM
    )
    admin = _client(world, "admin")
    assert admin.get(f"/roads/edit/{theirs.pk}/").status_code == 404
    assert "青城路" not in admin.get("/roads/edit/").content.decode()
    response = admin.post(
        "/api/v1/roads",
        json.dumps({"street_id": neighbour.street.pk, "name": "越区路"}),
        content_type="application/json",
    )
    assert response.status_code == 403
    assert list(Road.objects.values_list("name", flat=True)) == ["青城路"]
    city = _client(world, "city_admin")
    assert city.get(f"/roads/edit/{theirs.pk}/").status_code == 200
    created = city.post(
        "/api/v1/roads",
        json.dumps({"street_id": world.streets[0].pk, "name": "锦城路"}),
        content_type="application/json",
    )
    assert created.status_code == 201
