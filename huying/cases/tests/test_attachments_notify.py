"""Attachments are type- and size-checked before anything is written; notifications go to
the people who must act and are delivered once."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import override_settings

from huying.cases import services
from huying.cases.models import Attachment, Case, CaseEvent
from huying.conftest import World
from huying.core.errors import InvalidInput
from huying.core.models import Notification
from huying.core.notify import deliver_pending
from huying.core.tests.images import PNG


def test_photo_is_stored_and_referenced_in_the_trail(
    world: World, tmp_path: Any, settings: Any
) -> None:
    settings.MEDIA_ROOT = tmp_path
    lat, lng = world.point_in(0)
    photo = SimpleUploadedFile("现场.png", PNG, content_type="image/png")
    case = services.case_submit(
        actor=world.actor("resident"), title="垃圾堆放", lat=lat, lng=lng, files=[photo]
    )
    att = Attachment.objects.get(case=case)
    assert att.content_type == "image/png" and att.size == att.file.size
    assert CaseEvent.objects.get(case=case, seq=1).attachments == [
        {"id": att.pk, "name": "现场.png", "sha256": att.sha256}
    ]


@pytest.mark.parametrize(
    "upload",
    [
        SimpleUploadedFile("fake.png", b"MZ\x90\x00 not an image", content_type="image/png"),
        SimpleUploadedFile("empty.jpg", b"", content_type="image/jpeg"),
    ],
)
def test_bad_upload_is_refused_and_nothing_is_written(
    world: World, upload: SimpleUploadedFile
) -> None:
    lat, lng = world.point_in(0)
    with pytest.raises(InvalidInput):
        services.case_submit(
            actor=world.actor("resident"), title="垃圾", lat=lat, lng=lng, files=[upload]
        )
    assert Case.objects.count() == 0 and Attachment.objects.count() == 0


@override_settings(HUYING_ATTACHMENT_MAX_BYTES=10)
def test_oversized_upload_is_refused(world: World) -> None:
    with pytest.raises(InvalidInput, match="上限"):
        services.case_submit(
            actor=world.actor("resident"),
            title="垃圾",
            files=[SimpleUploadedFile("big.png", PNG, content_type="image/png")],
        )
    assert Case.objects.count() == 0


def test_dispatch_notifies_the_department_and_delivery_happens_once(world: World) -> None:
    from .helpers import case_in_state

    case_in_state(world, "in_progress")
    dept_user = world.actor("dept_cg").user
    notes = Notification.objects.filter(recipient=dept_user, kind="dispatched")
    assert notes.count() == 1 and "路灯不亮" in notes.get().message
    assert not Notification.objects.filter(recipient=world.actor("dept_sw").user).exists()
    from django.utils import timezone

    sent = deliver_pending(now=timezone.now())
    assert sent == Notification.objects.count() and sent > 0
    assert deliver_pending(now=timezone.now()) == 0


def test_photos_follow_the_report_through_the_api(
    world: World, tmp_path: Any, settings: Any
) -> None:
    from django.test import Client

    settings.MEDIA_ROOT = tmp_path
    lat, lng = world.point_in(0)
    case = services.case_submit(actor=world.actor("resident"), title="污水外溢", lat=lat, lng=lng)
    client = Client()
    client.force_login(world.actor("resident").user)
    photo = SimpleUploadedFile("a.png", PNG, content_type="image/png")
    r = client.post(f"/api/v1/cases/{case.pk}/attachments", {"files": [photo], "note": "补拍"})
    assert r.status_code == 200, r.content
    timeline = client.get(f"/api/v1/cases/{case.pk}").json()["timeline"]
    assert timeline[-1]["action"] == "attach" and len(timeline[-1]["attachments"]) == 1
    bad = SimpleUploadedFile("a.png", b"<html>", content_type="image/png")
    r = client.post(f"/api/v1/cases/{case.pk}/attachments", {"files": [bad]})
    assert r.status_code == 422 and Attachment.objects.filter(case=case).count() == 1
    # Someone else's case: 404, nothing stored.
    other = Client()
    other.force_login(world.actor("resident2").user)
    photo.seek(0)
    r = other.post(f"/api/v1/cases/{case.pk}/attachments", {"files": [photo]})
    assert r.status_code == 404 and Attachment.objects.filter(case=case).count() == 1, r.content
