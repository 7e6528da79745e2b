"""The dashboards' reads: one function per chart, each taking the acting role's ``Scope``
and a ``Window`` of days.

Flows over time (reported, closed, first overdue, follow-ups) come from the rollups
(``Tally``, ``DepartmentTally``): a window of whole months reads month rows, any other
window reads day rows, so a chart costs the same over ten million cases as over ten
thousand. What is true *now* (open, overdue now, due soon) is counted live from the case
tables, whose partial indexes on running clocks keep that small. Rankings read ratings.

Who sees what: the hub, district leaders and administrators see the district (the city's
roles every district, summed); street staff their street; department staff their
department's work. Other roles have no dashboard (404), as elsewhere out of scope is absent.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any, Literal

from django.conf import settings
from django.db.models import Case as SqlCase
from django.db.models import Count, F, OuterRef, Q, QuerySet, Subquery, Sum, When
from django.db.models.functions import Coalesce, Least
from django.utils.translation import gettext as _

from huying.cases.models import Assignment, Case, Source
from huying.cases.rules import ACTIVE_ASSIGNMENT_STATES, OPEN_CASE_STATES
from huying.cases.selectors import (
    assignments_actionable_by,
    cases_visible_to,
    clock_due_soon,
    clock_overdue,
    currently_due_soon,
    currently_overdue,
    overdue_case_ids,
)
from huying.catalogue.models import CatalogueClass, CatalogueItem
from huying.core.errors import InvalidInput, NotFound
from huying.core.geo import from_wgs84
from huying.core.replicas import lagging_reads
from huying.evaluation import indicators
from huying.evaluation.periods import Period
from huying.evaluation.scores import department_scores, unit_scores
from huying.evaluation.selectors import department_of, district_of
from huying.org.actors import Actor, under
from huying.org.models import OrgUnit
from huying.org.roles import DEPARTMENT_ROLES, DISTRICT_FIGURE_ROLES, STREET_ROLES
from huying.reports.models import DepartmentTally, Dim, Grain, Tally
from huying.reports.tally import CASE_MEASURES, DEPARTMENT_MEASURES, day_bounds, month_end

K = OrgUnit.Kind
#: The longest window a chart may ask for (ten years of days).
MAX_DAYS = 3660


# --- who and when --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Scope:
    """Whose figures: a district's (for a city role, ``unit`` is the city node and the
    figures are every district's, summed), a street's or a department's."""

    kind: Literal["district", "street", "department"]
    unit: OrgUnit
    actor: Actor

    @property
    def is_department(self) -> bool:
        return self.kind == "department"

    @property
    def is_city(self) -> bool:
        return self.unit.kind == K.CITY

    @property
    def tallied(self) -> Q:
        """The rollup rows (``Tally.scope``) of this scope: the city's are its districts'."""
        return Q(scope__kind=K.DISTRICT) if self.is_city else Q(scope=self.unit)


def dashboard_scope(actor: Actor) -> Scope:
    if actor.role in DISTRICT_FIGURE_ROLES:
        if actor.district_id is None:
            return Scope("district", actor.unit, actor)
        unit = actor.unit if actor.unit.kind == K.DISTRICT else district_of(actor.unit)
        if unit is not None:
            return Scope("district", unit, actor)
    if actor.role in STREET_ROLES and actor.unit.kind == K.STREET:
        return Scope("street", actor.unit, actor)
    if actor.role in DEPARTMENT_ROLES:
        return Scope("department", department_of(actor.unit), actor)
    raise NotFound(_("页面不存在"))


@dataclass(frozen=True)
class Window:
    """The days [first, last], both included, in the district's calendar."""

    first: date
    last: date

    def __post_init__(self) -> None:
        if self.last < self.first:
            raise InvalidInput(_("结束日期须不早于开始日期"), field="last")
        if (self.last - self.first).days >= MAX_DAYS:
            raise InvalidInput(_("统计区间不能超过十年"), field="first")

    @classmethod
    def month(cls, year: int, month: int) -> Window:
        first = date(year, month, 1)
        return cls(first, month_end(first))

    @classmethod
    def last_days(cls, n: int, today: date) -> Window:
        return cls(today - timedelta(days=n - 1), today)

    @classmethod
    def last_months(cls, n: int, today: date) -> Window:
        """The n calendar months up to and including today's."""
        y, m = today.year, today.month - (n - 1)
        while m < 1:
            y, m = y - 1, m + 12
        return cls(date(y, m, 1), month_end(today.replace(day=1)))

    @property
    def whole_months(self) -> bool:
        return self.first.day == 1 and self.last == month_end(self.last.replace(day=1))

    @property
    def period(self) -> Period:
        start, end = day_bounds(self.first, self.last)
        return Period(start, end)

    def days(self) -> list[date]:
        return [self.first + timedelta(days=i) for i in range((self.last - self.first).days + 1)]

    def months(self) -> list[date]:
        out, d = [], self.first.replace(day=1)
        while d <= self.last:
            out.append(d)
            d = month_end(d) + timedelta(days=1)
        return out


def _rows(model: type[Tally] | type[DepartmentTally], window: Window) -> QuerySet[Any]:
    """The rollup rows covering the window: month rows when it is whole months."""
    if window.whole_months:
        return model.objects.filter(grain=Grain.MONTH, day__gte=window.first, day__lte=window.last)
    return model.objects.filter(grain=Grain.DAY, day__gte=window.first, day__lte=window.last)


def _case_rows(scope: Scope, window: Window, dim: str) -> QuerySet[Tally]:
    return _rows(Tally, window).filter(scope.tallied, dim=dim)


def _department_rows(scope: Scope, window: Window) -> QuerySet[DepartmentTally]:
    rows = _rows(DepartmentTally, window)
    if scope.is_department:
        return rows.filter(department=scope.unit)
    if scope.kind != "district":
        raise InvalidInput(_("该统计不能按此维度分组"), field="dim")
    return rows.filter(under("department__path", scope.actor.reach))


# --- figures -------------------------------------------------------------------------------------


def rate(numerator: int, denominator: int) -> float | None:
    """A rate for the charts: the indicators' ratio, as a float."""
    return _float(indicators.ratio(numerator, denominator))


def satisfaction(satisfied: int, basic: int, follow_ups: int) -> float | None:
    return _float(indicators.satisfaction_rate(satisfied, basic, follow_ups))


def _float(value: Decimal | None) -> float | None:
    return None if value is None else round(float(value), 4)


def _sums(rows: QuerySet[Any], measures: Iterable[str]) -> dict[str, int]:
    got = rows.aggregate(**{m: Sum(m) for m in measures})
    return {m: got[m] or 0 for m in measures}


@lagging_reads()
def kpis(scope: Scope, window: Window, now: datetime) -> dict[str, Any]:
    """The headline numbers: the window's flows and what is open now."""
    if scope.is_department:
        flows = _sums(_department_rows(scope, window), DEPARTMENT_MEASURES)
        live = assignments_actionable_by(scope.actor).filter(state__in=ACTIVE_ASSIGNMENT_STATES)
        return {
            **flows,
            "on_time_report_in_rate": rate(flows["on_time_report_ins"], flows["report_ins"]),
            "on_time_handling_rate": rate(flows["on_time_handled"], flows["handled"]),
            "open_now": live.count(),
            "overdue_now": live.filter(clock_overdue(now)).count(),
            "due_soon_now": live.filter(clock_due_soon(now)).count(),
        }
    flows = _sums(_case_rows(scope, window, Dim.TOTAL), CASE_MEASURES)
    # One pass over the open cases in scope counts all three (three COUNTs each read them:
    # ≈ 0.2 s a pass at ten million cases).
    now_counts = (
        cases_visible_to(scope.actor)
        .filter(state__in=OPEN_CASE_STATES)
        .aggregate(
            open_now=Count("pk"),
            overdue_now=Count("pk", filter=currently_overdue(now)),
            due_soon_now=Count("pk", filter=currently_due_soon(now)),
        )
    )
    return {
        **flows,
        "on_time_closed_rate": rate(flows["on_time_closed"], flows["closed"]),
        "satisfaction_rate": satisfaction(flows["satisfied"], flows["basic"], flows["follow_ups"]),
        **now_counts,
    }


Step = Literal["day", "week", "month"]
TREND_CASES = ("reported", "closed", "overdue")
TREND_DEPARTMENT = ("assigned", "handled", "on_time_handled")


@lagging_reads()
def trend(scope: Scope, window: Window, step: Step) -> dict[str, Any]:
    """Series by day, ISO week (labelled by its Monday) or month; every step of the window
    is present, zeros included, so the chart's axis has no holes."""
    measures = TREND_DEPARTMENT if scope.is_department else TREND_CASES
    if step == "month":
        steps = window.months()
        grain = Grain.MONTH
    else:
        steps = window.days()
        grain = Grain.DAY
    model: type[Tally] | type[DepartmentTally] = DepartmentTally if scope.is_department else Tally
    rows: QuerySet[Any] = model.objects.filter(grain=grain, day__gte=steps[0], day__lte=window.last)
    if scope.is_department:
        rows = rows.filter(department=scope.unit)
    else:
        rows = rows.filter(scope.tallied, dim=Dim.TOTAL)
    by_day: dict[date, dict[str, int]] = {
        r["day"]: r for r in rows.values("day").annotate(**{m: Sum(m) for m in measures})
    }
    buckets: dict[date, list[int]] = {}
    for d in steps:
        label = d - timedelta(days=d.weekday()) if step == "week" else d
        acc = buckets.setdefault(label, [0] * len(measures))
        row = by_day.get(d)
        if row:
            for i, m in enumerate(measures):
                acc[i] += row[m] or 0
    labels = sorted(buckets)
    return {
        "step": step,
        "labels": [d.isoformat() for d in labels],
        "series": {m: [buckets[d][i] for d in labels] for i, m in enumerate(measures)},
    }


#: The dimensions a scope may break its cases down by.
SCOPE_DIMS = {
    "district": (Dim.STREET, Dim.CATALOGUE_CLASS, Dim.ITEM, Dim.SOURCE, Dim.COMMUNITY, Dim.GRID),
    "street": (Dim.COMMUNITY, Dim.GRID, Dim.CATALOGUE_CLASS, Dim.ITEM, Dim.SOURCE),
    "department": (),
}


@lagging_reads()
def breakdown(scope: Scope, window: Window, dim: str, *, top: int = 10) -> list[dict[str, Any]]:
    """The window's cases by one dimension, the most reported first (the top recurring
    problems by item or class, places by community or grid)."""
    if dim not in SCOPE_DIMS[scope.kind]:
        raise InvalidInput(_("该统计不能按此维度分组"), field="dim")
    rows: list[Any] = list(
        _case_rows(scope, window, dim)
        .values("key")
        .annotate(**{m: Sum(m) for m in CASE_MEASURES})
        .order_by("-reported", "key")[:top]
    )
    labels = dim_labels(dim, [r["key"] for r in rows])
    return [
        {
            "key": r["key"],
            "label": labels.get(r["key"], r["key"] or _("未填")),
            "reported": r["reported"],
            "closed": r["closed"],
            "overdue": r["overdue"],
            "on_time_closed_rate": rate(r["on_time_closed"], r["closed"]),
            "satisfaction_rate": satisfaction(r["satisfied"], r["basic"], r["follow_ups"]),
        }
        for r in rows
    ]


def dim_labels(dim: str, keys: list[str]) -> dict[str, str]:
    ids = [int(k) for k in keys if k.isdigit()]
    if dim in (Dim.STREET, Dim.COMMUNITY, Dim.GRID):
        return {
            str(pk): name
            for pk, name in OrgUnit.objects.filter(pk__in=ids).values_list("pk", "name")
        }
    if dim == Dim.ITEM:
        return {
            str(pk): name
            for pk, name in CatalogueItem.objects.filter(pk__in=ids).values_list("pk", "name")
        }
    if dim == Dim.CATALOGUE_CLASS:
        labels: dict[str, str] = {}
        for code, name in (
            CatalogueClass.objects.filter(code__in=keys)
            .order_by("catalogue__version")
            .values_list("code", "name")
        ):
            labels[code] = name  # the newest catalogue's name wins
        return labels
    if dim == Dim.SOURCE:
        return {value: str(label) for value, label in Source.choices}
    return {}


@lagging_reads()
def departments(scope: Scope, window: Window) -> list[dict[str, Any]]:
    """Each department's work in the window: the hub compares them, a department sees its own."""
    rows: Any = (
        _department_rows(scope, window)
        .values("department_id", "department__name")
        .annotate(**{m: Sum(m) for m in DEPARTMENT_MEASURES})
        .order_by("-assigned", "department_id")
    )
    return [
        {
            "department": r["department_id"],
            "label": r["department__name"],
            **{m: r[m] for m in DEPARTMENT_MEASURES},
            "on_time_report_in_rate": rate(r["on_time_report_ins"], r["report_ins"]),
            "on_time_handling_rate": rate(r["on_time_handled"], r["handled"]),
        }
        for r in rows
    ]


@lagging_reads()
def ranking(scope: Scope, year: int, month: int) -> list[dict[str, Any]]:
    """一月一考评: every department's score for the month with its case count; those with
    too few rated cases are listed without a rank. Published to the whole district."""
    district = scope.unit if scope.kind == "district" else district_of(scope.unit)
    scores = department_scores(period=Period.month(year, month), district=district)
    return [
        {
            "department": s.department_id,
            "label": s.name,
            "cases": s.cases,
            "score": None if s.score is None else round(float(s.score), 1),
            "rank": s.rank,
            "mine": scope.is_department and s.department_id == scope.unit.pk,
        }
        for s in scores
    ]


@lagging_reads()
def unit_ranking(
    scope: Scope, year: int, month: int, *, street_id: int | None = None
) -> list[dict[str, Any]]:
    """派驻机构一月一考评: every field unit of the district scored on the streets' ratings of
    the month (with ``street_id``: one street's ratings, the units it rated)."""
    district = scope.unit if scope.kind == "district" else district_of(scope.unit)
    street = None
    if street_id is not None:
        street = OrgUnit.objects.filter(
            pk=street_id,
            kind=OrgUnit.Kind.STREET,
            path__startswith=district.path if district else "",
        ).first()
        if street is None:
            raise NotFound(_("街道不存在"))
    listed = unit_scores(period=Period.month(year, month), district=district, street=street)
    return [
        {
            "unit": s.unit_id,
            "label": s.name,
            "department": s.department,
            "street": s.street_id,
            "cases": s.cases,
            "score": None if s.score is None else round(float(s.score), 1),
            "rank": s.rank,
            "mine": scope.is_department and s.department_id == scope.unit.pk,
        }
        for s in listed
    ]


@lagging_reads()
def heat(scope: Scope, window: Window) -> list[list[float]]:
    """[lat, lng, reports] per grid, at the centre of the grid's bounding box (in the map
    tiles' coordinate system): a heat layer over the window that costs one rollup read
    whatever the number of cases."""
    if scope.is_department:
        raise InvalidInput(_("该统计不能按此维度分组"), field="dim")
    sums = dict(
        _case_rows(scope, window, Dim.GRID)
        .values("key")
        .annotate(n=Sum("reported"))
        .values_list("key", "n")
    )
    ids = [int(k) for k in sums if k.isdigit()]
    grids: Any = OrgUnit.objects.filter(
        pk__in=ids, min_lat__isnull=False, max_lat__isnull=False
    ).values_list("pk", "min_lat", "max_lat", "min_lng", "max_lng")
    to_map = from_wgs84(settings.HUYING_MAP_COORDS)  # the tiles' system, as the case map
    points = []
    for pk, lo_lat, hi_lat, lo_lng, hi_lng in grids:
        if sums[str(pk)]:
            lat, lng = to_map((lo_lat + hi_lat) / 2, (lo_lng + hi_lng) / 2)
            points.append([round(lat, 6), round(lng, 6), sums[str(pk)]])
    return points


@lagging_reads()
def clock_board(scope: Scope, now: datetime, *, limit: int = 10) -> list[dict[str, Any]]:
    """The open cases overdue now, the longest overdue first (超期督办榜): late since the
    earliest deadline missed, the case's own or one of its live assignments'."""
    if scope.is_department:
        late = (
            assignments_actionable_by(scope.actor)
            .filter(clock_overdue(now), state__in=ACTIVE_ASSIGNMENT_STATES)
            .select_related("case")
            .order_by("due_at", "pk")[:limit]
        )
        cases = [(a.case, a.due_at) for a in late]
    else:
        open_cases = cases_visible_to(scope.actor).filter(
            pk__in=overdue_case_ids(now), state__in=OPEN_CASE_STATES
        )
        cases = [(c, c.late_since) for c in _oldest_first(open_cases, now, limit)]
    return [
        {
            "id": c.pk,
            "number": c.number,
            "title": c.title,
            "due_at": due.isoformat() if due else None,
            "hours_late": None if due is None else int((now - due).total_seconds() // 3600),
        }
        for c, due in cases
    ]


def _oldest_first(cases: QuerySet[Case], now: datetime, limit: int) -> list[Any]:
    missed = Assignment.objects.filter(
        clock_overdue(now), case_id=OuterRef("pk"), state__in=ACTIVE_ASSIGNMENT_STATES
    ).order_by("due_at")
    own = SqlCase(When(clock_overdue(now), then=F("due_at")))
    return list(
        cases.only("pk", "number", "title", "due_at")
        .annotate(
            late_since=Least(
                Coalesce(own, Subquery(missed.values("due_at")[:1])),
                Coalesce(Subquery(missed.values("due_at")[:1]), own),
            )
        )
        .order_by(F("late_since").asc(nulls_last=True), "pk")[:limit]
    )
