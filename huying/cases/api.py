"""Case endpoints: thin wrappers that turn JSON into service calls and cases into JSON."""

from datetime import datetime
from typing import Any, Literal

from django.conf import settings
from django.db.models import prefetch_related_objects
from django.http import HttpRequest, HttpResponse
from django.urls import reverse
from django.utils import timezone
from ninja import Field, File, Form, Query, Router, Schema, Status, UploadedFile

from huying.cases import duplicates, selectors, services, suggestion
from huying.cases.file_views import send_file, send_thumbnail
from huying.cases.models import (
    Assignment,
    Attachment,
    Case,
    CaseEvent,
    CaseState,
    Satisfaction,
    Source,
)
from huying.cases.selectors import CaseFilters
from huying.core.api_types import ERRORS, FilledText, Id, In, Instant, Latitude, Longitude, Text
from huying.core.files import EXTENSIONS, FILES_PER_UPLOAD
from huying.org.actors import Actor
from huying.org.api_auth import acting

router = Router(tags=["事件 cases"])

_FILE_TYPES: dict[str, Any] = {
    t: {"schema": {"type": "string", "format": "binary"}} for t in EXTENSIONS
}


# --- schemas ---------------------------------------------------------------------------------


class CaseOut(Schema):
    id: int
    number: str
    track_code: str = Field(description="查询码：反映人凭编号、查询码和电话后四位查询进度")
    version: int
    state: str
    state_label: str
    source: str
    title: str
    level: int | None
    route: str
    tier: str
    item_id: int | None
    item_name: str | None
    street_id: int | None
    street_name: str | None
    grid_id: int | None
    address: str
    lat: float | None
    lng: float | None
    coord_system: str = "WGS-84"
    due_at: datetime | None
    overdue: bool
    supervised: bool
    urge_count: int
    rework_count: int
    reopen_count: int
    satisfaction: str
    reported_at: datetime
    closed_at: datetime | None

    @staticmethod
    def resolve_state_label(obj: Case) -> str:
        return obj.get_state_display()

    @staticmethod
    def resolve_item_name(obj: Case) -> str | None:
        return obj.item.name if obj.item_id and obj.item else None

    @staticmethod
    def resolve_street_name(obj: Case) -> str | None:
        return obj.street.name if obj.street_id and obj.street else None


class AssignmentOut(Schema):
    id: int
    version: int
    department_id: int
    department_name: str
    role: str
    route: str
    state: str
    state_label: str
    dispatched_at: datetime
    report_in_due_at: datetime
    reported_in_at: datetime | None
    handle_due_at: datetime | None
    due_at: datetime | None
    paused: bool
    overdue: bool
    result_text: str
    return_reason: str
    return_upheld: bool | None
    extension_requested_until: datetime | None
    extension_count: int
    urge_count: int
    supervised: bool
    rework_count: int

    @staticmethod
    def resolve_department_name(obj: Assignment) -> str:
        return obj.department.name

    @staticmethod
    def resolve_state_label(obj: Assignment) -> str:
        return obj.get_state_display()

    @staticmethod
    def resolve_paused(obj: Assignment) -> bool:
        return obj.paused_remaining is not None


class AttachmentOut(Schema):
    id: int
    name: str = Field(description="the name it was uploaded under (stored under a generated one)")
    content_type: str
    size: int
    uploaded_at: datetime
    url: str = Field(description="the file, scope-checked: images inline, PDFs as a download")
    thumbnail_url: str | None = Field(description="a small JPEG of an image; none for a PDF")

    @staticmethod
    def resolve_url(obj: Attachment) -> str:
        return attachment_api_url(obj.pk)

    @staticmethod
    def resolve_thumbnail_url(obj: Attachment) -> str | None:
        return attachment_api_url(obj.pk, thumbnail=True) if obj.is_image else None


def attachment_api_url(attachment_id: int, *, thumbnail: bool = False) -> str:
    name = "api:attachment_thumbnail" if thumbnail else "api:attachment_file"
    return reverse(name, kwargs={"attachment_id": attachment_id})


class EventOut(Schema):
    seq: int
    action: str
    at: datetime
    actor: str | None
    actor_role: str
    actor_unit: str | None
    assignment_id: int | None
    from_state: str
    to_state: str
    reason: str
    before: dict[str, Any]
    after: dict[str, Any]
    attachments: list[dict[str, Any]]
    request_id: str
    hash: str

    @staticmethod
    def resolve_attachments(obj: CaseEvent) -> list[dict[str, Any]]:
        """The trail's refs (id, name, sha256), each with the URL of its file."""
        return [{**ref, "url": attachment_api_url(ref["id"])} for ref in obj.attachments]

    @staticmethod
    def resolve_actor(obj: CaseEvent) -> str | None:
        return obj.actor.get_full_name() or obj.actor.get_username() if obj.actor else None

    @staticmethod
    def resolve_actor_unit(obj: CaseEvent) -> str | None:
        return obj.actor_unit.name if obj.actor_unit else None


class CaseStateOut(CaseOut):
    """What every write returns: the case, its assignments and what the caller may do next."""

    assignments: list[AssignmentOut]
    actions: list[str] = Field(
        description="case actions the acting role may take now; triage_call and "
        "triage_dispatch are triage-and-call and triage-and-dispatch"
    )

    @staticmethod
    def resolve_assignments(obj: Case) -> list[Assignment]:
        return list(obj.assignments.all())


class CaseDetailOut(CaseStateOut):
    description: str
    reporter_name: str
    community_id: int | None
    master_number: str | None
    timeline: list[EventOut]
    attachments: list[AttachmentOut] = Field(description="the files the caller may see")

    @staticmethod
    def resolve_attachments(obj: Case) -> list[Attachment]:
        return obj.shown_attachments  # type: ignore[attr-defined]

    @staticmethod
    def resolve_master_number(obj: Case) -> str | None:
        return obj.master_number  # type: ignore[attr-defined]  # selectors.case_detail

    @staticmethod
    def resolve_timeline(obj: Case) -> list[CaseEvent]:
        return list(obj.events.all())


class DuplicateOut(Schema):
    id: int
    number: str
    title: str
    state: str
    state_label: str
    reported_at: datetime
    similarity: float = Field(
        description="how alike the texts read, 0–1 (cosine of characters and character pairs)"
    )
    distance_m: float | None = Field(
        description="metres between the two points; null when one has none (same grid)"
    )


class DuplicatesOut(Schema):
    case_id: int
    metres: int = Field(description="HUYING_DUPLICATE_METRES: how near a candidate is")
    days: int = Field(description="HUYING_DUPLICATE_DAYS: how much earlier it may be reported")
    threshold: float = Field(description="HUYING_DUPLICATE_SIMILARITY: the least similarity")
    items: list[DuplicateOut] = Field(
        description="earlier open cases in the caller's scope, most alike first (at most 10)"
    )


class ItemSuggestionOut(Schema):
    item_id: int
    code: str
    name: str
    confidence: float = Field(description="0–1; the items' confidences sum to at most 1")
    why: list[str] = Field(description="the words of the text that weighed most for the item")


class DepartmentRef(Schema):
    id: int
    name: str


class SuggestedOut(Schema):
    """研判建议 for a text: the items, the level and the departments (``POST
    /triage/suggest`` adds the duplicates at intake)."""

    items: list[ItemSuggestionOut] = Field(description="best first, at most 5")
    level: int | None = Field(description="the top item's default level, moved up by cues")
    level_label: str
    level_why: list[str]
    lead: DepartmentRef | None
    co: list[DepartmentRef]
    model: int | None = Field(description="the learned model's version blended in; null: none")


class PreselectedOut(Schema):
    item_id: int | None = Field(
        description="the case's own item, else the top item when its confidence is at least "
        "`sure`; null: none"
    )
    level: int | None = Field(
        description="set only when the text's cues raise the level above the item's default; "
        "null: the item's default"
    )
    level_reason: str = Field(description="the cues, when the level is raised")
    suggested: bool = Field(description="the item comes from the suggestion, not the case")


class CaseSuggestionOut(SuggestedOut):
    case_id: int
    sure: float = Field(description="the least confidence at which the top item is preselected")
    preselected: PreselectedOut = Field(
        description="what the case page's triage form starts with; the combined actions in "
        "the case's `actions` are offered for it"
    )


class CasePage(Schema):
    items: list[CaseOut]
    next_cursor: str | None


class IntakeIn(In):
    title: FilledText = Field(max_length=200)
    description: Text = ""
    source: Source | None = Field(None, description="the channel; a role may use only its own")
    lat: Latitude | None = Field(None, description="WGS-84")
    lng: Longitude | None = Field(None, description="WGS-84")
    address: Text = Field("", max_length=200)
    reporter_name: Text = Field("", max_length=50)
    reporter_phone: Text = Field("", max_length=32)
    unit_id: Id | None = None
    item_id: Id | None = Field(None, description="the reporter's guess; triage confirms it")
    submission_key: Text = Field(
        "", max_length=64, description="client-made idempotency key: a resend returns the same case"
    )


class Versioned(In):
    expected_version: int | None = Field(None, description="the version you saw; 409 if it changed")


class NoteIn(Versioned):
    note: Text = ""


class FilledNoteIn(Versioned):
    note: FilledText


class ReasonIn(Versioned):
    reason: FilledText


class TriageIn(Versioned):
    item_id: Id
    level: int | None = Field(None, ge=1, le=4)
    level_reason: Text = ""


class MergeIn(Versioned):
    master_id: Id
    reason: Text = ""


class SplitPart(In):
    title: FilledText = Field(max_length=200)
    description: Text = ""


class SplitIn(Versioned):
    parts: list[SplitPart] = Field(min_length=2)
    reason: FilledText


class CallIn(Versioned):
    department_id: Id | None = None
    note: Text = ""


class DispatchIn(Versioned):
    lead_department_id: Id | None = None
    co_department_ids: list[Id] = []
    note: Text = ""


class TriageCallIn(TriageIn, CallIn):
    """研判并呼叫: the triage's fields, then the call's; both happen or neither."""


class TriageDispatchIn(TriageIn, DispatchIn):
    """研判并派单: the triage's fields, then the hub dispatch's; both happen or neither."""


class CoHandlersIn(Versioned):
    department_ids: list[Id] = Field(min_length=1)
    note: Text = ""


class ResultIn(Versioned):
    result: FilledText


class RaiseIn(Versioned):
    to: Literal["community", "street"] = Field(description="上报到：community 社区、street 街道")
    reason: Text = ""


class VerifyIn(Versioned):
    passed: bool
    reason: Text = ""


class FollowUpIn(Versioned):
    satisfaction: Satisfaction
    note: Text = ""


class RulingIn(Versioned):
    uphold: bool
    reason: Text = ""


class ExtensionIn(Versioned):
    until: Instant
    reason: FilledText


class ExtensionRulingIn(Versioned):
    approve: bool
    reason: Text = ""


def _with_actions(actor: Actor, case: Case) -> Case:
    """What the role can do now, guards included: the same list the case page offers, the
    combined actions (研判并呼叫, 研判并派单) first — for a case without an item, when the
    item the suggestion preselects lets them through (``GET /cases/{id}/suggestion``)."""
    offered, _ = suggestion.offered_actions(case, actor.role)
    case.actions = [r.action for r in offered]  # type: ignore[attr-defined]
    return case


def _detail(actor: Actor, case_id: int) -> Case:
    case = _with_actions(actor, selectors.case_detail(actor, case_id=case_id))
    shown = sorted(case.attachments.all(), key=lambda a: a.pk)
    if actor.is_reporter:
        # A resident follows progress, not the staff who handle it, nor their working files.
        shown = list(selectors.reporter_attachments(case))
        ids = {a.pk for a in shown}
        for event in case.events.all():
            event.actor = None
            event.actor_unit = None
            event.attachments = [ref for ref in event.attachments if ref["id"] in ids]
        case.reporter_phone = ""
    case.shown_attachments = shown  # type: ignore[attr-defined]
    return case


def _state(actor: Actor, case_id: int) -> Case:
    return _with_actions(actor, selectors.case_with_assignments(actor, case_id=case_id))


def _written(actor: Actor, case_id: int, written: Any) -> Case:
    """What a write returns: the case the step has just written (its row as the step left
    it, the street and item it loaded; a service may return it, an assignment on it, or the
    assignments it made) with its assignments read once; anything else, the case read again."""
    if isinstance(written, list) and written:  # the assignments a dispatch made
        written = written[0]
    if isinstance(written, Assignment) and Assignment.case.is_cached(written):
        written = written.case
    if not isinstance(written, Case) or written.pk != case_id:
        return _state(actor, case_id)
    known = services.known_assignments(written)
    if known is None:
        prefetch_related_objects([written], selectors.assignments_prefetch())
    else:
        selectors.assignments_known(written, known)
    return _with_actions(actor, written)


# --- reads -----------------------------------------------------------------------------------


@router.get("/cases", response={200: CasePage, **ERRORS}, summary="事件列表")
def list_cases(
    request: HttpRequest,
    state: CaseState | None = None,
    level: int | None = Query(None, ge=1, le=4),
    item_id: Id | None = None,
    street_id: Id | None = None,
    department_id: Id | None = None,
    source: Source | None = None,
    overdue: bool | None = None,
    due_soon: bool | None = None,
    text: Text | None = Query(None, max_length=100),
    reported_from: Instant | None = None,
    reported_to: Instant | None = None,
    cursor: Text | None = Query(None, description="next_cursor of the page before"),
    limit: int = Query(50, ge=1, le=200),
) -> Any:
    actor = acting(request)
    filters = CaseFilters(
        state=state,
        level=level,
        item_id=item_id,
        street_id=street_id,
        department_id=department_id,
        source=source,
        overdue=overdue,
        due_soon=due_soon,
        text=text,
        reported_from=reported_from,
        reported_to=reported_to,
    )
    qs = selectors.case_list(actor, filters, now=timezone.now())
    rows, next_cursor = selectors.keyset_page(qs, cursor=cursor, limit=limit)
    return {"items": rows, "next_cursor": next_cursor}


@router.get(
    "/cases/by-number/{number}", response={200: CaseDetailOut, **ERRORS}, summary="按编号查询"
)
def case_by_number(request: HttpRequest, number: Text) -> Any:
    actor = acting(request)
    return _detail(actor, selectors.case_get(actor, number=number).pk)


@router.get("/cases/{case_id}", response={200: CaseDetailOut, **ERRORS}, summary="事件详情与轨迹")
def case_detail(request: HttpRequest, case_id: Id) -> Any:
    return _detail(acting(request), case_id)


@router.get(
    "/cases/{case_id}/duplicates",
    response={200: DuplicatesOut, **ERRORS},
    summary="疑似重复事件（研判时合并用）",
)
def case_duplicates(request: HttpRequest, case_id: Id) -> Any:
    """Earlier open cases near this one (or in its grid when either has no point) whose text
    reads alike: candidates to merge it into (POST /cases/{case_id}/merge). Staff only."""
    items = duplicates.duplicates_of_case(acting(request), case_id=case_id)
    return {
        "case_id": case_id,
        "metres": settings.HUYING_DUPLICATE_METRES,
        "days": settings.HUYING_DUPLICATE_DAYS,
        "threshold": settings.HUYING_DUPLICATE_SIMILARITY,
        "items": items,
    }


@router.get(
    "/cases/{case_id}/suggestion",
    response={200: CaseSuggestionOut, **ERRORS},
    summary="研判建议：本事件的推荐事项、等级和部门",
)
def case_suggestion(request: HttpRequest, case_id: Id) -> Any:
    """The triage suggestion for the case's title and description (as ``POST
    /triage/suggest`` answers it, without the duplicates: ``GET /cases/{case_id}/duplicates``)
    and what the case page's triage form preselects from it. Staff only."""
    shown = suggestion.of_case(acting(request), case_id=case_id)
    p = shown.prefill
    return {
        **suggestion.as_data(shown.suggestion),
        "case_id": case_id,
        "sure": suggestion.SURE,
        "preselected": {
            "item_id": p.item.pk if p.item is not None else None,
            "level": p.level,
            "level_reason": p.level_reason,
            "suggested": p.suggested,
        },
    }


# --- writes: case actions ----------------------------------------------------------------------


@router.post("/cases", response={201: CaseOut, **ERRORS}, summary="问题收集：上报")
def submit(request: HttpRequest, payload: IntakeIn) -> Any:
    case = services.case_submit(actor=acting(request), **payload.dict())
    return Status(201, case)


@router.post(
    "/street-chief/fixes",
    response={201: CaseOut, **ERRORS},
    summary="街长自行解决：处置前、处置后照片（multipart），在本人网格记为网格层级已结案",
    openapi_extra={
        "requestBody": {
            "content": {
                "multipart/form-data": {
                    "encoding": {
                        name: {"contentType": ", ".join(EXTENSIONS)} for name in ("before", "after")
                    }
                }
            }
        }
    },
)
def self_fixed(
    request: HttpRequest,
    title: FilledText = Form(..., max_length=200),
    result: FilledText = Form(...),
    before: list[UploadedFile] = File(..., min_length=1, max_length=FILES_PER_UPLOAD),
    after: list[UploadedFile] = File(..., min_length=1, max_length=FILES_PER_UPLOAD),
) -> Any:
    case = services.case_report_fixed(
        actor=acting(request),
        title=title,
        result=result,
        before=before,
        after=after,
    )
    return Status(201, case)


def _case_action(name: str, summary: str, schema: type[Schema], call: Any) -> None:
    """Register POST /cases/{id}/<name> that runs one service and returns the case."""

    def endpoint(request: HttpRequest, case_id: Id, payload: schema) -> Any:  # type: ignore[valid-type]
        actor = acting(request)
        data = payload.dict()  # type: ignore[attr-defined]
        return _written(actor, case_id, call(actor=actor, case_id=case_id, **data))

    endpoint.__name__ = f"case_{name.replace('-', '_')}"
    router.post(
        f"/cases/{{case_id}}/{name}", response={200: CaseStateOut, **ERRORS}, summary=summary
    )(endpoint)


_case_action("triage", "集中研判", TriageIn, services.case_triage)
_case_action("reject", "不予受理", ReasonIn, services.case_reject)
_case_action("merge", "合并重复事件", MergeIn, services.case_merge)
_case_action(
    "split",
    "拆分事件",
    SplitIn,
    services.case_split,
)
_case_action("self-handle", "自行处置（简单问题）", NoteIn, services.case_self_handle)
_case_action("call", "对口呼叫（一般问题）", CallIn, services.case_call)
_case_action("dispatch", "呼应办派单（复杂问题）", DispatchIn, services.case_hub_dispatch)
_case_action(
    "leader-dispatch", "区领导逆向派单（重难点/突发）", DispatchIn, services.case_leader_dispatch
)
_case_action(
    "triage-and-call", "研判并呼叫（一般问题）", TriageCallIn, services.case_triage_and_call
)
_case_action(
    "triage-and-dispatch",
    "研判并派单（呼应办）",
    TriageDispatchIn,
    services.case_triage_and_dispatch,
)
_case_action("co-handlers", "增派协办部门", CoHandlersIn, services.case_add_co_handler)
_case_action("complete", "自行处置完毕", ResultIn, services.case_complete_self)
_case_action("grid-handle", "网格就地处置（信息员、街长上报）", NoteIn, services.case_grid_handle)
_case_action("grid-settle", "网格就地解决（接手并处置完毕）", ResultIn, services.case_grid_settle)
_case_action("raise", "网格上报社区或街道", RaiseIn, services.case_raise)
_case_action("escalate", "上报上一级", ReasonIn, services.case_escalate)
_case_action("verify", "核查", VerifyIn, services.case_verify)
_case_action("follow-up", "回访", FollowUpIn, services.case_follow_up)
_case_action("reopen", "重启（不满意）", ReasonIn, services.case_reopen)
_case_action("archive", "备案", NoteIn, services.case_archive)
_case_action("suspend", "挂账", ReasonIn, services.case_suspend)
_case_action("resume", "恢复办理", NoteIn, services.case_resume)
_case_action("urge", "催办", NoteIn, services.case_urge)
_case_action("supervise", "督办", NoteIn, services.case_supervise)


@router.post(
    "/cases/{case_id}/attachments",
    response={200: CaseStateOut, **ERRORS},
    summary="补充照片/材料（multipart）",
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
def attach(
    request: HttpRequest,
    case_id: Id,
    files: list[UploadedFile] = File(..., min_length=1, max_length=FILES_PER_UPLOAD),
    note: Text = Form(""),
) -> Any:
    actor = acting(request)
    services.case_attach(actor=actor, case_id=case_id, files=files, note=note)
    return _state(actor, case_id)


@router.get(
    "/attachments/{attachment_id}",
    response=ERRORS,
    url_name="attachment_file",
    summary="附件文件（图片直接显示，PDF 下载）",
    openapi_extra={"responses": {"200": {"description": "the file", "content": _FILE_TYPES}}},
)
def attachment_file(request: HttpRequest, attachment_id: Id) -> HttpResponse:
    return send_file(selectors.attachment_get(acting(request), attachment_id))


@router.get(
    "/attachments/{attachment_id}/thumbnail",
    response=ERRORS,
    url_name="attachment_thumbnail",
    summary="图片附件的缩略图（JPEG）",
    openapi_extra={
        "responses": {"200": {"description": "a small JPEG", "content": {"image/jpeg": {}}}}
    },
)
def attachment_thumbnail(request: HttpRequest, attachment_id: Id) -> HttpResponse:
    return send_thumbnail(selectors.attachment_get(acting(request), attachment_id))


# --- writes: assignment actions ----------------------------------------------------------------


def _assignment_action(name: str, summary: str, schema: type[Schema], call: Any) -> None:
    def endpoint(request: HttpRequest, assignment_id: Id, payload: schema) -> Any:  # type: ignore[valid-type]
        actor = acting(request)
        assignment = call(actor=actor, assignment_id=assignment_id, **payload.dict())  # type: ignore[attr-defined]
        return _written(actor, assignment.case_id, assignment)

    endpoint.__name__ = f"assignment_{name.replace('-', '_')}"
    router.post(
        f"/assignments/{{assignment_id}}/{name}",
        response={200: CaseStateOut, **ERRORS},
        summary=summary,
    )(endpoint)


_assignment_action("report-in", "报到", NoteIn, services.assignment_report_in)
_assignment_action("accept", "受理", NoteIn, services.assignment_accept)
_assignment_action("return", "申请退回", ReasonIn, services.assignment_request_return)
_assignment_action("return-ruling", "裁定退回", RulingIn, services.assignment_rule_return)
_assignment_action("extension", "申请延期", ExtensionIn, services.assignment_request_extension)
_assignment_action(
    "extension-ruling", "审批延期", ExtensionRulingIn, services.assignment_rule_extension
)
_assignment_action("progress", "进展反馈", FilledNoteIn, services.assignment_post_progress)
_assignment_action("result", "办结反馈", ResultIn, services.assignment_submit_result)
_assignment_action("withdraw", "撤回派单", ReasonIn, services.assignment_withdraw)
