"""Reads of the organisation tree."""

from __future__ import annotations

from django.db.models import QuerySet
from shapely.geometry import Point, shape

from huying.org.models import OrgUnit, RoleGrant

K = OrgUnit.Kind


def units_below(unit: OrgUnit, *, kind: str | None = None) -> QuerySet[OrgUnit]:
    qs = OrgUnit.objects.filter(path__startswith=unit.path)
    return qs.filter(kind=kind) if kind else qs


def ancestors(unit: OrgUnit) -> list[OrgUnit]:
    """Root first, the unit itself last; no query when the parents were loaded with it."""
    chain = [unit]
    while OrgUnit.parent.is_cached(chain[-1]) and chain[-1].parent is not None:
        chain.append(chain[-1].parent)
    if chain[-1].parent_id is None:
        return chain[::-1]
    ids = [int(p) for p in unit.path.strip("/").split("/") if p]
    by_id = OrgUnit.objects.in_bulk(ids)
    return [by_id[i] for i in ids if i in by_id]


def grid_at(lat: float, lng: float) -> OrgUnit | None:
    """The grid whose polygon contains the point: a bounding-box query, then shapely."""
    candidates = (
        OrgUnit.objects.filter(
            kind=K.GRID,
            is_active=True,
            min_lng__lte=lng,
            max_lng__gte=lng,
            min_lat__lte=lat,
            max_lat__gte=lat,
        )
        .select_related("parent__parent__parent")
        .defer("parent__boundary", "parent__parent__boundary", "parent__parent__parent__boundary")
        .order_by("pk")
    )
    point = Point(lng, lat)
    for grid in candidates:
        if grid.boundary and shape(grid.boundary).covers(point):
            return grid
    return None


def user_ids_with_roles(unit_ids: list[int], roles: list[str]) -> list[int]:
    """Who must act for these units in these roles (the recipients of a notification)."""
    return list(
        RoleGrant.objects.filter(unit_id__in=unit_ids, role__in=roles, is_active=True)
        .values_list("user_id", flat=True)
        .distinct()
    )
