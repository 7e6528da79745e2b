"""The patrol API: a phone's whole patrol, scope, and structured errors that change nothing."""

from __future__ import annotations

import time

import pytest

from huying.cases.tests.test_console import login
from huying.cases.tests.test_documents import body, sheet_rows
from huying.conftest import World
from huying.grid import duties, services, xlsx
from huying.grid.models import GridDuty, Patrol

pytestmark = pytest.mark.django_db
J = "application/json"


def test_a_patrol_through_the_api(world: World) -> None:
    duties.duty_add(actor=world.actor("community"), grid_id=world.grids[0].pk, text="门前三包")
    phone = login(world, "grid_worker")
    started = phone.post("/api/v1/patrols", {}, content_type=J)
    assert started.status_code == 201
    body = started.json()
    pid, line = body["id"], body["checklist"][0]
    assert line["text"] == "门前三包" and line["done"] is False
    ticked = phone.put(
        f"/api/v1/patrols/{pid}/checklist/{line['id']}",
        {"done": True, "note": "已巡"},
        content_type=J,
    )
    assert ticked.json() == {"id": line["id"], "text": "门前三包", "done": True, "note": "已巡"}
    now = time.time()
    points = [
        {"lat": 30.605 + i * 1e-4, "lng": 104.005 + (i % 2) * 1e-4, "at": now - 60 + i}
        for i in range(30)
    ]
    sent = phone.post(f"/api/v1/patrols/{pid}/track", {"points": points}, content_type=J)
    assert sent.status_code == 200 and 2 < sent.json()["kept"] <= 30
    street = world.actor("street").user
    added = phone.post(f"/api/v1/patrols/{pid}/companions", {"user_id": street.pk}, content_type=J)
    assert added.status_code == 201 and added.json()["kind"] == "street_cadre"
    ended = phone.post(f"/api/v1/patrols/{pid}/end", {"note": "完成"}, content_type=J)
    assert ended.json()["ended_at"] and ended.json()["companions"][0]["kind_label"] == "街道干部"
    assert len(ended.json()["track"]) == sent.json()["kept"]
    late = phone.post(f"/api/v1/patrols/{pid}/track", {"points": points}, content_type=J)
    assert late.status_code == 422 and late.json()["error"]["code"] == "patrol_ended"
    # Scope: the community sees it, another street does not.
    assert login(world, "community").get(f"/api/v1/patrols/{pid}").status_code == 200
    assert login(world, "street_b").get(f"/api/v1/patrols/{pid}").status_code == 404
    assert [p["id"] for p in login(world, "street").get("/api/v1/patrols").json()] == [pid]


def test_errors_are_structured_and_change_nothing(world: World) -> None:
    phone = login(world, "grid_worker")
    pid = phone.post("/api/v1/patrols", {}, content_type=J).json()["id"]
    resident = world.actor("resident").user
    refused = phone.post(
        f"/api/v1/patrols/{pid}/companions", {"user_id": resident.pk}, content_type=J
    )
    assert refused.status_code == 422
    assert refused.json()["error"]["code"] == "not_staff"
    assert "不是工作人员" in refused.json()["error"]["message"]
    officer = world.actor("dept_cg").user  # the department's own, not a unit stationed here
    wrong = phone.post(
        f"/api/v1/patrols/{pid}/companions", {"user_id": officer.pk}, content_type=J
    ).json()["error"]
    assert (wrong["code"], wrong["details"]) == ("companion_kind", {"kind": "enforcement"})
    assert "不是派驻第1街道的派驻机构" in wrong["message"]
    bad = phone.post(
        f"/api/v1/patrols/{pid}/track",
        {"points": [{"lat": 30.6, "lng": 104.0, "at": 1.0}]},
        content_type=J,
    )
    assert bad.status_code == 422 and bad.json()["error"]["details"]["index"] == 0
    patrol = Patrol.objects.get()
    assert patrol.track == [] and not patrol.companions.exists()


def test_duty_lists_through_the_api(world: World) -> None:
    grid = world.grids[0].pk
    community = login(world, "community")
    made = community.post(f"/api/v1/grids/{grid}/duties", {"text": "消防通道"}, content_type=J)
    assert made.status_code == 201
    duty = made.json()
    edited = community.patch(
        f"/api/v1/grids/{grid}/duties/{duty['id']}",
        {"version": 0, "text": "消防通道畅通"},
        content_type=J,
    )
    assert edited.json()["version"] == 1
    stale = community.patch(
        f"/api/v1/grids/{grid}/duties/{duty['id']}", {"version": 0, "text": "又改"}, content_type=J
    )
    assert stale.status_code == 409
    assert [
        d["text"] for d in login(world, "grid_worker").get(f"/api/v1/grids/{grid}/duties").json()
    ] == ["消防通道畅通"]
    denied = login(world, "grid_worker").post(
        f"/api/v1/grids/{grid}/duties", {"text": "x"}, content_type=J
    )
    assert denied.status_code == 403
    assert login(world, "grid_worker_b").get(f"/api/v1/grids/{grid}/duties").status_code == 404
    assert GridDuty.objects.get().text == "消防通道畅通"


def test_the_compliance_table_through_the_api(world: World) -> None:
    body = login(world, "street").get("/api/v1/patrols/compliance?weeks=2").json()
    assert body["street"] == "第1街道" and body["target"] == 2
    assert [(r["worker"], r["shortfall"]) for r in body["rows"]] == [("测试grid_worker", 2)] * 2
    assert login(world, "dept_cg").get("/api/v1/patrols/compliance").status_code == 403
    assert login(world, "street").get("/api/v1/patrols/compliance?weeks=99").status_code == 422


def test_the_compliance_workbook_through_the_api(world: World) -> None:
    gw = world.actor("grid_worker")
    patrol = services.patrol_start(actor=gw)
    services.companion_add(actor=gw, patrol_id=patrol.pk, user_id=world.actor("street").user.pk)
    services.patrol_end(actor=gw, patrol_id=patrol.pk)
    book = login(world, "street").get("/api/v1/patrols/compliance.xlsx?weeks=2")
    assert book.status_code == 200, book.content
    assert book["Content-Type"] == xlsx.CONTENT_TYPE
    assert "attachment" in book["Content-Disposition"]
    rows = sheet_rows(body(book))
    assert "第1街道" in rows[0][0]
    assert [(r[1], r[3], r[4], r[6]) for r in rows[2:]] == [
        ("测试grid_worker", 1, 1, 1),
        ("测试grid_worker", 0, 0, 2),
    ]
    # The hub picks a street; a street cannot read another's; a department has no table.
    hub = login(world, "hub").get(
        f"/api/v1/patrols/compliance.xlsx?street_id={world.streets[1].pk}&weeks=1"
    )
    assert [r[1] for r in sheet_rows(body(hub))[2:]] == ["测试grid_worker_b"]
    other = login(world, "street").get(
        f"/api/v1/patrols/compliance.xlsx?street_id={world.streets[1].pk}"
    )
    assert other.status_code == 404 and other.json()["error"]["code"] == "not_found"
    refused = login(world, "dept_cg").get("/api/v1/patrols/compliance.xlsx")
    assert refused.status_code == 403 and refused.json()["error"]["code"] == "forbidden"
    for bad in ("weeks=99", "until=2026-13-01", "street_id=0"):
        answer = login(world, "street").get(f"/api/v1/patrols/compliance.xlsx?{bad}")
        assert answer.status_code == 422 and answer.json()["error"]["code"] == "invalid_input"


def test_the_district_template_through_the_api(world: World) -> None:
    admin = login(world, "admin")
    made = admin.post("/api/v1/duty-template", {"item_id": world.items[1].pk}, content_type=J)
    assert made.status_code == 201 and made.json()["text"] == "占道经营"
    assert admin.post("/api/v1/duty-template/copy", content_type=J).json() == {
        "grids": 4,
        "added": 4,
    }
    assert admin.post("/api/v1/duty-template/copy", content_type=J).json()["added"] == 0
    assert [d["text"] for d in login(world, "street").get("/api/v1/duty-template").json()] == [
        "占道经营"
    ]
    street = login(world, "street")
    assert street.post("/api/v1/duty-template", {"text": "x"}, content_type=J).status_code == 403
    assert street.post("/api/v1/duty-template/copy", content_type=J).status_code == 403
    assert login(world, "resident").get("/api/v1/duty-template").status_code == 403
    assert GridDuty.objects.count() == 4


def test_the_template_is_edited_moved_and_removed_through_the_api(world: World) -> None:
    admin = login(world, "admin")
    first = admin.post("/api/v1/duty-template", {"item_id": world.items[1].pk}, content_type=J)
    second = admin.post("/api/v1/duty-template", {"text": "矛盾纠纷排查"}, content_type=J)
    line, other = first.json(), second.json()
    admin.post("/api/v1/duty-template/copy", content_type=J)
    url = f"/api/v1/duty-template/{line['id']}"
    kept = admin.patch(url, {"version": 0, "text": "占道经营劝导"}, content_type=J)
    assert kept.status_code == 200
    assert (kept.json()["text"], kept.json()["item_id"]) == ("占道经营劝导", world.items[1].pk)
    dropped = admin.patch(url, {"version": 1, "item_id": None}, content_type=J)
    assert (dropped.json()["item_id"], dropped.json()["version"]) == (None, 2)
    stale = admin.patch(url, {"version": 0, "text": "乙"}, content_type=J)
    assert stale.status_code == 409 and stale.json()["error"]["code"] == "conflict"
    empty = admin.patch(url, {"version": 2, "text": " "}, content_type=J)
    assert empty.status_code == 422 and empty.json()["error"]["details"]["field"] == "text"
    moved = admin.post(f"/api/v1/duty-template/{other['id']}/move", {"up": True}, content_type=J)
    assert moved.status_code == 200 and moved.json()["position"] == 1
    street = login(world, "street")
    assert street.patch(url, {"version": 2, "text": "x"}, content_type=J).status_code == 403
    assert street.delete(url).status_code == 403
    assert street.post(f"{url}/move", {"up": True}, content_type=J).status_code == 403
    assert admin.delete(f"{url}?version=0").status_code == 409
    removed = admin.delete(f"{url}?version=2")
    assert removed.status_code == 200 and removed.json() == {"grids_keep": 4}
    assert admin.delete(url).status_code == 404
    assert [d["text"] for d in admin.get("/api/v1/duty-template").json()] == ["矛盾纠纷排查"]
    # The grids' copies are as they were copied, and now the grids' own.
    copies = GridDuty.objects.filter(grid=world.grids[0]).order_by("position")
    assert [(d.text, d.template_id) for d in copies] == [
        ("占道经营", None),
        ("矛盾纠纷排查", other["id"]),
    ]
