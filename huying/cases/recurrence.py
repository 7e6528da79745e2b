"""反复发生预警 (未诉先办): the same catalogue item reported again and again in one place, so
that the hub and the street act on the cause before the next report comes in.

A warning is ``HUYING_RECURRENCE_COUNT`` or more cases of one catalogue item (by its code, so
a new catalogue version does not split a run) within ``HUYING_RECURRENCE_DAYS``, either in one
grid or within ``HUYING_RECURRENCE_METRES`` of one spot across grid borders. Every reported
case counts, whatever its state, except those that ended as someone else's: rejected (not a
problem), merged (a duplicate) or split (its parts count). A 系统性问题 the hub opened is not
itself a recurrence.

Grid warnings are one ``GROUP BY`` over the window. Spots across grid borders are found in
Python on the located cases of the items that reach the count at all (a small set), each
compared with its neighbours only (squares of ``metres``). Scope is the
actor's: a street sees the warnings its own cases make. The case map draws each warning as
a hot spot (``hot_spots``) where its cases were reported.
"""

from __future__ import annotations

import dataclasses
import heapq
import math
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from time import monotonic
from typing import Any

import numpy
from django.conf import settings
from django.contrib.auth.models import User
from django.db import transaction
from django.db.models import Count, Max, Min, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _
from shapely.geometry import shape

from huying.cases.models import Case, CaseState, RecurrenceHead, RecurrenceSnapshot
from huying.cases.rules import ENDED_CASE_STATES, SYSTEMIC_ROLES
from huying.cases.selectors import cases_visible_to
from huying.core.errors import NotFound
from huying.core.geo import M_PER_DEG_LAT
from huying.org.actors import Actor
from huying.org.models import DataScope, OrgUnit, Role
from huying.org.roles import HUB_ROLES, STREET_ROLES

#: Who is shown the warnings: the hub and the district's leaders for the district, a street
#: for its own grids.
RECURRENCE_ROLES = frozenset({*HUB_ROLES, *STREET_ROLES, Role.DISTRICT_LEADER, Role.ADMIN})

#: Cases a page lists per warning, the latest.
SHOWN_CASES = 20

#: The columns a warning lists of each of its cases.
_CASE_FIELDS = (
    "id",
    "number",
    "title",
    "state",
    "reported_at",
    "item__code",
    "item__name",
    "grid_id",
    "grid__name",
    "community__name",
    "street__name",
    "systemic_id",
    "systemic__number",
    "lat",
    "lng",
)


@dataclass(frozen=True)
class RecurringCase:
    id: int
    number: str
    title: str
    state: str
    reported_at: datetime
    systemic_id: int | None
    systemic_number: str | None
    lat: float | None = None  # WGS-84, as stored
    lng: float | None = None

    @property
    def state_label(self) -> str:
        return str(CaseState(self.state).label)


@dataclass
class Recurrence:
    """One warning: an item's cases in one grid, or near one spot (``nearby``)."""

    item_code: str
    item_name: str
    grid_name: str | None
    community_name: str | None
    street_name: str | None
    nearby: bool
    cases: list[RecurringCase] = field(default_factory=list)
    grid_id: int | None = None

    @property
    def key(self) -> str:
        """Stable within a page: its anchor and its form fields' ids."""
        return f"r{self.cases[0].id}-{'n' if self.nearby else 'g'}"

    @property
    def count(self) -> int:
        return len(self.cases)

    @property
    def first_at(self) -> datetime:
        return self.cases[0].reported_at

    @property
    def last_at(self) -> datetime:
        return self.cases[-1].reported_at

    @property
    def place(self) -> str:
        grid = self.grid_name or _("（未落到网格）")
        if self.nearby:
            return _("{grid}附近 {metres} 米内").format(
                grid=grid, metres=settings.HUYING_RECURRENCE_METRES
            )
        return grid

    @property
    def latest_cases(self) -> list[RecurringCase]:
        """What a page lists of its cases: the latest ``SHOWN_CASES`` (a city's busiest spot
        has a hundred; the export has them all)."""
        return self.cases[-SHOWN_CASES:]

    @property
    def earlier_count(self) -> int:
        return max(0, len(self.cases) - SHOWN_CASES)

    @property
    def systemic(self) -> list[tuple[int, str]]:
        """The 系统性问题 its cases are already linked to (id, number)."""
        seen = {c.systemic_id: c.systemic_number for c in self.cases if c.systemic_id}
        return sorted((pk, number or "") for pk, number in seen.items())

    @property
    def unlinked_ids(self) -> list[int]:
        """Its cases not yet linked to a 系统性问题: what opening one would link."""
        return [c.id for c in self.cases if c.systemic_id is None]


def rule() -> dict[str, int]:
    """The warning rule's settings, as the pages state them."""
    return {
        "count": settings.HUYING_RECURRENCE_COUNT,
        "days": settings.HUYING_RECURRENCE_DAYS,
        "metres": settings.HUYING_RECURRENCE_METRES,
    }


def may_see_recurrences(actor: Actor) -> bool:
    return actor.role in RECURRENCE_ROLES


def check_may_see(actor: Actor) -> None:
    """Other roles have no warnings page: absent (404), as out of scope is."""
    if not may_see_recurrences(actor):
        raise NotFound(_("页面不存在"))


def counted_cases(actor: Actor, *, since: datetime, until: datetime) -> QuerySet[Case]:
    """The cases a warning counts: reported in [since, until], in scope, with an item, not
    ended as someone else's, not a 系统性问题 itself."""
    parents = Case.objects.filter(systemic__isnull=False).values("systemic_id")
    return (
        cases_visible_to(actor)
        .filter(reported_at__gte=since, reported_at__lte=until, item__isnull=False)
        .exclude(state__in=ENDED_CASE_STATES)
        .exclude(pk__in=parents)
    )


def recurrences(
    actor: Actor,
    *,
    until: datetime,
    active_since: datetime | None = None,
    limit: int | None = None,
    count: int | None = None,
    days: int | None = None,
    metres: int | None = None,
) -> Found:
    """The warnings as of ``until``: ``count`` or more cases of one item within the ``days``
    before it (both ends included), in one grid or within ``metres`` of one spot; with
    ``active_since``, only those with a case reported since then (a week's list). Most cases
    first, then the most recent; with ``limit``, only the first so many are read in full
    (``Found.total`` still counts them all).

    Read from the scope's snapshot when the worker keeps one that is fresh
    (``refresh_stored``: only for windows too large to search on each view), else found
    now."""
    count = count or settings.HUYING_RECURRENCE_COUNT
    days = days or settings.HUYING_RECURRENCE_DAYS
    metres = settings.HUYING_RECURRENCE_METRES if metres is None else metres
    snapshot = _fresh_snapshot(actor, until, count=count, days=days, metres=metres)
    if snapshot is not None:
        return _from_snapshot(actor, snapshot, active_since=active_since, limit=limit)
    base = counted_cases(actor, since=until - timedelta(days=days), until=until)
    heads = _find_heads(base, count, metres)
    if active_since is not None:
        heads = [h for h in heads if h.last >= active_since]
    chosen = heads if limit is None else heads[:limit]
    return Found(_read(base, chosen), len(heads))


def _find_heads(base: QuerySet[Case], count: int, metres: int) -> list[_Head]:
    heads = _in_grids(base, count)
    if metres > 0:
        heads += _near_spots(base, count, metres)
    heads.sort(key=lambda h: (-h.count, -h.last.timestamp(), h.code, h.first_id))
    return heads


class Found(list[Recurrence]):
    """The warnings read in full, and how many there are in all (beyond a ``limit``);
    ``as_of``: when they were found, if they come from a snapshot (None: just now)."""

    def __init__(
        self, warnings: list[Recurrence], total: int, as_of: datetime | None = None
    ) -> None:
        super().__init__(warnings)
        self.total = total
        self.as_of = as_of


@dataclass(frozen=True)
class _Head:
    """A warning before its cases are read: what orders it and what names its cases."""

    code: str
    count: int
    last: datetime
    first_id: int
    grid_id: int | None = None  # a grid's warning: its cases are the item's in the grid
    case_ids: tuple[int, ...] = ()  # a spot's (and a stored grid warning's): these
    nearby: bool = False
    least: int = 0  # a stored warning: how many of its cases must still count


# --- in one grid -------------------------------------------------------------------------------


def _in_grids(base: QuerySet[Case], count: int) -> list[_Head]:
    groups = (
        base.filter(grid__isnull=False)
        .values("item__code", "grid_id")
        .annotate(n=Count("id"), last=Max("reported_at"), first_id=Min("id"))
        .filter(n__gte=count)
    )
    return [
        _Head(g["item__code"], g["n"], g["last"], g["first_id"], grid_id=g["grid_id"])
        for g in groups
    ]


# --- near one spot, across grid borders ---------------------------------------------------------


def _near_spots(base: QuerySet[Case], count: int, metres: int) -> list[_Head]:
    located = base.filter(lat__isnull=False, lng__isnull=False)
    codes = (
        located.values("item__code")
        .annotate(n=Count("id"))
        .filter(n__gte=count)
        .values_list("item__code", flat=True)
    )
    rows = located.filter(item__code__in=list(codes)).values(
        "id", "item__code", "grid_id", "reported_at", "lat", "lng"
    )
    by_item: dict[str, list[Any]] = defaultdict(list)
    for row in rows.order_by("reported_at", "id"):
        by_item[row["item__code"]].append(row)
    return [
        _Head(
            code,
            len(spot),
            spot[-1]["reported_at"],
            spot[0]["id"],
            case_ids=tuple(r["id"] for r in spot),
            nearby=True,
        )
        for code, members in by_item.items()
        for spot in spots(members, count=count, metres=metres)
    ]


def spots(
    rows: Sequence[dict[str, Any]], *, count: int, metres: float
) -> list[list[dict[str, Any]]]:
    """Groups of at least ``count`` rows (``lat``, ``lng``, ``grid_id``, ``reported_at``)
    each within ``metres`` of one of them (its centre), not all in one grid (a grid's own
    count already warns of those), in time order. Greedy: the largest group first (the
    latest centre of equals), its rows then taken; a row belongs to one group at most.

    Groups only ever shrink as rows are taken, so the centres wait in a heap under the size
    they had when last looked at, and one is looked at again only when it comes out on top;
    a group in one grid stays in one grid as it shrinks, and its centre is dropped."""
    near = _neighbours(rows, metres)
    left = [True] * len(rows)

    def rank(centre: int, size: int) -> tuple[int, float, int]:
        return (-size, -rows[centre]["reported_at"].timestamp(), -centre)

    heap = [rank(i, len(members)) for i, members in enumerate(near) if len(members) >= count]
    heapq.heapify(heap)
    groups: list[list[dict[str, Any]]] = []
    while heap:
        size, _when, centre = -heap[0][0], heap[0][1], -heap[0][2]
        heapq.heappop(heap)
        if not left[centre]:
            continue
        members = [j for j in near[centre] if left[j]]
        if len(members) < count or _one_grid(rows[j] for j in members):
            continue
        if len(members) < size:  # shrunk since: back in line under its size now
            heapq.heappush(heap, rank(centre, len(members)))
            continue
        members.sort()  # rows come in time order
        groups.append([rows[j] for j in members])
        for j in members:
            left[j] = False
    return groups


#: Rows looked at together by ``_neighbours``: their candidate pairs stay a few MB.
NEIGHBOUR_CHUNK = 8192


def _neighbours(rows: Sequence[dict[str, Any]], metres: float) -> list[list[int]]:
    """For each row, the rows within ``metres`` (itself included). The plane through the rows'
    middle latitude (exact to well under 0.1 % at a city's size) is cut into squares of
    ``metres``; a row's neighbours can only be in its own square and the eight around it, so
    with the rows sorted by square each is compared with those alone, in numpy, a chunk of
    rows at a time. A month of a city's cases (270,000 points) takes ~2 s, about what scipy's
    k-d tree took, without scipy's ~40 MB in every web process that searches live."""
    n = len(rows)
    if not n:
        return []
    lat = numpy.fromiter((r["lat"] for r in rows), dtype=float, count=n)
    lng = numpy.fromiter((r["lng"] for r in rows), dtype=float, count=n)
    per_deg_lng = M_PER_DEG_LAT * math.cos(math.radians(float(lat.mean())))
    points = numpy.column_stack((lat * M_PER_DEG_LAT, lng * per_deg_lng))
    squares = numpy.floor(points / max(float(metres), 1.0)).astype(numpy.int64)
    squares -= squares.min(axis=0)
    width = int(squares[:, 1].max()) + 3  # a row of squares, and one either side
    key = (squares[:, 0] + 1) * width + (squares[:, 1] + 1)
    order = numpy.argsort(key, kind="stable")
    key, points = key[order], points[order]  # by square: a square's rows are one slice
    square_keys, first = numpy.unique(key, return_index=True)
    last = numpy.append(first[1:], n)
    limit = float(metres) ** 2
    around = [dx * width + dy for dx in (-1, 0, 1) for dy in (-1, 0, 1)]
    near: list[list[int]] = [[] for _ in range(n)]
    for lo in range(0, n, NEIGHBOUR_CHUNK):
        mine = numpy.arange(lo, min(n, lo + NEIGHBOUR_CHUNK))
        found_i, found_j = [], []
        for step in around:
            wanted = key[mine] + step
            at = numpy.searchsorted(square_keys, wanted)
            at[at == len(square_keys)] = 0
            there = square_keys[at] == wanted
            sizes = last[at[there]] - first[at[there]]
            if not sizes.sum():
                continue
            i = numpy.repeat(mine[there], sizes)
            j = numpy.repeat(first[at[there]] - (numpy.cumsum(sizes) - sizes), sizes)
            j += numpy.arange(len(j))
            apart = points[j] - points[i]
            close = numpy.einsum("ij,ij->i", apart, apart) <= limit
            found_i.append(i[close])
            found_j.append(j[close])
        i = numpy.concatenate(found_i)
        by_row = numpy.argsort(i, kind="stable")
        j = order[numpy.concatenate(found_j)[by_row]].tolist()
        bounds = numpy.searchsorted(i[by_row], numpy.arange(lo, lo + len(mine) + 1)).tolist()
        for k, row in enumerate(order[mine].tolist()):
            near[row] = j[bounds[k] : bounds[k + 1]]
    return near


def _one_grid(rows: Iterable[dict[str, Any]]) -> bool:
    grids = {row["grid_id"] for row in rows}
    return len(grids) == 1 and None not in grids


# --- reading the chosen ones in full -------------------------------------------------------------


def _read(base: QuerySet[Case], heads: list[_Head]) -> list[Recurrence]:
    """The warnings' cases, in one query: a grid's by item and grid, a spot's (and any whose
    ids a snapshot kept) by id. A stored warning whose cases have since ended as someone
    else's (rejected, merged) below the count is left out."""
    if not heads:
        return []
    in_grids = {(h.code, h.grid_id) for h in heads if not h.case_ids}
    spot_ids = {i for h in heads for i in h.case_ids}
    wanted = Q(pk__in=spot_ids)
    if in_grids:
        codes = {code for code, _grid in in_grids}
        grids = {grid for _code, grid in in_grids}
        wanted |= Q(item__code__in=codes, grid_id__in=grids)
    by_grid: dict[tuple[str, int | None], list[dict[str, Any]]] = defaultdict(list)
    by_id: dict[int, dict[str, Any]] = {}
    for row in base.filter(wanted).values(*_CASE_FIELDS).order_by("reported_at", "id"):
        by_id[row["id"]] = row
        key = (row["item__code"], row["grid_id"])
        if key in in_grids:
            by_grid[key].append(row)
    found = []
    for h in heads:
        if h.case_ids:
            rows = [by_id[i] for i in h.case_ids if i in by_id]
        else:
            rows = by_grid[(h.code, h.grid_id)]
        if len(rows) >= max(h.least, 1):
            found.append(_recurrence(rows, nearby=h.nearby))
    return found


# --- kept by the worker for large scopes ------------------------------------------------------


def _snapshot_unit(actor: Actor) -> int | None:
    """The unit whose snapshot is the actor's scope: its district when it sees all, its own
    node and below otherwise; None when no snapshot fits (the city's roles, node-only)."""
    if actor.sees_all:
        return actor.district_id
    if actor.scope == DataScope.NODE_AND_BELOW:
        return actor.unit.pk
    return None


def _fresh_snapshot(
    actor: Actor, until: datetime, *, count: int, days: int, metres: int
) -> RecurrenceSnapshot | None:
    """The scope's snapshot if it answers for ``until``: found under the same rule at most
    ``HUYING_RECURRENCE_STALE_SECONDS`` before it (or before now, for an ``until`` still to
    come: today's list)."""
    unit_id = _snapshot_unit(actor)
    if unit_id is None:
        return None
    snapshot = RecurrenceSnapshot.objects.filter(
        unit_id=unit_id, count=count, days=days, metres=metres
    ).first()
    if snapshot is None:
        return None
    moment = min(until, timezone.now())
    stale = timedelta(seconds=settings.HUYING_RECURRENCE_STALE_SECONDS)
    return snapshot if moment - stale <= snapshot.until <= moment else None


def _from_snapshot(
    actor: Actor,
    snapshot: RecurrenceSnapshot,
    *,
    active_since: datetime | None,
    limit: int | None,
) -> Found:
    heads = RecurrenceHead.objects.filter(snapshot=snapshot).order_by("rank")
    if active_since is not None:
        heads = heads.filter(last__gte=active_since)
    rows = list(heads if limit is None else heads[:limit])
    if active_since is None:
        total = snapshot.total
    else:
        total = len(rows) if limit is None or len(rows) < limit else heads.count()
    chosen = [
        _Head(
            h.code,
            h.count,
            h.last,
            h.first_id,
            grid_id=h.grid_id,
            case_ids=tuple(h.case_ids),
            nearby=h.nearby,
            least=snapshot.count,
        )
        for h in rows
    ]
    since = snapshot.until - timedelta(days=snapshot.days)
    base = counted_cases(actor, since=since, until=snapshot.until)
    return Found(_read(base, chosen), total, as_of=snapshot.until)


def _scope_actor(unit: OrgUnit) -> Actor:
    """Who sees exactly the unit's cases: the hub for a district, a street's caller for a
    street (never saved; no one acts as it)."""
    if unit.kind == OrgUnit.Kind.DISTRICT:
        return Actor(User(), Role.HUB_DISPATCHER, unit, DataScope.ALL)
    return Actor(User(), Role.STREET_CALLER, unit, DataScope.NODE_AND_BELOW)


@dataclass(frozen=True)
class Stored:
    """What one ``refresh_stored`` run did, per unit: kept (warnings, seconds) or dropped."""

    kept: dict[str, tuple[int, float]] = field(default_factory=dict)
    dropped: int = 0


def refresh_stored(*, now: datetime) -> Stored:
    """Find the warnings of every district and street whose window holds at least
    ``HUYING_RECURRENCE_STORED_FROM`` cases and keep them as its snapshot; drop the snapshots
    of the others, which pages search on each view. Run by the worker every
    ``HUYING_RECURRENCE_REFRESH_SECONDS``."""
    count = settings.HUYING_RECURRENCE_COUNT
    days = settings.HUYING_RECURRENCE_DAYS
    metres = settings.HUYING_RECURRENCE_METRES
    since = now - timedelta(days=days)
    result = Stored()
    keep: set[int] = set()
    least = settings.HUYING_RECURRENCE_STORED_FROM
    for district in OrgUnit.objects.filter(kind=OrgUnit.Kind.DISTRICT).order_by("pk"):
        # A street's window is part of its district's: a small district's streets are small.
        units = [district]
        units += OrgUnit.objects.filter(
            kind=OrgUnit.Kind.STREET, path__startswith=district.path
        ).order_by("pk")
        for unit in units:
            base = counted_cases(_scope_actor(unit), since=since, until=now)
            counted = base.count()
            if counted < least:
                if unit == district:
                    break
                continue
            started = monotonic()
            heads = _with_ids(base, _find_heads(base, count, metres))
            seconds = monotonic() - started
            _store(unit, now, heads, count=count, days=days, metres=metres, counted=counted,
                   seconds=seconds)  # fmt: skip
            keep.add(unit.pk)
            result.kept[unit.path] = (len(heads), round(seconds, 2))
    dropped, _detail = RecurrenceSnapshot.objects.exclude(unit_id__in=keep).delete()
    return dataclasses.replace(result, dropped=dropped)


def _with_ids(base: QuerySet[Case], heads: list[_Head]) -> list[_Head]:
    """Grid warnings with their cases' ids (a spot's has them already), so that a page reads
    a stored warning's cases by id."""
    keys = {(h.code, h.grid_id) for h in heads if not h.nearby}
    if not keys:
        return heads
    ids: dict[tuple[str, int | None], list[int]] = defaultdict(list)
    rows = (
        base.filter(grid__isnull=False, item__code__in={code for code, _grid in keys})
        .values_list("item__code", "grid_id", "id")
        .order_by("reported_at", "id")
    )
    for code, grid_id, pk in rows.iterator(chunk_size=20_000):
        if (code, grid_id) in keys:
            ids[(code, grid_id)].append(pk)
    return [
        h if h.nearby else dataclasses.replace(h, case_ids=tuple(ids[(h.code, h.grid_id)]))
        for h in heads
    ]


def _store(
    unit: OrgUnit,
    until: datetime,
    heads: list[_Head],
    *,
    count: int,
    days: int,
    metres: int,
    counted: int,
    seconds: float,
) -> None:
    with transaction.atomic():
        snapshot, _created = RecurrenceSnapshot.objects.select_for_update().update_or_create(
            unit=unit,
            defaults={
                "until": until,
                "count": count,
                "days": days,
                "metres": metres,
                "counted": counted,
                "total": len(heads),
                "seconds": seconds,
            },
        )
        RecurrenceHead.objects.filter(snapshot=snapshot).delete()
        RecurrenceHead.objects.bulk_create(
            (
                RecurrenceHead(
                    snapshot=snapshot,
                    rank=rank,
                    code=h.code,
                    count=h.count,
                    last=h.last,
                    first_id=h.first_id,
                    grid_id=h.grid_id,
                    nearby=h.nearby,
                    case_ids=list(h.case_ids),
                )
                for rank, h in enumerate(heads)
            ),
            batch_size=2_000,
        )


# --- rows ----------------------------------------------------------------------------------------


def _recurrence(rows: list[dict[str, Any]], *, nearby: bool) -> Recurrence:
    """A warning from its cases' rows in time order, named after the latest case (its item's
    current name; a spot's grid is the latest case's)."""
    last = rows[-1]
    return Recurrence(
        item_code=last["item__code"],
        item_name=last["item__name"],
        grid_name=last["grid__name"],
        community_name=last["community__name"],
        street_name=last["street__name"],
        nearby=nearby,
        grid_id=last["grid_id"],
        cases=[
            RecurringCase(
                id=row["id"],
                number=row["number"],
                title=row["title"],
                state=row["state"],
                reported_at=row["reported_at"],
                systemic_id=row["systemic_id"],
                systemic_number=row["systemic__number"],
                lat=row["lat"],
                lng=row["lng"],
            )
            for row in rows
        ],
    )


# --- on the map ------------------------------------------------------------------------------


@dataclass(frozen=True)
class HotSpot:
    """A warning as one point on the case map (热点): where its cases were reported."""

    warning: Recurrence
    lat: float  # WGS-84, as stored; the map view converts
    lng: float
    from_grid: bool  # none of its cases has a point: the centre is its grid's centroid
    since: datetime  # the window its cases were counted in
    until: datetime
    may_open: bool  # the actor may open a 系统性问题 for it, as the list offers

    @property
    def days(self) -> int:
        return (self.until - self.since).days


class Spots(list[HotSpot]):
    """The hot spots drawn, and how many warnings there are in all (beyond a ``limit``)."""

    def __init__(self, total: int) -> None:
        super().__init__()
        self.total = total


def hot_spots(
    actor: Actor,
    *,
    until: datetime,
    count: int | None = None,
    days: int | None = None,
    metres: int | None = None,
    limit: int | None = None,
) -> Spots:
    """The warnings as of ``until`` (``recurrences``, same scope and order), each placed at
    the mean of its cases' points, or at its grid's centroid when none has a point (so a
    grid's cases entered without a location still show); one reporting no place at all
    (no point, no grid boundary) cannot be drawn and is left off. Roles without warnings
    have no map of them either (404, as the list). With ``limit``, the first so many (most
    cases first). At most one query beyond the warnings':
    the boundaries of the grids whose warnings have no point."""
    check_may_see(actor)
    days = days or settings.HUYING_RECURRENCE_DAYS
    warnings = recurrences(actor, until=until, count=count, days=days, metres=metres, limit=limit)
    may_open = actor.role in SYSTEMIC_ROLES
    unplaced = {w.grid_id for w in warnings if w.grid_id is not None and not _points(w)}
    centroids = _grid_centroids(unplaced)
    out = Spots(warnings.total)
    for w in warnings:
        points = _points(w)
        if points:
            lat = sum(p[0] for p in points) / len(points)
            lng = sum(p[1] for p in points) / len(points)
        elif w.grid_id in centroids:
            lat, lng = centroids[w.grid_id]
        else:
            continue
        out.append(
            HotSpot(
                warning=w,
                lat=lat,
                lng=lng,
                from_grid=not points,
                since=until - timedelta(days=days),
                until=until,
                may_open=may_open and len(w.unlinked_ids) >= 2,
            )
        )
    return out


def _points(warning: Recurrence) -> list[tuple[float, float]]:
    return [(c.lat, c.lng) for c in warning.cases if c.lat is not None and c.lng is not None]


def _grid_centroids(grid_ids: set[int]) -> dict[int, tuple[float, float]]:
    """(lat, lng) of each grid's boundary centroid, in one query (none when none is asked)."""
    if not grid_ids:
        return {}
    rows = OrgUnit.objects.filter(pk__in=grid_ids, boundary__isnull=False).values_list(
        "pk", "boundary"
    )
    out = {}
    for pk, boundary in rows:
        centre = shape(boundary).centroid
        if not centre.is_empty:
            out[pk] = (centre.y, centre.x)
    return out


def week_of(day: date) -> tuple[datetime, datetime]:
    """The weekly list's span: the seven local days ending with ``day``, as (the first
    day's midnight, the last instant of ``day``)."""
    zone = timezone.get_current_timezone()
    first = datetime.combine(day - timedelta(days=6), time.min, tzinfo=zone)
    last = datetime.combine(day + timedelta(days=1), time.min, tzinfo=zone)
    return first, last - timedelta(microseconds=1)
