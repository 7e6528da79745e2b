"""十五分钟生活圈 in the API: the same services and scope as the pages. Points and the
nearby search are public (residents use them without signing in); the keepers' writes are
scoped (a street's staff edit their communities' points, the district all); coverage is read
from the reader's own node down."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal

from django.http import HttpRequest
from django.utils import timezone
from ninja import Field, Query, Router, Schema, Status

from huying.core.api_types import ERRORS, FilledText, Id, In, Latitude, Longitude, Text
from huying.lifecircle import selectors, services
from huying.lifecircle.models import ServiceKind, ServicePoint
from huying.org.api_auth import acting

router = Router(tags=["十五分钟生活圈 15-minute life circle"])

#: ISO weekday: "1" Monday … "7" Sunday.
Weekday = Literal["1", "2", "3", "4", "5", "6", "7"]
#: A day's ranges, "HH:MM-HH:MM" (``rules.MAX_RANGES`` at most).
DayRanges = Annotated[list[Text], Field(max_length=4)]

HOURS_DESCRIPTION = (
    'ISO weekday "1" (Monday) … "7" (Sunday) → ranges "HH:MM-HH:MM"; an end at or before '
    "its start runs past midnight; a day left out is closed"
)


class ServiceKindOut(Schema):
    id: int
    code: str
    name: str
    essential: bool = Field(description="the coverage page checks every community for it")
    version: int


class ServicePointOut(Schema):
    id: int
    name: str
    kind: str = Field(description="the kind's code")
    kind_name: str
    community_id: int
    community_name: str
    address: str
    lat: float = Field(description="WGS-84")
    lng: float = Field(description="WGS-84")
    hours: dict[str, list[list[str]]] = Field(description=HOURS_DESCRIPTION)
    follows_calendar: bool = Field(
        description="closed on statutory holidays; a weekend worked in lieu keeps Monday's hours"
    )
    phone: str
    services: list[str]
    item_ids: list[int] = Field(description="one-window service items handled here")
    open_now: bool
    today: str = Field(description="today's hours, in words")
    version: int


class NearbyOut(ServicePointOut):
    metres: float = Field(description="straight-line distance")
    minutes: float = Field(description="walking minutes: metres × detour ÷ speed")


class ServicePointIn(In):
    name: FilledText = Field(max_length=100)
    kind_id: Id
    address: FilledText = Field(max_length=200)
    lat: Latitude
    lng: Longitude
    hours: dict[Weekday, DayRanges] = Field(description=HOURS_DESCRIPTION)
    follows_calendar: bool = False
    phone: Text = Field("", max_length=32)
    services: list[Text] = Field([], max_length=30)
    item_ids: list[Id] = Field([], max_length=50)


class ServicePointUpdateIn(ServicePointIn):
    version: int = Field(ge=1)


class ServiceKindIn(In):
    name: FilledText = Field(max_length=50)
    essential: bool
    version: int = Field(ge=1)


class KindShareOut(Schema):
    kind: str
    kind_name: str
    covered: int = Field(description="lattice cells a point of the kind reaches")
    total: int
    share: float = Field(description="covered ÷ total, 0–1")


class CommunityCoverageOut(Schema):
    community_id: int
    community_name: str
    street_name: str
    kinds: list[KindShareOut]


def _point(point: ServicePoint, now: datetime) -> dict[str, Any]:
    return {
        "id": point.pk,
        "name": point.name,
        "kind": point.kind.code,
        "kind_name": point.kind.name,
        "community_id": point.community_id,
        "community_name": point.community.name,
        "address": point.address,
        "lat": point.lat,
        "lng": point.lng,
        "hours": point.hours,
        "follows_calendar": point.follows_calendar,
        "phone": point.phone,
        "services": point.services,
        "item_ids": sorted(i.pk for i in point.items.all()),
        "open_now": selectors.is_open(point, now),
        "today": selectors.today_hours(point, now),
        "version": point.version,
    }


def _kind(kind: ServiceKind) -> dict[str, Any]:
    return {
        "id": kind.pk,
        "code": kind.code,
        "name": kind.name,
        "essential": kind.essential,
        "version": kind.version,
    }


@router.get(
    "/service-kinds",
    auth=None,
    response={200: list[ServiceKindOut], **ERRORS},
    summary="服务点类别（公开）",
)
def kind_list(request: HttpRequest) -> Any:
    return [_kind(k) for k in selectors.kinds()]


@router.put(
    "/service-kinds/{kind_id}",
    response={200: ServiceKindOut, **ERRORS},
    summary="修改服务点类别（区里设定哪些类别必备）",
)
def kind_update(request: HttpRequest, kind_id: Id, payload: ServiceKindIn) -> Any:
    kind = services.kind_update(
        actor=acting(request), now=timezone.now(), kind_id=kind_id, **payload.dict()
    )
    return _kind(kind)


@router.get(
    "/service-points",
    auth=None,
    response={200: list[ServicePointOut], **ERRORS},
    summary="服务点列表（公开；可按类别、社区筛选）",
)
def point_list(
    request: HttpRequest,
    kind: str | None = Query(None, max_length=32),
    community_id: Id | None = None,
) -> Any:
    """At most 500, by community and kind."""
    points = selectors.public_points().prefetch_related("items")
    if kind:
        points = points.filter(kind__code=kind)
    if community_id is not None:
        points = points.filter(community_id=community_id)
    now = timezone.now()
    return [_point(p, now) for p in points[:500]]


@router.get(
    "/service-points/nearby",
    auth=None,
    response={200: list[NearbyOut], **ERRORS},
    summary="身边的服务：步行若干分钟内的服务点（公开，由近及远）",
)
def point_nearby(
    request: HttpRequest,
    lat: float = Query(..., ge=-90, le=90),
    lng: float = Query(..., ge=-180, le=180),
    minutes: float = Query(15, gt=0, le=60),
    kind: str | None = Query(None, max_length=32),
    open_now: bool = False,
) -> Any:
    """WGS-84 ``lat``/``lng``; walking minutes are the straight-line distance × the detour
    factor ÷ the walking speed (settings ``HUYING_LIFECIRCLE_*``)."""
    now = timezone.now()
    found = selectors.nearby(lat, lng, now=now, minutes=minutes, kind=kind, open_only=open_now)
    return [
        {**_point(n.point, now), "metres": round(n.metres, 1), "minutes": round(n.minutes, 1)}
        for n in found
    ]


@router.get(
    "/service-points/{point_id}",
    auth=None,
    response={200: ServicePointOut, **ERRORS},
    summary="服务点详情（公开）",
)
def point_detail(request: HttpRequest, point_id: Id) -> Any:
    return _point(selectors.public_point_get(point_id), timezone.now())


@router.post(
    "/service-points",
    response={201: ServicePointOut, **ERRORS},
    summary="新增服务点（街道在本街道、区里在全区）",
)
def point_create(request: HttpRequest, payload: ServicePointIn) -> Any:
    """The community is the one whose grid holds the point; a point outside the district's
    grids or outside the caller's street is a 422 and nothing is created."""
    now = timezone.now()
    point = services.point_create(actor=acting(request), now=now, **payload.dict())
    return Status(201, _point(point, now))


@router.put(
    "/service-points/{point_id}",
    response={200: ServicePointOut, **ERRORS},
    summary="修改服务点",
)
def point_update(request: HttpRequest, point_id: Id, payload: ServicePointUpdateIn) -> Any:
    now = timezone.now()
    point = services.point_update(
        actor=acting(request), now=now, point_id=point_id, **payload.dict()
    )
    return _point(selectors.public_point_get(point.pk), now)


@router.delete(
    "/service-points/{point_id}",
    response={204: None, **ERRORS},
    summary="删除服务点",
)
def point_delete(request: HttpRequest, point_id: Id, version: int = Query(..., ge=1)) -> Any:
    services.point_delete(
        actor=acting(request), now=timezone.now(), point_id=point_id, version=version
    )
    return Status(204, None)


@router.get(
    "/life-circle/coverage",
    response={200: list[CommunityCoverageOut], **ERRORS},
    summary="生活圈覆盖：各社区必备类别的步行覆盖比例",
)
def coverage(request: HttpRequest) -> Any:
    """Per community in the caller's scope and per essential kind: the share of the
    community's area (a lattice of ``HUYING_LIFECIRCLE_LATTICE_M`` metres) within a
    ``HUYING_LIFECIRCLE_MINUTES``-minute walk of a point of that kind."""
    return [
        {
            "community_id": c.community.pk,
            "community_name": c.community.name,
            "street_name": c.community.parent.name if c.community.parent else "",
            "kinds": [
                {
                    "kind": k.kind.code,
                    "kind_name": k.kind.name,
                    "covered": k.share.covered,
                    "total": k.share.total,
                    "share": round(k.share.share, 4),
                }
                for k in c.kinds
            ],
        }
        for c in selectors.coverage_for(acting(request))
    ]
