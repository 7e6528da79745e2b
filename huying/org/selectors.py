"""Reads of the organisation tree."""

from __future__ import annotations

import threading
from time import monotonic
from typing import Any

from django.core.cache import cache
from django.db.models import Count, Prefetch, Q, QuerySet
from django.utils.translation import gettext as _
from shapely import STRtree, prepare
from shapely.geometry import Point, shape

from huying.core.errors import NotFound
from huying.core.remembered import Remembered
from huying.org.actors import Actor, under
from huying.org.authcache import auth_changed
from huying.org.models import OrgUnit, RoleGrant, SignIn
from huying.org.roles import NOTIFY_DEFAULTS

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


#: Other processes learn of a redrawn grid or a new grant within this many seconds.
CACHE_SECONDS = 120.0


class _GridIndex:
    """Every active grid's polygon in an STRtree, with its parent chain loaded: intake finds
    the grid for a point without a query. Rebuilt after CACHE_SECONDS or on invalidation."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._built: tuple[float, int, STRtree, list[tuple[OrgUnit, Any]]] | None = None
        self._generation = 0

    def invalidate(self) -> None:
        with self._lock:
            self._built = None
            self._generation += 1

    @property
    def generation(self) -> int:
        """Changes whenever this process learns that grids were redrawn (a cache-key part)."""
        return self._generation

    def _load(self) -> tuple[STRtree, list[tuple[OrgUnit, Any]]]:
        with self._lock:
            built, generation = self._built, self._generation
        if built is not None and monotonic() - built[0] < CACHE_SECONDS and built[1] == generation:
            return built[2], built[3]
        grids = (
            OrgUnit.objects.filter(kind=K.GRID, is_active=True, boundary__isnull=False)
            .select_related("parent__parent__parent")
            .defer(
                "parent__boundary", "parent__parent__boundary", "parent__parent__parent__boundary"
            )
            .order_by("pk")
        )
        entries = []
        for grid in grids:
            polygon = shape(grid.boundary)
            prepare(polygon)
            entries.append((grid, polygon))
        tree = STRtree([polygon for _, polygon in entries])
        with self._lock:
            if generation == self._generation:
                self._built = (monotonic(), generation, tree, entries)
        return tree, entries

    def find(self, lat: float, lng: float) -> OrgUnit | None:
        tree, entries = self._load()
        point = Point(lng, lat)
        for i in sorted(int(i) for i in tree.query(point)):
            grid, polygon = entries[i]
            if polygon.covers(point):
                return grid
        return None


grid_index = _GridIndex()
#: Who holds which roles where (notification recipients), forgotten at any grant change.
recipients = Remembered("org:recipients", CACHE_SECONDS)


def grants_changed() -> None:
    """Forget the remembered recipients and acting roles (``huying.org.authcache``): at once
    in this process, and in every process with a shared cache (others within their lifetime)."""
    recipients.forget()
    auth_changed()


def grid_at(lat: float, lng: float) -> OrgUnit | None:
    """The grid whose polygon contains the point (the lowest id where grids touch)."""
    return grid_index.find(lat, lng)


def user_ids_with_roles(unit_ids: list[int], roles: list[str]) -> list[int]:
    """Who must act for these units in these roles (the recipients of a notification)."""
    units = ",".join(str(u) for u in sorted(unit_ids))
    key = f"{units}:{','.join(sorted(str(r) for r in roles))}"

    def load() -> list[int]:
        return list(
            RoleGrant.objects.filter(unit_id__in=unit_ids, role__in=roles, is_active=True)
            .values_list("user_id", flat=True)
            .distinct()
        )

    return recipients.get("ids", key, load) or []


def hub_unit_ids(district_id: int) -> list[int]:
    """The coordination office(s) of a district."""

    def load() -> list[int]:
        units = OrgUnit.objects.filter(kind=K.HUB, path__startswith=f"/{district_id}/")
        return list(units.values_list("pk", flat=True))

    ids: list[int] = cache.get_or_set(f"org:hubs:{district_id}", load, CACHE_SECONDS) or []
    return ids


# --- back office (组织管理) ---------------------------------------------------------------


def departments_overview(actor: Actor) -> QuerySet[OrgUnit]:
    """The actor's district's departments (the city's: every district's) by code, each with
    its field units and how many current catalogue items it leads."""
    return (
        OrgUnit.objects.filter(under("path", actor.reach), kind=K.DEPARTMENT)
        .defer("boundary")
        .annotate(
            lead_count=Count(
                "lead_items",
                filter=Q(lead_items__klass__catalogue__is_current=True),
                distinct=True,
            )
        )
        .prefetch_related(
            Prefetch(
                "children",
                queryset=OrgUnit.objects.filter(kind=K.FIELD_UNIT)
                .defer("boundary")
                .order_by("code"),
                to_attr="field_units",
            )
        )
        .order_by("code")
    )


def department_get(actor: Actor, unit_id: int) -> OrgUnit:
    """A department or field unit of the actor's district, with its parent."""
    unit = (
        OrgUnit.objects.select_related("parent")
        .filter(under("path", actor.reach), pk=unit_id, kind__in=[K.DEPARTMENT, K.FIELD_UNIT])
        .first()
    )
    if unit is None:
        raise NotFound(_("部门不存在"))
    return unit


def field_units_of(department: OrgUnit) -> QuerySet[OrgUnit]:
    return (
        department.children.filter(kind=K.FIELD_UNIT)
        .defer("boundary")
        .prefetch_related(Prefetch("stationed_in", OrgUnit.objects.only("pk", "name", "code")))
        .order_by("code")
    )


def district_streets(unit: OrgUnit) -> QuerySet[OrgUnit]:
    """The active streets of the unit's district (where a field unit may be stationed)."""
    return OrgUnit.objects.filter(
        kind=K.STREET, is_active=True, path__startswith=f"/{unit.district_id}/"
    ).order_by("code")


def streets_and_communities(actor: Actor) -> list[tuple[OrgUnit, list[OrgUnit]]]:
    """Every street of the actor's district (the city's: of every district) with its
    communities, in code order (the grid list's filter)."""
    units = (
        OrgUnit.objects.filter(under("path", actor.reach), kind__in=[K.STREET, K.COMMUNITY])
        .defer("boundary")
        .order_by("code")
    )
    streets: dict[int, tuple[OrgUnit, list[OrgUnit]]] = {}
    communities = []
    for unit in units:
        if unit.kind == K.STREET:
            streets[unit.pk] = (unit, [])
        else:
            communities.append(unit)
    for community in communities:
        if community.parent_id in streets:
            streets[community.parent_id][1].append(community)
    return list(streets.values())


def grids_under(actor: Actor, unit: OrgUnit | None) -> QuerySet[OrgUnit]:
    """Grids below a street or community (all the actor's district's for None), with
    community and street, in code order; the polygons themselves are left in the database."""
    grids = OrgUnit.objects.filter(under("path", unit.path if unit else actor.reach), kind=K.GRID)
    return (
        grids.select_related("parent__parent")
        .defer("boundary", "parent__boundary", "parent__parent__boundary")
        .order_by("code")
    )


def grid_get(actor: Actor, grid_id: int) -> OrgUnit:
    grid = (
        OrgUnit.objects.select_related("parent__parent")
        .filter(under("path", actor.reach), pk=grid_id, kind=K.GRID)
        .first()
    )
    if grid is None:
        raise NotFound(_("网格不存在"))
    return grid


def grids_near(grid: OrgUnit, *, margin: float = 0.002) -> QuerySet[OrgUnit]:
    """Other grids with a boundary whose bounding box comes within ``margin`` degrees."""
    if grid.min_lng is None or grid.max_lng is None or grid.min_lat is None or grid.max_lat is None:
        return OrgUnit.objects.none()
    return (
        OrgUnit.objects.filter(
            kind=K.GRID,
            boundary__isnull=False,
            min_lng__lte=grid.max_lng + margin,
            max_lng__gte=grid.min_lng - margin,
            min_lat__lte=grid.max_lat + margin,
            max_lat__gte=grid.min_lat - margin,
        )
        .exclude(pk=grid.pk)
        .only("name", "code", "boundary", "is_active")
        .order_by("code")
    )


def signins_visible_to(actor: Actor) -> QuerySet[SignIn]:
    """The 登录日志 a district's administrator reads: the sign-ins of the people with a role
    in the district; the city's reads all of them (names that match nobody too)."""
    rows = SignIn.objects.select_related("user")
    if actor.district_id is None:
        return rows
    people = RoleGrant.objects.filter(under("unit__path", actor.reach)).values("user_id")
    return rows.filter(user_id__in=people)


def notify_defaults(user_ids: list[int]) -> dict[int, dict[str, set[str]]]:
    """Each person's default channels per kind of notification: the union over the roles
    they hold (``roles.NOTIFY_DEFAULTS``); registered with ``core.notify``."""
    out: dict[int, dict[str, set[str]]] = {}
    for uid, role in (
        RoleGrant.objects.filter(user_id__in=user_ids, is_active=True)
        .values_list("user_id", "role")
        .distinct()
    ):
        mine = out.setdefault(uid, {})
        for category, channels in NOTIFY_DEFAULTS.get(role, {}).items():
            mine.setdefault(category, set()).update(channels)
    return out
