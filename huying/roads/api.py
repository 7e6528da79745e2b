"""街长制 over the API: segments and boards are public (GeoJSON); edits are the keepers'."""

from __future__ import annotations

from typing import Any, Literal

from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Field, Router, Schema, Status

from huying.core.api_types import ERRORS, FilledText, Id, In, Text
from huying.core.errors import NotFound
from huying.org.actors import Actor
from huying.org.api_auth import acting
from huying.roads import selectors, services
from huying.roads.board import report_url
from huying.roads.models import Duty, Road, Segment

router = Router(tags=["街长制 roads"])


class RoadOut(Schema):
    id: int
    street_id: int
    name: str
    note: str


class RoadIn(In):
    street_id: Id
    name: FilledText = Field(max_length=60)
    note: Text = ""


class LineIn(In):
    type: Literal["LineString"]
    coordinates: list[list[float]] = Field(max_length=2000)


class SegmentIn(In):
    code: FilledText = Field(max_length=32)
    name: FilledText = Field(max_length=80)
    line: LineIn = Field(description="GeoJSON LineString, WGS-84 [lng, lat], inside the street")
    patrol_range: Text = Field("", max_length=200)
    duties: Text = ""


class PersonIn(In):
    duty: Duty
    user_id: Id | None = Field(None, description="required for grid workers and chiefs")
    name: Text = Field("", max_length=40, description="default: the user's name")
    unit_id: Id | None = Field(None, description="a department or field unit")
    shop_name: Text = Field("", max_length=80, description="required for a merchant chief")
    shop_address: Text = Field("", max_length=120)
    public_phone: Text = Field("", max_length=32, description="the work number the board shows")


class PersonOut(Schema):
    id: int
    segment_id: int
    duty: str
    name: str


def _collection(found: Any) -> dict[str, Any]:
    body = selectors.feature_collection(found)
    for feature, segment in zip(body["features"], found, strict=True):
        feature["properties"]["report_url"] = report_url(segment)
    return body


@router.get(
    "/roads/segments",
    auth=None,
    response={200: dict[str, Any], **ERRORS},
    summary="责任路段（GeoJSON，公开）",
)
def segments(request: HttpRequest, street_id: Id | None = None, road_id: Id | None = None) -> Any:
    return _collection(list(selectors.segments(street_id=street_id, road_id=road_id)))


@router.get(
    "/roads/{road_id}/board",
    auth=None,
    response={200: dict[str, Any], **ERRORS},
    summary="街长公示栏（GeoJSON，公开）",
)
def board(request: HttpRequest, road_id: Id) -> Any:
    road = Road.objects.select_related("street").filter(pk=road_id).first()
    if road is None:
        raise NotFound(_("道路不存在"))
    body = _collection(list(selectors.segments(road_id=road.pk)))
    body["road"] = {"id": road.pk, "name": road.name, "street": road.street.name}
    return body


@router.post("/roads", response={201: RoadOut, **ERRORS}, summary="添加道路")
def road_create(request: HttpRequest, payload: RoadIn) -> Any:
    road = services.road_create(actor=acting(request), now=timezone.now(), **payload.dict())
    return Status(201, road)


def _kept_segment(actor: Actor, segment_id: int) -> Segment:
    segment = Segment.objects.select_related("road__street").filter(pk=segment_id).first()
    if segment is None or not services.may_keep(actor, segment.road.street):
        raise NotFound(_("路段不存在或不在本人范围内"))
    return segment


def _feature(segment: Segment) -> dict[str, Any]:
    return _collection([selectors.segments().get(pk=segment.pk)])["features"][0]


@router.post(
    "/roads/{road_id}/segments", response={201: dict[str, Any], **ERRORS}, summary="添加责任路段"
)
def segment_create(request: HttpRequest, road_id: Id, payload: SegmentIn) -> Any:
    actor = acting(request)
    road = Road.objects.select_related("street").filter(pk=road_id).first()
    if road is None or not services.may_keep(actor, road.street):
        raise NotFound(_("道路不存在或不在本人范围内"))
    segment = services.segment_create(actor=actor, road=road, now=timezone.now(), **payload.dict())
    return Status(201, _feature(segment))


@router.put(
    "/roads/segments/{segment_id}", response={200: dict[str, Any], **ERRORS}, summary="修改责任路段"
)
def segment_update(request: HttpRequest, segment_id: Id, payload: SegmentIn) -> Any:
    actor = acting(request)
    segment = _kept_segment(actor, segment_id)
    services.segment_update(actor=actor, segment=segment, now=timezone.now(), **payload.dict())
    return _feature(segment)


@router.post(
    "/roads/segments/{segment_id}/people",
    response={201: PersonOut, **ERRORS},
    summary="添加路段责任人",
)
def person_add(request: HttpRequest, segment_id: Id, payload: PersonIn) -> Any:
    actor = acting(request)
    segment = _kept_segment(actor, segment_id)
    person = services.person_add(actor=actor, segment=segment, now=timezone.now(), **payload.dict())
    return Status(201, person)


@router.delete(
    "/roads/people/{person_id}", response={204: None, **ERRORS}, summary="移除路段责任人"
)
def person_remove(request: HttpRequest, person_id: Id) -> Any:
    services.person_remove(actor=acting(request), person_id=person_id, now=timezone.now())
    return Status(204, None)
