"""社区工作准入 in the API: the lists (read), the departments' applications and the hub's
review, community tasks through the gate, and the gate's monthly figures; the same services
and scope as the domain (another unit's application or task is a 404)."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from django.http import HttpRequest, HttpResponse
from django.utils import timezone
from ninja import Field, File, Query, Router, Schema, Status, UploadedFile

from huying.access import selectors, services, xlsx
from huying.access.models import AccessItem, Application, CommunityTask, TaskState
from huying.core.api_types import ERRORS, Day, FilledText, Id, In, Text, file_response
from huying.core.errors import NotFound, RuleViolation
from huying.core.files import EXTENSIONS, FILES_PER_UPLOAD
from huying.core.web import protected_file
from huying.org.api_auth import acting

router = Router(tags=["社区工作准入 access"])

KINDS = Literal["duty", "assist", "certificate", "admission"]
KIND_HELP = (
    "duty (依法履职), assist (依法协助), certificate (不应出具的证明) or admission (社区事务准入)"
)


class AccessItemOut(Schema):
    id: int
    code: str
    title: str
    legal_basis: str
    department_id: int | None
    funding: str = Field(description="assist, admission: the funding that comes with the work")
    staffing: str = Field(description="assist, admission: the staff that come with the work")
    alternative: str = Field(description="certificate: what a resident does instead")


class AccessListOut(Schema):
    kind: str
    version: int
    published_at: datetime
    items: list[AccessItemOut]


class AccessApplicationIn(In):
    kind: KINDS = Field(description=KIND_HELP)
    action: Literal["add", "withdraw"] = Field(
        "add", description="add (申请纳入: title, legal_basis, …) or withdraw (退出: code, reason)"
    )
    title: Text = Field("", max_length=200)
    legal_basis: Text = Field("", max_length=2000)
    funding: Text = Field("", max_length=200, description="required for assist and admission")
    staffing: Text = Field("", max_length=200, description="required for assist and admission")
    alternative: Text = Field("", max_length=2000, description="required for certificate")
    code: Text = Field("", max_length=16, description="withdraw: the current item's code")
    reason: Text = Field("", max_length=1000, description="withdraw: why")


class AccessApplicationOut(Schema):
    id: int
    kind: str
    action: str
    department_id: int
    code: str
    title: str
    legal_basis: str
    funding: str
    staffing: str
    alternative: str
    reason: str
    state: str = Field(description="pending, approved or refused")
    submitted_at: datetime
    decided_at: datetime | None
    decision_reason: str
    version: int


class AccessReviewIn(In):
    approve: bool
    reason: Text = Field("", max_length=1000, description="required to refuse")
    version: int | None = Field(None, ge=1, description="the version read; a stale one: 409")


class CommunityTaskIn(In):
    recipient_id: Id = Field(description="a community (村/社区)")
    title: FilledText = Field(max_length=200)
    basis: FilledText = Field(max_length=2000)
    item_id: Id | None = Field(
        None, description="an item of a current duty or assist list; without one: refused (422)"
    )
    deadline: Day | None = None


class CommunityTaskOut(Schema):
    id: int
    sender_id: int
    sender: str
    recipient_id: int
    recipient: str
    title: str
    basis: str
    item_id: int | None
    item_code: str
    deadline: Day | None
    state: str = Field(description="delivered, or refused at the gate")
    refusal_reason: str
    created_at: datetime
    flagged_at: datetime | None
    flag_reason: str
    flag_outcome: str = Field(description="'' while the hub has not ruled, upheld or rejected")
    flag_resolution: str = Field(description="the hub's reason")
    flag_resolved_at: datetime | None
    version: int


class TaskAttachmentOut(Schema):
    id: int
    name: str
    content_type: str
    size: int


class CommunityTaskFlagIn(In):
    reason: FilledText = Field(max_length=1000)


class CommunityTaskResolveIn(In):
    upheld: bool = Field(description="true: 摊派 found, the task is withdrawn; false: rejected")
    reason: FilledText = Field(max_length=1000)
    version: int | None = Field(None, ge=1, description="the version read; a stale one: 409")


class AccessItemIn(In):
    title: FilledText = Field(max_length=200)
    legal_basis: FilledText = Field(max_length=2000)
    department_id: Id | None = None
    funding: Text = Field("", max_length=200, description="required for assist and admission")
    staffing: Text = Field("", max_length=200, description="required for assist and admission")
    alternative: Text = Field("", max_length=2000, description="required for certificate")


class AccessWithdrawIn(In):
    code: FilledText = Field(max_length=16)
    reason: FilledText = Field(max_length=1000)


class AccessDraftOut(Schema):
    kind: str
    version: int
    items: list[AccessItemOut]


class AccessMonthIn(Schema):
    month: str | None = Field(
        None, pattern=r"^20\d{2}-(0[1-9]|1[0-2])$", description="YYYY-MM, this month by default"
    )


class AccessFiguresOut(Schema):
    sender_id: int
    sender: str
    sent: int = Field(description="tasks sent in the month, refused ones included")
    refused: int = Field(description="refused at the gate")
    flagged: int = Field(description="flagged by the receiving community as off the lists")
    upheld: int = Field(description="flags the hub upheld (摊派: the task withdrawn)")


def _item(item: AccessItem) -> dict[str, Any]:
    return {
        f: getattr(item, f)
        for f in (
            "id",
            "code",
            "title",
            "legal_basis",
            "department_id",
            "funding",
            "staffing",
            "alternative",
        )
    }


def _task(task: CommunityTask) -> dict[str, Any]:
    return {
        "id": task.pk,
        "sender_id": task.sender_id,
        "sender": task.sender.name,
        "recipient_id": task.recipient_id,
        "recipient": task.recipient.name,
        "title": task.title,
        "basis": task.basis,
        "item_id": task.item_id,
        "item_code": task.item.code if task.item else "",
        "deadline": task.deadline,
        "state": task.state,
        "refusal_reason": task.refusal_reason,
        "created_at": task.created_at,
        "flagged_at": task.flagged_at,
        "flag_reason": task.flag_reason,
        "flag_outcome": task.flag_outcome,
        "flag_resolution": task.flag_resolution,
        "flag_resolved_at": task.flag_resolved_at,
        "version": task.version,
    }


@router.get("/access/lists/{kind}", response={200: AccessListOut, **ERRORS}, summary="现行准入清单")
def list_current(request: HttpRequest, kind: KINDS) -> Any:
    acting(request)
    current = selectors.current_list(kind)
    if current is None:
        raise NotFound()
    return {
        "kind": kind,
        "version": current.version,
        "published_at": current.published_at,
        "items": [_item(i) for i in selectors.current_items(kind)],
    }


def _draft(kind: str) -> dict[str, Any]:
    draft = selectors.draft_list(kind)
    assert draft is not None
    return {"kind": kind, "version": draft.version, "items": [_item(i) for i in draft.items.all()]}


@router.post(
    "/access/lists/{kind}/draft/items",
    response={201: AccessDraftOut, **ERRORS},
    summary="呼应办直接将事项加入草稿（发布后生效）",
)
def draft_item_add(request: HttpRequest, kind: KINDS, payload: AccessItemIn) -> Any:
    services.item_add(actor=acting(request), kind=kind, **payload.dict())
    return Status(201, _draft(kind))


@router.post(
    "/access/lists/{kind}/draft/withdrawals",
    response={200: AccessDraftOut, **ERRORS},
    summary="呼应办直接将事项从草稿中退出（说明理由）",
)
def draft_item_withdraw(request: HttpRequest, kind: KINDS, payload: AccessWithdrawIn) -> Any:
    services.item_withdraw(actor=acting(request), kind=kind, **payload.dict())
    return _draft(kind)


@router.get(
    "/access/applications",
    response={200: list[AccessApplicationOut], **ERRORS},
    summary="准入申请（部门：本部门的；呼应办：全部）",
)
def application_list(request: HttpRequest) -> Any:
    return list(selectors.applications_visible_to(acting(request))[:200])


@router.post(
    "/access/applications", response={201: AccessApplicationOut, **ERRORS}, summary="申请纳入或退出"
)
def application_submit(request: HttpRequest, payload: AccessApplicationIn) -> Any:
    return Status(201, services.application_submit(actor=acting(request), **payload.dict()))


@router.post(
    "/access/applications/{application_id}/review",
    response={200: AccessApplicationOut, **ERRORS},
    summary="呼应办审核：核准（纳入下一版）或不予核准（说明理由）",
)
def application_review(
    request: HttpRequest, application_id: Id, payload: AccessReviewIn
) -> Application:
    return services.application_decide(
        actor=acting(request), application_id=application_id, **payload.dict()
    )


@router.get(
    "/access/tasks",
    response={200: list[CommunityTaskOut], **ERRORS},
    summary="社区任务（派发单位：本单位的，含拒收；社区：收到的；呼应办：全部）",
)
def task_list(request: HttpRequest) -> Any:
    return [_task(t) for t in selectors.tasks_visible_to(acting(request))[:200]]


@router.post(
    "/access/tasks",
    response={201: CommunityTaskOut, **ERRORS},
    summary="向社区派发任务（须引用现行清单事项，否则门口拒收：422 并记录）",
)
def task_send(request: HttpRequest, payload: CommunityTaskIn) -> Any:
    task = services.task_send(actor=acting(request), **payload.dict())
    if task.state == TaskState.REFUSED:
        raise RuleViolation(
            task.refusal_reason, code="not_on_access_list", field="item_id", task_id=task.pk
        )
    return Status(201, _task(task))


@router.post(
    "/access/tasks/{task_id}/flag",
    response={200: CommunityTaskOut, **ERRORS},
    summary="社区标记清单外任务（向呼应办反映）",
)
def task_flag(request: HttpRequest, task_id: Id, payload: CommunityTaskFlagIn) -> Any:
    return _task(services.task_flag(actor=acting(request), task_id=task_id, **payload.dict()))


@router.post(
    "/access/tasks/{task_id}/resolve",
    response={200: CommunityTaskOut, **ERRORS},
    summary="呼应办核查社区标记：认定摊派（任务撤回，计入派发单位）或不予认定（说明理由）",
)
def task_flag_resolve(request: HttpRequest, task_id: Id, payload: CommunityTaskResolveIn) -> Any:
    task = services.task_flag_resolve(actor=acting(request), task_id=task_id, **payload.dict())
    return _task(task)


def _month(q: AccessMonthIn) -> tuple[int, int]:
    today = timezone.localdate()
    if q.month:
        year, month = q.month.split("-")
        return int(year), int(month)
    return today.year, today.month


def _attachments(task: CommunityTask) -> list[dict[str, Any]]:
    return [
        {"id": a.pk, "name": a.name, "content_type": a.content_type, "size": a.size}
        for a in task.attachments.order_by("pk")
    ]


@router.get(
    "/access/tasks/{task_id}/attachments",
    response={200: list[TaskAttachmentOut], **ERRORS},
    summary="社区任务的附件（看得到任务的人）",
)
def task_attachments(request: HttpRequest, task_id: Id) -> Any:
    return _attachments(selectors.task_get(acting(request), task_id))


@router.post(
    "/access/tasks/{task_id}/attachments",
    response={201: list[TaskAttachmentOut], **ERRORS},
    summary="派发单位为已送达的任务上传附件（multipart，字段 files；图片或 PDF）",
)
def task_attachments_add(
    request: HttpRequest,
    task_id: Id,
    files: list[UploadedFile] = File(..., min_length=1, max_length=FILES_PER_UPLOAD),
) -> Any:
    task = services.task_add_attachments(actor=acting(request), task_id=task_id, files=files)
    return Status(201, _attachments(task))


@router.get(
    "/access/task-attachments/{attachment_id}",
    response=ERRORS,
    summary="任务附件文件（图片直接显示，PDF 下载）",
    openapi_extra=file_response("the file", *EXTENSIONS),
)
def task_attachment(request: HttpRequest, attachment_id: Id) -> HttpResponse:
    attachment = selectors.attachment_get(acting(request), attachment_id)
    return protected_file(
        attachment.file.name or "",
        content_type=attachment.content_type,
        filename=attachment.name,
        inline=attachment.content_type.startswith("image/"),
    )


@router.get(
    "/access/figures.xlsx",
    response=ERRORS,
    summary="向社区摊派情况（XLSX，同页面导出）",
    openapi_extra=file_response("the month's figures per sender as a workbook", xlsx.CONTENT_TYPE),
)
def figures_export(request: HttpRequest, q: Query[AccessMonthIn]) -> HttpResponse:
    year, month = _month(q)
    rows = selectors.monthly_figures(acting(request), year, month)
    return xlsx.figures_response(rows, f"{year}-{month:02d}")


@router.get(
    "/access/figures",
    response={200: list[AccessFiguresOut], **ERRORS},
    summary="向社区摊派情况：各单位当月派发、门口拒收、被标记",
)
def figures(request: HttpRequest, q: Query[AccessMonthIn]) -> Any:
    year, month = _month(q)
    return [
        {
            "sender_id": f.sender.pk,
            "sender": f.sender.name,
            "sent": f.sent,
            "refused": f.refused,
            "flagged": f.flagged,
            "upheld": f.upheld,
        }
        for f in selectors.monthly_figures(acting(request), year, month)
    ]
