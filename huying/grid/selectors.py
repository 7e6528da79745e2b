"""Reads of patrols and duty lists, in the acting role's scope: a grid worker sees his grid's,
a community its grids', a street its own; the hub and the district see their district's (the
city's roles every district's); a street chief and a department see the patrols they walked or
accompanied."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from django.conf import settings
from django.db.models import Count, Exists, F, OuterRef, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from huying.core.errors import InvalidInput, NotFound, PermissionDenied
from huying.core.replicas import lagging_reads
from huying.grid import hooks
from huying.grid.models import DutyTemplate, GridDuty, Patrol, PatrolCompanion
from huying.org.actors import Actor, under
from huying.org.models import OrgUnit, Role, RoleGrant
from huying.org.roles import DEPARTMENT_ROLES, REPORTER_ROLES, TERRITORIAL_STAFF

#: Who reads the weekly 三陪同 table: the street's own people and the district's.
COMPLIANCE_ROLES = TERRITORIAL_STAFF


def open_patrol(actor: Actor) -> Patrol | None:
    return (
        Patrol.objects.select_related("grid")
        .defer("grid__boundary")
        .filter(worker=actor.user, ended_at__isnull=True)
        .first()
    )


def patrols_of(actor: Actor) -> QuerySet[Patrol]:
    return (
        Patrol.objects.select_related("grid")
        .defer("grid__boundary")
        .filter(worker=actor.user)
        .annotate(
            finding_count=Count("findings", distinct=True),
            companion_count=Count("companions", distinct=True),
        )
        .order_by("-started_at")
    )


def patrols_visible(actor: Actor) -> QuerySet[Patrol]:
    patrols = Patrol.objects.select_related("grid", "worker").defer("grid__boundary", "track")
    if actor.sees_all:
        return patrols.filter(under("grid__path", actor.reach))
    if actor.role in REPORTER_ROLES:
        return patrols.filter(worker=actor.user)
    if actor.role in DEPARTMENT_ROLES:
        return patrols.filter(Q(worker=actor.user) | Q(companions__user=actor.user)).distinct()
    return patrols.filter(grid__path__startswith=actor.unit.path)


def patrol_detail(actor: Actor, patrol_id: int) -> Patrol:
    patrol = patrols_visible(actor).defer(None).filter(pk=patrol_id).first()
    if patrol is None:
        raise NotFound(_("巡查不存在"))
    return patrol


def grid_visible(actor: Actor, grid_id: int) -> OrgUnit:
    grid = OrgUnit.objects.defer("boundary").filter(pk=grid_id, kind=OrgUnit.Kind.GRID).first()
    if grid is None or actor.role in REPORTER_ROLES or actor.role in DEPARTMENT_ROLES:
        raise NotFound(_("网格不存在或不在本人范围内"))
    if not actor.covers(grid.path):
        raise NotFound(_("网格不存在或不在本人范围内"))
    return grid


def duty_template(actor: Actor) -> QuerySet[DutyTemplate]:
    """The template of the district the actor works in; staff only. The city has none."""
    if actor.role in REPORTER_ROLES:
        raise PermissionDenied(_("当前角色不能查看网格职责模板"))
    return DutyTemplate.objects.filter(district_id=actor.district_id)


def template_overview(actor: Actor) -> QuerySet[DutyTemplate]:
    """The template with, per line, how many grids have its copy (``copy_count``) and how
    many of those copies now differ from it — the grid reworded or removed its copy, or the
    line was reworded after it was copied (``changed_count``)."""
    changed = Q(copies__is_active=False) | ~Q(copies__text=F("text"))
    return (
        duty_template(actor)
        .select_related("item")
        .annotate(
            copy_count=Count("copies", distinct=True),
            changed_count=Count("copies", filter=changed, distinct=True),
        )
        .order_by("position", "id")  # Meta.ordering does not hold in a grouped query
    )


def grid_duties(grid: OrgUnit, *, removed: bool = False) -> QuerySet[GridDuty]:
    return GridDuty.objects.select_related("item").filter(grid=grid, is_active=not removed)


def companion_candidates(patrol: Patrol) -> dict[str, list[tuple[int, str]]]:
    """Who may be picked as a companion, by kind (the service checks again)."""
    grid = OrgUnit.objects.defer("boundary").select_related("parent__parent").get(pk=patrol.grid_id)
    community = grid.parent
    street = community.parent if community else None
    grants = RoleGrant.objects.filter(is_active=True).exclude(user=patrol.worker_id)
    staff = grants if street is not None else grants.none()
    picks = {
        PatrolCompanion.Kind.STREET_CADRE: staff.filter(
            role__in=(Role.STREET_CALLER, Role.STREET_LEADER, Role.GRID_CENTRE), unit=street
        ),
        PatrolCompanion.Kind.ENFORCEMENT: staff.filter(
            role__in=DEPARTMENT_ROLES, unit__kind=OrgUnit.Kind.FIELD_UNIT, unit__stationed_in=street
        ),
    }
    if patrol.role == Role.STREET_CHIEF:
        picks[PatrolCompanion.Kind.GRID_WORKER] = grants.filter(
            role=Role.GRID_WORKER, user_id__in=hooks.chief_grid_workers(patrol.worker_id)
        )
    out: dict[str, list[tuple[int, str]]] = {}
    for kind, qs in picks.items():
        seen: dict[int, str] = {}
        for grant in qs.select_related("user", "unit").order_by("unit__path", "user__username")[
            :200
        ]:
            user = grant.user
            seen.setdefault(
                user.pk, f"{user.get_full_name() or user.get_username()}（{grant.unit.name}）"
            )
        out[str(PatrolCompanion.Kind(kind).label)] = list(seen.items())
    return out


# 三陪同: the weekly compliance table ---------------------------------------------------------


@dataclass(frozen=True)
class ComplianceRow:
    worker_id: int
    worker: str
    grid: str
    week: date
    patrols: int
    accompanied: int
    target: int

    @property
    def shortfall(self) -> int:
        return max(0, self.target - self.accompanied)


@dataclass(frozen=True)
class Compliance:
    street: OrgUnit
    weeks: list[date]
    target: int
    rows: list[ComplianceRow]

    @property
    def short(self) -> int:
        return sum(1 for r in self.rows if r.shortfall)


def week_of(day: date) -> date:
    return day - timedelta(days=day.weekday())


def compliance_streets(actor: Actor) -> QuerySet[OrgUnit]:
    streets = OrgUnit.objects.defer("boundary").filter(kind=OrgUnit.Kind.STREET, is_active=True)
    if actor.sees_all:
        return streets.filter(under("path", actor.reach)).order_by("code")
    prefixes = ["/".join(actor.unit.path.split("/")[: i + 1]) + "/" for i in range(1, 10)]
    return streets.filter(Q(path__in=prefixes) | Q(path__startswith=actor.unit.path))


@lagging_reads()
def compliance(
    actor: Actor, *, street_id: int | None = None, weeks: int = 4, until: date | None = None
) -> Compliance:
    """Per grid worker of the street (in the actor's scope) and ISO week: patrols walked, those a
    street cadre accompanied, the target (``HUYING_ESCORTS_PER_WEEK``) and the shortfall."""
    if actor.role not in COMPLIANCE_ROLES and not actor.sees_all:
        raise PermissionDenied(_("当前角色不能查看三陪同情况"))
    if not 1 <= weeks <= 26:
        raise InvalidInput(_("周数须在 1 到 26 之间"), field="weeks")
    streets = compliance_streets(actor)
    street = (streets.filter(pk=street_id) if street_id else streets).order_by("code").first()
    if street is None:
        raise NotFound(_("街道不存在或不在本人范围内"))
    # Below the street (a community, a grid) the table narrows to the actor's own part.
    base = actor.unit.path if actor.unit.path.startswith(street.path) else street.path
    last = week_of(until or timezone.localdate())
    starts = [last - timedelta(weeks=n) for n in range(weeks - 1, -1, -1)]
    tz = timezone.get_current_timezone()
    begin = datetime.combine(starts[0], time.min, tzinfo=tz)
    end = datetime.combine(last + timedelta(days=7), time.min, tzinfo=tz)
    workers = (
        RoleGrant.objects.filter(role=Role.GRID_WORKER, is_active=True, unit__path__startswith=base)
        .select_related("user", "unit")
        .order_by("unit__code", "user__username")
    )
    cadre = PatrolCompanion.objects.filter(
        patrol=OuterRef("pk"), kind=PatrolCompanion.Kind.STREET_CADRE
    )
    counts: dict[tuple[int, date], list[int]] = defaultdict(lambda: [0, 0])
    for worker_id, started_at, escorted in (
        Patrol.objects.filter(
            role=Role.GRID_WORKER,
            grid__path__startswith=base,
            started_at__gte=begin,
            started_at__lt=end,
        )
        .annotate(accompanied=Exists(cadre))
        .values_list("worker_id", "started_at", "accompanied")
    ):
        tally = counts[(worker_id, week_of(timezone.localtime(started_at, tz).date()))]
        tally[0] += 1
        tally[1] += int(escorted)
    target = settings.HUYING_ESCORTS_PER_WEEK
    rows: list[ComplianceRow] = []
    seen: set[int] = set()
    for grant in workers:
        if grant.user_id in seen:
            continue
        seen.add(grant.user_id)
        name = grant.user.get_full_name() or grant.user.get_username()
        for week in reversed(starts):
            patrols, accompanied = counts.get((grant.user_id, week), (0, 0))
            rows.append(
                ComplianceRow(
                    grant.user_id, name, grant.unit.name, week, patrols, accompanied, target
                )
            )
    rows.sort(key=lambda r: (-r.week.toordinal(), -r.shortfall, r.grid, r.worker))
    return Compliance(street, starts, target, rows)
