"""Writes of 社区工作准入. Each is one transaction: bad input, a role that may not, or a
change someone made meanwhile (CAS on ``version``) changes nothing. A task the gate refuses
is the exception by design: its refusal is what gets written, and counted."""

from __future__ import annotations

import re
import uuid
from collections.abc import Sequence
from datetime import date, datetime
from typing import Any

from django.core.files.storage import default_storage
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.db.models import F
from django.urls import reverse
from django.utils import timezone
from django.utils.text import format_lazy
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from huying.access import rules
from huying.access.models import (
    FUNDED_KINDS,
    TASK_KINDS,
    AccessItem,
    AccessList,
    Application,
    ApplicationAction,
    ApplicationState,
    CommunityTask,
    FlagOutcome,
    ListKind,
    TaskAttachment,
    TaskState,
)
from huying.access.selectors import application_get, task_get
from huying.core.changelog import change_record, snapshot
from huying.core.errors import (
    Conflict,
    InvalidInput,
    InvalidTransition,
    PermissionDenied,
    RuleViolation,
)
from huying.core.files import FILES_PER_UPLOAD, CheckedFile, check_upload
from huying.core.i18n import site_text
from huying.core.notify import notify
from huying.org.actors import Actor, under
from huying.org.models import OrgUnit
from huying.org.selectors import user_ids_with_roles

ITEM_FIELDS = ("code", "title", "legal_basis", "department", "funding", "staffing", "alternative")


def _text(value: str, field: str, *, label: Any, limit: int, required: bool = True) -> str:
    value = (value or "").strip()
    if required and not value:
        raise InvalidInput(_("请填写{label}").format(label=label), field=field)
    if len(value) > limit:
        raise InvalidInput(
            _("{label}不能超过 {limit} 字").format(label=label, limit=limit), field=field
        )
    return value


def _kind(kind: str) -> str:
    if kind not in ListKind.values:
        raise InvalidInput(_("清单类型无效"), field="kind")
    return kind


def _item_values(
    kind: str, *, title: str, legal_basis: str, funding: str, staffing: str, alternative: str
) -> dict[str, str]:
    """An item's own text, with what its kind requires: an assisting or admitted item names
    the funding and the staff that come with it (权随责走、费随事转); a certificate what to do
    instead."""
    assist = kind in FUNDED_KINDS
    certificate = kind == ListKind.CERTIFICATE
    values = {
        "title": _text(title, "title", label=_("事项名称"), limit=200),
        "legal_basis": _text(legal_basis, "legal_basis", label=_("法律依据"), limit=2000),
        "funding": _text(funding, "funding", label=_("随事经费"), limit=200, required=assist),
        "staffing": _text(staffing, "staffing", label=_("随事人员"), limit=200, required=assist),
        "alternative": _text(
            alternative, "alternative", label=_("替代办法"), limit=2000, required=certificate
        ),
    }
    if not assist:
        values["funding"] = values["staffing"] = ""
    if not certificate:
        values["alternative"] = ""
    return values


def _require(actor: Actor | None, roles: frozenset[str], message: str) -> None:
    if actor is not None and actor.role not in roles:
        raise PermissionDenied(message)


# --- the lists ----------------------------------------------------------------------------------


def _draft(kind: str) -> AccessList:
    """The kind's draft, locked; made on first need from the current version's items."""
    draft = AccessList.objects.select_for_update().filter(kind=kind, published_at__isnull=True)
    found = draft.first()
    if found is not None:
        return found
    last = AccessList.objects.filter(kind=kind).order_by("-version").first()
    found = AccessList.objects.create(kind=kind, version=(last.version + 1) if last else 1)
    current = AccessList.objects.filter(kind=kind, is_current=True).first()
    if current is not None:
        AccessItem.objects.bulk_create(
            AccessItem(
                access_list=found,
                code=item.code,
                title=item.title,
                legal_basis=item.legal_basis,
                department_id=item.department_id,
                funding=item.funding,
                staffing=item.staffing,
                alternative=item.alternative,
                order=item.order,
            )
            for item in current.items.all()
        )
    return found


def _next_code(draft: AccessList) -> str:
    prefix = rules.CODE_PREFIX[draft.kind]
    used = [
        int(m.group(1))
        for code in AccessItem.objects.filter(access_list__kind=draft.kind).values_list(
            "code", flat=True
        )
        if (m := re.fullmatch(re.escape(prefix) + r"(\d+)", code))
    ]
    return f"{prefix}{max(used, default=0) + 1:02d}"


def item_add(
    *,
    actor: Actor | None,
    kind: str,
    title: str,
    legal_basis: str,
    department: OrgUnit | None = None,
    department_id: int | None = None,
    funding: str = "",
    staffing: str = "",
    alternative: str = "",
    now: datetime | None = None,
) -> AccessItem:
    """Put an item into the kind's draft (the hub's own, or an approved application's);
    ``actor`` None is the system (the demo). It is in force once the draft is published."""
    now = now or timezone.now()
    _require(actor, rules.REVIEW_ROLES, _("只有呼应办可以维护准入清单"))
    if department is None and department_id is not None:
        department = OrgUnit.objects.filter(
            pk=department_id, kind=OrgUnit.Kind.DEPARTMENT, is_active=True
        ).first()
        if department is None:
            raise InvalidInput(_("责任部门须是在用的区级部门"), field="department_id")
    values = _item_values(
        _kind(kind),
        title=title,
        legal_basis=legal_basis,
        funding=funding,
        staffing=staffing,
        alternative=alternative,
    )
    with transaction.atomic():
        draft = _draft(kind)
        if draft.items.filter(title=values["title"]).exists():
            raise RuleViolation(
                _("清单中已有事项「{title}」").format(title=values["title"]), field="title"
            )
        last = draft.items.order_by("-order").first()
        item = AccessItem.objects.create(
            access_list=draft,
            code=_next_code(draft),
            department=department,
            order=(last.order + 1) if last else 1,
            **values,
        )
        change_record(
            actor=actor,
            action="access.item.add",
            obj=item,
            now=now,
            after=snapshot(item, ITEM_FIELDS),
        )
    return item


def item_withdraw(
    *, actor: Actor | None, kind: str, code: str, reason: str, now: datetime | None = None
) -> AccessList:
    """退出: take the item out of the kind's draft, with the reason; the published version
    keeps it until the draft is published."""
    now = now or timezone.now()
    _require(actor, rules.REVIEW_ROLES, _("只有呼应办可以维护准入清单"))
    reason = _text(reason, "reason", label=_("退出理由"), limit=1000)
    with transaction.atomic():
        draft = _draft(_kind(kind))
        item = draft.items.filter(code=code).first()
        if item is None:
            raise RuleViolation(_("事项 {code} 不在清单中").format(code=code or "—"), field="code")
        change_record(
            actor=actor,
            action="access.item.withdraw",
            obj=item,
            now=now,
            before=snapshot(item, ITEM_FIELDS),
            after={"reason": reason},
        )
        item.delete()
    return draft


def list_publish(*, actor: Actor | None, kind: str, now: datetime | None = None) -> AccessList:
    """The kind's draft becomes its one current version."""
    now = now or timezone.now()
    _require(actor, rules.REVIEW_ROLES, _("只有呼应办可以发布准入清单"))
    with transaction.atomic():
        draft = (
            AccessList.objects.select_for_update()
            .filter(kind=_kind(kind), published_at__isnull=True)
            .first()
        )
        if draft is None:
            raise InvalidTransition(_("没有待发布的草稿"))
        if not draft.items.exists():
            raise InvalidInput(_("清单中还没有事项，不能发布"), field="kind")
        previous = AccessList.objects.filter(kind=kind, is_current=True).first()
        AccessList.objects.filter(kind=kind, is_current=True).update(is_current=False)
        draft.is_current = True
        draft.published_at = now
        draft.save(update_fields=["is_current", "published_at"])
        change_record(
            actor=actor,
            action="access.list.publish",
            obj=draft,
            now=now,
            before={"current_version": previous.version if previous else None},
            after={"current_version": draft.version},
        )
    return draft


# --- applications (申请、核准、退出) --------------------------------------------------------------


def application_submit(
    *,
    actor: Actor,
    kind: str,
    action: str = ApplicationAction.ADD,
    title: str = "",
    legal_basis: str = "",
    funding: str = "",
    staffing: str = "",
    alternative: str = "",
    code: str = "",
    reason: str = "",
    now: datetime | None = None,
) -> Application:
    """A department applies to add an item (with its legal basis, and for assisting work the
    funding and staff that come with it) or to withdraw one of the current list (a reason)."""
    now = now or timezone.now()
    _require(actor, rules.APPLY_ROLES, _("只有区级部门可以申请调整准入清单"))
    _kind(kind)
    values: dict[str, str]
    if action == ApplicationAction.ADD:
        values = _item_values(
            kind,
            title=title,
            legal_basis=legal_basis,
            funding=funding,
            staffing=staffing,
            alternative=alternative,
        )
    elif action == ApplicationAction.WITHDRAW:
        item = AccessItem.objects.filter(
            access_list__kind=kind, access_list__is_current=True, code=(code or "").strip()
        ).first()
        if item is None:
            raise InvalidInput(
                _("现行清单中没有编码为 {code} 的事项").format(code=code or "—"), field="code"
            )
        values = {
            "code": item.code,
            "title": item.title,
            "reason": _text(reason, "reason", label=_("退出理由"), limit=1000),
        }
    else:
        raise InvalidInput(_("申请类型无效"), field="action")
    with transaction.atomic():
        application = Application.objects.create(
            kind=kind,
            action=action,
            department=actor.unit,
            submitted_by=actor.user,
            submitted_at=now,
            **values,
        )
        change_record(actor=actor, action="access.application.submit", obj=application, now=now)
    return application


def application_decide(
    *,
    actor: Actor,
    application_id: int,
    approve: bool,
    reason: str = "",
    version: int | None = None,
    now: datetime | None = None,
) -> Application:
    """The hub's review: approval carries the change into the kind's draft (published with
    it); a refusal says why. ``version``: the one the reviewer read (a stale one: 409)."""
    now = now or timezone.now()
    _require(actor, rules.REVIEW_ROLES, _("只有呼应办可以审核准入申请"))
    reason = _text(reason, "reason", label=_("不予核准的理由"), limit=1000, required=not approve)
    with transaction.atomic():
        application = application_get(actor, application_id)
        application = Application.objects.select_for_update().get(pk=application.pk)
        if version is not None and version != application.version:
            raise Conflict()
        if application.state != ApplicationState.PENDING:
            raise InvalidTransition(_("该申请已审核"))
        if approve and application.action == ApplicationAction.ADD:
            item = item_add(
                actor=actor,
                kind=application.kind,
                title=application.title,
                legal_basis=application.legal_basis,
                department=application.department,
                funding=application.funding,
                staffing=application.staffing,
                alternative=application.alternative,
                now=now,
            )
            application.draft = item.access_list
        elif approve:
            application.draft = item_withdraw(
                actor=actor,
                kind=application.kind,
                code=application.code,
                reason=application.reason,
                now=now,
            )
        application.state = ApplicationState.APPROVED if approve else ApplicationState.REFUSED
        application.decided_by = actor.user
        application.decided_at = now
        application.decision_reason = reason
        application.version = F("version") + 1
        application.save()
        application.refresh_from_db()
        change_record(
            actor=actor,
            action="access.application.decide",
            obj=application,
            now=now,
            before={"state": ApplicationState.PENDING},
            after={"state": application.state, "reason": reason},
        )
    return application


# --- the gate (community tasks) -----------------------------------------------------------------


def _gate(item_id: int | None) -> tuple[AccessItem | None, str]:
    """The cited item, and why the gate refuses the task ("" when it passes)."""
    if item_id is None:
        return None, _("未引用准入清单事项：社区只承接依法履职、依法协助和社区事务准入清单内的工作")
    item = AccessItem.objects.select_related("access_list").filter(pk=item_id).first()
    if item is None:
        return None, _("所引用的清单事项不存在")
    if item.access_list.kind not in TASK_KINDS:
        return item, _("「{title}」是不应由社区出具的证明，不能作为派给社区的工作").format(
            title=item.title
        )
    if not item.access_list.is_current:
        return item, _("「{title}」不在现行发布的准入清单中").format(title=item.title)
    return item, ""


def task_send(
    *,
    actor: Actor,
    recipient_id: int,
    title: str,
    basis: str,
    item_id: int | None = None,
    deadline: date | None = None,
    files: Sequence[UploadedFile] = (),
    now: datetime | None = None,
) -> CommunityTask:
    """Send work to a community committee through the gate. Well-formed but citing no
    current DUTY, ASSIST or ADMISSION item, it is refused at the door: kept as refused with the reason
    (the caller tells the sender), and it never reaches the community."""
    now = now or timezone.now()
    _require(actor, rules.SEND_ROLES, _("只有区级部门和街道可以向社区派发任务"))
    values = {
        "title": _text(title, "title", label=_("任务名称"), limit=200),
        "basis": _text(basis, "basis", label=_("任务依据"), limit=2000),
    }
    recipient = OrgUnit.objects.filter(
        under("path", actor.reach), pk=recipient_id, kind=OrgUnit.Kind.COMMUNITY, is_active=True
    ).first()
    if recipient is None:
        raise InvalidInput(_("接收单位须是本区在用的社区（村）"), field="recipient_id")
    if actor.unit.kind == OrgUnit.Kind.STREET and not recipient.path.startswith(actor.unit.path):
        raise InvalidInput(_("街道只能向本街道的社区派发任务"), field="recipient_id")
    if deadline is not None and deadline < timezone.localdate(now):
        raise InvalidInput(_("完成期限不能早于今天"), field="deadline")
    if len(files) > FILES_PER_UPLOAD:
        raise InvalidInput(_("一次最多上传 %(n)d 个附件") % {"n": FILES_PER_UPLOAD}, field="files")
    checked = [check_upload(f) for f in files]
    item, refusal = _gate(item_id)
    saved: list[str] = []
    try:
        task = _task_create(actor, recipient, item, deadline, refusal, values, checked, saved, now)
    except BaseException:
        for name in saved:  # storage is not transactional: a failed send leaves no file
            default_storage.delete(name)
        raise
    return task


def _task_create(
    actor: Actor,
    recipient: OrgUnit,
    item: AccessItem | None,
    deadline: date | None,
    refusal: str,
    values: dict[str, str],
    checked: list[CheckedFile],
    saved: list[str],
    now: datetime,
) -> CommunityTask:
    """The task and, when it passed the gate, its files (a refused one keeps none)."""
    with transaction.atomic():
        task = CommunityTask.objects.create(
            sender=actor.unit,
            recipient=recipient,
            item=item,
            deadline=deadline,
            state=TaskState.REFUSED if refusal else TaskState.DELIVERED,
            refusal_reason=refusal,
            created_by=actor.user,
            created_at=now,
            **values,
        )
        change_record(
            actor=actor,
            action="access.task.refuse" if refusal else "access.task.send",
            obj=task,
            now=now,
            after={"state": task.state, "item": item.pk if item else None, "reason": refusal},
        )
        if not refusal:
            _store(task, checked, saved)
    return task


def _store(task: CommunityTask, checked: Sequence[CheckedFile], saved: list[str]) -> None:
    """Write checked files under generated names; ``saved`` collects them so that the caller
    deletes them if its transaction fails (storage is not transactional)."""
    for c in checked:
        name = default_storage.save(f"access/{task.pk}/{uuid.uuid4().hex}{c.extension}", c.content)
        saved.append(name)
        TaskAttachment.objects.create(
            task=task,
            file=name,
            name=c.name,
            content_type=c.content_type,
            size=c.size,
            sha256=c.sha256,
        )


def task_add_attachments(
    *, actor: Actor, task_id: int, files: Sequence[UploadedFile]
) -> CommunityTask:
    """More files for a delivered task, by its sender, checked as when it was sent (images
    or PDFs, at most ``FILES_PER_UPLOAD`` at once); a refused or withdrawn task takes none."""
    _require(actor, rules.SEND_ROLES, _("只有派发单位可以上传任务附件"))
    if not files:
        raise InvalidInput(_("请选择附件"), field="files")
    if len(files) > FILES_PER_UPLOAD:
        raise InvalidInput(_("一次最多上传 %(n)d 个附件") % {"n": FILES_PER_UPLOAD}, field="files")
    checked = [check_upload(f) for f in files]
    saved: list[str] = []
    try:
        with transaction.atomic():
            task = task_get(actor, task_id)
            task = CommunityTask.objects.select_for_update().get(pk=task.pk)
            if task.sender_id != actor.unit.pk:
                raise PermissionDenied(_("只有派发单位可以上传任务附件"))
            if task.state != TaskState.DELIVERED:
                raise InvalidTransition(_("任务未送达社区或已撤回，不能上传附件"))
            _store(task, checked, saved)
    except BaseException:
        for name in saved:
            default_storage.delete(name)
        raise
    return task


def task_flag(
    *, actor: Actor, task_id: int, reason: str, now: datetime | None = None
) -> CommunityTask:
    """The receiving community flags a task as off the lists (a complaint to the hub)."""
    now = now or timezone.now()
    with transaction.atomic():
        task = task_get(actor, task_id)
        _require(actor, rules.FLAG_ROLES, _("只有接收任务的社区可以标记"))
        if task.recipient_id != actor.unit.pk:
            raise PermissionDenied(_("只有接收任务的社区可以标记"))
        reason = _text(reason, "reason", label=_("标记理由"), limit=1000)
        updated = CommunityTask.objects.filter(
            pk=task.pk, version=task.version, flagged_at__isnull=True
        ).update(
            flagged_at=now, flagged_by=actor.user, flag_reason=reason, version=F("version") + 1
        )
        if not updated:
            if task.flagged_at is not None:
                raise InvalidTransition(_("该任务已被标记"))
            raise Conflict()
        task.refresh_from_db()
        change_record(
            actor=actor, action="access.task.flag", obj=task, now=now, after={"reason": reason}
        )
        _tell_hub(task, now)
    return task


def _tell_hub(task: CommunityTask, now: datetime) -> None:
    """The complaint reaches the hub of the community's district (their inbox and channels)."""
    district = f"/{task.recipient.district_id}/"
    hubs = OrgUnit.objects.filter(kind=OrgUnit.Kind.HUB, path__startswith=district)
    message = format_lazy(
        gettext_lazy("{community}将{sender}派发的「{title}」标记为清单外任务：{reason}"),
        community=task.recipient.name,
        sender=task.sender.name,
        title=task.title,
        reason=task.flag_reason,
    )
    local = timezone.localtime(task.created_at)
    notify(
        recipient_ids=user_ids_with_roles(
            list(hubs.values_list("pk", flat=True)), sorted(rules.REVIEW_ROLES)
        ),
        kind="access_flag",
        subject=site_text(format_lazy(gettext_lazy("社区任务 {id}"), id=task.pk)),
        message=site_text(message),
        now=now,
        title=task.title,
        url=f"{reverse('access:tasks')}?month={local:%Y-%m}&only=flagged#task-{task.pk}",
    )


def task_flag_resolve(
    *,
    actor: Actor,
    task_id: int,
    upheld: bool,
    reason: str,
    version: int | None = None,
    now: datetime | None = None,
) -> CommunityTask:
    """The hub's finding on a community's flag. Upheld: the task was 摊派 — it is withdrawn
    from the community and counted against its sender; rejected: the task stands and the
    community is told why. Either way with the hub's reason, once, and both sides see it."""
    now = now or timezone.now()
    _require(actor, rules.REVIEW_ROLES, _("只有呼应办可以核查社区的标记"))
    reason = _text(reason, "reason", label=_("核查意见"), limit=1000)
    with transaction.atomic():
        task = task_get(actor, task_id)
        if task.flagged_at is None:
            raise InvalidTransition(_("该任务未被社区标记"))
        if task.flag_outcome:
            raise InvalidTransition(_("该标记已核查"))
        outcome = FlagOutcome.UPHELD if upheld else FlagOutcome.REJECTED
        changes: dict[str, Any] = {
            "flag_outcome": outcome,
            "flag_resolution": reason,
            "flag_resolved_at": now,
            "flag_resolved_by": actor.user,
        }
        if upheld:
            changes["state"] = TaskState.WITHDRAWN
        guard = {"version": version if version is not None else task.version}
        updated = CommunityTask.objects.filter(
            pk=task.pk, flag_outcome="", state=TaskState.DELIVERED, **guard
        ).update(version=F("version") + 1, **changes)
        if not updated:
            raise Conflict()
        task.refresh_from_db()
        change_record(
            actor=actor,
            action="access.task.flag_resolve",
            obj=task,
            now=now,
            before={"state": TaskState.DELIVERED},
            after={"state": task.state, "outcome": outcome, "reason": reason},
        )
        _tell_both(task, now)
    return task


def _tell_both(task: CommunityTask, now: datetime) -> None:
    """The finding reaches the flagging community and the sender (their inbox and channels)."""
    if task.flag_outcome == FlagOutcome.UPHELD:
        text = gettext_lazy("呼应办认定「{title}」属于向社区摊派，任务已撤回：{reason}")
    else:
        text = gettext_lazy("呼应办对「{title}」的清单外标记不予认定：{reason}")
    local = timezone.localtime(task.created_at)
    notify(
        recipient_ids=user_ids_with_roles(
            [task.recipient_id, task.sender_id],
            sorted(rules.FLAG_ROLES | rules.SEND_ROLES),
        ),
        kind="access_flag_resolved",
        subject=site_text(format_lazy(gettext_lazy("社区任务 {id}"), id=task.pk)),
        message=site_text(format_lazy(text, title=task.title, reason=task.flag_resolution)),
        now=now,
        title=task.title,
        url=f"{reverse('access:tasks')}?month={local:%Y-%m}#task-{task.pk}",
    )
