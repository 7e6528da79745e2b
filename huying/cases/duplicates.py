"""疑似重复: the open cases that may be the same problem as a case at triage (or as a report
about to be made), for a person to merge with one click. Nothing is merged here.

A candidate is an open case (not ended, closed or filed) the actor may see, reported up to
``HUYING_DUPLICATE_DAYS`` before, within ``HUYING_DUPLICATE_METRES`` of the point (in the
same grid when either has no point), whose title and description read alike: the cosine of
their characters and character pairs (``core.text.profile_similarity``) at least
``HUYING_DUPLICATE_SIMILARITY``. Only earlier cases are candidates, so the case at hand is
the one merged: the earlier report stays the master and keeps its place in the queue.

The database does the narrowing (time window, a lat/lng box or the grid, open states,
scope) and at most ``PREFILTER_ROWS`` rows reach Python, which measures distance and text.
Residents never see this: only staff may ask (the phone's report page shows nothing).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.db.models import Q
from django.utils.translation import gettext as _

from huying.cases.models import Case, CaseState
from huying.cases.rules import OPEN_CASE_STATES
from huying.cases.selectors import case_get, cases_visible_to
from huying.core.errors import PermissionDenied
from huying.core.geo import box_around, distance_m
from huying.core.text import character_profile, profile_similarity
from huying.org.actors import Actor
from huying.org.selectors import grid_at

#: Rows read from the database per question, most recent first: a busy corner in a week
#: holds far fewer reports than this.
PREFILTER_ROWS = 500
#: Candidates returned, most alike first.
MAX_CANDIDATES = 10


@dataclass(frozen=True)
class Duplicate:
    """An earlier open case that may be the same problem."""

    id: int
    number: str
    title: str
    state: str
    reported_at: datetime
    similarity: float  # 0–1
    distance_m: float | None  # None: compared by grid (one of the two has no point)

    @property
    def state_label(self) -> str:
        return str(CaseState(self.state).label)

    @property
    def percent(self) -> int:
        return round(self.similarity * 100)

    @property
    def merge_reason(self) -> str:
        """What the one-click merge writes on the trail."""
        return _("疑似重复：与 {number} 文字相似度 {percent}%").format(
            number=self.number, percent=self.percent
        )


@dataclass(frozen=True)
class Report:
    """What is compared: a case's or a new report's text, time and place."""

    title: str
    description: str
    at: datetime
    lat: float | None
    lng: float | None
    territory_path: str  # its grid's path (or the smallest node it was placed in)
    exclude_id: int | None = None


def duplicates_of_case(actor: Actor, *, case_id: int) -> list[Duplicate]:
    """The candidates for a case the actor may see (404 otherwise): earlier open cases that
    read alike, nearby."""
    _check_staff(actor)
    return find_duplicates(actor, report_of(case_get(actor, case_id=case_id)))


def report_of(case: Case) -> Report:
    """What a case is compared by (a page that has the case already)."""
    return Report(
        title=case.title,
        description=case.description,
        at=case.reported_at,
        lat=case.lat,
        lng=case.lng,
        territory_path=case.territory_path,
        exclude_id=case.pk,
    )


def find_duplicates(actor: Actor, report: Report) -> list[Duplicate]:
    """The candidates for a case or for a report not yet made (at intake: its text, point
    and the grid the point falls in, ``at`` = now)."""
    _check_staff(actor)
    metres = settings.HUYING_DUPLICATE_METRES
    earliest = report.at - timedelta(days=settings.HUYING_DUPLICATE_DAYS)
    rows = cases_visible_to(actor).filter(
        state__in=OPEN_CASE_STATES, reported_at__gte=earliest, reported_at__lte=report.at
    )
    if report.exclude_id is not None:
        # Nor, for a 系统性问题, the cases it links: they are its cause's reports, not copies.
        rows = rows.exclude(pk=report.exclude_id).exclude(systemic_id=report.exclude_id)
    same_place = Q(territory_path=report.territory_path)
    point = _point(report.lat, report.lng)
    if point is not None:
        (south, west), (north, east) = box_around(point, metres)
        near = Q(lat__range=(south, north), lng__range=(west, east))
        rows = rows.filter(near | (same_place & Q(lat__isnull=True)))
    else:
        rows = rows.filter(same_place)
    fields = ("id", "number", "title", "description", "state", "reported_at", "lat", "lng")
    wanted = character_profile(f"{report.title}\n{report.description}")
    threshold = settings.HUYING_DUPLICATE_SIMILARITY
    found = []
    for row in rows.order_by("-reported_at", "-id").values(*fields)[:PREFILTER_ROWS]:
        other = _point(row["lat"], row["lng"])
        distance = distance_m(point, other) if point and other else None
        if distance is not None and distance > metres:
            continue  # in the box's corner, outside the circle
        score = profile_similarity(
            wanted, character_profile(f"{row['title']}\n{row['description']}")
        )
        if score < threshold:
            continue
        found.append(
            Duplicate(
                id=row["id"],
                number=row["number"],
                title=row["title"],
                state=row["state"],
                reported_at=row["reported_at"],
                similarity=round(score, 3),
                distance_m=round(distance, 1) if distance is not None else None,
            )
        )
    found.sort(key=lambda d: (-d.similarity, d.distance_m or 0.0, -d.reported_at.timestamp()))
    return found[:MAX_CANDIDATES]


def may_see_duplicates(actor: Actor) -> bool:
    """Staff only: a resident is never told about other people's reports."""
    return not actor.is_reporter


def _check_staff(actor: Actor) -> None:
    if not may_see_duplicates(actor):
        raise PermissionDenied(_("当前角色不能查看疑似重复事件"))


def _point(lat: float | None, lng: float | None) -> tuple[float, float] | None:
    return (lat, lng) if lat is not None and lng is not None else None


def report_at(
    *, title: str, description: str, lat: float | None, lng: float | None, now: datetime
) -> Report:
    """A report not yet made, placed as intake would place it (the grid its point falls in;
    a report without a point is compared with nothing: make a ``Report`` naming its grid)."""
    grid = grid_at(lat, lng) if lat is not None and lng is not None else None
    return Report(
        title=title,
        description=description,
        at=now,
        lat=lat,
        lng=lng,
        territory_path=grid.path if grid is not None else "",
    )
