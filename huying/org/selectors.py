"""Reads of the organisation tree."""

from __future__ import annotations

from django.db.models import QuerySet
from shapely.geometry import Point, shape

from huying.org.models import OrgUnit

K = OrgUnit.Kind


def units_below(unit: OrgUnit, *, kind: str | None = None) -> QuerySet[OrgUnit]:
    qs = OrgUnit.objects.filter(path__startswith=unit.path)
    return qs.filter(kind=kind) if kind else qs


def ancestors(unit: OrgUnit) -> list[OrgUnit]:
    """Root first, the unit itself last."""
    ids = [int(p) for p in unit.path.strip("/").split("/") if p]
    by_id = OrgUnit.objects.in_bulk(ids)
    return [by_id[i] for i in ids if i in by_id]


def ancestor_of_kind(unit: OrgUnit, kind: str) -> OrgUnit | None:
    for node in ancestors(unit):
        if node.kind == kind:
            return node
    return None


def grid_at(lat: float, lng: float) -> OrgUnit | None:
    """The grid whose polygon contains the point: a bounding-box query, then shapely."""
    candidates = OrgUnit.objects.filter(
        kind=K.GRID,
        is_active=True,
        min_lng__lte=lng,
        max_lng__gte=lng,
        min_lat__lte=lat,
        max_lat__gte=lat,
    ).order_by("pk")
    point = Point(lng, lat)
    for grid in candidates:
        if grid.boundary and shape(grid.boundary).covers(point):
            return grid
    return None


def user_ids_with_roles(unit_ids: list[int], roles: list[str]) -> list[int]:
    """Who must act for these units in these roles (the recipients of a notification)."""
    from huying.org.models import RoleGrant

    return list(
        RoleGrant.objects.filter(unit_id__in=unit_ids, role__in=roles, is_active=True)
        .values_list("user_id", flat=True)
        .distinct()
    )
