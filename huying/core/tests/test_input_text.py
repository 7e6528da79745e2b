"""What text Huying takes in: one rule for the JSON API, query strings, paths and web forms.

A NUL (which PostgreSQL text cannot hold) or a lone surrogate (which UTF-8 cannot encode) is
refused with a clear 422 and nothing is written; other control characters, invisible debris
of copy and paste that no writer (XLSX, DOCX, PDF) can carry, are dropped at the door."""

from __future__ import annotations

import io
import json
from typing import Any

import pytest
from django.test import Client
from openpyxl import load_workbook

from huying.cases.models import Case
from huying.conftest import World
from huying.core.input_text import UnfitText, printable, storable


def as_user(world: World, name: str) -> Client:
    client = Client()
    client.force_login(world.actor(name).user)
    return client


def report(world: World, client: Client, **fields: Any) -> Any:
    lat, lng = world.point_in(0)
    body = {"title": "路灯不亮", "description": "三栋门口", "lat": lat, "lng": lng, **fields}
    # json.dumps writes "\u0000" for a NUL, as any client would.
    return client.post("/api/v1/cases", json.dumps(body), content_type="application/json")


# The rule itself ------------------------------------------------------------------------


def test_storable_drops_control_characters_but_keeps_lines_and_tabs() -> None:
    assert storable("路灯\u0001不\u0007亮\u001b[31m\u007f") == "路灯不亮[31m"
    assert storable("第一行\n第二行\r\n\t缩进") == "第一行\n第二行\r\n\t缩进"


@pytest.mark.parametrize("text", ["a\u0000b", "a\ud800b", "\udfff"])
def test_storable_refuses_nul_and_lone_surrogates(text: str) -> None:
    with pytest.raises(UnfitText):
        storable(text)


def test_printable_keeps_what_documents_can_carry() -> None:
    assert printable("标题\u0000\u0001\ud800\ufffe\n\t=1+1") == "标题\n\t=1+1"


# The JSON API ---------------------------------------------------------------------------


@pytest.mark.parametrize("field", ["title", "description", "address"])
def test_a_nul_in_a_json_string_is_a_422_and_nothing_is_stored(world: World, field: str) -> None:
    before = Case.objects.count()
    response = report(world, as_user(world, "resident"), **{field: "a\u0000b"})
    assert response.status_code == 422, response.content
    error = response.json()["error"]
    assert error["code"] == "invalid_input"
    assert error["details"]["field"] == field
    assert Case.objects.count() == before


def test_a_lone_surrogate_in_a_json_string_is_a_422(world: World) -> None:
    response = report(world, as_user(world, "resident"), title="\ud83d")
    assert response.status_code == 422
    assert response.json()["error"]["details"]["field"] == "title"


def test_control_characters_in_a_json_string_are_dropped(world: World) -> None:
    response = report(world, as_user(world, "resident"), title="路灯\u0001不\u0007亮\u001b")
    assert response.status_code == 201, response.content
    assert Case.objects.get(pk=response.json()["id"]).title == "路灯不亮"


@pytest.mark.parametrize("body", ['{"title": NaN}', '{"lat": Infinity}', '{"lng": -Infinity}'])
def test_non_finite_numbers_are_not_json(world: World, body: str) -> None:
    response = as_user(world, "resident").post(
        "/api/v1/cases", body, content_type="application/json"
    )
    assert response.status_code == 422, response.content
    assert response.json()["error"]["code"] == "invalid_input"


def test_deeply_nested_json_is_refused_before_it_is_parsed(world: World) -> None:
    body = '{"title": ' + "[" * 5000 + "]" * 5000 + "}"
    response = as_user(world, "resident").post(
        "/api/v1/cases", body, content_type="application/json"
    )
    assert response.status_code == 422, response.content
    assert response.json()["error"]["code"] == "invalid_input"


@pytest.mark.parametrize("query", ["text=%00", "state=%00", "source=%00", "number=a%00", "%00=1"])
def test_a_nul_in_an_api_query_string_is_a_422(world: World, query: str) -> None:
    response = as_user(world, "hub").get(f"/api/v1/cases?{query}")
    assert response.status_code == 422, response.content
    assert response.json()["error"]["code"] == "invalid_input"


def test_a_nul_in_an_api_path_is_a_422(world: World) -> None:
    response = as_user(world, "hub").get("/api/v1/cases/by-number/JJ%00")
    assert response.status_code == 422, response.content
    assert response.json()["error"]["code"] == "invalid_input"


def test_control_characters_in_a_query_are_dropped(world: World) -> None:
    response = as_user(world, "hub").get("/api/v1/cases?text=%01%07")
    assert response.status_code == 200, response.content


# Web pages and forms --------------------------------------------------------------------


def test_a_nul_in_a_web_query_string_is_a_422_page(world: World) -> None:
    response = as_user(world, "hub").get("/cases/?text=%00")
    assert response.status_code == 422
    assert "空字符" in response.content.decode()


def test_a_nul_in_a_web_form_is_a_422_and_nothing_is_stored(world: World) -> None:
    lat, lng = world.point_in(0)
    before = Case.objects.count()
    response = as_user(world, "resident").post(
        "/m/report",
        {"title": "路灯\x00不亮", "description": "x", "lat": lat, "lng": lng},
    )
    assert response.status_code == 422
    assert Case.objects.count() == before


def test_control_characters_in_a_web_form_are_dropped(world: World) -> None:
    lat, lng = world.point_in(0)
    response = as_user(world, "resident").post(
        "/m/report",
        {"title": "路灯\x01不\x1b亮", "description": "三栋", "lat": lat, "lng": lng},
    )
    assert response.status_code in (200, 302), response.content.decode()[:500]
    assert Case.objects.filter(title="路灯不亮").exists()


# Writers are safe anyway (rows stored before the door existed) ----------------------------


def test_the_case_export_survives_a_stored_control_character(world: World) -> None:
    response = report(world, as_user(world, "resident"), title="路灯不亮")
    Case.objects.filter(pk=response.json()["id"]).update(title="路灯\u0001不亮\u001b")
    export = as_user(world, "hub").get("/cases/export/")
    assert export.status_code == 200
    rows = load_workbook(io.BytesIO(b"".join(export.streaming_content)))  # type: ignore[attr-defined]
    titles = [c.value for row in rows.worksheets[0].iter_rows() for c in row]
    assert "路灯不亮" in titles


# Dates and times in query strings -------------------------------------------------------


@pytest.mark.parametrize("value", ["0", "20260101", "1700000000", "2026-01-01T00:00", "2026-1-1"])
def test_a_dashboard_day_is_written_yyyy_mm_dd(world: World, value: str) -> None:
    response = as_user(world, "hub").get(f"/api/v1/dashboard/kpis?last={value}")
    assert response.status_code == 422, response.content
    assert response.json()["error"]["code"] == "invalid_input"


def test_a_dashboard_day_in_iso_form_is_taken(world: World) -> None:
    response = as_user(world, "hub").get("/api/v1/dashboard/kpis?first=2026-01-01&last=2026-01-31")
    assert response.status_code == 200, response.content


@pytest.mark.parametrize("value", ["0", "20260101", "99999999999", "yesterday"])
def test_a_case_list_instant_is_iso_8601(world: World, value: str) -> None:
    response = as_user(world, "hub").get(f"/api/v1/cases?reported_to={value}")
    assert response.status_code == 422, response.content


@pytest.mark.parametrize(
    "value",
    ["2026-01-01", "2026-01-01T08:00", "2026-01-01T08:00:00Z", "2026-01-01T08:00:00.5+08:00"],
)
def test_a_case_list_instant_in_iso_form_is_taken(world: World, value: str) -> None:
    response = as_user(world, "hub").get("/api/v1/cases", {"reported_to": value})
    assert response.status_code == 200, response.content


# The schema says it ------------------------------------------------------------------------


def test_every_operation_documents_the_errors_it_can_answer(world: World) -> None:
    schema = as_user(world, "hub").get("/api/v1/openapi.json").json()
    assert "ErrorOut" in schema["components"]["schemas"]
    for path, methods in schema["paths"].items():
        for method, operation in methods.items():
            documented = {int(status) for status in operation["responses"]}
            expected = {403, 404, 422} | ({409} if method != "get" else set())
            assert expected <= documented, (method, path, documented)
            assert 401 in documented or not operation.get("security"), (method, path)
