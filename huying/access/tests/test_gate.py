"""The gate: a community task passes only citing a current DUTY or ASSIST item; otherwise it
is refused at the door, recorded with the reason and counted; the receiving community flags
what slipped through; the month's figures per sender."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from huying.access import selectors, services
from huying.access.models import AccessItem, CommunityTask, ListKind, TaskAttachment, TaskState
from huying.access.tests.helpers import publish_lists
from huying.conftest import MONDAY_10AM, World
from huying.core.errors import (
    InvalidInput,
    InvalidTransition,
    NotFound,
    PermissionDenied,
)
from huying.core.models import ChangeLog, Notification
from huying.core.tests.images import png

pytestmark = pytest.mark.django_db


def _send(
    world: World, item: AccessItem | None, who: str = "dept_cg", community: int = 0, **kw: object
) -> CommunityTask:
    values: dict[str, object] = {
        "recipient_id": world.communities[community].pk,
        "title": "入户核对常住人口",
        "basis": "区人口普查领导小组通知",
        "item_id": item.pk if item else None,
        "deadline": date(2026, 3, 20),
        "now": MONDAY_10AM,
        **kw,
    }
    return services.task_send(actor=world.actor(who), **values)  # type: ignore[arg-type]


def test_a_task_citing_a_current_item_reaches_the_community(world: World) -> None:
    items = publish_lists(world)
    for kind in (ListKind.DUTY, ListKind.ASSIST):
        task = _send(world, items[kind])
        assert (task.state, task.refusal_reason, task.item) == (
            TaskState.DELIVERED,
            "",
            items[kind],
        )
        assert task.sender == world.departments["cg"]
    assert selectors.tasks_visible_to(world.actor("community")).count() == 2
    assert not selectors.tasks_visible_to(world.actor("community")).exclude(
        recipient=world.communities[0]
    )


@pytest.mark.parametrize("cite", ["nothing", "certificate", "old_version", "missing"])
def test_a_task_off_the_lists_is_refused_at_the_door_and_recorded(world: World, cite: str) -> None:
    items = publish_lists(world)
    item_id: int | None
    if cite == "nothing":
        item_id = None
    elif cite == "certificate":
        item_id = items[ListKind.CERTIFICATE].pk
    elif cite == "old_version":
        # v2 of the DUTY list no longer has the item: v1's item is not in force any more.
        hub = world.actor("hub")
        services.item_add(actor=hub, kind=ListKind.DUTY, title="调解民间纠纷", legal_basis="法")
        services.item_withdraw(actor=hub, kind=ListKind.DUTY, code="LZ01", reason="职责调整")
        services.list_publish(actor=hub, kind=ListKind.DUTY)
        item_id = items[ListKind.DUTY].pk
    else:
        item_id = 999_999
    before = ChangeLog.objects.exclude(action="access.task.refuse").count()
    task = services.task_send(
        actor=world.actor("dept_cg"),
        recipient_id=world.communities[0].pk,
        title="报送辖区商户台账",
        basis="局办公室通知",
        item_id=item_id,
        now=MONDAY_10AM,
    )
    assert task.state == TaskState.REFUSED
    assert task.refusal_reason
    # Recorded (and counted), never delivered, nothing else written.
    assert CommunityTask.objects.get().pk == task.pk
    assert not selectors.tasks_visible_to(world.actor("community")).exists()
    assert ChangeLog.objects.get(action="access.task.refuse").object_id == str(task.pk)
    assert ChangeLog.objects.exclude(action="access.task.refuse").count() == before
    figures = selectors.monthly_figures(world.actor("hub"), 2026, 3)
    assert [(f.sender, f.sent, f.refused, f.flagged) for f in figures] == [
        (world.departments["cg"], 1, 1, 0)
    ]


def test_the_reason_says_why(world: World) -> None:
    items = publish_lists(world)
    assert "未引用准入清单事项" in _send(world, None).refusal_reason
    assert "不应由社区出具的证明" in _send(world, items[ListKind.CERTIFICATE]).refusal_reason


def test_bad_input_is_refused_before_the_gate_and_writes_nothing(world: World) -> None:
    items = publish_lists(world)
    duty = items[ListKind.DUTY]
    cases: list[tuple[dict[str, Any], str]] = [
        ({"title": " "}, "title"),
        ({"basis": ""}, "basis"),
        ({"recipient_id": world.streets[0].pk}, "recipient_id"),
        ({"recipient_id": 999_999}, "recipient_id"),
        ({"deadline": MONDAY_10AM.date() - timedelta(days=1)}, "deadline"),
    ]
    for change, field in cases:
        with pytest.raises(InvalidInput) as refused:
            _send(world, duty, **change)
        assert refused.value.details["field"] == field
    # A street sends only to its own communities.
    with pytest.raises(InvalidInput):
        _send(world, duty, who="street", community=1)
    assert _send(world, duty, who="street").sender == world.streets[0]
    for who in ("community", "hub", "grid_worker", "resident", "admin"):
        with pytest.raises(PermissionDenied):
            _send(world, duty, who=who)
    assert CommunityTask.objects.count() == 1


def test_the_recipient_flags_a_task_as_off_the_lists(world: World) -> None:
    items = publish_lists(world)
    task = _send(world, items[ListKind.ASSIST])
    later = MONDAY_10AM + timedelta(hours=2)
    with pytest.raises(InvalidInput):
        services.task_flag(actor=world.actor("community"), task_id=task.pk, reason="")
    flagged = services.task_flag(
        actor=world.actor("community"),
        task_id=task.pk,
        reason="实为部门自身的台账报送，未随事拨付经费",
        now=later,
    )
    assert flagged.flagged_at == later and flagged.version == 2
    assert flagged.flag_reason == "实为部门自身的台账报送，未随事拨付经费"
    # The complaint reaches the hub's people, not the sender's.
    told = Notification.objects.filter(kind="access_flag")
    assert {n.recipient_id for n in told} == {
        world.actor("hub").user.pk,
        world.actor("hub_sup").user.pk,
    }
    assert "第1社区将城管局派发的「入户核对常住人口」标记为清单外任务" in told[0].message
    assert told[0].url.endswith(f"#task-{task.pk}")
    with pytest.raises(InvalidTransition):
        services.task_flag(actor=world.actor("community"), task_id=task.pk, reason="再次")
    # The hub sees it among all tasks; the figures count it.
    assert selectors.task_get(world.actor("hub"), task.pk).flagged_at == later
    figures = selectors.monthly_figures(world.actor("hub"), 2026, 3)
    assert [(f.sent, f.refused, f.flagged) for f in figures] == [(1, 0, 1)]


def test_only_the_recipient_flags(world: World) -> None:
    items = publish_lists(world)
    task = _send(world, items[ListKind.DUTY])
    refused = _send(world, None)
    # Another community does not see the task; the recipient does not see a refused one.
    other = replace(world.actor("community"), unit=world.communities[1])
    with pytest.raises(NotFound):
        services.task_flag(actor=other, task_id=task.pk, reason="不是我们的")
    with pytest.raises(NotFound):
        services.task_flag(actor=world.actor("community"), task_id=refused.pk, reason="拒收的")
    # Its sender and the hub see it, but only the community flags it.
    for who in ("dept_cg", "hub"):
        with pytest.raises(PermissionDenied):
            services.task_flag(actor=world.actor(who), task_id=task.pk, reason="代为标记")
    with pytest.raises(NotFound):
        services.task_flag(actor=world.actor("dept_sw"), task_id=task.pk, reason="看不到")
    assert not CommunityTask.objects.filter(flagged_at__isnull=False).exists()


def test_monthly_figures_per_sender_in_scope(world: World) -> None:
    items = publish_lists(world)
    _send(world, items[ListKind.DUTY])
    _send(world, None)
    _send(world, None, who="dept_sw")
    _send(world, items[ListKind.DUTY], who="street")
    _send(world, None, deadline=None, now=MONDAY_10AM + timedelta(days=30))  # April
    hub = selectors.monthly_figures(world.actor("hub"), 2026, 3)
    assert [(f.sender.name, f.sent, f.refused, f.flagged) for f in hub] == [
        ("城管局", 2, 1, 0),
        ("水务局", 1, 1, 0),
        ("第1街道", 1, 0, 0),
    ]
    april = selectors.monthly_figures(world.actor("leader"), 2026, 4)
    assert [(f.sender.name, f.sent, f.refused) for f in april] == [("城管局", 1, 1)]
    # A department reads its own row (its field units' tasks count under their own name).
    own = selectors.monthly_figures(world.actor("dept_sw"), 2026, 3)
    assert [(f.sender.name, f.sent) for f in own] == [("水务局", 1)]
    assert selectors.monthly_figures(world.actor("community"), 2026, 3) == []
    assert selectors.monthly_figures(world.actor("hub"), 2026, 2) == []


def _png(name: str = "通知.png") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, png(), content_type="image/png")


def test_a_delivered_task_keeps_its_attachments_a_refused_one_none(
    world: World, settings: Any, tmp_path: Path
) -> None:
    settings.MEDIA_ROOT = tmp_path
    items = publish_lists(world)
    task = _send(world, items[ListKind.DUTY], files=[_png()])
    attachment = TaskAttachment.objects.get(task=task)
    assert attachment.name == "通知.png" and attachment.content_type == "image/png"
    assert (tmp_path / (attachment.file.name or "")).is_file()
    refused = _send(world, None, files=[_png()])
    assert not refused.attachments.exists()
    assert len(list(tmp_path.rglob("*.png"))) == 1
    # Too many files, or one that is not what it says: refused before anything is written.
    with pytest.raises(InvalidInput):
        _send(world, items[ListKind.DUTY], files=[_png(f"{n}.png") for n in range(10)])
    with pytest.raises(InvalidInput):
        bad = SimpleUploadedFile("x.png", b"not a picture", content_type="image/png")
        _send(world, items[ListKind.DUTY], files=[bad])
    assert CommunityTask.objects.count() == 2 and TaskAttachment.objects.count() == 1
    # Whoever sees the task reads its file; anyone else: 404.
    assert selectors.attachment_get(world.actor("community"), attachment.pk) == attachment
    with pytest.raises(NotFound):
        selectors.attachment_get(world.actor("dept_sw"), attachment.pk)
