"""Reads of 志愿服务, each in the actor's scope: a community (and the street, the district
above it) sees its own; a volunteer the published orders of his areas and his own; a
resident the orders he asked for. Out of scope is a 404."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, time
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

from django.conf import settings
from django.contrib.auth.models import User
from django.db.models import Count, Q, QuerySet, Sum
from django.utils.translation import gettext as _

from huying.core.errors import NotFound
from huying.core.replicas import lagging_reads
from huying.org.actors import Actor
from huying.org.models import OrgUnit
from huying.org.roles import FIELD_ROLES, STREET_ROLES
from huying.volunteers.models import (
    EntryKind,
    OrderState,
    PointsEntry,
    PointsRule,
    ServiceOrder,
    Volunteer,
    VolunteerKind,
    VolunteerState,
)

#: Roles that see the orders and volunteers of their territory (a grid worker: his community).
TERRITORY_ROLES = FIELD_ROLES | STREET_ROLES


def month_bounds(year: int, month: int) -> tuple[datetime, datetime]:
    tz = ZoneInfo(settings.TIME_ZONE)
    start = datetime(year, month, 1)
    end = datetime(year + month // 12, month % 12 + 1, 1)
    return datetime.combine(start, time(), tz), datetime.combine(end, time(), tz)


def territory(actor: Actor) -> OrgUnit | None:
    """The unit whose communities the actor reads: a grid's community, a community, a street,
    the district for those who see all (the city node for the city's roles: every district);
    None for anyone else."""
    if actor.sees_all:  # the district (a hub's or a department's grant sits under it)
        district_id = actor.district_id
        if district_id is None:
            return actor.unit
        return OrgUnit.objects.defer("boundary").get(pk=district_id)
    if actor.role not in TERRITORY_ROLES:
        return None
    if actor.unit.kind == OrgUnit.Kind.GRID and actor.unit.parent is not None:
        return actor.unit.parent
    return actor.unit


def below(field: str, unit: OrgUnit) -> Q:
    """Rows whose ``field`` (a node path) lies under the unit; under the city node, every
    district's. Never an empty Q: it is OR-ed with others (``Q(a) | Q()`` is ``Q(a)``)."""
    return Q(**{f"{field}__startswith": "/" if unit.kind == OrgUnit.Kind.CITY else unit.path})


def volunteer_of(user: User) -> Volunteer | None:
    """The user's registration, whatever its state (None: never registered)."""
    return Volunteer.objects.filter(user=user).select_related("community", "team").first()


def active_volunteer(user: User) -> Volunteer | None:
    found = volunteer_of(user)
    return found if found is not None and found.state == VolunteerState.APPROVED else None


def orders_visible_to(actor: Actor) -> QuerySet[ServiceOrder]:
    """Without ``DISTINCT``: each arm is a column of the order, its community's path (one
    row per order) or an ``IN`` subquery, so no order comes twice; a filter added on a
    many-valued relation (its takings) would need it back."""
    own = Q(requester=actor.user) | Q(posted_by=actor.user)
    unit = territory(actor)
    if unit is not None:
        own |= below("community__path", unit)
    volunteer = active_volunteer(actor.user)
    if volunteer is not None:
        own |= Q(state=OrderState.PUBLISHED, community__in=volunteer.areas.all())
        own |= Q(pk__in=volunteer.takings.values("order_id"))
    return (
        ServiceOrder.objects.filter(own)
        .select_related("community", "case")
        .defer("community__boundary", "case__description")
    )


def order_get(actor: Actor, order_id: int, *, lock: bool = False) -> ServiceOrder:
    """The order in the actor's scope; with ``lock``, its row locked for the transaction
    (its row only: not its community's, which every order of the community joins)."""
    qs = orders_visible_to(actor)
    if lock:  # a step needs the order and its community; the case (rare) is read if asked
        qs = qs.select_related(None).select_related("community").select_for_update(of=("self",))
    found = next(iter(qs.filter(pk=order_id)[:1]), None)
    if found is None:
        raise NotFound(_("订单不存在或无权查看"))
    return found


def available_orders(volunteer: Volunteer) -> QuerySet[ServiceOrder]:
    """附近可接的单: published orders of the volunteer's areas he is not on yet, soonest first."""
    return (
        ServiceOrder.objects.filter(state=OrderState.PUBLISHED, community__in=volunteer.areas.all())
        .exclude(takings__volunteer=volunteer)
        .select_related("community")
        .annotate(taken=Count("takings"))
        .order_by("wanted_at", "pk")
    )


def my_orders(volunteer: Volunteer) -> QuerySet[ServiceOrder]:
    return (
        ServiceOrder.objects.filter(takings__volunteer=volunteer)
        .select_related("community")
        .order_by("-wanted_at", "-pk")
    )


def volunteers_visible_to(actor: Actor) -> QuerySet[Volunteer]:
    qs = Volunteer.objects.select_related("community", "team")
    unit = territory(actor)
    if unit is not None:
        return qs.filter(below("community__path", unit))
    return qs.filter(user=actor.user)


def volunteer_get(actor: Actor, volunteer_id: int) -> Volunteer:
    found = volunteers_visible_to(actor).filter(pk=volunteer_id).first()
    if found is None:
        raise NotFound(_("志愿者不存在或无权查看"))
    return found


def entries_visible_to(actor: Actor) -> QuerySet[PointsEntry]:
    return PointsEntry.objects.filter(volunteer__in=volunteers_visible_to(actor)).select_related(
        "volunteer", "order"
    )


def balance(volunteer: Volunteer) -> Decimal:
    """The sum of the ledger's lines: nothing else holds a balance."""
    total = PointsEntry.objects.filter(volunteer=volunteer).aggregate(s=Sum("points"))["s"]
    return total or Decimal(0)


def rule_in_force(day: object, district_id: int | None) -> PointsRule | None:
    """The district's points rule on ``day``."""
    rules = PointsRule.objects.filter(district_id=district_id, valid_from__lte=day)
    return rules.order_by("-valid_from").first()


@dataclass(frozen=True)
class Ranked:
    rank: int
    volunteer: Volunteer
    points: Decimal
    hours: Decimal


@lagging_reads()
def rankings(unit: OrgUnit, year: int, month: int, *, by: str = "points") -> list[Ranked]:
    """Volunteers of the unit's communities by what the month's ledger lines gave them (by
    points or by hours); those with nothing that month are left out."""
    start, end = month_bounds(year, month)
    rows = (
        PointsEntry.objects.filter(
            below("volunteer__community__path", unit),
            created_at__gte=start,
            created_at__lt=end,
        )
        .values("volunteer")
        .annotate(points=Sum("points"), hours=Sum("hours"))
        .order_by()
    )
    people = Volunteer.objects.select_related("community", "team").in_bulk(
        [r["volunteer"] for r in rows]
    )

    def order(r: Any) -> tuple[Decimal, Decimal, str]:
        first, second = (r["hours"], r["points"]) if by == "hours" else (r["points"], r["hours"])
        return -first, -second, people[r["volunteer"]].name

    ordered = sorted(rows, key=order)
    return [
        Ranked(i + 1, people[r["volunteer"]], r["points"], r["hours"])
        for i, r in enumerate(ordered)
    ]


@dataclass(frozen=True)
class CommunityMonth:
    community: OrgUnit
    posted: int
    confirmed: int
    refused: int
    hours: Decimal
    points: Decimal
    active: int


@lagging_reads()
def monthly_report(unit: OrgUnit, year: int, month: int) -> list[CommunityMonth]:
    """Per community under the unit: orders posted in the month, confirmed in it (done),
    refused; hours and points the ledger credited in it; volunteers with service in it."""
    start, end = month_bounds(year, month)
    communities = OrgUnit.objects.filter(
        below("path", unit), kind=OrgUnit.Kind.COMMUNITY, is_active=True
    ).order_by("code")
    orders = ServiceOrder.objects.filter(community__in=communities)
    posted = dict(
        orders.filter(posted_at__gte=start, posted_at__lt=end)
        .values_list("community")
        .annotate(n=Count("pk"))
        .order_by()
    )
    confirmed = dict(
        orders.filter(confirmed_at__gte=start, confirmed_at__lt=end)
        .values_list("community")
        .annotate(n=Count("pk"))
        .order_by()
    )
    refused = dict(
        orders.filter(state=OrderState.REFUSED, reviewed_at__gte=start, reviewed_at__lt=end)
        .values_list("community")
        .annotate(n=Count("pk"))
        .order_by()
    )
    ledger: dict[int, Any] = {
        r["volunteer__community"]: r
        for r in PointsEntry.objects.filter(
            volunteer__community__in=communities, created_at__gte=start, created_at__lt=end
        )
        .values("volunteer__community")
        .annotate(
            hours=Sum("hours"),
            points=Sum("points"),
            active=Count("volunteer", distinct=True, filter=Q(kind=EntryKind.SERVICE)),
        )
        .order_by()
    }
    out = []
    for c in communities:
        row: Any = ledger.get(c.pk, {})
        out.append(
            CommunityMonth(
                c,
                posted.get(c.pk, 0),
                confirmed.get(c.pk, 0),
                refused.get(c.pk, 0),
                row.get("hours") or Decimal(0),
                row.get("points") or Decimal(0),
                row.get("active") or 0,
            )
        )
    return out


@dataclass(frozen=True)
class EmployerLine:
    employer: str
    volunteer: Volunteer
    orders: int
    hours: Decimal


@lagging_reads()
def employer_report(unit: OrgUnit, year: int, month: int) -> list[EmployerLine]:
    """双报到: the month's service hours of the party members registered under the unit,
    by employer, for the communities to report back to the employers."""
    start, end = month_bounds(year, month)
    rows = (
        PointsEntry.objects.filter(
            below("volunteer__community__path", unit),
            kind=EntryKind.SERVICE,
            volunteer__kind=VolunteerKind.PARTY_MEMBER,
            created_at__gte=start,
            created_at__lt=end,
        )
        .values("volunteer")
        .annotate(orders=Count("order", distinct=True), hours=Sum("hours"))
        .order_by()
    )
    people = Volunteer.objects.select_related("community").in_bulk([r["volunteer"] for r in rows])
    lines = [
        EmployerLine(
            people[r["volunteer"]].employer, people[r["volunteer"]], r["orders"], r["hours"]
        )
        for r in rows
    ]
    return sorted(lines, key=lambda x: (x.employer, -x.hours, x.volunteer.name))


def case_details(case: Any) -> list[tuple[str, str]]:
    """What a case's page says of the volunteer orders started from it (``ServiceOrder.case``):
    each order's number and state, oldest first."""
    orders = list(ServiceOrder.objects.filter(case=case).order_by("pk").only("number", "state"))
    if not orders:
        return []
    listed = "；".join(f"{o.number}（{o.get_state_display()}）" for o in orders)
    return [(_("由此发起的志愿服务"), listed)]
