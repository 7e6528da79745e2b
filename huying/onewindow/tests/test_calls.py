"""12349 为老便民热线 calls as an intake: the station's operator takes a call down and it
becomes a service application (二级代办 for an elderly or disabled caller) or a case whose
source is 12349; a refused application leaves no call; scope as the station's."""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.test import Client

from huying.cases.models import Case, Source
from huying.conftest import MONDAY_10AM, World
from huying.core.errors import InvalidInput, PermissionDenied
from huying.onewindow import selectors, services
from huying.onewindow.models import Application, CallOutcome, ElderCall, StepAction
from huying.onewindow.tests.helpers import MATERIALS, item

pytestmark = pytest.mark.django_db

CALL: dict[str, Any] = {
    "caller_name": "王秀英",
    "caller_phone": "13900005678",
    "request": "想办老年优待证",
}


def test_an_elderly_callers_request_becomes_a_proxy_application(world: World) -> None:
    of = item(world)
    call = services.call_take(
        actor=world.actor("community"),
        outcome=CallOutcome.APPLICATION,
        elderly=True,
        item_id=of.pk,
        materials_checked=MATERIALS,
        now=MONDAY_10AM,
        **CALL,
    )
    app = call.application
    assert app is not None and call.case is None
    assert (app.resident_name, app.resident_phone) == ("王秀英", "13900005678")
    assert app.proxy_by == world.actor("community").user and "12349" in app.proxy_reason
    assert app.steps.get().action == StepAction.PROXY_TAKE
    assert call.station == world.communities[0]


def test_a_caller_neither_elderly_nor_disabled_gets_a_window_application(world: World) -> None:
    of = item(world)
    call = services.call_take(
        actor=world.actor("community"),
        outcome=CallOutcome.APPLICATION,
        item_id=of.pk,
        materials_checked=MATERIALS,
        **CALL,
    )
    assert call.application is not None and call.application.proxy_by is None


def test_a_problem_becomes_a_case_with_the_12349_source(world: World) -> None:
    call = services.call_take(
        actor=world.actor("community"),
        outcome=CallOutcome.CASE,
        elderly=True,
        caller_name="李大爷",
        caller_phone="13900001111",
        request="楼道灯坏了三天，老人夜里出门看不见",
        address="第1社区 3 号楼",
    )
    assert call.case is not None
    case = Case.objects.get(pk=call.case.pk)
    assert case.source == Source.ELDER_HOTLINE
    assert (case.reporter_name, case.reporter_phone) == ("李大爷", "13900001111")
    assert case.title.startswith("楼道灯坏了")


def test_bad_input_leaves_no_call_and_no_application(world: World) -> None:
    of = item(world)
    community = world.actor("community")
    with pytest.raises(InvalidInput) as missing:
        services.call_take(actor=community, outcome=CallOutcome.APPLICATION, item_id=of.pk, **CALL)
    assert "身份证" in missing.value.message  # told at once what to bring
    with pytest.raises(InvalidInput):
        services.call_take(actor=community, outcome=CallOutcome.APPLICATION, **CALL)
    with pytest.raises(InvalidInput):
        services.call_take(actor=community, outcome="nowhere", **CALL)
    with pytest.raises(InvalidInput):
        services.call_take(
            actor=community, outcome=CallOutcome.CASE, **{**CALL, "caller_phone": "12"}
        )
    unpublished = item(world, code="FW002", published=False)
    with pytest.raises(InvalidInput):
        services.call_take(
            actor=community,
            outcome=CallOutcome.APPLICATION,
            item_id=unpublished.pk,
            materials_checked=MATERIALS,
            **CALL,
        )
    with pytest.raises(PermissionDenied):
        services.call_take(actor=world.actor("dept_cg"), outcome=CallOutcome.CASE, **CALL)
    assert not ElderCall.objects.exists() and not Application.objects.exists()


def test_calls_are_read_in_the_stations_scope(world: World) -> None:
    services.call_take(actor=world.actor("community"), outcome=CallOutcome.CASE, **CALL)
    assert selectors.calls_visible_to(world.actor("community")).count() == 1
    assert selectors.calls_visible_to(world.actor("street_leader")).count() == 1
    assert selectors.calls_visible_to(world.actor("street_b")).count() == 0
    assert selectors.calls_visible_to(world.actor("dept_cg")).count() == 0


def _client(world: World, who: str) -> Client:
    client = Client()
    client.force_login(world.actor(who).user)
    return client


def test_the_api_takes_and_lists_calls(world: World) -> None:
    of = item(world)
    community = _client(world, "community")
    body = {**CALL, "elderly": True, "outcome": "application", "item_id": of.pk}
    refused = community.post(
        "/api/v1/service-calls", json.dumps(body), content_type="application/json"
    )
    assert refused.status_code == 422
    assert refused.json()["error"]["details"]["field"] == "materials_checked"
    body["materials_checked"] = MATERIALS
    made = community.post(
        "/api/v1/service-calls", json.dumps(body), content_type="application/json"
    )
    assert made.status_code == 201, made.content
    assert made.json()["application_number"] and made.json()["case_id"] is None
    listed = community.get("/api/v1/service-calls").json()
    assert [c["id"] for c in listed] == [made.json()["id"]]
    assert _client(world, "street_b").get("/api/v1/service-calls").json() == []
    dept = _client(world, "dept_cg").post(
        "/api/v1/service-calls",
        json.dumps({**CALL, "outcome": "case"}),
        content_type="application/json",
    )
    assert dept.status_code == 403


def test_the_operator_page_takes_a_call_to_a_case_and_to_a_proxy_application(world: World) -> None:
    of = item(world)
    client = _client(world, "community")
    assert "记录来电" in client.get("/onewindow/calls/").content.decode()
    answer = client.post(
        "/onewindow/calls/",
        {
            **CALL,
            "elderly": "on",
            "outcome": "application",
            "item_id": of.pk,
            "materials_ready": "on",
        },
    )
    app = Application.objects.get()
    assert answer.status_code == 302 and answer["Location"] == f"/onewindow/applications/{app.pk}/"
    assert app.proxy_by is not None
    # Materials not confirmed: the page lists what to bring, nothing is made.
    client.post("/onewindow/calls/", {**CALL, "outcome": "application", "item_id": of.pk})
    assert Application.objects.count() == 1
    client.post("/onewindow/calls/", {**CALL, "outcome": "case"})
    page = client.get("/onewindow/calls/").content.decode()
    assert "问题件" in page and app.number in page
    assert Case.objects.get().source == Source.ELDER_HOTLINE
    # A department reads no calls page form.
    assert "记录来电" not in _client(world, "dept_cg").get("/onewindow/calls/").content.decode()
