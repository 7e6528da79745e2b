"""一口受理 in the API: the same services and scope as the pages. Items are read by anyone
signed in; applications are created at the caller's station, read in scope (the station's,
the department's once passed, the district's) and moved on; the resident's lookup needs no
sign-in and is limited like the page's."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any, Literal

from django.http import HttpRequest, HttpResponse
from django.utils import timezone
from ninja import Field, File, Query, Router, Schema, Status, UploadedFile

from huying.core.api_types import ERRORS, Day, FilledText, Id, In, Text, file_response
from huying.core.errors import NotFound
from huying.core.files import EXTENSIONS, FILES_PER_UPLOAD
from huying.core.web import protected_file
from huying.onewindow import rules, selectors, services
from huying.onewindow.models import Application, ApplicationState, ElderCall, ServiceItem
from huying.org.actors import under
from huying.org.api_auth import acting
from huying.org.models import OrgUnit
from huying.org.signin import client_ip

router = Router(tags=["一口受理 one-window services"])

#: The lookup also answers 429 (too many failed tries).
LOOKUP_ERRORS = {**ERRORS, 429: ERRORS[404]}


class ServiceItemOut(Schema):
    id: int
    code: str
    name: str
    conditions: str
    materials: list[str]
    time_limit: int = Field(description="working days")
    fee: Decimal = Field(description="yuan; 0 is free")
    department_id: int
    department_name: str
    station_accepts: bool = Field(description="any community service station accepts it")


class ApplicationStepOut(Schema):
    seq: int
    action: str = Field(description="accept, proxy_take, handover, pass, done or refuse")
    at: datetime
    note: str


class ApplicationPhotoOut(Schema):
    id: int
    name: str


class ApplicationOut(Schema):
    id: int
    number: str
    track_code: str = Field(
        description="查询码: with the phone's last 4 digits it opens the lookup"
    )
    item_id: int
    item_name: str
    resident_name: str
    resident_phone: str
    materials_checked: list[str]
    station_id: int
    accepted_at: datetime
    due_at: datetime
    proxy: bool = Field(description="taken at home by a cadre (二级代办)")
    proxy_reason: str
    unqualified: bool = Field(
        description="accepted without a valid qualification: no one qualified was on duty"
    )
    state: str = Field(description="received, passed, done or refused")
    reason: str
    version: int
    photos: list[ApplicationPhotoOut]
    steps: list[ApplicationStepOut]


class PublicApplicationStepOut(Schema):
    at: datetime
    label: str


class PublicApplicationOut(Schema):
    number: str
    item_name: str
    station_name: str
    state: str = Field(description="received, passed, done or refused")
    state_label: str
    due_at: datetime
    reason: str
    steps: list[PublicApplicationStepOut] = Field(description="what happened, never by whom")


class ApplicationIn(In):
    item_id: Id
    resident_name: FilledText = Field(max_length=50)
    resident_phone: FilledText = Field(max_length=20)
    materials_checked: list[Text] = Field(max_length=30, description="all the item's materials")
    proxy_reason: Text = Field(
        "", max_length=200, description="taken at home for an elderly or disabled resident"
    )


class ApplicationVersionIn(In):
    version: int = Field(ge=1)


class ApplicationHandoverIn(ApplicationVersionIn):
    note: FilledText = Field(max_length=500)


class ApplicationDecideIn(ApplicationVersionIn):
    outcome: Literal["done", "refuse"]
    reason: Text = Field("", max_length=1000, description="required to refuse")


class ApplicationLookupIn(In):
    number: FilledText = Field(max_length=32)
    code: FilledText = Field(max_length=16, description="查询码 on the receipt")
    phone_tail: str = Field(pattern=r"^[0-9]{4}$", description="last 4 digits of the phone")


class RosterIn(In):
    station_id: Id
    day: Day
    person_ids: list[Id] = Field(
        [], max_length=50, description="on duty that day; empty clears the day's roster"
    )


class RosterQuery(Schema):
    station_id: Id
    day: Day


class OnDutyOut(Schema):
    station_id: int
    day: Day
    rostered: bool = Field(description="false: no roster that day, all the station's staff")
    people: list[dict[str, Any]] = Field(
        description="id, name and the ids of the items each may accept (valid qualifications)"
    )


class ElderCallIn(In):
    caller_name: FilledText = Field(max_length=50)
    caller_phone: FilledText = Field(max_length=20)
    elderly: bool = False
    disabled: bool = False
    request: FilledText = Field(max_length=1000, description="what the caller wants")
    outcome: Literal["application", "case"] = Field(
        description="application: a service application at the caller's station (代办 for "
        "the elderly or disabled); case: a case, its source hotline_12349"
    )
    item_id: Id | None = Field(None, description="application: the service item")
    materials_checked: list[Text] = Field(
        [], max_length=30, description="application: all the item's materials"
    )
    address: Text = Field("", max_length=200, description="case: where the problem is")


class ElderCallOut(Schema):
    id: int
    station_id: int
    received_at: datetime
    caller_name: str
    caller_phone: str
    elderly: bool
    disabled: bool
    request: str
    outcome: str
    application_id: int | None
    application_number: str
    case_id: int | None
    case_number: str


def _call(call: ElderCall) -> dict[str, Any]:
    return {
        "id": call.pk,
        "station_id": call.station_id,
        "received_at": call.received_at,
        "caller_name": call.caller_name,
        "caller_phone": call.caller_phone,
        "elderly": call.elderly,
        "disabled": call.disabled,
        "request": call.request,
        "outcome": call.outcome,
        "application_id": call.application_id,
        "application_number": call.application.number if call.application else "",
        "case_id": call.case_id,
        "case_number": call.case.number if call.case else "",
    }


def _application(app: Application) -> dict[str, Any]:
    return {
        "id": app.pk,
        "number": app.number,
        "track_code": app.track_code,
        "item_id": app.item_id,
        "item_name": app.item.name,
        "resident_name": app.resident_name,
        "resident_phone": app.resident_phone,
        "materials_checked": app.materials_checked,
        "station_id": app.station_id,
        "accepted_at": app.accepted_at,
        "due_at": app.due_at,
        "proxy": app.proxy_by_id is not None,
        "proxy_reason": app.proxy_reason,
        "unqualified": app.unqualified,
        "state": app.state,
        "reason": app.reason,
        "version": app.version,
        "photos": [{"id": p.pk, "name": p.name} for p in app.photos.all()],
        "steps": list(app.steps.order_by("seq")),
    }


def _item(item: ServiceItem) -> dict[str, Any]:
    return {
        "id": item.pk,
        "code": item.code,
        "name": item.name,
        "conditions": item.conditions,
        "materials": item.materials,
        "time_limit": item.time_limit,
        "fee": item.fee,
        "department_id": item.department_id,
        "department_name": item.department.name,
        "station_accepts": item.station_accepts,
    }


@router.get(
    "/service-items",
    auth=None,
    response={200: list[ServiceItemOut], **ERRORS},
    summary="服务事项（已发布，公开）",
)
def item_list(request: HttpRequest, q: str = Query("", max_length=50)) -> Any:
    """Published items, found by name, code or a word of the conditions (at most 50)."""
    return [_item(i) for i in selectors.published_items(q)[: selectors.SEARCH_LIMIT]]


@router.get(
    "/service-items/{item_id}",
    auth=None,
    response={200: ServiceItemOut, **ERRORS},
    summary="服务事项详情（公开）",
)
def item_detail(request: HttpRequest, item_id: Id) -> Any:
    return _item(selectors.published_item_get(item_id))


@router.get(
    "/service-applications",
    response={200: list[ApplicationOut], **ERRORS},
    summary="服务申请列表（本站受理的、转本部门办理的）",
)
def application_list(
    request: HttpRequest,
    state: Literal["received", "passed", "done", "refused"] | None = None,
) -> Any:
    """The applications in the caller's scope, latest first (at most 200)."""
    apps = selectors.applications_visible_to(acting(request)).prefetch_related("steps")
    if state is not None:
        apps = apps.filter(state=state)
    return [_application(a) for a in apps[:200]]


@router.post(
    "/service-applications",
    response={201: ApplicationOut, **ERRORS},
    summary="窗口受理服务申请（一口受理；填 proxy_reason 为上门代办）",
)
def application_create(request: HttpRequest, payload: ApplicationIn) -> Any:
    """At the caller's station (community staff): a published item a station may take, with
    every material it asks for; an unpublished item or a missing material is a 422 and
    nothing is created."""
    app = services.application_accept(actor=acting(request), **payload.dict())
    return Status(201, _application(app))


@router.get(
    "/service-applications/{application_id}",
    response={200: ApplicationOut, **ERRORS},
    summary="服务申请详情",
)
def application_detail(request: HttpRequest, application_id: Id) -> Any:
    return _application(selectors.application_get(acting(request), application_id))


@router.post(
    "/service-applications/{application_id}/photos",
    response={200: ApplicationOut, **ERRORS},
    summary="上传证件材料照片（multipart，字段 files）",
)
def application_photos(
    request: HttpRequest,
    application_id: Id,
    files: list[UploadedFile] = File(..., min_length=1, max_length=FILES_PER_UPLOAD),
) -> Any:
    """Images (JPEG, PNG) or PDFs, checked as on the window page; the station's staff while
    the application is open."""
    actor = acting(request)
    services.application_add_photos(actor=actor, application_id=application_id, files=files)
    return _application(selectors.application_get(actor, application_id))


@router.get(
    "/service-application-photos/{photo_id}",
    response=ERRORS,
    summary="证件材料照片文件（图片直接显示，PDF 下载）",
    openapi_extra=file_response("the file", *EXTENSIONS),
)
def application_photo(request: HttpRequest, photo_id: Id) -> HttpResponse:
    photo = selectors.photo_get(acting(request), photo_id)
    return protected_file(
        photo.file.name or "",
        content_type=photo.content_type,
        filename=photo.name,
        inline=photo.content_type.startswith("image/"),
    )


def _step(
    request: HttpRequest, application_id: int, payload: ApplicationVersionIn, write: Any, **kw: Any
) -> dict[str, Any]:
    """One step on an application (pass, hand-over, decision): the service ``write`` at the
    version the caller read, answered with the application as it now stands."""
    app = write(actor=acting(request), application_id=application_id, version=payload.version, **kw)
    return _application(app)


@router.post(
    "/service-applications/{application_id}/pass",
    response={200: ApplicationOut, **ERRORS},
    summary="转后台部门办理",
)
def application_pass(
    request: HttpRequest, application_id: Id, payload: ApplicationVersionIn
) -> Any:
    return _step(request, application_id, payload, services.application_pass)


@router.post(
    "/service-applications/{application_id}/handovers",
    response={200: ApplicationOut, **ERRORS},
    summary="记录代办交接点",
)
def application_handover(
    request: HttpRequest, application_id: Id, payload: ApplicationHandoverIn
) -> Any:
    return _step(request, application_id, payload, services.application_handover, note=payload.note)


@router.post(
    "/service-applications/{application_id}/decide",
    response={200: ApplicationOut, **ERRORS},
    summary="部门办结或不予办理",
)
def application_decide(
    request: HttpRequest, application_id: Id, payload: ApplicationDecideIn
) -> Any:
    return _step(
        request,
        application_id,
        payload,
        services.application_decide,
        granted=payload.outcome == "done",
        reason=payload.reason,
    )


def _on_duty(station: OrgUnit, day: Any) -> dict[str, Any]:
    skills = selectors.station_skills(station, day)
    return {
        "station_id": station.pk,
        "day": day,
        "rostered": skills.rostered,
        "people": [
            {
                "id": s.person.pk,
                "name": s.person.get_full_name() or s.person.username,
                "item_ids": [i.pk for i in s.items],
            }
            for s in skills.staff
        ],
    }


@router.get(
    "/service-roster",
    response={200: OnDutyOut, **ERRORS},
    summary="服务站某日在岗人员及各自可受理的事项（全岗位通）",
)
def roster_read(request: HttpRequest, q: Query[RosterQuery]) -> Any:
    actor = acting(request)
    district = actor.sees_all and not actor.is_reporter
    if not district and actor.role not in rules.STATION_READERS:
        raise NotFound()
    station = OrgUnit.objects.filter(
        under("path", actor.scope_path), pk=q.station_id, kind__in=rules.STATION_KINDS
    ).first()
    if station is None:
        raise NotFound()
    return _on_duty(station, q.day)


@router.put(
    "/service-roster",
    response={200: OnDutyOut, **ERRORS},
    summary="排班：设定服务站某日在岗人员（替换当日排班）",
)
def roster_set(request: HttpRequest, payload: RosterIn) -> Any:
    actor = acting(request)
    services.duty_set(actor=actor, **payload.dict())
    return _on_duty(OrgUnit.objects.get(pk=payload.station_id), payload.day)


@router.get(
    "/service-calls",
    response={200: list[ElderCallOut], **ERRORS},
    summary="12349为老热线来电（本站的、本街道各站的、全区的）",
)
def call_list(request: HttpRequest) -> Any:
    return [_call(c) for c in selectors.calls_visible_to(acting(request))[:200]]


@router.post(
    "/service-calls",
    response={201: ElderCallOut, **ERRORS},
    summary="记录12349来电并转服务申请（老年人、残疾人为上门代办）或问题件（来源 12349）",
)
def call_take(request: HttpRequest, payload: ElderCallIn) -> Any:
    """At the caller's station (community staff). The call and what it became are created
    together; a refused application (an unpublished item, a missing material) leaves no
    call either (422)."""
    return Status(201, _call(services.call_take(actor=acting(request), **payload.dict())))


@router.post(
    "/service-lookup",
    auth=None,
    response={200: PublicApplicationOut, **LOOKUP_ERRORS},
    summary="居民查询申请进度（受理编号、查询码、电话后四位）",
)
def application_lookup(request: HttpRequest, payload: ApplicationLookupIn) -> Any:
    """No sign-in: the receipt's number and 查询码 and the phone's last 4 digits; which of
    them was wrong is not told, and failed tries pause the number and the address (429)."""
    app = services.application_for_resident(
        number=payload.number,
        code=payload.code,
        tail=payload.phone_tail,
        ip=client_ip(request),
        now=timezone.now(),
    )
    return {
        "number": app.number,
        "item_name": app.item.name,
        "station_name": app.station.name,
        "state": app.state,
        "state_label": str(ApplicationState(app.state).label),
        "due_at": app.due_at,
        "reason": app.reason,
        "steps": selectors.public_steps(app),
    }
