"""Work queues for the console's role homes (工作台): what each role has to do now.

Reads only, each starting from the scope selectors, so a queue can never show a case the
role could not open. Every list is capped; the counts beside it are exact.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.db.models import Case as CaseWhen
from django.db.models import Count, F, IntegerField, Q, QuerySet, Value, When
from django.utils.translation import gettext as _

from huying.cases import hooks
from huying.cases.models import Assignment, AssignmentState, Case, CaseState, Source, Tier
from huying.cases.recurrence import Found, recurrences
from huying.cases.rules import ACTIVE_ASSIGNMENT_STATES, OPEN_CASE_STATES, WORKING_STATES
from huying.cases.selectors import (
    ROW_JOINS,
    assignments_actionable_by,
    cases_visible_to,
    clock_due_soon,
    clock_overdue,
    currently_due_soon,
    currently_overdue,
    with_running_clock,
)
from huying.catalogue.models import Level
from huying.org.actors import Actor
from huying.org.models import DataScope, OrgUnit, Role
from huying.org.roles import DEPARTMENT_ROLES, HUB_ROLES, STREET_ROLES

#: Rows shown per queue; the count says how many there are in all.
QUEUE_ROWS = 15

#: Who triages what. Reports from the street's own patch (residents, grid staff, street
#: chiefs, informants) are the street's to triage; the hub triages the district-wide channels
#: (12345, leaders, media, inspections, the API), reports placed in no street, and whatever a
#: street has left untriaged for ``HUYING_STREET_TRIAGE_HOURS``. Either may still triage any
#: case in its scope: this decides whose queue shows it.
STREET_SOURCES = frozenset(
    {Source.RESIDENT, Source.GRID_PATROL, Source.STREET_CHIEF, Source.INFORMANT}
)


def streets_triage() -> Q:
    return Q(source__in=STREET_SOURCES, street__isnull=False)


def hub_triages(now: datetime) -> Q:
    waited = now - timedelta(hours=settings.HUYING_STREET_TRIAGE_HOURS)
    return ~streets_triage() | Q(reported_at__lt=waited)


A = AssignmentState


def unplaced(cases: QuerySet[Case]) -> QuerySet[Case]:
    """待定位: the open cases in no grid (an address the gazetteer could not place, a report
    with neither a point nor a unit), 12345 tickets first, then the oldest first."""
    hotline_first = CaseWhen(
        When(source=Source.HOTLINE, then=Value(0)), default=Value(1), output_field=IntegerField()
    )
    return cases.filter(state__in=OPEN_CASE_STATES, grid__isnull=True).order_by(
        hotline_first, "reported_at", "pk"
    )


@dataclass
class Queue:
    """A titled list of cases or assignments, with its exact count and the list filter that
    shows all of it (query string for the case list), when there is one."""

    key: str
    title: str
    rows: list[Any]
    count: int
    query: str = ""
    tone: str = ""  # "", "warn" or "bad": how the count is coloured


@dataclass
class Breakdown:
    """Counts of a scope's cases per territorial unit (reported, still open, ever overdue).
    ``as_of``: the reported and overdue counts are the rollups' as of then (the open ones are
    always live); None: all three were counted live."""

    title: str
    unit: str
    rows: list[dict[str, Any]]
    as_of: datetime | None = None


@dataclass
class Home:
    kind: str  # which home template section to render
    queues: list[Queue] = field(default_factory=list)
    breakdowns: list[Breakdown] = field(default_factory=list)
    #: 反复发生预警 in the role's scope, the first ``QUEUE_ROWS`` of ``warnings.total``
    #: (None: the role has no such card).
    warnings: Found | None = None


#: A case counts once among the reports: a split case's parts are not new ones (as the
#: indicators and the rollups count them).
REPORTED = Q(split_from__isnull=True)


def _counts_by(
    cases: QuerySet[Case], unit: str, *, limit: int | None = None
) -> list[dict[str, Any]]:
    """One GROUP BY over the scope's history; ``unit`` is the Case foreign key (community or
    grid). What a street home does when no app keeps the totals (``hooks.street_totals``)."""
    qs = (
        cases.values(name=F(f"{unit}__name"))
        .annotate(
            total=Count("id", filter=REPORTED),
            open=Count("id", filter=Q(state__in=OPEN_CASE_STATES)),
            overdue=Count("id", filter=Q(overdue=True)),
        )
        .order_by("-total", "name")
    )
    return [dict(row) for row in (qs[:limit] if limit else qs)]


def _open_by_unit(street: OrgUnit, cases: QuerySet[Case]) -> dict[str, dict[int | None, int]]:
    """The street's open cases per community and per grid (None: in none), keyed like
    ``hooks.UnitTotals.by_unit``. Counted per territory path, an index-only read of the open
    cases' index (grouping by the community and grid columns read the 50 000 open cases'
    rows, 0.5 s), each path then placed by the street's own tree."""
    units = {
        path: (pk, kind, parent)
        for pk, path, kind, parent in OrgUnit.objects.filter(
            path__startswith=street.path, kind__in=[OrgUnit.Kind.COMMUNITY, OrgUnit.Kind.GRID]
        ).values_list("pk", "path", "kind", "parent_id")
    }
    open_now: dict[str, dict[int | None, int]] = {"community": {}, "grid": {}}
    for path, n in (
        cases.filter(state__in=OPEN_CASE_STATES)
        .values_list("territory_path")
        .annotate(Count("id"))
        .order_by()
    ):
        community, grid = None, None
        if path in units:
            pk, kind, parent = units[path]
            community, grid = (parent, pk) if kind == OrgUnit.Kind.GRID else (pk, None)
        for unit, key in (("community", community), ("grid", grid)):
            open_now[unit][key] = open_now[unit].get(key, 0) + n
    return open_now


def _street_breakdowns(actor: Actor, cases: QuerySet[Case]) -> list[Breakdown]:
    """按社区统计 and the busiest grids. Reported and ever overdue over the street's whole
    history come from the rollups when an app keeps them (``hooks.street_totals``: a GROUP
    BY over a street's history read 2.3 M rows, 6 s a table, at ten million cases); the open
    counts are always live."""
    tables = [
        ("community", _("按社区统计"), _("社区"), None),
        ("grid", _("事件最多的 {count} 个网格").format(count=QUEUE_ROWS), _("网格"), QUEUE_ROWS),
    ]
    whole_street = (
        actor.scope == DataScope.NODE_AND_BELOW and actor.unit.kind == OrgUnit.Kind.STREET
    )
    totals = hooks.street_totals(actor.unit) if whole_street else None
    if totals is None:
        return [
            Breakdown(title, label, _counts_by(cases, unit, limit=limit))
            for unit, title, label, limit in tables
        ]
    open_now = _open_by_unit(actor.unit, cases)
    breakdowns = []
    for unit, title, label, _limit in tables:
        counted = totals.by_unit.get(unit, {})
        rows: list[dict[str, Any]] = [
            {
                "key": key,
                "total": counted.get(key, (0, 0))[0],
                "open": open_now[unit].get(key, 0),
                "overdue": counted.get(key, (0, 0))[1],
            }
            for key in {*counted, *open_now[unit]}
        ]
        # A unit whose month rows count only other measures (closures) has nothing to show.
        rows = [r for r in rows if r["total"] or r["open"] or r["overdue"]]
        breakdowns.append(Breakdown(title, label, rows, totals.as_of))
    # Named in one read: a unit since moved out of the street still names its past rows.
    keys = {r["key"] for b in breakdowns for r in b.rows} - {None}
    names = dict(OrgUnit.objects.filter(pk__in=keys).values_list("pk", "name"))
    for b, (_unit, _title, _label, limit) in zip(breakdowns, tables, strict=True):
        for r in b.rows:
            r["name"] = names.get(r.pop("key"))
        b.rows.sort(key=lambda r: (-r["total"], r["name"] is None, r["name"] or ""))
        b.rows = b.rows[:limit] if limit else b.rows
    return breakdowns


def _cases(qs: QuerySet[Case], order: str = "-id", *, urgent_first: bool = False) -> list[Case]:
    """``order="clock_due"``: the most urgent running deadline first (``with_running_clock``);
    ``urgent_first``: what the apps call urgent (``hooks.urgent_first``) before the rest."""
    if order == "clock_due":
        key = F("clock_due").asc(nulls_last=True)
    elif order.startswith("-"):
        key = F(order[1:]).desc()
    else:
        key = F(order).asc()
    ordering = [*(hooks.urgent_first() if urgent_first else []), key, "pk"]
    # The queue's rows are chosen on the narrow columns (what the open cases' index holds),
    # then only they are read in full: sorting the whole rows of 20 000 overdue cases to keep
    # 15 took 2 s at ten million cases.
    chosen = with_running_clock(qs).order_by(*ordering).values("pk")[:QUEUE_ROWS]
    rows = with_running_clock(Case.objects.filter(pk__in=chosen).select_related(*ROW_JOINS))
    found = list(rows.order_by(*ordering))
    hooks.mark_cases(found)
    return found


def _case_queue(
    key: str,
    title: str,
    qs: QuerySet[Case],
    *,
    query: str,
    order: str = "-id",
    tone: str = "",
    urgent_first: bool = False,
) -> Queue:
    return Queue(key, title, _cases(qs, order, urgent_first=urgent_first), qs.count(), query, tone)


def _state_queue(key: str, title: Any, cases: QuerySet[Case], state: str) -> Queue:
    """The cases waiting in one state, the urgent first, then oldest first (first come, first
    served)."""
    return _case_queue(
        key, title, cases.filter(state=state), query=f"state={state}", order="id", urgent_first=True
    )


def _assignment_queue(
    key: str, title: str, qs: QuerySet[Assignment], *, order: str, tone: str = "", query: str = ""
) -> Queue:
    # As for cases (``_cases``): the 15 chosen on the narrow columns the live assignments'
    # index holds, then only they read in full with their case, item and department. Joined
    # first, the department's 7 000 working assignments were each read with all three
    # before the sort kept 15 (0.2 s at ten million cases).
    chosen = qs.order_by(order, "pk").values("pk")[:QUEUE_ROWS]
    rows = list(
        Assignment.objects.filter(pk__in=chosen)
        .select_related("case", "case__item", "department")
        .defer("department__boundary")
        .order_by(order, "pk")
    )
    return Queue(key, title, rows, qs.count(), query, tone)


def hub_home(actor: Actor, now: datetime) -> Home:
    """The hub: its triage queue, what waits for its ruling, and the overdue board."""
    cases = cases_visible_to(actor)
    asg = assignments_actionable_by(actor)
    return Home(
        "hub",
        warnings=recurrences(actor, until=now, limit=QUEUE_ROWS),
        queues=[
            _state_queue(
                "triage",
                _("待研判（区级渠道，及街道超过 %(hours)d 小时未研判的）")
                % {"hours": settings.HUYING_STREET_TRIAGE_HOURS},
                cases.filter(hub_triages(now)),
                CaseState.SUBMITTED,
            ),
            _state_queue("dispatch", _("待派单"), cases, CaseState.TRIAGED),
            # The page to place them on is the gazetteer's (gazetteer:unplaced).
            _case_queue(
                "unplaced", _("待定位（未落到网格）"), unplaced(cases), query="", order="id"
            ),
            _assignment_queue(
                "returns",
                _("申请退回待裁定"),
                asg.filter(state=A.RETURN_REQUESTED),
                order="id",
                tone="warn",
            ),
            _assignment_queue(
                "extensions",
                _("申请延期待审批"),
                asg.filter(
                    state__in=ACTIVE_ASSIGNMENT_STATES, extension_requested_until__isnull=False
                ),
                order="id",
                tone="warn",
            ),
            _case_queue(
                "overdue",
                _("超期督办榜"),
                cases.filter(currently_overdue(now), state__in=OPEN_CASE_STATES),
                query="clock=overdue",
                order="clock_due",
                tone="bad",
            ),
        ],
    )


def street_home(actor: Actor, now: datetime) -> Home:
    """A street: calls awaiting its verification, its own triage, and its cases by community."""
    cases = cases_visible_to(actor)
    open_cases = cases.filter(state__in=OPEN_CASE_STATES)
    breakdowns = _street_breakdowns(actor, cases)
    return Home(
        "street",
        warnings=recurrences(actor, until=now, limit=QUEUE_ROWS),
        queues=[
            _state_queue("verify", _("待核查"), cases, CaseState.VERIFYING),
            _state_queue(
                "triage",
                _("待研判（本街道居民、网格上报的）"),
                cases.filter(streets_triage()),
                CaseState.SUBMITTED,
            ),
            _state_queue("dispatch", _("待呼叫 / 派单"), cases, CaseState.TRIAGED),
            _state_queue("follow_up", _("待回访"), cases, CaseState.FOLLOW_UP),
            _case_queue(
                "overdue",
                _("超期未办结"),
                open_cases.filter(currently_overdue(now)),
                query="clock=overdue",
                order="clock_due",
                tone="bad",
            ),
        ],
        breakdowns=breakdowns,
    )


def department_home(actor: Actor, now: datetime) -> Home:
    """A department: its assignments by what they need next, then by their clocks."""
    everything = assignments_actionable_by(actor)
    # A suspended case's assignments wait (nothing can be done on them): listed on their own.
    asg = everything.filter(case__state=CaseState.IN_PROGRESS)
    live = asg.filter(state__in=ACTIVE_ASSIGNMENT_STATES)
    return Home(
        "department",
        [
            _assignment_queue(
                "report_in",
                _("待报到"),
                asg.filter(state=A.AWAITING_REPORT_IN),
                order="report_in_due_at",
            ),
            _assignment_queue(
                "handling",
                _("办理中"),
                asg.filter(state__in=WORKING_STATES),
                order="due_at",
            ),
            _assignment_queue(
                "suspended",
                _("挂账中（暂停办理）"),
                everything.filter(
                    case__state=CaseState.SUSPENDED,
                    state__in=ACTIVE_ASSIGNMENT_STATES | {A.RETURN_REQUESTED},
                ),
                order="id",
            ),
            _assignment_queue(
                "due_soon",
                _("即将超期"),
                live.filter(clock_due_soon(now)),
                order="due_at",
                tone="warn",
            ),
            _assignment_queue(
                "overdue",
                _("已超期"),
                live.filter(clock_overdue(now)),
                order="due_at",
                tone="bad",
            ),
        ],
    )


def leader_home(actor: Actor, now: datetime) -> Home:
    """A district leader: major cases (L4), what is under supervision, and the overdue."""
    cases = cases_visible_to(actor)
    live = cases.filter(state__in=OPEN_CASE_STATES)
    return Home(
        "leader",
        [
            _case_queue(
                "major_triaged",
                _("待逆向派单的重难点事件"),
                cases.filter(state=CaseState.TRIAGED, level=Level.MAJOR),
                query=f"state=triaged&level={Level.MAJOR}",
                order="id",
                tone="warn",
            ),
            _case_queue(
                "major",
                _("重难点/突发事件（办理中）"),
                live.filter(level=Level.MAJOR),
                query=f"level={Level.MAJOR}",
            ),
            _case_queue("supervised", _("督办中"), live.filter(supervised=True), query=""),
            _case_queue(
                "overdue",
                _("超期事件"),
                live.filter(currently_overdue(now)),
                query="clock=overdue",
                order="clock_due",
                tone="bad",
            ),
        ],
    )


def _field_tasks(actor: Actor, cases: QuerySet[Case]) -> Queue:
    """本级处置任务: informants' and chiefs' reports waiting for the grid worker (上报先到网格员),
    then the patch's own self-handled work at the actor's tiers. The two states lead, as their
    own condition: the open cases' index reads just them, and the tier is tested on those
    few rows. Written as one OR of the two, PostgreSQL guessed 6 rows and could read the
    grid's whole history (36 000 cases at ten million) to find them."""
    tiers = [Tier.GRID] if actor.role == Role.GRID_WORKER else [Tier.GRID, Tier.COMMUNITY]
    tasks = cases.filter(state__in=[CaseState.AT_GRID, CaseState.SELF_HANDLING]).filter(
        Q(state=CaseState.AT_GRID) | Q(tier__in=tiers)
    )
    return _case_queue("tasks", _("本级处置任务"), tasks, query="", order="clock_due")


def _recent(cases: QuerySet[Case]) -> Queue:
    return _case_queue("recent", _("辖区最新事件"), cases, query="")


def grid_home(actor: Actor, now: datetime) -> Home:
    """Grid and community staff: what is being handled on their patch, and what is late."""
    cases = cases_visible_to(actor)
    mine = cases.filter(state=CaseState.SELF_HANDLING)
    return Home(
        "grid",
        [
            _field_tasks(actor, cases),
            _case_queue(
                "due_soon",
                _("即将超期"),
                mine.filter(currently_due_soon(now)),
                query="clock=due_soon",
                order="clock_due",
                tone="warn",
            ),
            _state_queue("follow_up", _("待回访"), cases, CaseState.FOLLOW_UP),
            _recent(cases),
        ],
    )


def field_home(actor: Actor) -> Home:
    """The phone's task page (/m/) for grid and community staff: the tasks and the patch's
    newest cases, the two of ``grid_home``'s queues it shows."""
    cases = cases_visible_to(actor)
    return Home("grid", [_field_tasks(actor, cases), _recent(cases)])


def home_for(actor: Actor, now: datetime) -> Home:
    if actor.role in HUB_ROLES or actor.role == Role.ADMIN:
        return hub_home(actor, now)
    if actor.role in STREET_ROLES:
        return street_home(actor, now)
    if actor.role in DEPARTMENT_ROLES:
        return department_home(actor, now)
    if actor.role == Role.DISTRICT_LEADER:
        return leader_home(actor, now)
    return grid_home(actor, now)
