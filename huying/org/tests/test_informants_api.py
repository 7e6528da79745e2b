"""/api/v1/informants: the same rules as the phone page, as JSON."""

from __future__ import annotations

import pytest
from django.test import Client

from huying.conftest import World
from huying.org.models import RoleGrant

pytestmark = pytest.mark.django_db


def client_of(world: World, who: str) -> Client:
    client = Client()
    client.force_login(world.actor(who).user)
    return client


def test_enrol_list_suspend_and_reinstate(world: World) -> None:
    api = client_of(world, "grid_worker")
    made = api.post(
        "/api/v1/informants",
        {"grid_id": world.grids[0].pk, "name": "王大姐", "phone": "13900001111"},
        content_type="application/json",
    )
    assert made.status_code == 201, made.content
    body = made.json()
    assert (body["name"], body["phone"], body["active"]) == ("王大姐", "139****1111", True)
    listed = api.get("/api/v1/informants").json()
    assert body["id"] in [r["id"] for r in listed]
    off = api.post(
        f"/api/v1/informants/{body['id']}/suspend",
        {"reason": "不再履职"},
        content_type="application/json",
    )
    assert off.json()["active"] is False
    on = api.post(f"/api/v1/informants/{body['id']}/reinstate")
    assert on.json()["active"] is True


def test_a_second_grid_is_refused_with_a_chinese_message_and_nothing_changes(world: World) -> None:
    client_of(world, "grid_worker").post(
        "/api/v1/informants",
        {"grid_id": world.grids[0].pk, "name": "王大姐", "phone": "13900001111"},
        content_type="application/json",
    )
    before = RoleGrant.objects.count()
    refused = client_of(world, "grid_worker_b").post(
        "/api/v1/informants",
        {"grid_id": world.grids[2].pk, "name": "王大姐", "phone": "13900001111"},
        content_type="application/json",
    )
    assert refused.status_code == 422
    assert "只能在一个网格" in refused.json()["error"]["message"]
    assert RoleGrant.objects.count() == before


def test_out_of_scope_and_wrong_roles(world: World) -> None:
    api = client_of(world, "grid_worker_b")
    assert (
        api.post(
            "/api/v1/informants",
            {"grid_id": world.grids[0].pk, "name": "王大姐", "phone": "13900001111"},
            content_type="application/json",
        ).status_code
        == 404
    )
    informant = world.actor("informant")
    grant = RoleGrant.objects.get(user=informant.user, role="grid_informant")
    assert (
        api.post(
            f"/api/v1/informants/{grant.pk}/suspend", {}, content_type="application/json"
        ).status_code
        == 404
    )
    assert client_of(world, "street").get("/api/v1/informants").status_code == 403
