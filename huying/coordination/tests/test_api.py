"""会商与联合执法 in the API beyond the pages' records: a joint operation's photos (upload,
list, download) and a meeting's minutes as Word and PDF, in the pages' scope."""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from docx import Document

from huying.cases.models import CaseState
from huying.cases.tests.helpers import case_in_state
from huying.cases.tests.test_console import login
from huying.conftest import MONDAY_10AM, World
from huying.coordination import services
from huying.coordination.models import MeetingKind, OperationPhoto
from huying.core.tests.images import png

pytestmark = pytest.mark.django_db
J = "application/json"


@pytest.fixture
def media(tmp_path: Path, settings: Any) -> Path:
    settings.MEDIA_ROOT = tmp_path
    return tmp_path


def _operation(world: World) -> int:
    made = login(world, "street").post(
        "/api/v1/joint-operations",
        {
            "title": "夜市占道经营联合整治",
            "problem": "占道经营",
            "held_on": "2026-03-02",
            "place": "建设路",
            "unit_ids": [world.departments["cg_unit"].pk],
        },
        content_type=J,
    )
    assert made.status_code == 201, made.content
    assert made.json()["photos"] == []
    pk: int = made.json()["id"]
    return pk


def _photo(name: str = "整治后.png", data: bytes | None = None) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, png() if data is None else data, content_type="image/png")


def test_the_organiser_uploads_photos_that_readers_list_and_open(world: World, media: Path) -> None:
    pk = _operation(world)
    street = login(world, "street")
    added = street.post(
        f"/api/v1/joint-operations/{pk}/photos", {"files": [_photo(), _photo("2.png")]}
    )
    assert added.status_code == 200, added.content
    photos = added.json()["photos"]
    assert [(p["name"], p["content_type"]) for p in photos] == [
        ("整治后.png", "image/png"),
        ("2.png", "image/png"),
    ]
    # The hub reads the district's operations: listed, in detail, and the file itself.
    hub = login(world, "hub")
    listed = {op["id"]: op for op in hub.get("/api/v1/joint-operations").json()}
    assert listed[pk]["photos"] == photos
    assert hub.get(f"/api/v1/joint-operations/{pk}").json()["photos"] == photos
    opened = hub.get(photos[0]["url"])
    assert opened.status_code == 200
    assert opened["Content-Type"] == "image/png"
    assert opened["Content-Disposition"].startswith("inline")
    assert b"".join(opened.streaming_content).startswith(b"\x89PNG")  # type: ignore[attr-defined]


def test_outside_the_scope_nothing_is_seen_or_stored(world: World, media: Path) -> None:
    pk = _operation(world)
    login(world, "street").post(f"/api/v1/joint-operations/{pk}/photos", {"files": [_photo()]})
    photo = OperationPhoto.objects.get()
    url = f"/api/v1/joint-operations/{pk}/photos/{photo.pk}"
    for who in ("street_b", "community", "dept_cg"):
        client = login(world, who)
        assert client.get(url).status_code == 404
        refused = client.post(f"/api/v1/joint-operations/{pk}/photos", {"files": [_photo()]})
        assert refused.status_code == 404
        assert refused.json()["error"]["code"] == "not_found"
    # The hub sees it but did not organise it; another operation's path hides the photo.
    hub = login(world, "hub")
    refused = hub.post(f"/api/v1/joint-operations/{pk}/photos", {"files": [_photo()]})
    assert refused.status_code == 403 and refused.json()["error"]["code"] == "forbidden"
    assert hub.get(f"/api/v1/joint-operations/{pk + 1}/photos/{photo.pk}").status_code == 404
    assert OperationPhoto.objects.count() == 1
    assert len(list((media / "coordination" / str(pk)).iterdir())) == 1


def test_a_file_that_is_not_a_photo_refuses_the_upload(world: World, media: Path) -> None:
    pk = _operation(world)
    street = login(world, "street")
    bad = street.post(
        f"/api/v1/joint-operations/{pk}/photos",
        {"files": [_photo(), _photo("假.png", b"<html>")]},
    )
    assert bad.status_code == 422, bad.content
    assert bad.json()["error"]["code"] == "invalid_input"
    assert bad.json()["error"]["details"]["field"] == "files"
    empty = street.post(f"/api/v1/joint-operations/{pk}/photos", {})
    assert empty.status_code == 422 and empty.json()["error"]["code"] == "invalid_input"
    assert not OperationPhoto.objects.exists()
    assert not (media / "coordination").exists()


def _meeting(world: World) -> int:
    case = case_in_state(world, CaseState.IN_PROGRESS)
    street = world.actor("street")
    meeting = services.meeting_create(
        actor=street,
        kind=MeetingKind.WEEKLY,
        held_on=MONDAY_10AM.date(),
        chair="王主任",
        now=MONDAY_10AM,
    )
    services.meeting_decide(
        actor=street,
        meeting_id=meeting.pk,
        case_id=case.pk,
        kind="deadline",
        deadline=MONDAY_10AM.date(),
        now=MONDAY_10AM,
    )
    return meeting.pk


def _body(answer: Any) -> bytes:
    return b"".join(answer.streaming_content)


def test_the_minutes_come_as_word_and_pdf_through_the_api(world: World) -> None:
    pk = _meeting(world)
    for who in ("street", "hub"):  # the organiser, and the hub that reads the district's
        client = login(world, who)
        word = client.get(f"/api/v1/meetings/{pk}/minutes.docx")
        assert word.status_code == 200, word.content
        assert word["Content-Type"].startswith("application/vnd.openxmlformats")
        assert "attachment" in word["Content-Disposition"]
        paragraphs = Document(io.BytesIO(_body(word))).paragraphs
        text = "\n".join(p.text for p in paragraphs)
        assert "周例会纪要" in text and "王主任" in text
        pdf = client.get(f"/api/v1/meetings/{pk}/minutes.pdf")
        assert pdf.status_code == 200 and pdf["Content-Type"] == "application/pdf"
        assert _body(pdf).startswith(b"%PDF")


def test_the_minutes_are_absent_outside_the_scope(world: World) -> None:
    pk = _meeting(world)
    for who in ("street_b", "community", "dept_cg", "resident"):
        for kind in ("docx", "pdf"):
            answer = login(world, who).get(f"/api/v1/meetings/{pk}/minutes.{kind}")
            assert answer.status_code == 404, (who, kind)
            assert answer.json()["error"]["code"] == "not_found"
    assert Client().get(f"/api/v1/meetings/{pk}/minutes.pdf").status_code == 401
    street = login(world, "street")
    for meeting_id, status in ((0, 422), (pk + 1000, 404)):
        answer = street.get(f"/api/v1/meetings/{meeting_id}/minutes.docx")
        assert answer.status_code == status and set(answer.json()) == {"error"}
