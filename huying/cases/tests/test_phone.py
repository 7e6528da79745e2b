"""Phone pages: report (with a resend-safe key), track, rate; and the intake rules behind them."""

from __future__ import annotations

import importlib
import json
import re
from datetime import timedelta
from typing import Any

import pytest
from django.apps import apps as django_apps
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.utils import timezone

from huying.cases import lookup, services
from huying.cases.models import TRACK_CODE_ALPHABET, Case, CaseState
from huying.cases.tests.helpers import case_in_state, submit
from huying.cases.tests.test_console import login
from huying.catalogue.models import Level
from huying.conftest import World
from huying.core.errors import Conflict, DomainError, InvalidInput, TooManyAttempts
from huying.core.tests.images import PNG

pytestmark = pytest.mark.django_db


def report_body(world: World, **extra: object) -> dict[str, object]:
    lat, lng = world.point_in(0)
    return {
        "title": "小区门口路灯不亮",
        "description": "晚上很黑",
        "item_id": world.items[Level.GENERAL].pk,
        "lat": lat,
        "lng": lng,
        "address": "水井街 12 号",
        "reporter_phone": "13800001111",
        **extra,
    }


def test_a_resident_reports_with_a_photo_and_gets_a_number(world: World) -> None:
    client = login(world, "resident")
    body = report_body(world, photos=SimpleUploadedFile("p.png", PNG, content_type="image/png"))
    response = client.post("/m/report", body)
    assert response.status_code == 302
    case = Case.objects.get()
    assert response["Location"] == f"/m/c/{case.number}/sent"  # the receipt
    assert case.item_id == world.items[Level.GENERAL].pk  # the reporter's guess, for triage
    assert case.grid_id == world.grids[0].pk
    assert case.reporter_id == world.actor("resident").user.pk
    assert case.attachments.count() == 1


def test_a_resend_with_the_same_key_is_one_case(world: World) -> None:
    client = login(world, "resident")
    body = report_body(world, submission_key="k-123")
    headers = {"Accept": "application/json"}
    first = client.post("/m/report", body, headers=headers)
    again = client.post("/m/report", body, headers=headers)
    assert first.status_code == again.status_code == 201
    assert first.json()["number"] == again.json()["number"]
    assert Case.objects.count() == 1


def test_a_refused_report_answers_json_with_the_reason(world: World) -> None:
    client = login(world, "resident")
    response = client.post(
        "/m/report", report_body(world, title=""), headers={"Accept": "application/json"}
    )
    assert response.status_code == 422
    assert "title" in response.json()["error"]["details"]
    assert Case.objects.count() == 0


def test_an_impossible_position_is_refused_in_chinese(world: World) -> None:
    client = login(world, "resident")
    response = client.post("/m/report", report_body(world, lat=95.0))
    assert response.status_code == 422
    assert Case.objects.count() == 0
    assert "位置不完整" in response.content.decode() or "小于或等于" in response.content.decode()


def test_submission_key_of_someone_else_is_a_conflict(world: World) -> None:
    lat, lng = world.point_in(0)
    services.case_submit(
        actor=world.actor("resident"), title="噪音", lat=lat, lng=lng, submission_key="shared"
    )
    with pytest.raises(Conflict):
        services.case_submit(
            actor=world.actor("resident2"), title="噪音", lat=lat, lng=lng, submission_key="shared"
        )
    assert Case.objects.count() == 1


def test_an_unknown_item_is_refused(world: World) -> None:
    lat, lng = world.point_in(0)
    with pytest.raises(InvalidInput):
        services.case_submit(
            actor=world.actor("resident"), title="噪音", lat=lat, lng=lng, item_id=999_999
        )
    assert Case.objects.count() == 0


def _hotline_case(world: World) -> Case:
    lat, lng = world.point_in(0)
    return services.case_submit(
        actor=world.actor("hub"),
        title="热线：井盖缺失",
        lat=lat,
        lng=lng,
        reporter_name="王女士",
        reporter_phone="13900002222",
    )


def test_tracking_by_number_code_and_phone_tail_shows_progress_without_staff_names(
    world: World,
) -> None:
    case = _hotline_case(world)
    services.case_triage(
        actor=world.actor("street"), case_id=case.pk, item_id=world.items[Level.GENERAL].pk
    )
    services.case_call(actor=world.actor("street"), case_id=case.pk)
    code = case.track_code.lower()  # as typed off the receipt
    response = Client().get("/m/track", {"number": case.number, "code": code, "phone": "2222"})
    page = response.content.decode()
    assert response.status_code == 200
    assert "已呼叫相关部门" in page
    assert case.track_code in page
    assert "测试street" not in page  # the caller's name
    assert "城管局" not in page  # nor the department


def test_the_number_and_the_phone_alone_no_longer_open_a_case(world: World) -> None:
    """The old door: a predictable number and a guessable phone were enough."""
    case = _hotline_case(world)
    for query in (
        {"number": case.number, "phone": "13900002222"},
        {"number": case.number, "phone": "2222"},
        {"number": case.number, "code": "", "phone": "2222"},
    ):
        response = Client().get("/m/track", query)
        assert case.title not in response.content.decode()
        assert "当前：" not in response.content.decode()  # the progress card


def test_tracking_with_the_wrong_code_or_phone_finds_nothing(world: World) -> None:
    case = _hotline_case(world)
    wrong_code = "Z" * 6 if case.track_code != "Z" * 6 else "Y" * 6
    for code, tail in ((case.track_code, "0000"), (wrong_code, "2222")):
        response = Client().get("/m/track", {"number": case.number, "code": code, "phone": tail})
        assert response.status_code == 404
        assert "请核对事件编号、查询码和联系电话后四位" in response.content.decode()
        assert case.title not in response.content.decode()


def test_repeated_wrong_lookups_pause_the_case_number(world: World, settings: Any) -> None:
    settings.HUYING_TRACK_MAX_FAILURES = 3
    case = _hotline_case(world)
    query = {"number": case.number, "code": case.track_code}
    client = Client()
    statuses = [
        client.get("/m/track", {**query, "phone": f"{n:04d}"}).status_code for n in range(3)
    ]
    assert statuses == [404, 404, 429]
    # While paused, even the right tail is refused: guessing on gains nothing.
    response = Client(REMOTE_ADDR="10.0.0.9").get("/m/track", {**query, "phone": "2222"})
    assert response.status_code == 429
    assert "查询失败次数过多，请 15 分钟后再试" in response.content.decode()
    assert case.title not in response.content.decode()


def test_a_paused_lookup_opens_again_when_the_time_is_up(world: World, settings: Any) -> None:
    settings.HUYING_TRACK_MAX_FAILURES = 2
    case = _hotline_case(world)
    t = timezone.now()
    find = {"number": case.number, "code": case.track_code, "ip": "10.0.0.1"}
    for n in range(2):
        with pytest.raises(DomainError):
            lookup.case_for_reporter(**find, tail=f"{n:04d}", now=t)
    with pytest.raises(TooManyAttempts):
        lookup.case_for_reporter(**find, tail="2222", now=t + timedelta(minutes=14))
    later = t + timedelta(minutes=15, seconds=1)
    assert lookup.case_for_reporter(**find, tail="2222", now=later) == case


def test_many_wrong_lookups_from_one_address_pause_it(world: World, settings: Any) -> None:
    """Enumerating numbers from one place: each made-up number fails once, the address is
    paused, and then even a real lookup from there waits."""
    settings.HUYING_TRACK_IP_MAX_FAILURES = 4
    case = _hotline_case(world)
    client = Client(REMOTE_ADDR="203.0.113.7")
    for n in range(4):
        client.get("/m/track", {"number": f"JJ0000{n}", "code": "AAAAAA", "phone": "1234"})
    query = {"number": case.number, "code": case.track_code, "phone": "2222"}
    assert client.get("/m/track", query).status_code == 429
    assert Client(REMOTE_ADDR="203.0.113.8").get("/m/track", query).status_code == 200


def test_the_receipt_mine_and_the_staff_page_show_the_track_code(world: World) -> None:
    client = login(world, "resident")
    lat, lng = world.point_in(0)
    response = client.post(
        "/m/report", {"title": "垃圾没清运", "lat": lat, "lng": lng}, follow=True
    )
    case = Case.objects.get(title="垃圾没清运")
    assert len(case.track_code) == 6
    receipt = response.content.decode()
    assert f"data-number>{case.number}<" in receipt
    assert f"data-track-code>{case.track_code}<" in receipt
    assert case.track_code in client.get("/m/").content.decode()
    staff = login(world, "street")
    assert case.track_code in staff.get(f"/cases/{case.pk}/").content.decode()


def test_every_case_gets_its_own_track_code_and_old_cases_get_one(world: World) -> None:
    cases = [submit(world, title=f"问题{n}") for n in range(5)]
    codes = {c.track_code for c in cases}
    assert len(codes) == 5
    assert all(set(code) <= set(TRACK_CODE_ALPHABET) for code in codes)
    # The data migration: cases from before the code existed get one each.
    Case.objects.update(track_code="")
    migration = importlib.import_module("huying.cases.migrations.0008_case_track_code")
    migration.give_codes(django_apps, None)
    refilled = set(Case.objects.values_list("track_code", flat=True))
    assert len(refilled) == 5 and "" not in refilled


def test_a_resident_rates_the_result_and_the_case_closes(world: World) -> None:
    case = case_in_state(world, CaseState.FOLLOW_UP)  # reported by "resident"
    client = login(world, "resident")
    page = client.get(f"/m/c/{case.number}").content.decode()
    assert "请您评价" in page
    assert "已更换灯泡" in page  # the handling result, once verified
    response = client.post(f"/m/c/{case.number}/rate", {"satisfaction": "satisfied"})
    assert response.status_code == 302
    case.refresh_from_db()
    assert case.state == CaseState.CLOSED
    assert case.satisfaction == "satisfied"


def test_a_resident_cannot_see_or_rate_anothers_case(world: World) -> None:
    case = case_in_state(world, CaseState.FOLLOW_UP)
    client = login(world, "resident2")
    assert client.get(f"/m/c/{case.number}").status_code == 404
    response = client.post(f"/m/c/{case.number}/rate", {"satisfaction": "dissatisfied"})
    assert response.status_code == 404
    case.refresh_from_db()
    assert case.state == CaseState.FOLLOW_UP


def test_rating_without_a_choice_is_422(world: World) -> None:
    case = case_in_state(world, CaseState.FOLLOW_UP)
    response = login(world, "resident").post(f"/m/c/{case.number}/rate", {})
    assert response.status_code == 422
    assert "请选择满意程度" in response.content.decode()


def test_pwa_files_are_served_for_the_phone_scope(world: World) -> None:
    sw = Client().get("/m/sw.js")
    assert sw.status_code == 200
    assert sw["Content-Type"].startswith("text/javascript")
    manifest = json.loads(Client().get("/m/manifest.webmanifest").content)
    assert manifest["scope"] == "/m/"
    assert b"huying-phone" in sw.content


def test_a_point_picked_on_gcj02_tiles_is_stored_as_wgs84(world: World) -> None:
    from huying.core.geo import wgs84_to_gcj02

    lat, lng = world.point_in(0)
    shown_lat, shown_lng = wgs84_to_gcj02(lat, lng)  # where the point sits on 高德 tiles
    client = login(world, "resident")
    body = report_body(world, lat=shown_lat, lng=shown_lng, coords="gcj02")
    assert client.post("/m/report", body).status_code == 302
    case = Case.objects.get()
    assert case.lat is not None and case.lng is not None
    assert abs(case.lat - lat) < 1e-6
    assert abs(case.lng - lng) < 1e-6
    assert case.grid_id == world.grids[0].pk


def test_the_picker_draws_the_district_without_tiles(world: World, settings: object) -> None:
    """A closed network has no tiles: the point is picked on the district's own outlines."""
    client = login(world, "resident")
    page = client.get("/m/report")
    config = json.loads(
        re.search(r'id="pick-config"[^>]*>(.*?)</script>', page.content.decode()).group(1)  # type: ignore[union-attr]
    )
    assert config["tiles"]["url"] == "" and config["base"] == "/m/base.json"
    # framed on the district (a resident's patch), map before the address
    south = min(g.min_lat for g in world.grids if g.min_lat is not None)
    assert config["bounds"][0][0] == pytest.approx(south)
    text = page.content.decode()
    assert text.index('id="pick-map"') < text.index('name="address"')
    settings.HUYING_MAP_TILE_URL = "https://tiles.example.gov.cn/{z}/{x}/{y}.png"  # type: ignore[attr-defined]
    assert "tiles.example.gov.cn" in client.get("/m/report").content.decode()


def test_a_dissatisfied_resident_may_ask_once_for_the_case_again(world: World) -> None:
    case = case_in_state(world, CaseState.FOLLOW_UP)
    client = login(world, "resident")
    client.post(f"/m/c/{case.number}/rate", {"satisfaction": "dissatisfied"})
    page = client.get(f"/m/c/{case.number}").content.decode()
    assert "申请重新办理" in page
    assert client.post(f"/m/c/{case.number}/reopen", {"reason": ""}).status_code == 422
    response = client.post(f"/m/c/{case.number}/reopen", {"reason": "路灯又不亮了"})
    assert response.status_code == 302
    case.refresh_from_db()
    assert case.state == CaseState.TRIAGED
    assert case.reopen_count == 1


def test_a_satisfied_resident_is_not_offered_a_reopen(world: World) -> None:
    case = case_in_state(world, CaseState.FOLLOW_UP)
    client = login(world, "resident")
    client.post(f"/m/c/{case.number}/rate", {"satisfaction": "satisfied"})
    assert "申请重新办理" not in client.get(f"/m/c/{case.number}").content.decode()
    assert client.post(f"/m/c/{case.number}/reopen", {"reason": "想重来"}).status_code == 422
