"""会商与联合执法 in the API: the same services and scope as the pages (another street's
meeting or operation is a 404; a case outside the organiser's scope too)."""

from __future__ import annotations

from typing import Any, Literal

from django.http import HttpRequest, HttpResponse
from django.urls import reverse
from django.utils.translation import gettext as _
from ninja import Field, File, Router, Schema, Status, UploadedFile

from huying.cases.rules import OPEN_CASE_STATES
from huying.coordination import selectors, services
from huying.coordination.models import Decision, JointOperation, Meeting, OperationPhoto
from huying.coordination.views import send_photo
from huying.core.api_types import (
    ERRORS,
    Day,
    FilledText,
    Id,
    In,
    Latitude,
    Longitude,
    Text,
    file_response,
)
from huying.core.errors import NotFound
from huying.core.files import EXTENSIONS, FILES_PER_UPLOAD
from huying.org.api_auth import acting

router = Router(tags=["会商与联合执法 coordination"])


class AgendaItemOut(Schema):
    id: int
    position: int
    kind: str = Field(
        description="overdue, returned, disputed, major, recurring, low_score, follow_up or free"
    )
    text: str
    case_id: int | None
    department_id: int | None


class DecisionOut(Schema):
    id: int
    case_id: int
    case_number: str
    kind: str = Field(description="assign, deadline, escalate or unsolvable")
    lead_id: int | None
    co_handler_ids: list[int]
    deadline: Day | None
    reason: str
    open: bool = Field(description="the case is still open: followed up at the next meeting")


class MeetingOut(Schema):
    id: int
    kind: str = Field(description="weekly (周例会), monthly (月度会) or quarterly (季联席会)")
    title: str
    organiser_id: int
    held_on: Day
    place: str
    chair: str
    attendee_ids: list[int]
    attendee_names: str
    summary: str
    items: list[AgendaItemOut]
    decisions: list[DecisionOut]
    follow_up: list[DecisionOut] = Field(description="open decisions of the earlier meetings")


class MeetingRowOut(Schema):
    id: int
    kind: str
    title: str
    held_on: Day


class MeetingIn(In):
    kind: Literal["weekly", "monthly", "quarterly"] = Field(
        description="weekly, monthly (a street) or quarterly (the hub, the leader)"
    )
    held_on: Day
    place: Text = Field("", max_length=200)
    chair: Text = Field("", max_length=100)
    attendee_ids: list[Id] = Field(default_factory=list, max_length=200)
    attendee_names: Text = Field("", max_length=2000)


class DecisionIn(In):
    case_id: Id
    kind: Literal["assign", "deadline", "escalate", "unsolvable"] = Field(
        description="assign (lead_id and/or co_ids), deadline (deadline), escalate, or "
        "unsolvable (挂账, reason)"
    )
    lead_id: Id | None = None
    co_ids: list[Id] = Field(default_factory=list, max_length=20)
    deadline: Day | None = None
    reason: Text = Field("", max_length=1000)


class AgendaItemIn(In):
    text: Text = Field("", max_length=300, description="required without a case")
    case_id: Id | None = None


class AgendaMoveIn(In):
    offset: Literal[-1, 1] = Field(description="-1: up one place; 1: down one place")


class OperationIn(In):
    title: FilledText = Field(max_length=200)
    problem: FilledText = Field(max_length=2000)
    held_on: Day = Field(description="not after today")
    place: FilledText = Field(max_length=200)
    unit_ids: list[Id] = Field(
        description="departments and field units (派驻机构)", min_length=1, max_length=50
    )
    participants: Text = Field("", max_length=2000)
    results: Text = Field("", max_length=4000)
    lat: Latitude | None = None
    lng: Longitude | None = None
    case_ids: list[Id] = Field(default_factory=list, max_length=100)


class OperationPhotoOut(Schema):
    id: int
    name: str = Field(description="the name it was uploaded under (stored under a generated one)")
    content_type: str
    size: int
    url: str = Field(description="the file, scope-checked: images inline, PDFs as a download")

    @staticmethod
    def resolve_url(obj: OperationPhoto) -> str:
        return reverse(
            "api:operation_photo_file",
            kwargs={"operation_id": obj.operation_id, "photo_id": obj.pk},
        )


class OperationOut(Schema):
    id: int
    title: str
    problem: str
    held_on: Day
    place: str
    lat: float | None
    lng: float | None
    organiser_id: int
    unit_ids: list[int]
    participants: str
    results: str
    case_numbers: list[str]
    photos: list[OperationPhotoOut] = Field(description="现场照片: photos and PDFs of the results")


class CaseIdsIn(In):
    case_ids: list[Id] = Field(min_length=1, max_length=100)


def _decision(d: Decision) -> dict[str, Any]:
    return {
        "id": d.pk,
        "case_id": d.case_id,
        "case_number": d.case.number,
        "kind": d.kind,
        "lead_id": d.lead_id,
        "co_handler_ids": sorted(u.pk for u in d.co_handlers.all()),
        "deadline": d.deadline,
        "reason": d.reason,
        "open": d.case.state in OPEN_CASE_STATES,
    }


def _meeting(m: Meeting) -> dict[str, Any]:
    return {
        "id": m.pk,
        "kind": m.kind,
        "title": m.title,
        "organiser_id": m.organiser_id,
        "held_on": m.held_on,
        "place": m.place,
        "chair": m.chair,
        "attendee_ids": sorted(u.pk for u in m.attendees.all()),
        "attendee_names": m.attendee_names,
        "summary": m.summary,
        "items": list(m.items.all()),
        "decisions": [_decision(d) for d in m.decisions.select_related("case")],
        "follow_up": [_decision(d) for d in selectors.open_decisions(m)],
    }


def _operation(op: JointOperation) -> dict[str, Any]:
    return {
        "id": op.pk,
        "title": op.title,
        "problem": op.problem,
        "held_on": op.held_on,
        "place": op.place,
        "lat": op.lat,
        "lng": op.lng,
        "organiser_id": op.organiser_id,
        "unit_ids": sorted(u.pk for u in op.units.all()),
        "participants": op.participants,
        "results": op.results,
        "case_numbers": sorted(c.number for c in op.cases.all()),
        "photos": list(op.photos.all()),
    }


@router.get("/meetings", response={200: list[MeetingRowOut], **ERRORS}, summary="会议列表")
def meeting_list(request: HttpRequest) -> Any:
    """The meetings in the caller's scope, latest first (at most 200)."""
    return list(selectors.meetings_visible_to(acting(request))[:200])


@router.post(
    "/meetings", response={201: MeetingOut, **ERRORS}, summary="召开会议（议程按数据生成）"
)
def meeting_create(request: HttpRequest, payload: MeetingIn) -> Any:
    meeting = services.meeting_create(actor=acting(request), **payload.dict())
    return Status(201, _meeting(meeting))


@router.get("/meetings/{meeting_id}", response={200: MeetingOut, **ERRORS}, summary="会议详情")
def meeting_detail(request: HttpRequest, meeting_id: Id) -> Any:
    return _meeting(selectors.meeting_get(acting(request), meeting_id))


@router.post(
    "/meetings/{meeting_id}/decisions",
    response={201: DecisionOut, **ERRORS},
    summary="会议决定（经事件服务执行，轨迹记为会议决定）",
)
def meeting_decide(request: HttpRequest, meeting_id: Id, payload: DecisionIn) -> Any:
    """A decision on a case of the organiser's scope, carried out at once through the case
    services: a case outside the scope is a 404, a step the rules refuse a 403 or 409, and
    either way nothing is changed."""
    decision = services.meeting_decide(
        actor=acting(request), meeting_id=meeting_id, **payload.dict()
    )
    return Status(201, _decision(decision))


@router.post(
    "/meetings/{meeting_id}/items", response={201: AgendaItemOut, **ERRORS}, summary="增加议题"
)
def agenda_add(request: HttpRequest, meeting_id: Id, payload: AgendaItemIn) -> Any:
    item = services.agenda_add(actor=acting(request), meeting_id=meeting_id, **payload.dict())
    return Status(201, item)


@router.post(
    "/meetings/{meeting_id}/items/{item_id}/move",
    response={200: MeetingOut, **ERRORS},
    summary="调整议题顺序",
)
def agenda_move(request: HttpRequest, meeting_id: Id, item_id: Id, payload: AgendaMoveIn) -> Any:
    actor = acting(request)
    services.agenda_move(actor=actor, meeting_id=meeting_id, item_id=item_id, offset=payload.offset)
    return _meeting(selectors.meeting_get(actor, meeting_id))


@router.delete(
    "/meetings/{meeting_id}/items/{item_id}", response={204: None, **ERRORS}, summary="删除议题"
)
def agenda_remove(request: HttpRequest, meeting_id: Id, item_id: Id) -> Any:
    services.agenda_remove(actor=acting(request), meeting_id=meeting_id, item_id=item_id)
    return Status(204, None)


@router.get(
    "/joint-operations", response={200: list[OperationOut], **ERRORS}, summary="联合执法列表"
)
def operation_list(request: HttpRequest) -> Any:
    ops = selectors.operations_visible_to(acting(request)).prefetch_related(
        "units", "cases", "photos"
    )
    return [_operation(op) for op in ops[:200]]


@router.post("/joint-operations", response={201: OperationOut, **ERRORS}, summary="记录联合执法")
def operation_create(request: HttpRequest, payload: OperationIn) -> Any:
    op = services.operation_create(actor=acting(request), **payload.dict())
    return Status(201, _operation(op))


@router.get(
    "/joint-operations/{operation_id}",
    response={200: OperationOut, **ERRORS},
    summary="联合执法详情",
)
def operation_detail(request: HttpRequest, operation_id: Id) -> Any:
    return _operation(selectors.operation_get(acting(request), operation_id))


@router.post(
    "/joint-operations/{operation_id}/cases",
    response={200: OperationOut, **ERRORS},
    summary="关联联合执法处置的事件",
)
def operation_link(request: HttpRequest, operation_id: Id, payload: CaseIdsIn) -> Any:
    actor = acting(request)
    services.operation_link_cases(actor=actor, operation_id=operation_id, case_ids=payload.case_ids)
    return _operation(selectors.operation_get(actor, operation_id))


@router.post(
    "/joint-operations/{operation_id}/photos",
    response={200: OperationOut, **ERRORS},
    summary="上传联合执法现场照片（multipart；组织单位）",
    openapi_extra={
        "requestBody": {
            "content": {
                "multipart/form-data": {
                    "encoding": {"files": {"contentType": ", ".join(EXTENSIONS)}}
                }
            }
        }
    },
)
def operation_photos_add(
    request: HttpRequest,
    operation_id: Id,
    files: list[UploadedFile] = File(..., min_length=1, max_length=FILES_PER_UPLOAD),
) -> Any:
    """Photos or PDFs of the results, checked as a case's are: one that is neither refuses
    the upload (422) and nothing is stored; another street's operation is a 404."""
    actor = acting(request)
    services.operation_add_photos(actor=actor, operation_id=operation_id, files=files)
    return _operation(selectors.operation_get(actor, operation_id))


@router.get(
    "/joint-operations/{operation_id}/photos/{photo_id}",
    response=ERRORS,
    url_name="operation_photo_file",
    summary="联合执法现场照片文件（图片直接显示，PDF 下载）",
    openapi_extra=file_response("the file", *EXTENSIONS),
)
def operation_photo_file(request: HttpRequest, operation_id: Id, photo_id: Id) -> HttpResponse:
    photo = selectors.photo_get(acting(request), photo_id)
    if photo.operation_id != operation_id:
        raise NotFound(_("文件不存在或无权查看"))
    return send_photo(photo)
