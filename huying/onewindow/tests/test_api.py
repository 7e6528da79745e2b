"""The API: the same rules and scope as the pages — an unpublished item refused with a
structured Chinese error and nothing created, a department sees only what was passed to it,
and the resident's lookup without sign-in, paused after wrong tries."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from huying.conftest import World
from huying.core.tests.images import png
from huying.onewindow.models import Application, ApplicationState
from huying.onewindow.tests.helpers import MATERIALS, accept, item

pytestmark = pytest.mark.django_db


def _client(world: World, who: str) -> Client:
    client = Client()
    client.force_login(world.actor(who).user)
    return client


def _post(client: Client, url: str, body: dict[str, Any]) -> Any:
    return client.post(url, json.dumps(body), content_type="application/json")


def test_items_are_public_and_only_the_published(world: World) -> None:
    made = item(world, fee="5")
    hidden = item(world, code="FW002", name="残疾人补贴", published=False)
    rows = Client().get("/api/v1/service-items", {"q": "优待"}).json()
    assert [(r["code"], r["materials"], r["fee"], r["department_name"]) for r in rows] == [
        ("FW001", MATERIALS, "5.00", "城管局")
    ]
    assert Client().get(f"/api/v1/service-items/{made.pk}").json()["time_limit"] == 5
    assert Client().get(f"/api/v1/service-items/{hidden.pk}").status_code == 404


def test_a_station_creates_and_the_department_settles(world: World) -> None:
    made = item(world)
    window = _client(world, "community")
    answer = _post(
        window,
        "/api/v1/service-applications",
        {
            "item_id": made.pk,
            "resident_name": "李长福",
            "resident_phone": "13900005678",
            "materials_checked": MATERIALS,
            "proxy_reason": "肢体残疾",
        },
    )
    assert answer.status_code == 201, answer.content
    body = answer.json()
    assert body["state"] == "received" and body["proxy"] is True
    assert [s["action"] for s in body["steps"]] == ["proxy_take"]
    app_id, version = body["id"], body["version"]
    dept = _client(world, "dept_cg")
    assert dept.get(f"/api/v1/service-applications/{app_id}").status_code == 404
    assert dept.get("/api/v1/service-applications").json() == []
    handed = _post(
        window,
        f"/api/v1/service-applications/{app_id}/handovers",
        {"version": version, "note": "材料已交窗口"},
    )
    assert handed.status_code == 200, handed.content
    passed = _post(
        window,
        f"/api/v1/service-applications/{app_id}/pass",
        {"version": handed.json()["version"]},
    )
    assert passed.json()["state"] == "passed"
    assert [a["id"] for a in dept.get("/api/v1/service-applications").json()] == [app_id]
    assert (
        _client(world, "dept_sw").get(f"/api/v1/service-applications/{app_id}").status_code == 404
    )
    stale = _post(
        dept,
        f"/api/v1/service-applications/{app_id}/decide",
        {"version": version, "outcome": "done"},
    )
    assert stale.status_code == 409
    no_reason = _post(
        dept,
        f"/api/v1/service-applications/{app_id}/decide",
        {"version": passed.json()["version"], "outcome": "refuse"},
    )
    assert no_reason.status_code == 422
    assert no_reason.json()["error"]["details"]["field"] == "reason"
    done = _post(
        dept,
        f"/api/v1/service-applications/{app_id}/decide",
        {"version": passed.json()["version"], "outcome": "done", "reason": "已发放"},
    )
    assert done.json()["state"] == "done"
    assert Application.objects.get().state == ApplicationState.DONE


def test_an_unpublished_item_is_refused_with_a_chinese_error(world: World) -> None:
    made = item(world, published=False)
    answer = _post(
        _client(world, "community"),
        "/api/v1/service-applications",
        {
            "item_id": made.pk,
            "resident_name": "李长福",
            "resident_phone": "13900005678",
            "materials_checked": MATERIALS,
        },
    )
    assert answer.status_code == 422
    error = answer.json()["error"]
    assert error["message"] == "事项「老年优待证」未发布，不能受理"
    assert error["details"]["field"] == "item_id"
    assert not Application.objects.exists()


def test_others_may_not_create(world: World) -> None:
    made = item(world)
    answer = _post(
        _client(world, "dept_cg"),
        "/api/v1/service-applications",
        {
            "item_id": made.pk,
            "resident_name": "李长福",
            "resident_phone": "13900005678",
            "materials_checked": MATERIALS,
        },
    )
    assert answer.status_code == 403
    assert not Application.objects.exists()


def test_the_resident_looks_up_without_signing_in(world: World, settings: Any) -> None:
    settings.HUYING_TRACK_MAX_FAILURES = 2
    app = accept(world, item(world))
    right = {"number": app.number, "code": app.track_code, "phone_tail": "1234"}
    found = _post(Client(), "/api/v1/service-lookup", right)
    assert found.status_code == 200, found.content
    body = found.json()
    assert body["state"] == "received" and body["steps"][0]["label"] == "服务站窗口已受理"
    assert "resident_phone" not in body and "track_code" not in body
    wrong = {**right, "phone_tail": "0000"}
    assert _post(Client(), "/api/v1/service-lookup", wrong).status_code == 404
    paused = _post(Client(), "/api/v1/service-lookup", wrong)
    assert paused.status_code == 429 and "查询失败次数过多" in paused.json()["error"]["message"]


def test_photos_are_added_and_read_in_scope(world: World, settings: Any, tmp_path: Path) -> None:
    settings.MEDIA_ROOT = tmp_path
    app = accept(world, item(world))
    window = _client(world, "community")
    url = f"/api/v1/service-applications/{app.pk}/photos"
    photo = SimpleUploadedFile("户口簿.png", png(), content_type="image/png")
    added = window.post(url, {"files": [photo]})
    assert added.status_code == 200, added.content
    [listed] = added.json()["photos"]
    assert listed["name"] == "户口簿.png"
    read = window.get(f"/api/v1/service-application-photos/{listed['id']}")
    assert read.status_code == 200 and read["Content-Type"] == "image/png"
    other = _client(world, "dept_sw").get(f"/api/v1/service-application-photos/{listed['id']}")
    assert other.status_code == 404
    bad = SimpleUploadedFile("x.png", b"not an image", content_type="image/png")
    assert window.post(url, {"files": [bad]}).status_code == 422
    refused = _client(world, "dept_cg").post(url, {"files": [photo]})
    assert refused.status_code == 403
    assert app.photos.count() == 1
    assert len([p for p in tmp_path.rglob("*") if p.is_file()]) == 1
