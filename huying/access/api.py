"""社区工作准入 in the API: the lists (read), the departments' applications and the hub's
review, community tasks through the gate, and the gate's monthly figures; the same services
and scope as the domain (another unit's application or task is a 404)."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from django.http import HttpRequest
from django.utils import timezone
from ninja import Field, Query, Router, Schema, Status

from huying.access import selectors, services
from huying.access.models import AccessItem, Application, CommunityTask, TaskState
from huying.core.api_types import ERRORS, Day, FilledText, Id, In, Text
from huying.core.errors import NotFound, RuleViolation
from huying.org.api_auth import acting

router = Router(tags=["社区工作准入 access"])

KINDS = Literal["duty", "assist", "certificate"]
KIND_HELP = "duty (依法履职), assist (依法协助) or certificate (不应出具的证明)"


class AccessItemOut(Schema):
    id: int
    code: str
    title: str
    legal_basis: str
    department_id: int | None
    funding: str = Field(description="assist: the funding that comes with the work")
    staffing: str = Field(description="assist: the staff that come with the work")
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
    funding: Text = Field("", max_length=200, description="required for assist")
    staffing: Text = Field("", max_length=200, description="required for assist")
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
    version: int


class CommunityTaskFlagIn(In):
    reason: FilledText = Field(max_length=1000)


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


@router.get(
    "/access/figures",
    response={200: list[AccessFiguresOut], **ERRORS},
    summary="向社区摊派情况：各单位当月派发、门口拒收、被标记",
)
def figures(request: HttpRequest, q: Query[AccessMonthIn]) -> Any:
    today = timezone.localdate()
    year, month = (int(p) for p in q.month.split("-")) if q.month else (today.year, today.month)
    return [
        {
            "sender_id": f.sender.pk,
            "sender": f.sender.name,
            "sent": f.sent,
            "refused": f.refused,
            "flagged": f.flagged,
        }
        for f in selectors.monthly_figures(acting(request), year, month)
    ]
