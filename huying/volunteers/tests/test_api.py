"""The API: the same rules and scope as the domain, answered as structured Chinese errors
with the right status, and nothing changed by a refused call."""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from huying.conftest import World
from huying.volunteers.models import OrderState, PointsEntry, ServiceOrder, Volunteer
from huying.volunteers.tests.helpers import rule, volunteer

pytestmark = pytest.mark.django_db


def _client(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


def _post(client: Client, url: str, body: dict[str, Any] | None = None) -> Any:
    return client.post(url, json.dumps(body or {}), content_type="application/json")


def _need(world: World, wanted: int = 1) -> dict[str, Any]:
    return {
        "community_id": world.communities[0].pk,
        "title": "陪同老人就医",
        "place": "幸福小区 3 栋",
        "wanted_at": (timezone.now() + timedelta(days=1)).isoformat(),
        "wanted_count": wanted,
        "contact_name": "王阿姨",
    }


def test_the_whole_path_through_the_api(world: World) -> None:
    rule()
    v = volunteer(world)
    resident = _client(world.actor("resident").user)
    staff = _client(world.actor("community").user)
    taker = _client(v.user)
    answer = _post(resident, "/api/v1/volunteer-orders", _need(world))
    assert answer.status_code == 201, answer.content
    order = answer.json()
    assert order["state"] == "posted" and order["number"].startswith("ZY-")
    oid = order["id"]
    assert taker.get("/api/v1/volunteer-orders").json() == []  # not published yet
    published = _post(staff, f"/api/v1/volunteer-orders/{oid}/publish", {"version": 1})
    assert published.json()["state"] == "published"
    assert [o["id"] for o in taker.get("/api/v1/volunteer-orders").json()] == [oid]
    assert _post(taker, f"/api/v1/volunteer-orders/{oid}/take").json()["state"] == "taken"
    checked = _post(taker, f"/api/v1/volunteer-orders/{oid}/check-in", {"place": "3 栋门口"})
    assert checked.json()["state"] == "in_service"
    Volunteer.objects.filter(pk=v.pk)  # (time passes)
    out = _post(taker, f"/api/v1/volunteer-orders/{oid}/check-out", {"place": "3 栋门口"})
    assert out.json()["state"] == "done", out.content
    done = _post(resident, f"/api/v1/volunteer-orders/{oid}/confirm", {"rating": 5})
    assert done.status_code == 200 and done.json()["state"] == "confirmed"
    lines = taker.get("/api/v1/volunteer-ledger").json()
    assert [(x["kind"], x["order_id"]) for x in lines] == [("service", oid)]
    ranked = staff.get("/api/v1/volunteer-rankings").json()
    assert [r["volunteer_id"] for r in ranked] == [v.pk]


def test_errors_are_structured_and_change_nothing(world: World) -> None:
    resident = _client(world.actor("resident").user)
    staff = _client(world.actor("community").user)
    oid = _post(resident, "/api/v1/volunteer-orders", _need(world)).json()["id"]
    refused = _post(resident, f"/api/v1/volunteer-orders/{oid}/publish")
    assert refused.status_code == 403
    assert refused.json()["error"]["message"] == "只有本社区的工作人员可以办理"
    other = _client(world.actor("resident2").user)
    assert (
        _post(other, f"/api/v1/volunteer-orders/{oid}/cancel", {"reason": "x"}).status_code == 404
    )
    assert other.get(f"/api/v1/volunteer-orders/{oid}").status_code == 404
    stale = _post(staff, f"/api/v1/volunteer-orders/{oid}/publish", {"version": 7})
    assert stale.status_code == 409
    early = _post(resident, f"/api/v1/volunteer-orders/{oid}/confirm", {"rating": 5})
    assert early.status_code == 409
    assert (
        _post(resident, f"/api/v1/volunteer-orders/{oid}/confirm", {"rating": 9}).status_code == 422
    )
    bad = _post(resident, "/api/v1/volunteer-orders", _need(world) | {"title": " "})
    assert bad.status_code == 422
    assert ServiceOrder.objects.get().state == OrderState.POSTED
    assert ServiceOrder.objects.count() == 1


def test_a_full_order_answers_409_to_the_next_taker(world: World) -> None:
    resident = _client(world.actor("resident").user)
    staff = _client(world.actor("community").user)
    oid = _post(resident, "/api/v1/volunteer-orders", _need(world)).json()["id"]
    _post(staff, f"/api/v1/volunteer-orders/{oid}/publish")
    first, second = (_client(volunteer(world, n).user) for n in ("甲", "乙"))
    assert _post(first, f"/api/v1/volunteer-orders/{oid}/take").status_code == 200
    lost = _post(second, f"/api/v1/volunteer-orders/{oid}/take")
    assert lost.status_code == 409 and lost.json()["error"]["message"] == "此单已接满或已结束"


def test_volunteers_and_corrections(world: World) -> None:
    rule()
    staff = _client(world.actor("community").user)
    made = _post(
        staff,
        "/api/v1/volunteers",
        {
            "community_id": world.communities[0].pk,
            "name": "刘党员",
            "phone": "13812345678",
            "kind": "party_member",
            "employer": "区财政局",
        },
    )
    assert made.status_code == 201, made.content
    vid = made.json()["id"]
    assert made.json()["state"] == "approved"
    no_employer = _post(
        staff,
        "/api/v1/volunteers",
        {
            "community_id": world.communities[0].pk,
            "name": "王党员",
            "phone": "13812345679",
            "kind": "party_member",
        },
    )
    assert no_employer.status_code == 422
    assert [v["id"] for v in staff.get("/api/v1/volunteers").json()] == [vid]
    assert _client(world.actor("street_b").user).get("/api/v1/volunteers").json() == []
    fix = _post(
        staff,
        "/api/v1/volunteer-ledger/corrections",
        {"volunteer_id": vid, "points": "5", "reason": "补记"},
    )
    assert fix.status_code == 201 and fix.json()["kind"] == "correction"
    resident = _client(world.actor("resident").user)
    denied = _post(
        resident,
        "/api/v1/volunteer-ledger/corrections",
        {"volunteer_id": vid, "points": "5", "reason": "x"},
    )
    assert denied.status_code == 404
    assert PointsEntry.objects.count() == 1


def test_a_resident_applies_and_the_community_approves(world: World) -> None:
    resident = _client(world.actor("resident").user)
    applied = _post(
        resident,
        "/api/v1/volunteers/apply",
        {"community_id": world.communities[0].pk, "name": "陈", "phone": "13500000001"},
    )
    assert applied.status_code == 201 and applied.json()["state"] == "pending"
    staff = _client(world.actor("community").user)
    decided = _post(staff, f"/api/v1/volunteers/{applied.json()['id']}/decide", {"approve": True})
    assert decided.json()["state"] == "approved"


def test_the_district_sets_a_rule_and_the_community_a_team(world: World) -> None:
    tomorrow = (timezone.localdate() + timedelta(days=1)).isoformat()
    admin = _client(world.actor("admin").user)
    body = {"valid_from": tomorrow, "points_per_hour": "12", "bonus_rating_5": "3"}
    made = _post(admin, "/api/v1/volunteer-points-rules", body)
    assert made.status_code == 201 and made.json()["points_per_hour"] == "12.00"
    assert (
        _post(admin, "/api/v1/volunteer-points-rules", body).status_code == 422
    )  # that day has one
    staff = _client(world.actor("community").user)
    assert (
        _post(
            staff, "/api/v1/volunteer-points-rules", body | {"valid_from": "2099-01-01"}
        ).status_code
        == 403
    )
    assert [r["valid_from"] for r in staff.get("/api/v1/volunteer-points-rules").json()] == [
        tomorrow
    ]
    team = _post(
        staff,
        "/api/v1/volunteer-teams",
        {"community_id": world.communities[0].pk, "name": "红领党员服务队"},
    )
    assert team.status_code == 201 and team.json()["colour"] == "red"
    other = _post(
        staff,
        "/api/v1/volunteer-teams",
        {"community_id": world.communities[1].pk, "name": "红领党员服务队"},
    )
    assert other.status_code == 403


def test_rankings_are_for_the_figures_roles(world: World) -> None:
    assert (
        _client(world.actor("resident").user).get("/api/v1/volunteer-rankings").status_code == 404
    )
    street = _client(world.actor("street").user)
    assert (
        street.get("/api/v1/volunteer-rankings", {"unit_id": world.communities[1].pk}).status_code
        == 404
    )
    assert (
        street.get("/api/v1/volunteer-rankings", {"unit_id": world.communities[0].pk}).json() == []
    )
