"""Reads of the 街长制: boards are public; the keepers' lists are scoped to their street."""

from __future__ import annotations

from typing import Any

from django.db.models import Case, Count, Prefetch, Q, QuerySet, Value, When

from huying.core.changelog import object_type
from huying.core.models import ChangeLog
from huying.org.actors import Actor, under
from huying.org.models import OrgUnit
from huying.org.roles import MANAGER_ROLES
from huying.roads import geometry
from huying.roads.models import Duty, Road, Segment, SegmentPerson
from huying.roads.services import ROAD_KEEPERS


def roads_kept_by(actor: Actor) -> QuerySet[Road]:
    roads = Road.objects.select_related("street").annotate(segment_count=Count("segments"))
    if actor.role in MANAGER_ROLES:
        return roads.filter(under("street__path", actor.reach)).order_by("street__code", "name")
    if actor.role in ROAD_KEEPERS:
        return roads.filter(street__path__startswith=actor.unit.path).order_by("name")
    return roads.none()


def streets_kept_by(actor: Actor) -> QuerySet[OrgUnit]:
    streets = OrgUnit.objects.defer("boundary").filter(kind=OrgUnit.Kind.STREET, is_active=True)
    if actor.role in MANAGER_ROLES:
        return streets.filter(under("path", actor.reach)).order_by("code")
    if actor.role in ROAD_KEEPERS:
        return streets.filter(path__startswith=actor.unit.path).order_by("code")
    return streets.none()


def _people() -> Any:
    """A segment's people in the legend's order: grid worker, the two chiefs, the contacts."""
    rank = Case(*(When(duty=d, then=Value(n)) for n, d in enumerate(Duty.values)))
    return Prefetch(
        "people",
        queryset=SegmentPerson.objects.select_related("unit").order_by(rank, "pk"),
    )


def board_segments(road: Road) -> QuerySet[Segment]:
    return road.segments.prefetch_related(_people()).order_by("order", "code")


def segments(*, road_id: int | None = None, street_id: int | None = None) -> QuerySet[Segment]:
    found = Segment.objects.select_related("road__street").prefetch_related(_people())
    if road_id is not None:
        found = found.filter(road_id=road_id)
    if street_id is not None:
        found = found.filter(road__street_id=street_id)
    return found.order_by("road__street__code", "road__name", "order", "code")


#: The duties that make a person a segment's street chief (街长).
CHIEF_DUTIES = (Duty.PARTY_CHIEF, Duty.MERCHANT_CHIEF)


def chief_grid_workers(chief_id: int) -> set[int]:
    """The grid workers of the segments a street chief answers for: who may walk with him
    as his grid worker (三陪同, ``huying.grid.hooks``)."""
    his = SegmentPerson.objects.filter(user_id=chief_id, duty__in=CHIEF_DUTIES)
    return set(
        SegmentPerson.objects.filter(
            segment_id__in=his.values("segment_id"), duty=Duty.GRID_WORKER, user__isnull=False
        ).values_list("user_id", flat=True)
    )


def public_person(person: SegmentPerson) -> dict[str, Any]:
    """What a board may show of a person: never their own phone, only the public number."""
    return {
        "duty": person.duty,
        "duty_label": person.get_duty_display(),
        "name": person.name,
        "unit": person.unit.name if person.unit else "",
        "shop_name": person.shop_name,
        "shop_address": person.shop_address,
        "public_phone": person.public_phone,
    }


def feature(segment: Segment) -> dict[str, Any]:
    """A segment as a GeoJSON Feature with what its board says."""
    return {
        "type": "Feature",
        "id": segment.pk,
        "geometry": segment.line,
        "properties": {
            "code": segment.code,
            "name": segment.name,
            "road_id": segment.road_id,
            "road": segment.road.name,
            "street": segment.road.street.name,
            "patrol_range": segment.patrol_range,
            "duties": segment.duties,
            "length_m": round(geometry.length_m(geometry.parse_line(segment.line))),
            "people": [public_person(p) for p in segment.people.all()],
        },
    }


def feature_collection(found: QuerySet[Segment]) -> dict[str, Any]:
    return {"type": "FeatureCollection", "features": [feature(s) for s in found]}


def road_changes(road: Road, *, limit: int = 30) -> QuerySet[ChangeLog]:
    """The change log of a road and its segments (people's changes are the segment's), newest
    first."""
    ids = [str(pk) for pk in road.segments.values_list("pk", flat=True)]
    return ChangeLog.objects.filter(
        Q(object_type=object_type(road), object_id=str(road.pk))
        | Q(object_type=object_type(Segment()), object_id__in=ids)
    ).order_by("-id")[:limit]
