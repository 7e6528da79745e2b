"""Reads of 一口受理, scoped: a station's staff see their station's applications, the back
office department those passed to it, the district everything; residents use the lookup."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from django.contrib.auth.models import User
from django.db.models import Count, Q, QuerySet
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from huying.core.errors import NotFound
from huying.onewindow import rules
from huying.onewindow.models import (
    Application,
    ApplicationPhoto,
    ApplicationState,
    DutyShift,
    ElderCall,
    Qualification,
    ServiceItem,
    StepAction,
)
from huying.org.actors import Actor, under
from huying.org.models import OrgUnit, RoleGrant

#: How many items a search shows at once.
SEARCH_LIMIT = 50


def published_items(query: str = "") -> QuerySet[ServiceItem]:
    """What residents see: published items, found by name, code or a word of the conditions."""
    items = ServiceItem.objects.filter(published=True).select_related("department")
    query = (query or "").strip()
    if query:
        items = items.filter(
            Q(name__icontains=query) | Q(code__iexact=query) | Q(conditions__icontains=query)
        )
    return items.order_by("code")


def items_of(reach: str) -> QuerySet[ServiceItem]:
    """A district's service items (``reach``: the district's path prefix; "" every district's):
    those its departments handle."""
    return ServiceItem.objects.filter(under("department__path", reach)).select_related("department")


def window_items(reach: str, query: str = "") -> QuerySet[ServiceItem]:
    """What a window of the district (``reach``) may accept: published items a station may
    take, of the district's departments."""
    return published_items(query).filter(under("department__path", reach), station_accepts=True)


def published_item_get(item_id: int) -> ServiceItem:
    item = published_items().filter(pk=item_id).first()
    if item is None:
        raise NotFound(_("服务事项不存在"))
    return item


def applications_visible_to(actor: Actor) -> QuerySet[Application]:
    apps = Application.objects.select_related("item", "item__department", "station")
    if actor.sees_all and not actor.is_reporter:
        return apps.filter(under("station__path", actor.reach))
    if actor.role in rules.STATION_READERS:
        return apps.filter(station__path__startswith=actor.unit.path)
    if actor.role in rules.BACK_OFFICE_ROLES:
        # The department and its field units: what it handles, once the window passed it on.
        return apps.filter(item__department__path__startswith=_department_path(actor)).exclude(
            state=ApplicationState.RECEIVED
        )
    return apps.none()


def _department_path(actor: Actor) -> str:
    """A field unit's staff act for its department (the item names the department)."""
    unit = actor.unit
    if unit.kind == unit.Kind.FIELD_UNIT and unit.parent is not None:
        return unit.parent.path
    return unit.path


def application_get(actor: Actor, application_id: int) -> Application:
    app = applications_visible_to(actor).filter(pk=application_id).first()
    if app is None:
        raise NotFound(_("申请不存在或无权查看"))
    return app


def photo_get(actor: Actor, photo_id: int) -> ApplicationPhoto:
    photo = (
        ApplicationPhoto.objects.filter(
            pk=photo_id, application__in=applications_visible_to(actor).values("pk")
        )
        .only("file", "name", "content_type")
        .first()
    )
    if photo is None:
        raise NotFound(_("附件不存在或无权查看"))
    return photo


#: What the resident is told of each step (never who did it): the status page's trail.
PUBLIC_STEPS = {
    StepAction.ACCEPT: gettext_lazy("服务站窗口已受理"),
    StepAction.PROXY_TAKE: gettext_lazy("工作人员已上门受理（代办）"),
    StepAction.HANDOVER: gettext_lazy("代办材料已交接"),
    StepAction.PASS: gettext_lazy("已转部门办理"),
    StepAction.DONE: gettext_lazy("已办结"),
    StepAction.REFUSE: gettext_lazy("不予办理"),
}


def public_steps(app: Application) -> list[dict[str, Any]]:
    return [
        {"at": s.at, "label": str(PUBLIC_STEPS[StepAction(s.action)])}
        for s in app.steps.order_by("seq").only("at", "action")
    ]


# --- 全岗位通 -----------------------------------------------------------------------------------


def station_staff(unit: OrgUnit) -> QuerySet[User]:
    """The people who work the windows of the stations at or under ``unit``."""
    grants = RoleGrant.objects.filter(
        role__in=rules.WINDOW_ROLES,
        is_active=True,
        unit__kind__in=rules.STATION_KINDS,
        unit__path__startswith=unit.path,
    )
    return User.objects.filter(pk__in=grants.values("user_id"), is_active=True).order_by("pk")


@dataclass(frozen=True)
class StaffSkills:
    person: User
    items: list[ServiceItem]


@dataclass(frozen=True)
class StationSkills:
    """Who at a station can handle what (全岗位通), and what no one there can handle yet."""

    staff: list[StaffSkills]
    uncovered: list[ServiceItem]
    #: whether a roster named who is on duty (else: all the station's staff)
    rostered: bool = False


def valid_qualifications(day: date) -> QuerySet[Qualification]:
    """Qualifications in force on ``day``: passed on or before it, within the valid days."""
    return Qualification.objects.filter(
        passed_on__lte=day,
        passed_on__gt=day - timedelta(days=rules.QUALIFICATION_VALID_DAYS),
    )


def on_duty(station: OrgUnit, day: date) -> tuple[list[User], bool]:
    """Who is on duty at the station's windows on ``day``, and whether a roster says so
    (a day with no one rostered: all the station's staff)."""
    staff = station_staff(station)
    rostered = DutyShift.objects.filter(station=station, day=day).values("person_id")
    if rostered.exists():
        return list(staff.filter(pk__in=rostered)), True
    return list(staff), False


def qualified_on_duty(station: OrgUnit, item: ServiceItem, day: date) -> list[User]:
    """The people on duty at the station on ``day`` with a valid qualification for ``item``."""
    people, _rostered = on_duty(station, day)
    holders = set(
        valid_qualifications(day)
        .filter(item=item, person__in=people)
        .values_list("person_id", flat=True)
    )
    return [p for p in people if p.pk in holders]


def station_skills(station: OrgUnit, day: date) -> StationSkills:
    """Who on duty at the station on ``day`` can handle what (全岗位通), by the roster."""
    people, rostered = on_duty(station, day)
    items = list(window_items(f"/{station.district_id}/"))
    held: dict[int, set[int]] = {}
    for person_id, item_id in (
        valid_qualifications(day)
        .filter(person__in=people, item__in=items)
        .values_list("person_id", "item_id")
    ):
        held.setdefault(person_id, set()).add(item_id)
    covered = set().union(*held.values()) if held else set()
    return StationSkills(
        staff=[StaffSkills(p, [i for i in items if i.pk in held.get(p.pk, set())]) for p in people],
        uncovered=[i for i in items if i.pk not in covered],
        rostered=rostered,
    )


def roster(station_unit: OrgUnit, start: date, days: int) -> QuerySet[DutyShift]:
    """The shifts of the stations at or under ``station_unit`` from ``start`` for ``days``."""
    return (
        DutyShift.objects.filter(
            station__path__startswith=station_unit.path,
            day__gte=start,
            day__lt=start + timedelta(days=days),
        )
        .select_related("station", "person")
        .order_by("day", "station__code", "person_id")
    )


def qualifications_visible_to(actor: Actor) -> QuerySet[Qualification]:
    """The qualifications of the staff the actor records them for."""
    return (
        Qualification.objects.filter(person__in=station_staff(actor.unit))
        .select_related("person", "item")
        .order_by("-passed_on", "-pk")
    )


def station_figures(actor: Actor, now: datetime) -> list[dict[str, Any]]:
    """Per station in the actor's scope: applications accepted, still open, open past their
    due date, done, refused, and taken by proxy — the street's and the district's view."""
    rows = (
        applications_visible_to(actor)
        .order_by()
        .values("station_id", "station__name", "station__code")
        .annotate(
            total=Count("pk"),
            open=Count("pk", filter=Q(state__in=rules.OPEN_STATES)),
            overdue=Count("pk", filter=Q(state__in=rules.OPEN_STATES, due_at__lt=now)),
            done=Count("pk", filter=Q(state=ApplicationState.DONE)),
            refused=Count("pk", filter=Q(state=ApplicationState.REFUSED)),
            proxies=Count("pk", filter=Q(proxy_by__isnull=False)),
        )
        .order_by("station__code")
    )
    return [
        {
            "station": r["station__name"],
            **{k: r[k] for k in ("total", "open", "overdue", "done", "refused", "proxies")},
        }
        for r in rows
    ]


def calls_visible_to(actor: Actor) -> QuerySet[ElderCall]:
    """12349 calls: a station's staff their station's, the street its stations', the
    district all of its own (the city every district's)."""
    calls = ElderCall.objects.select_related("station", "application", "case")
    if actor.sees_all and not actor.is_reporter:
        return calls.filter(under("station__path", actor.reach))
    if actor.role in rules.STATION_READERS:
        return calls.filter(station__path__startswith=actor.unit.path)
    return calls.none()
