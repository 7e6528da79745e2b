"""Reads of the 15-minute life circle. Points are public (residents find them without
signing in); the keepers' lists are scoped — a street's staff see their communities' points,
the district all — and coverage is read from the reader's own node down."""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime

from django.conf import settings
from django.core.cache import cache
from django.db.models import Count, Max, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _
from shapely.geometry.base import BaseGeometry
from shapely.ops import unary_union

from huying.core.errors import CalendarYearMissing, NotFound
from huying.core.geo import box_around, distance_m
from huying.core.workcalendar import load_calendar
from huying.lifecircle import coverage, rules
from huying.lifecircle.models import ServiceKind, ServicePoint
from huying.org.actors import Actor, under
from huying.org.models import OrgUnit
from huying.org.selectors import grid_index

K = OrgUnit.Kind


def kinds() -> QuerySet[ServiceKind]:
    return ServiceKind.objects.order_by("order", "code")


def kind_by_code(code: str) -> ServiceKind | None:
    return ServiceKind.objects.filter(code=code).first()


def public_points() -> QuerySet[ServicePoint]:
    return ServicePoint.objects.select_related("kind", "community", "community__parent")


def public_point_get(point_id: int) -> ServicePoint:
    point = public_points().filter(pk=point_id).first()
    if point is None:
        raise NotFound(_("服务点不存在"))
    return point


def may_edit(actor: Actor) -> bool:
    return actor.role in rules.EDITOR_ROLES


def points_visible_to(actor: Actor) -> QuerySet[ServicePoint]:
    """The points the actor keeps: the street's communities', the district's all."""
    if not may_edit(actor):
        return ServicePoint.objects.none()
    return (
        public_points().prefetch_related("items").filter(under("community__path", actor.scope_path))
    )


def point_get(actor: Actor, point_id: int) -> ServicePoint:
    point = points_visible_to(actor).filter(pk=point_id).first()
    if point is None:
        raise NotFound(_("服务点不存在或无权查看"))
    return point


# --- open now ----------------------------------------------------------------------------------


def _workday(day: date) -> bool | None:
    try:
        return load_calendar().is_workday(day)
    except CalendarYearMissing:
        return None  # a year not entered: the weekly hours alone


def is_open(point: ServicePoint, now: datetime) -> bool:
    local = timezone.localtime(now)
    return rules.open_at(
        point.hours, local, follows_calendar=point.follows_calendar, workday=_workday
    )


def today_hours(point: ServicePoint, now: datetime) -> str:
    day = timezone.localtime(now).date()
    ranges = rules.day_hours(
        point.hours, day, follows_calendar=point.follows_calendar, workday=_workday
    )
    return rules.hours_text(ranges)


# --- nearby ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Nearby:
    point: ServicePoint
    metres: float
    minutes: float
    open: bool
    today: str


def nearby(
    lat: float,
    lng: float,
    *,
    now: datetime,
    minutes: float | None = None,
    kind: str | None = None,
    open_only: bool = False,
) -> list[Nearby]:
    """Points within a walk of ``minutes`` (default the circle's 15), nearest first: a
    bounding box in SQL (two indexed ranges, any database), then the exact distance here."""
    minutes = float(minutes if minutes is not None else rules.circle_minutes())
    reach = rules.reach_m(minutes)
    (south, west), (north, east) = box_around((lat, lng), reach)
    candidates = public_points().filter(
        lat__gte=south, lat__lte=north, lng__gte=west, lng__lte=east
    )
    if kind:
        candidates = candidates.filter(kind__code=kind)
    found = []
    for point in candidates:
        metres = distance_m((lat, lng), (point.lat, point.lng))
        if metres > reach:
            continue
        open_now = is_open(point, now)
        if open_only and not open_now:
            continue
        found.append(
            Nearby(
                point=point,
                metres=metres,
                minutes=rules.walking_minutes(metres),
                open=open_now,
                today=today_hours(point, now),
            )
        )
    found.sort(key=lambda n: (n.metres, n.point.pk))
    return found


# --- coverage ----------------------------------------------------------------------------------


def coverage_units(actor: Actor) -> QuerySet[OrgUnit]:
    """The communities whose coverage the actor reads (404 for a role without the page)."""
    if actor.role not in rules.COVERAGE_ROLES:
        raise NotFound(_("页面不存在"))
    communities = OrgUnit.objects.filter(
        under("path", actor.scope_path), kind=K.COMMUNITY, is_active=True
    ).defer("boundary")
    return communities.select_related("parent").order_by("code")


def community_area(community: OrgUnit) -> BaseGeometry | None:
    """The union of the community's active grids (None: none drawn)."""
    from shapely.geometry import shape

    boundaries = OrgUnit.objects.filter(
        kind=K.GRID, is_active=True, boundary__isnull=False, path__startswith=community.path
    ).values_list("boundary", flat=True)
    shapes = [shape(b) for b in boundaries if b]
    return unary_union(shapes) if shapes else None


@dataclass(frozen=True)
class KindCoverage:
    kind: ServiceKind
    share: coverage.KindShare


@dataclass(frozen=True)
class CommunityCoverage:
    community: OrgUnit
    area: BaseGeometry | None
    kinds: list[KindCoverage]

    @property
    def gaps(self) -> list[KindCoverage]:
        return [k for k in self.kinds if k.share.covered < k.share.total]


def _stamp() -> str:
    """Changes whenever a point, a kind's essential flag or a grid changes."""
    points = ServicePoint.objects.aggregate(n=Count("pk"), at=Max("updated_at"), top=Max("pk"))
    essential = ",".join(
        str(pk) for pk in ServiceKind.objects.filter(essential=True).values_list("pk", flat=True)
    )
    raw = (
        f"{points['n']}:{points['at']}:{points['top']}:{essential}:{grid_index.generation}:"
        f"{settings.HUYING_LIFECIRCLE_LATTICE_M}:{rules.reach_m(rules.circle_minutes())}"
    )
    return hashlib.sha256(raw.encode()).hexdigest()[:32]


def community_coverage(
    community: OrgUnit, essential: Iterable[ServiceKind] | None = None
) -> CommunityCoverage:
    """Per essential kind: the share of the community's lattice a point of that kind reaches
    within the circle's walk. Points anywhere count, the neighbouring community's too."""
    kinds_list = list(essential if essential is not None else kinds().filter(essential=True))
    area = community_area(community)
    if area is None:
        return CommunityCoverage(community, None, [])
    cells = coverage.lattice(area, float(settings.HUYING_LIFECIRCLE_LATTICE_M))
    reach = rules.reach_m(rules.circle_minutes())
    west, south, east, north = area.bounds
    (s, w), _unused = box_around((south, west), reach)
    _unused2, (n, e) = box_around((north, east), reach)
    rows = ServicePoint.objects.filter(
        kind__in=kinds_list, lat__gte=s, lat__lte=n, lng__gte=w, lng__lte=e
    ).values_list("kind_id", "lat", "lng")
    by_kind: dict[int, list[tuple[float, float]]] = {k.pk: [] for k in kinds_list}
    for kind_id, lat, lng in rows:
        by_kind[kind_id].append((lat, lng))
    shares = coverage.shares(cells, by_kind, reach)
    return CommunityCoverage(community, area, [KindCoverage(k, shares[k.pk]) for k in kinds_list])


def coverage_for(actor: Actor) -> list[CommunityCoverage]:
    """Every community in the actor's scope (cached until a point, a kind or a grid changes)."""
    communities = list(coverage_units(actor))
    essential = list(kinds().filter(essential=True))
    stamp = _stamp()
    out = []
    for community in communities:
        key = f"lifecircle:coverage:{community.pk}:{stamp}"
        cached = cache.get(key)
        if cached is None:
            cached = community_coverage(community, essential)
            cache.set(key, cached, 3600)
        out.append(cached)
    return out


def coverage_get(actor: Actor, community_id: int) -> CommunityCoverage:
    community = coverage_units(actor).filter(pk=community_id).first()
    if community is None:
        raise NotFound(_("社区不存在或无权查看"))
    return community_coverage(community)
