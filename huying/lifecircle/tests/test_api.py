"""The API: points and the nearby search for anyone, writes scoped to the keeper's street
with structured Chinese errors and nothing changed, coverage from the reader's node down."""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.test import Client

from huying.conftest import World
from huying.lifecircle.models import ServiceKind, ServicePoint
from huying.lifecircle.tests.helpers import kinds, point

pytestmark = pytest.mark.django_db

IN_1 = (30.605, 104.005)


def _client(world: World, who: str) -> Client:
    client = Client()
    client.force_login(world.actor(who).user)
    return client


def _body(**kw: Any) -> dict[str, Any]:
    return {
        "name": "虹口区第一社区党群服务站",
        "kind_id": ServiceKind.objects.get(code="party").pk,
        "address": "示范路 8 号",
        "lat": IN_1[0],
        "lng": IN_1[1],
        "hours": {"1": ["08:30-17:00"], "6": ["09:00-12:00"]},
        "services": ["党员活动", "居民议事"],
        **kw,
    }


def _send(client: Client, method: str, url: str, body: dict[str, Any]) -> Any:
    return getattr(client, method)(url, json.dumps(body), content_type="application/json")


def test_points_and_nearby_need_no_sign_in(world: World) -> None:
    kinds()
    made = point(world, at=IN_1)
    point(world, at=(30.605, 104.035), who="admin", name="远处卫生站")
    rows = Client().get("/api/v1/service-points", {"kind": "health"}).json()
    assert {r["name"] for r in rows} == {"第一社区卫生服务站", "远处卫生站"}
    near = Client().get("/api/v1/service-points/nearby", {"lat": "30.605", "lng": "104.006"}).json()
    assert [(r["id"], r["kind"]) for r in near] == [(made.pk, "health")]
    assert near[0]["metres"] == pytest.approx(95.8, abs=1)
    assert near[0]["minutes"] == pytest.approx(1.4, abs=0.1)
    assert set(near[0]) >= {"open_now", "today", "hours", "community_name"}
    assert Client().get(f"/api/v1/service-points/{made.pk}").json()["address"] == "示范路 1 号"
    assert len(Client().get("/api/v1/service-kinds").json()) == 9


@pytest.mark.parametrize(
    "query", [{"lat": 91, "lng": 104}, {"lat": 30.6}, {"lat": 30.6, "lng": 104, "minutes": 0}]
)
def test_a_bad_nearby_query_is_a_422(world: World, query: dict[str, Any]) -> None:
    assert Client().get("/api/v1/service-points/nearby", query).status_code == 422


def test_a_street_creates_in_its_own_communities(world: World) -> None:
    kinds()
    created = _send(_client(world, "street"), "post", "/api/v1/service-points", _body())
    assert created.status_code == 201
    assert created.json()["community_id"] == world.communities[0].pk
    assert created.json()["hours"]["6"] == [["09:00", "12:00"]]


def test_another_streets_community_is_refused_with_a_chinese_message(world: World) -> None:
    kinds()
    refused = _send(_client(world, "street_b"), "post", "/api/v1/service-points", _body())
    assert refused.status_code == 422
    error = refused.json()["error"]
    assert error["code"] == "invalid_input"
    assert "第1社区" in error["message"] and "不在你管理的范围内" in error["message"]
    assert not ServicePoint.objects.exists()


def test_signed_out_and_non_keepers_cannot_write(world: World) -> None:
    kinds()
    assert _send(Client(), "post", "/api/v1/service-points", _body()).status_code == 401
    assert (
        _send(_client(world, "resident"), "post", "/api/v1/service-points", _body()).status_code
        == 403
    )
    assert not ServicePoint.objects.exists()


def test_update_and_delete_are_scoped_and_versioned(world: World) -> None:
    kinds()
    made = point(world, at=IN_1)
    url = f"/api/v1/service-points/{made.pk}"
    other = _send(_client(world, "street_b"), "put", url, _body(version=1))
    assert other.status_code == 404
    client = _client(world, "street")
    assert _send(client, "put", url, _body(version=1)).json()["version"] == 2
    stale = _send(client, "put", url, _body(version=1, name="旧页面"))
    assert stale.status_code == 409
    assert client.delete(f"{url}?version=1").status_code == 409
    assert client.delete(f"{url}?version=2").status_code == 204
    assert not ServicePoint.objects.exists()


def test_the_district_sets_essential_kinds(world: World) -> None:
    kinds()
    childcare = ServiceKind.objects.get(code="childcare")
    url = f"/api/v1/service-kinds/{childcare.pk}"
    body = {"name": "托育点", "essential": True, "version": 1}
    assert _send(_client(world, "street"), "put", url, body).status_code == 403
    assert _send(_client(world, "admin"), "put", url, body).json()["essential"] is True


def test_coverage_is_read_from_the_readers_node_down(world: World) -> None:
    kinds()
    point(world, at=IN_1)
    mine = _client(world, "street").get("/api/v1/life-circle/coverage").json()
    assert [c["community_name"] for c in mine] == ["第1社区"]
    health = next(k for k in mine[0]["kinds"] if k["kind"] == "health")
    assert 0 < health["share"] < 1 and health["covered"] < health["total"]
    everything = _client(world, "leader").get("/api/v1/life-circle/coverage").json()
    assert [c["community_name"] for c in everything] == ["第1社区", "第2社区"]
    assert _client(world, "resident").get("/api/v1/life-circle/coverage").status_code == 404
    assert _client(world, "dept_cg").get("/api/v1/life-circle/coverage").status_code == 404
