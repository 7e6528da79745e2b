"""Districts as tenants: a district keeps and reads its own service points and coverage only;
the neighbour's points are 404 to it and a point placed in the neighbour's grid is refused;
the city reads every district's coverage."""

from __future__ import annotations

import json

import pytest
from django.test import Client

from huying.conftest import Neighbour, World
from huying.lifecircle.models import ServiceKind, ServicePoint
from huying.lifecircle.tests.helpers import kinds, point

QC = (30.605, 104.305)


def _client(world: World, who: str) -> Client:
    client = Client()
    client.force_login(world.actor(who).user)
    return client


def _coverage(world: World, who: str) -> set[str]:
    response = _client(world, who).get("/api/v1/life-circle/coverage")
    assert response.status_code == 200
    return {c["community_name"] for c in response.json()}


@pytest.mark.parametrize("who", ("hub", "hub_sup", "leader", "admin"))
def test_a_district_reads_none_of_the_next_ones_coverage(
    world: World, neighbour: Neighbour, who: str
) -> None:
    assert _coverage(world, who) == {"第1社区", "第2社区"}


def test_the_neighbour_and_the_city_read_theirs(world: World, neighbour: Neighbour) -> None:
    assert _coverage(world, "leader_q") == {"青城社区"}
    assert _coverage(world, "city_sup") == {"第1社区", "第2社区", "青城社区"}


def test_a_district_keeps_none_of_the_next_ones_points(world: World, neighbour: Neighbour) -> None:
    kinds()
    theirs = point(world, at=QC, who="street_q", name="青城卫生服务站")
    admin = _client(world, "admin")
    url = f"/api/v1/service-points/{theirs.pk}"
    body = {
        "name": "改名",
        "kind_id": theirs.kind_id,
        "address": "青城路 1 号",
        "lat": QC[0],
        "lng": QC[1],
        "hours": {"1": ["09:00-17:00"]},
        "version": 1,
    }
    assert admin.put(url, json.dumps(body), content_type="application/json").status_code == 404
    assert admin.delete(f"{url}?version=1").status_code == 404
    assert admin.get(f"/lifecircle/points/{theirs.pk}/").status_code == 404
    placed = {
        "name": "越界的服务站",
        "kind_id": ServiceKind.objects.get(code="party").pk,
        "lat": QC[0],
        "lng": QC[1],
    }
    refused = admin.post(
        "/api/v1/service-points", json.dumps(placed), content_type="application/json"
    )
    assert refused.status_code == 422
    assert list(ServicePoint.objects.values_list("name", flat=True)) == ["青城卫生服务站"]
    mine = _client(world, "admin_q")
    assert mine.get(f"/lifecircle/points/{theirs.pk}/").status_code == 200
