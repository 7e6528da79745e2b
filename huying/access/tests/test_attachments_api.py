"""A community task's files through the API: the sender uploads to a delivered task (checked
as on the page), whoever sees the task lists and downloads them, anyone else gets a 404; the
phone pages link to the certificate list."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from huying.access import services
from huying.access.models import CommunityTask, ListKind, TaskAttachment
from huying.access.tests.helpers import publish_lists
from huying.conftest import MONDAY_10AM, World
from huying.core.errors import InvalidInput, InvalidTransition, PermissionDenied
from huying.core.tests.images import png

pytestmark = pytest.mark.django_db


def _client(world: World, who: str) -> Client:
    client = Client()
    client.force_login(world.actor(who).user)
    return client


def _task(world: World, cited: bool = True) -> CommunityTask:
    items = publish_lists(world)
    return services.task_send(
        actor=world.actor("dept_cg"),
        recipient_id=world.communities[0].pk,
        title="入户核对",
        basis="通知",
        item_id=items[ListKind.DUTY].pk if cited else None,
        now=MONDAY_10AM,
    )


def _png(name: str = "通知.png") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, png(), content_type="image/png")


def test_the_sender_adds_files_to_a_delivered_task_only(
    world: World, settings: Any, tmp_path: Path
) -> None:
    settings.MEDIA_ROOT = tmp_path
    task = _task(world)
    services.task_add_attachments(actor=world.actor("dept_cg"), task_id=task.pk, files=[_png()])
    assert TaskAttachment.objects.filter(task=task).count() == 1
    with pytest.raises(PermissionDenied):
        services.task_add_attachments(
            actor=world.actor("community"), task_id=task.pk, files=[_png()]
        )
    fake = SimpleUploadedFile("x.png", b"not an image", content_type="image/png")
    with pytest.raises(InvalidInput):
        services.task_add_attachments(actor=world.actor("dept_cg"), task_id=task.pk, files=[fake])
    refused = services.task_send(
        actor=world.actor("dept_cg"),
        recipient_id=world.communities[0].pk,
        title="无依据",
        basis="通知",
        now=MONDAY_10AM,
    )
    with pytest.raises(InvalidTransition):
        services.task_add_attachments(
            actor=world.actor("dept_cg"), task_id=refused.pk, files=[_png()]
        )
    assert TaskAttachment.objects.count() == 1
    assert len(list(tmp_path.rglob("*.png"))) == 1


def test_the_api_uploads_lists_and_serves_files_in_scope(
    world: World, settings: Any, tmp_path: Path
) -> None:
    settings.MEDIA_ROOT = tmp_path
    task = _task(world)
    dept = _client(world, "dept_cg")
    url = f"/api/v1/access/tasks/{task.pk}/attachments"
    answer = dept.post(url, {"files": [_png()]})
    assert answer.status_code == 201, answer.content
    (listed,) = answer.json()
    assert listed["name"] == "通知.png" and listed["content_type"] == "image/png"
    assert _client(world, "community").get(url).json() == [listed]
    assert _client(world, "dept_sw").get(url).status_code == 404
    file_url = f"/api/v1/access/task-attachments/{listed['id']}"
    got = _client(world, "community").get(file_url)
    assert got.status_code == 200 and got["Content-Type"] == "image/png"
    assert _client(world, "dept_sw").get(file_url).status_code == 404
    bad = dept.post(url, {"files": [SimpleUploadedFile("a.exe", b"MZ", content_type="image/png")]})
    assert bad.status_code == 422 and "message" in bad.json()["error"]
    assert _client(world, "community").post(url, {"files": [_png()]}).status_code == 403
    assert TaskAttachment.objects.count() == 1


def test_the_phone_service_guide_links_to_the_certificates(world: World) -> None:
    """On 办事 (the phone's service guide), not in the top bar: a sixth link there would
    push the language switcher off a phone's screen in English."""
    page = Client().get("/onewindow/m/").content.decode()
    assert 'href="/m/certificates"' in page
    assert "社区不再出具的证明" in Client().get("/m/certificates").content.decode()
