"""The seed scenarios end to end through the JSON API."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from huying.cases.models import Case, CaseState
from huying.conftest import World, confirm_calendar_years
from huying.org.api_auth import token_create


def as_user(world: World, name: str) -> Client:
    client = Client()
    client.force_login(world.actor(name).user)
    return client


def post(
    client: Client, url: str, body: dict[str, Any] | None = None, status: int = 200
) -> dict[str, Any]:
    response = client.post(f"/api/v1{url}", body or {}, content_type="application/json")
    assert response.status_code == status, response.content.decode()
    return response.json()


def get(client: Client, url: str, status: int = 200) -> dict[str, Any]:
    response = client.get(f"/api/v1{url}")
    assert response.status_code == status, response.content.decode()
    return response.json()


def test_river_outfall_pollution_complex_case(world: World) -> None:
    """Seed 001: a resident reports outfall pollution to a street; classified complex; the hub
    dispatches a lead (水务) and a co-handler (生态环境); both report in and handle; the street
    verifies; the resident is followed up; the case closes and is archived."""
    lat, lng = world.point_in(0)
    resident = as_user(world, "resident")
    case = post(
        resident,
        "/cases",
        {
            "title": "武成门桥排水口水质污染",
            "description": "排水口排出黑水，有异味",
            "lat": lat,
            "lng": lng,
            "address": "武成门桥",
        },
        status=201,
    )
    assert case["number"].startswith("JJ-")
    assert case["grid_id"] == world.grids[0].pk and case["state"] == "submitted"
    cid = case["id"]

    street = as_user(world, "street")
    case = post(street, f"/cases/{cid}/triage", {"item_id": world.items[3].pk})
    assert case["level"] == 3 and case["state"] == "triaged"
    # A street cannot dispatch a complex case itself; the hub does.
    assert post(street, f"/cases/{cid}/call", {}, status=422)["error"]["code"] == "rule_violation"

    hub = as_user(world, "hub")
    case = post(hub, f"/cases/{cid}/dispatch", {"lead_department_id": world.departments["sw"].pk})
    assert [a["role"] for a in case["assignments"]] == ["lead"]
    case = post(hub, f"/cases/{cid}/co-handlers", {"department_ids": [world.departments["hb"].pk]})
    lead, co = case["assignments"]
    assert (lead["department_name"], co["department_name"], co["role"]) == (
        "水务局",
        "生态环境局",
        "co",
    )

    sw, hb = as_user(world, "dept_sw"), as_user(world, "dept_hb")
    for client, a in ((sw, lead), (hb, co)):
        post(client, f"/assignments/{a['id']}/report-in", {"note": "已到现场"})
        post(client, f"/assignments/{a['id']}/accept")
        post(client, f"/assignments/{a['id']}/progress", {"note": "已取样送检"})
    case = post(sw, f"/assignments/{lead['id']}/result", {"result": "封堵雨污混接点 3 处"})
    assert case["state"] == "in_progress"  # the co-handler is not done yet
    case = post(hb, f"/assignments/{co['id']}/result", {"result": "水质复检达标"})
    assert case["state"] == "verifying"

    case = post(street, f"/cases/{cid}/verify", {"passed": True, "reason": "现场核查无异味"})
    assert case["state"] == "follow_up"
    case = post(resident, f"/cases/{cid}/follow-up", {"satisfaction": "satisfied"})
    assert case["state"] == "closed"
    assert post(hub, f"/cases/{cid}/archive")["state"] == "archived"
    case = get(hub, f"/cases/{cid}")

    actions = [e["action"] for e in case["timeline"]]
    assert actions[:4] == ["submit", "triage", "hub_dispatch", "add_co_handler"]
    assert actions[-4:] == ["results_in", "verify_pass", "follow_up", "archive"]
    assert [e["seq"] for e in case["timeline"]] == list(range(1, len(actions) + 1))
    assert case["version"] == len(actions)
    # The reporter sees the progress but not who handled it.
    mine = get(resident, f"/cases/{cid}")
    assert [e["action"] for e in mine["timeline"]] == actions
    assert {e["actor"] for e in mine["timeline"]} == {None} and {
        e["actor_unit"] for e in mine["timeline"]
    } == {None}
    assert {e["actor"] for e in case["timeline"]} > {None}


def test_general_case_misrouted_return_upheld_then_rerouted(world: World) -> None:
    lat, lng = world.point_in(0)
    gw = as_user(world, "grid_worker")
    cid = post(gw, "/cases", {"title": "路灯不亮", "lat": lat, "lng": lng}, status=201)["id"]
    street = as_user(world, "street")
    post(street, f"/cases/{cid}/triage", {"item_id": world.items[2].pk})
    case = post(street, f"/cases/{cid}/call", {"department_id": world.departments["jt"].pk})
    aid = case["assignments"][0]["id"]
    jt, hub = as_user(world, "dept_jt"), as_user(world, "hub")
    post(jt, f"/assignments/{aid}/return", {"reason": "路灯属城管局管理"})
    case = post(hub, f"/assignments/{aid}/return-ruling", {"uphold": True, "reason": "属实"})
    assert case["state"] == "triaged" and case["assignments"][0]["return_upheld"] is True
    case = post(hub, f"/cases/{cid}/dispatch", {"lead_department_id": world.departments["cg"].pk})
    assert case["state"] == "in_progress" and case["assignments"][1]["department_name"] == "城管局"


def test_extension_rework_and_reopen(world: World) -> None:
    lat, lng = world.point_in(0)
    resident = as_user(world, "resident")
    cid = post(resident, "/cases", {"title": "路灯不亮", "lat": lat, "lng": lng}, status=201)["id"]
    street, hub, cg = as_user(world, "street"), as_user(world, "hub"), as_user(world, "dept_cg")
    post(street, f"/cases/{cid}/triage", {"item_id": world.items[2].pk})
    aid = post(street, f"/cases/{cid}/call")["assignments"][0]["id"]
    post(cg, f"/assignments/{aid}/report-in")
    post(cg, f"/assignments/{aid}/accept")
    before = get(cg, f"/cases/{cid}")["assignments"][0]["handle_due_at"]
    # The due-soon point of an extension to 2030 is counted in working time through 2030.
    confirm_calendar_years(2027, 2028, 2029, 2030)
    post(
        cg,
        f"/assignments/{aid}/extension",
        {"until": "2030-01-01T09:00:00+08:00", "reason": "需采购灯具"},
    )
    case = post(hub, f"/assignments/{aid}/extension-ruling", {"approve": True})
    a = case["assignments"][0]
    assert (
        a["handle_due_at"] != before
        and a["handle_due_at"].startswith("2030-01-01T01:00")
        and a["extension_count"] == 1
    )
    post(cg, f"/assignments/{aid}/result", {"result": "已修复"})
    case = post(street, f"/cases/{cid}/verify", {"passed": False, "reason": "仍有两盏不亮"})
    assert case["state"] == "in_progress" and case["rework_count"] == 1
    assert case["assignments"][0]["state"] == "handling"
    post(cg, f"/assignments/{aid}/result", {"result": "全部修复"})
    post(street, f"/cases/{cid}/verify", {"passed": True})
    case = post(
        resident, f"/cases/{cid}/follow-up", {"satisfaction": "dissatisfied", "note": "太慢"}
    )
    assert case["state"] == "closed"
    case = post(resident, f"/cases/{cid}/reopen", {"reason": "维修太慢，要求说明"})
    assert case["state"] == "triaged" and case["reopen_count"] == 1
    # Only once.
    post(street, f"/cases/{cid}/call")
    aid2 = get(cg, f"/cases/{cid}")["assignments"][1]["id"]
    for step in ("report-in", "accept"):
        post(cg, f"/assignments/{aid2}/{step}")
    post(cg, f"/assignments/{aid2}/result", {"result": "已说明"})
    post(street, f"/cases/{cid}/verify", {"passed": True})
    post(resident, f"/cases/{cid}/follow-up", {"satisfaction": "dissatisfied"})
    err = post(resident, f"/cases/{cid}/reopen", {"reason": "还是不满意"}, status=422)["error"]
    assert err["code"] == "rule_violation" and "一次" in err["message"]


def test_errors_are_structured_chinese_and_change_nothing(world: World) -> None:
    resident = as_user(world, "resident")
    r = resident.post("/api/v1/cases", {"title": ""}, content_type="application/json")
    assert r.status_code == 422 and r.json()["error"]["code"] == "invalid_input"
    assert "请填写" in r.json()["error"]["message"]
    assert Case.objects.count() == 0
    r = resident.post("/api/v1/cases", {"title": "x", "lat": 200}, content_type="application/json")
    assert r.status_code == 422 and Case.objects.count() == 0
    assert Client().get("/api/v1/cases").status_code == 401


def test_stale_version_is_409(world: World) -> None:
    lat, lng = world.point_in(0)
    case = post(
        as_user(world, "resident"),
        "/cases",
        {"title": "井盖缺失", "lat": lat, "lng": lng},
        status=201,
    )
    street = as_user(world, "street")
    err = post(
        street,
        f"/cases/{case['id']}/triage",
        {"item_id": world.items[1].pk, "expected_version": 99},
        status=409,
    )
    assert err["error"]["code"] == "conflict"
    assert Case.objects.get(pk=case["id"]).state == CaseState.SUBMITTED


def test_token_auth_and_chinese_json(world: World) -> None:
    _, raw = token_create(user=world.actor("hub").user, name="12345 热线对接")
    client = Client(HTTP_AUTHORIZATION=f"Bearer {raw}")
    r = client.post("/api/v1/cases", {"title": "噪音扰民"}, content_type="application/json")
    assert r.status_code == 201 and "噪音扰民" in r.content.decode()  # not \\u escaped
    assert r.json()["source"] == "hotline_12345"
    assert Client(HTTP_AUTHORIZATION="Bearer wrong").get("/api/v1/cases").status_code == 401


def test_openapi_docs_offline(world: World) -> None:
    client = as_user(world, "hub")
    schema = client.get("/api/v1/openapi.json")
    assert schema.status_code == 200 and "/api/v1/cases/{case_id}/triage" in schema.json()["paths"]
    docs = client.get("/api/v1/docs").content.decode()
    assert "cdn" not in docs.lower() and "/static/ninja/" in docs


@pytest.mark.parametrize(
    "filters", ["state=submitted", "level=2", "overdue=true", "text=路灯", "source=resident"]
)
def test_list_filters_and_keyset_pages(world: World, filters: str) -> None:
    lat, lng = world.point_in(0)
    resident = as_user(world, "resident")
    for i in range(5):
        post(resident, "/cases", {"title": f"路灯不亮{i}", "lat": lat, "lng": lng}, status=201)
    hub = as_user(world, "hub")
    page1 = get(hub, f"/cases?{filters}&limit=2")
    if filters in ("state=submitted", "text=路灯", "source=resident"):
        assert len(page1["items"]) == 2 and page1["next_cursor"]
        page2 = get(hub, f"/cases?{filters}&limit=2&cursor={page1['next_cursor']}")
        ids = [c["id"] for c in page1["items"] + page2["items"]]
        assert ids == sorted(ids, reverse=True) and len(set(ids)) == 4
    else:
        assert page1["items"] == []
    assert (
        get(hub, "/cases?cursor=garbage", status=422)["error"]["field" if False else "code"]
        == "invalid_input"
    )


def test_home_page_answers_in_chinese(world: World) -> None:
    r = Client().get("/")
    assert r.status_code == 200 and "街道呼·部门应" in r.content.decode()


def test_csrf_applies_to_sessions_not_to_bearer_tokens(world: World) -> None:
    """Over real HTTP (CSRF enforced): a machine's bearer POST needs no CSRF token; a browser
    session's POST does."""
    _, raw = token_create(user=world.actor("hub").user, name="machine")
    machine = Client(enforce_csrf_checks=True, HTTP_AUTHORIZATION=f"Bearer {raw}")
    assert (
        machine.post(
            "/api/v1/cases", {"title": "噪音"}, content_type="application/json"
        ).status_code
        == 201
    )
    browser = Client(enforce_csrf_checks=True)
    browser.force_login(world.actor("hub").user)
    r = browser.post("/api/v1/cases", {"title": "噪音"}, content_type="application/json")
    assert r.status_code == 403
    browser.get("/admin/login/")  # sets the csrftoken cookie
    token = browser.cookies["csrftoken"].value
    r = browser.post(
        "/api/v1/cases", {"title": "噪音"}, content_type="application/json", HTTP_X_CSRFTOKEN=token
    )
    assert r.status_code == 201
    assert Case.objects.count() == 2


def test_request_id_is_stamped_on_the_event(world: World) -> None:
    client = as_user(world, "hub")
    r = client.post(
        "/api/v1/cases",
        {"title": "噪音"},
        content_type="application/json",
        HTTP_X_REQUEST_ID="req-123",
    )
    assert r["X-Request-ID"] == "req-123"
    case = get(client, f"/cases/{r.json()['id']}")
    assert case["timeline"][0]["request_id"] == "req-123"
    r = client.post(
        "/api/v1/cases",
        {"title": "噪音"},
        content_type="application/json",
        HTTP_X_REQUEST_ID="bad id!",
    )
    assert r["X-Request-ID"] != "bad id!" and len(r["X-Request-ID"]) == 32


def test_split_and_merge_through_the_api(world: World) -> None:
    lat, lng = world.point_in(0)
    resident, street = as_user(world, "resident"), as_user(world, "street")
    cid = post(
        resident, "/cases", {"title": "路灯不亮、井盖缺失", "lat": lat, "lng": lng}, status=201
    )["id"]
    post(
        street,
        f"/cases/{cid}/split",
        {"parts": [{"title": "路灯不亮"}, {"title": "井盖缺失"}], "reason": "两件事"},
    )
    children = Case.objects.filter(split_from_id=cid).order_by("pk")
    assert [c.title for c in children] == ["路灯不亮", "井盖缺失"]
    dup = post(resident, "/cases", {"title": "井盖没了", "lat": lat, "lng": lng}, status=201)["id"]
    case = post(street, f"/cases/{dup}/merge", {"master_id": children[1].pk, "reason": "同一井盖"})
    assert case["state"] == "merged"
    assert get(street, f"/cases/{dup}")["master_number"] == children[1].number


@pytest.mark.parametrize(
    "url",
    [
        "/api/v1/cases?department_id=9223372036854775808",
        "/api/v1/cases?item_id=0",
        "/api/v1/cases?level=5",
        "/api/v1/cases/9223372036854775808",
        "/api/v1/org/units/9223372036854775808",
    ],
)
def test_ids_beyond_any_row_are_422_not_a_driver_overflow(world: World, url: str) -> None:
    response = as_user(world, "hub").get(url)
    assert response.status_code == 422
    assert response.json()["error"]["code"] == "invalid_input"


def test_api_actions_are_those_a_page_would_offer(world: World) -> None:
    """A case's ``actions`` lists what the acting role can do *now*, guards included, as the
    case page does: a satisfied closed case cannot be reopened, so the hub is offered archive
    only; a supervised case is not offered supervision again."""
    from huying.cases import rules
    from huying.cases.tests.helpers import case_in_state

    closed = case_in_state(world, CaseState.CLOSED)
    hub = as_user(world, "hub")
    assert get(hub, f"/cases/{closed.pk}")["actions"] == ["archive"]
    working = case_in_state(world, CaseState.IN_PROGRESS)
    supervisor = as_user(world, "hub_sup")
    assert "supervise" in get(supervisor, f"/cases/{working.pk}")["actions"]
    post(supervisor, f"/cases/{working.pk}/supervise", {"note": "群众反映强烈"})
    after = get(supervisor, f"/cases/{working.pk}")["actions"]
    assert "supervise" not in after
    case = Case.objects.get(pk=working.pk)
    assert after == [r.action for r in rules.offered_on_case(case, "hub_supervisor")]


# --- 研判并呼叫 / 研判并派单: two steps in one request -------------------------------------------


def _reported(world: World, title: str = "路灯不亮") -> int:
    lat, lng = world.point_in(0)
    body = {"title": title, "lat": lat, "lng": lng}
    return post(as_user(world, "resident"), "/cases", body, status=201)["id"]


def _unchanged(case_id: int) -> tuple[object, ...]:
    case = Case.objects.get(pk=case_id)
    return (
        case.state,
        case.version,
        case.item_id,
        case.level,
        case.events.count(),
        case.assignments.count(),
    )


def test_a_street_triages_and_calls_in_one_request(world: World) -> None:
    cid = _reported(world)
    street = as_user(world, "street")
    case = get(street, f"/cases/{cid}")
    # No item yet, but the suggestion preselects 路灯不亮 (L2): offered as a street call.
    general = world.items[2].pk
    assert case["item_id"] is None and case["actions"][:2] == ["triage_call", "triage"]
    assert get(street, f"/cases/{cid}/suggestion")["preselected"]["item_id"] == general
    case = post(
        street,
        f"/cases/{cid}/triage-and-call",
        {"item_id": general, "note": "请尽快修复", "expected_version": case["version"]},
    )
    assert (case["state"], case["level"], case["item_id"]) == ("in_progress", 2, general)
    [lead] = case["assignments"]
    assert (lead["department_name"], lead["role"], lead["route"]) == ("城管局", "lead", "call")
    timeline = get(street, f"/cases/{cid}")["timeline"]
    assert [e["action"] for e in timeline] == ["submit", "triage", "call"]  # each step itself
    assert timeline[-1]["reason"] == "请尽快修复"


def test_the_hub_triages_and_dispatches_lead_and_co_handlers_in_one_request(
    world: World,
) -> None:
    cid = _reported(world, "排水口流出污水")
    hub, d = as_user(world, "hub"), world.departments
    case = post(
        hub,
        f"/cases/{cid}/triage-and-dispatch",
        {"item_id": world.items[3].pk, "co_department_ids": [d["hb"].pk, d["jt"].pk]},
    )
    assert case["state"] == "in_progress" and case["level"] == 3
    assert [(a["department_name"], a["role"]) for a in case["assignments"]] == [
        ("水务局", "lead"),
        ("生态环境局", "co"),
        ("交通局", "co"),
    ]
    assert "add_co_handler" in case["actions"]  # what the hub may do next


def test_the_combined_actions_are_listed_when_the_item_lets_both_steps_through(
    world: World,
) -> None:
    from huying.cases.tests.helpers import submit

    case = submit(world)
    Case.objects.filter(pk=case.pk).update(item=world.items[2])
    assert get(as_user(world, "street"), f"/cases/{case.pk}")["actions"][0] == "triage_call"
    assert get(as_user(world, "hub"), f"/cases/{case.pk}")["actions"][0] == "triage_dispatch"


@pytest.mark.parametrize(
    ("who", "name", "body", "status", "code"),
    [
        # A complex item is the hub's: the street's call is refused, and its triage with it.
        ("street", "triage-and-call", {"item_id": 3}, 422, "rule_violation"),
        # A grid is not a department.
        (
            "street",
            "triage-and-call",
            {"item_id": 2, "department_id": "grid"},
            422,
            "invalid_input",
        ),
        # A street may triage but not dispatch for the hub.
        ("street", "triage-and-dispatch", {"item_id": 2}, 403, "forbidden"),
        # The lead named again as a co-handler.
        ("hub", "triage-and-dispatch", {"item_id": 3, "co_department_ids": ["sw"]}, 422, None),
        # A stale page: the first step's version check refuses both.
        ("street", "triage-and-call", {"item_id": 2, "expected_version": 0}, 409, "conflict"),
    ],
    ids=["level", "not-a-department", "role", "lead-as-co", "stale"],
)
def test_a_refused_second_step_takes_the_triage_back(
    world: World, who: str, name: str, body: dict[str, Any], status: int, code: str | None
) -> None:
    ids = {
        "item_id": lambda level: world.items[level].pk,
        "department_id": lambda _: world.grids[0].pk,
        "co_department_ids": lambda names: [world.departments[n].pk for n in names],
        "expected_version": lambda v: v,
    }
    cid = _reported(world)
    before = _unchanged(cid)
    sent = {k: ids[k](v) for k, v in body.items()}
    error = post(as_user(world, who), f"/cases/{cid}/{name}", sent, status=status)["error"]
    assert error["code"] == (code or "invalid_input")
    assert _unchanged(cid) == before  # not triaged either: no event, no level, no item


@pytest.mark.parametrize("name", ["triage-and-call", "triage-and-dispatch"])
def test_a_case_out_of_scope_is_not_found(world: World, name: str) -> None:
    cid = _reported(world)
    before = _unchanged(cid)
    error = post(
        as_user(world, "street_b"),  # another street's caller
        f"/cases/{cid}/{name}",
        {"item_id": world.items[2].pk},
        status=404,
    )["error"]
    assert error["code"] == "not_found"
    assert _unchanged(cid) == before


@pytest.mark.parametrize("point", [{"lat": True, "lng": 104.06}, {"lat": 30.6, "lng": "104.06"}])
def test_a_coordinate_that_is_not_a_number_is_a_422_and_no_case(
    world: World, point: dict[str, Any]
) -> None:
    """pydantic's lax mode read ``true`` as 1.0 and ``"104.06"`` as a number: a report placed
    at latitude 1 because a client sent a boolean is worse than a refusal (the API fuzz found it)."""
    before = Case.objects.count()
    body = post(as_user(world, "grid_worker"), "/cases", {"title": "路灯不亮", **point}, status=422)
    assert body["error"]["code"] == "invalid_input"
    assert Case.objects.count() == before
