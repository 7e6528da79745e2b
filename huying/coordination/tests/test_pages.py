"""The pages and the API: scope (another street's meeting is a 404), a decision taken from the
page, structured errors from the API, and the minutes as Word and PDF."""

from __future__ import annotations

import io
import json
from pathlib import Path
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from docx import Document

from huying.cases.models import CaseState
from huying.cases.tests.helpers import case_in_state
from huying.conftest import MONDAY_10AM, World
from huying.coordination import services
from huying.coordination.models import Decision, MeetingKind
from huying.core.tests.images import png

pytestmark = pytest.mark.django_db

DAY = MONDAY_10AM.date()


def _client(world: World, who: str) -> Client:
    client = Client()
    client.force_login(world.actor(who).user)
    return client


def test_the_meeting_page_decides_a_case(world: World) -> None:
    case = case_in_state(world, CaseState.TRIAGED)
    street = world.actor("street")
    meeting = services.meeting_create(actor=street, kind=MeetingKind.WEEKLY, held_on=DAY)
    item = services.agenda_add(actor=street, meeting_id=meeting.pk, text="", case_id=case.pk)
    client = _client(world, "street")
    page = client.get(f"/coordination/meetings/{meeting.pk}/")
    assert page.status_code == 200 and case.number in page.content.decode()
    p = f"i{item.pk}-"
    answer = client.post(
        f"/coordination/meetings/{meeting.pk}/items/{item.pk}/decide/",
        {p + "case_id": case.pk, p + "kind": "assign", p + "lead_id": world.departments["cg"].pk},
    )
    assert answer.status_code == 302
    assert Decision.objects.get().case == case
    detail = client.get(f"/cases/{case.pk}/").content.decode()
    assert "会议决定" in detail and meeting.title in detail


def test_another_streets_meeting_is_absent(world: World) -> None:
    meeting = services.meeting_create(
        actor=world.actor("street"), kind=MeetingKind.WEEKLY, held_on=DAY
    )
    client = _client(world, "street_b")
    assert client.get(f"/coordination/meetings/{meeting.pk}/").status_code == 404
    assert client.get(f"/reports/minutes/{meeting.pk}/docx/").status_code == 404
    assert client.get(f"/api/v1/meetings/{meeting.pk}").status_code == 404
    assert _client(world, "dept_cg").get("/coordination/").status_code == 404


def test_the_api_decides_and_refuses_outside_the_scope(world: World) -> None:
    mine = case_in_state(world, CaseState.IN_PROGRESS)
    client = _client(world, "street")
    made = client.post(
        "/api/v1/meetings",
        json.dumps({"kind": "monthly", "held_on": DAY.isoformat()}),
        content_type="application/json",
    )
    assert made.status_code == 201, made.content
    meeting_id = made.json()["id"]
    decided = client.post(
        f"/api/v1/meetings/{meeting_id}/decisions",
        json.dumps({"case_id": mine.pk, "kind": "deadline", "deadline": "2026-03-20"}),
        content_type="application/json",
    )
    assert decided.status_code == 201 and decided.json()["open"] is True
    refused = client.post(
        f"/api/v1/meetings/{meeting_id}/decisions",
        json.dumps({"case_id": mine.pk, "kind": "unsolvable", "reason": "无法解决"}),
        content_type="application/json",
    )
    assert refused.status_code == 403 and refused.json()["error"]["code"] == "forbidden"
    bad = client.post(
        f"/api/v1/meetings/{meeting_id}/decisions",
        json.dumps({"case_id": mine.pk, "kind": "deadline"}),
        content_type="application/json",
    )
    assert bad.status_code == 422 and bad.json()["error"]["details"]["field"] == "deadline"
    assert Decision.objects.count() == 1


def test_the_minutes_come_as_word_and_pdf(world: World) -> None:
    case = case_in_state(world, CaseState.IN_PROGRESS)
    street = world.actor("street")
    meeting = services.meeting_create(
        actor=street, kind=MeetingKind.WEEKLY, held_on=DAY, chair="王主任"
    )
    services.meeting_decide(
        actor=street, meeting_id=meeting.pk, case_id=case.pk, kind="deadline", deadline=DAY
    )
    client = _client(world, "street")
    word = client.get(f"/reports/minutes/{meeting.pk}/docx/")
    assert word.status_code == 200
    data = b"".join(word.streaming_content)  # type: ignore[attr-defined]
    text = "\n".join(p.text for p in Document(io.BytesIO(data)).paragraphs)
    assert "周例会纪要" in text and "王主任" in text
    pdf = client.get(f"/reports/minutes/{meeting.pk}/pdf/")
    assert b"".join(pdf.streaming_content).startswith(b"%PDF")  # type: ignore[attr-defined]


def test_a_joint_operation_from_the_page(world: World) -> None:
    case = case_in_state(world, CaseState.IN_PROGRESS)
    client = _client(world, "street")
    answer = client.post(
        "/coordination/operations/new/",
        {
            "title": "夜市占道联合整治",
            "problem": "占道经营",
            "held_on": DAY.isoformat(),
            "place": "建设路",
            "unit_ids": [world.departments["cg_unit"].pk],
            "results": "劝离 8 处",
            "case_numbers": case.number,
        },
    )
    assert answer.status_code == 302, answer.content.decode()[:2000]
    assert "联合执法" in client.get(f"/cases/{case.pk}/").content.decode()
    assert client.get(answer["Location"]).status_code == 200


def test_a_case_number_typed_onto_the_agenda_outside_the_scope_is_a_message(
    world: World,
) -> None:
    theirs = case_in_state(world, CaseState.SUBMITTED, grid=2)
    meeting = services.meeting_create(
        actor=world.actor("street"), kind=MeetingKind.WEEKLY, held_on=DAY
    )
    client = _client(world, "street")
    url = f"/coordination/meetings/{meeting.pk}/agenda/"
    answer = client.post(url, {"op": "add", "case_number": theirs.number}, follow=True)
    assert "事件不存在或无权查看" in answer.content.decode()
    assert not meeting.items.filter(case=theirs).exists()
    assert client.post(url, {"op": "remove", "item_id": 999999}).status_code == 404


def test_the_organiser_adds_photos_on_the_operations_page(
    world: World, settings: Any, tmp_path: Path
) -> None:
    settings.MEDIA_ROOT = tmp_path
    op = services.operation_create(
        actor=world.actor("street"),
        title="夜市占道联合整治",
        problem="占道经营",
        held_on=DAY,
        place="建设路",
        unit_ids=[world.departments["cg_unit"].pk],
    )
    url = f"/coordination/operations/{op.pk}/"
    street = _client(world, "street")
    assert 'name="files"' in street.get(url).content.decode()
    photo = SimpleUploadedFile("整治后.png", png(), content_type="image/png")
    street.post(f"{url}photos/", {"files": [photo]})
    page = street.get(url).content.decode()
    assert "照片已上传" in page and op.photos.count() == 1
    assert f'<img src="/coordination/photos/{op.photos.get().pk}/"' in page
    # Not a photo: refused with the reason, nothing stored.
    text = SimpleUploadedFile("清单.png", b"not an image", content_type="image/png")
    refused = street.post(f"{url}photos/", {"files": [text]}, follow=True).content.decode()
    assert op.photos.count() == 1 and 'class="error"' in refused
    # The hub reads the operation but did not organise it: no form, and a post is refused.
    hub = _client(world, "hub")
    assert 'name="files"' not in hub.get(url).content.decode()
    again = SimpleUploadedFile("整治后.png", png(), content_type="image/png")
    answer = hub.post(f"{url}photos/", {"files": [again]}, follow=True).content.decode()
    assert "只有组织单位可以上传照片" in answer and op.photos.count() == 1


def test_the_streets_own_stationed_units_come_first_on_the_operation_form(world: World) -> None:
    unit = world.departments["cg_unit"]
    unit.stationed_in.add(world.streets[0])
    street = _client(world, "street").get("/coordination/operations/new/").content.decode()
    ours, others = street.split("区级部门", 1)
    assert "派驻本街道" in ours and unit.name in ours and unit.name not in others
    # Another street's form has no such group: the unit is one of the other field units.
    other = _client(world, "street_b").get("/coordination/operations/new/").content.decode()
    assert "派驻本街道" not in other and unit.name in other.split("其他派驻机构", 1)[1]
