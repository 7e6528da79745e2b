"""志愿服务 pages. The community desk: orders waiting for review (publish, assign, refuse),
the volunteers (register, approve, the ledger and its corrections), the orders made from a
case; the figures (rankings, the monthly report and its XLSX, the 双报到 report to the
employers). The phone: a volunteer's available orders, his own, check-in/out and points; a
requester's needs, posting one, confirming and rating."""

from __future__ import annotations

import re
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from django.conf import settings
from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_POST

from huying.cases.phone import phone_view
from huying.cases.selectors import case_get
from huying.core.errors import DomainError, InvalidInput, NotFound
from huying.core.web import file_download
from huying.org.actors import Actor, under
from huying.org.models import OrgUnit
from huying.org.web import staff_view
from huying.volunteers import rules, selectors, services, workbooks
from huying.volunteers.models import (
    OrderState,
    ServiceOrder,
    Team,
    TeamColour,
    VolunteerKind,
    VolunteerState,
)

_MONTH = re.compile(r"(20\d{2})-(0[1-9]|1[0-2])")
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _desk_actor(request: HttpRequest) -> Actor:
    actor: Actor = request.actor  # type: ignore[attr-defined]
    if actor.role not in rules.DESK_ROLES:
        raise NotFound(_("页面不存在"))
    return actor


def _month(request: HttpRequest) -> tuple[int, int]:
    found = _MONTH.fullmatch(request.GET.get("month", ""))
    if found:
        return int(found.group(1)), int(found.group(2))
    today = timezone.localdate()
    return today.year, today.month


def _back(request: HttpRequest, default: str) -> HttpResponse:
    back = request.POST.get("next", "")
    if not url_has_allowed_host_and_scheme(back, allowed_hosts={request.get_host()}):
        back = ""
    return redirect(back or default)


def _int(value: str | None) -> int | None:
    return int(value) if value and value.isdigit() else None


def _when(value: str) -> datetime:
    """A ``datetime-local`` field, read in the district's time."""
    try:
        found = datetime.fromisoformat(value)
    except ValueError:
        raise InvalidInput(_("请填写服务时间"), field="wanted_at") from None
    return found.replace(tzinfo=ZoneInfo(settings.TIME_ZONE))


def _reviewer(actor: Actor) -> OrgUnit | None:
    """The community whose desk this is (its staff, a grid leader placed at it)."""
    if actor.role in rules.REVIEW_ROLES and actor.unit.kind == OrgUnit.Kind.COMMUNITY:
        return actor.unit
    return None


# --- the community desk -------------------------------------------------------------------------


@require_GET
@staff_view
def desk(request: HttpRequest) -> HttpResponse:
    actor = _desk_actor(request)
    community = _reviewer(actor)
    if community is None:
        return redirect("volunteers:rankings")
    orders = selectors.orders_visible_to(actor).filter(community=community)
    return render(
        request,
        "volunteers/desk.html",
        {
            "nav": "volunteers",
            "tab": "desk",
            "community": community,
            "waiting": list(orders.filter(state=OrderState.POSTED).order_by("wanted_at")),
            "recent": list(orders.exclude(state=OrderState.POSTED)[:30]),
            "applicants": list(
                selectors.volunteers_visible_to(actor).filter(
                    community=community, state=VolunteerState.PENDING
                )
            ),
            "volunteers": list(
                selectors.volunteers_visible_to(actor).filter(
                    areas=community, state=VolunteerState.APPROVED
                )
            ),
        },
    )


def _order_context(actor: Actor, order: ServiceOrder) -> dict[str, Any]:
    reviews = services._reviews(actor, order.community)
    return {
        "order": order,
        "takings": list(order.takings.select_related("volunteer")),
        "entries": list(order.entries.select_related("volunteer")),
        "may_review": reviews and order.state in rules.RULES["publish"].sources,
        "may_assign": reviews and order.state in rules.RULES["assign"].sources,
        "may_cancel": (reviews or order.requester_id == actor.user.pk)
        and order.state in rules.RULES["cancel"].sources,
        "candidates": list(
            selectors.volunteers_visible_to(actor).filter(
                areas=order.community, state=VolunteerState.APPROVED
            )
        )
        if reviews
        else [],
    }


@require_GET
@staff_view
def order(request: HttpRequest, order_id: int) -> HttpResponse:
    actor = _desk_actor(request)
    found = selectors.order_get(actor, order_id)
    context = _order_context(actor, found) | {"nav": "volunteers", "tab": "desk"}
    return render(request, "volunteers/order.html", context)


ACTIONS = ("publish", "assign", "refuse", "cancel", "take", "check_in", "check_out", "confirm")


@require_POST
@staff_view
def order_action(request: HttpRequest, order_id: int, action: str) -> HttpResponse:
    """Every order action from a desk or a phone form; refused, it says why and changes
    nothing."""
    actor: Actor = request.actor  # type: ignore[attr-defined]
    if action not in ACTIONS:
        raise NotFound(_("页面不存在"))
    post = request.POST
    version = _int(post.get("version"))
    try:
        if action == "publish":
            services.order_publish(actor=actor, order_id=order_id, version=version)
        elif action == "assign":
            ids = [int(v) for v in post.getlist("volunteer_ids") if v.isdigit()]
            services.order_assign(
                actor=actor, order_id=order_id, volunteer_ids=ids, version=version
            )
        elif action in ("refuse", "cancel"):
            write = services.order_refuse if action == "refuse" else services.order_cancel
            write(actor=actor, order_id=order_id, reason=post.get("reason", ""), version=version)
        elif action == "take":
            services.order_take(actor=actor, order_id=order_id)
        elif action in ("check_in", "check_out"):
            check = services.order_check_in if action == "check_in" else services.order_check_out
            check(actor=actor, order_id=order_id, place=post.get("place", ""))
        else:
            rating = _int(post.get("rating"))
            services.order_confirm(
                actor=actor,
                order_id=order_id,
                rating=rating or 0,
                comment=post.get("comment", ""),
                version=version,
            )
    except NotFound:
        raise
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, DONE_MESSAGES[action])
    return _back(request, reverse("volunteers:phone_order", args=[order_id]))


DONE_MESSAGES = {
    "publish": gettext_lazy("已发布，服务区域内的志愿者可以接单"),
    "assign": gettext_lazy("已派单，等待志愿者接单"),
    "refuse": gettext_lazy("已不予受理"),
    "cancel": gettext_lazy("已取消"),
    "take": gettext_lazy("接单成功"),
    "check_in": gettext_lazy("已签到"),
    "check_out": gettext_lazy("已签退"),
    "confirm": gettext_lazy("已确认，志愿者获得积分"),
}


@staff_view
def people(request: HttpRequest) -> HttpResponse:
    """The community's volunteers; its staff register one here (approved at once)."""
    actor = _desk_actor(request)
    community = _reviewer(actor)
    values: dict[str, Any] = {}
    if request.method == "POST":
        if community is None:
            raise NotFound(_("页面不存在"))
        values = request.POST.dict()
        try:
            services.volunteer_register(
                actor=actor,
                community_id=community.pk,
                name=values.get("name", ""),
                phone=values.get("phone", ""),
                kind=values.get("kind", VolunteerKind.RESIDENT),
                employer=values.get("employer", ""),
                skills=values.get("skills", ""),
                availability=values.get("availability", ""),
                team_id=_int(values.get("team_id")),
            )
        except DomainError as exc:
            messages.error(request, exc.message)
        else:
            messages.success(request, _("已登记，志愿者可用手机号登录手机端接单"))
            return redirect("volunteers:people")
    rows = selectors.volunteers_visible_to(actor)
    return render(
        request,
        "volunteers/people.html",
        {
            "nav": "volunteers",
            "tab": "people",
            "community": community,
            "rows": list(rows[:500]),
            "teams": list(Team.objects.filter(community=community)) if community else [],
            "kinds": VolunteerKind.choices,
            "colours": TeamColour.choices,
            "values": values,
        },
    )


@require_GET
@staff_view
def person(request: HttpRequest, volunteer_id: int) -> HttpResponse:
    actor = _desk_actor(request)
    volunteer = selectors.volunteer_get(actor, volunteer_id)
    return render(
        request,
        "volunteers/person.html",
        {
            "nav": "volunteers",
            "tab": "people",
            "volunteer": volunteer,
            "entries": list(volunteer.entries.select_related("order", "corrects")[:200]),
            "balance": selectors.balance(volunteer),
            "may_review": services._reviews(actor, volunteer.community),
        },
    )


@require_POST
@staff_view
def person_decide(request: HttpRequest, volunteer_id: int) -> HttpResponse:
    actor = _desk_actor(request)
    try:
        services.volunteer_decide(
            actor=actor,
            volunteer_id=volunteer_id,
            approve=request.POST.get("approve") == "1",
            reason=request.POST.get("reason", ""),
            version=_int(request.POST.get("version")),
        )
    except NotFound:
        raise
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("已审核"))
    return _back(request, reverse("volunteers:desk"))


@require_POST
@staff_view
def person_correct(request: HttpRequest, volunteer_id: int) -> HttpResponse:
    actor = _desk_actor(request)
    try:
        services.points_correct(
            actor=actor,
            volunteer_id=volunteer_id,
            points=request.POST.get("points", ""),
            reason=request.POST.get("reason", ""),
            corrects_id=_int(request.POST.get("corrects_id")),
        )
    except NotFound:
        raise
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("已记入更正"))
    return redirect("volunteers:person", volunteer_id)


@require_GET
@staff_view
def case_lookup(request: HttpRequest) -> HttpResponse:
    """From a case's number to its volunteer orders (and the form to start one)."""
    actor = _desk_actor(request)
    number = request.GET.get("number", "").strip()
    try:
        found = case_get(actor, number=number) if number else None
    except NotFound:
        found = None
    if found is None:
        messages.error(request, _("没有找到该编号的事件"))
        return redirect("volunteers:desk")
    return redirect("volunteers:case_orders", found.pk)


@require_POST
@staff_view
def team_new(request: HttpRequest) -> HttpResponse:
    actor = _desk_actor(request)
    community = _reviewer(actor)
    if community is None:
        raise NotFound(_("页面不存在"))
    try:
        services.team_create(
            actor=actor,
            community_id=community.pk,
            name=request.POST.get("name", ""),
            colour=request.POST.get("colour", TeamColour.RED),
        )
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("已新建服务队"))
    return redirect("volunteers:people")


@staff_view
def case_orders(request: HttpRequest, case_id: int) -> HttpResponse:
    """The volunteer orders made from a case, and a new one (the community or the street,
    for a case handled or closed): e.g. helping an elderly resident after the case closes."""
    actor = _desk_actor(request)
    case = case_get(actor, case_id=case_id)
    may_post = actor.role in rules.CASE_ORDER_ROLES and case.state in rules.CASE_STATES
    values: dict[str, Any] = {}
    if request.method == "POST":
        if not may_post:
            raise NotFound(_("页面不存在"))
        values = request.POST.dict()
        try:
            created = services.order_post(
                actor=actor,
                case_id=case.pk,
                community_id=case.community_id or 0,
                title=values.get("title", ""),
                description=values.get("description", ""),
                place=values.get("place", ""),
                wanted_at=_when(values.get("wanted_at", "")),
                wanted_count=_int(values.get("wanted_count")) or 1,
                contact_name=values.get("contact_name", ""),
                contact_phone=values.get("contact_phone", ""),
            )
        except DomainError as exc:
            messages.error(request, exc.message)
        else:
            messages.success(request, _("已发起志愿服务，等待社区审核发布"))
            return redirect("volunteers:order", created.pk)
    orders = selectors.orders_visible_to(actor).filter(case=case)
    return render(
        request,
        "volunteers/case_orders.html",
        {
            "nav": "volunteers",
            "tab": "desk",
            "case": case,
            "orders": list(orders),
            "may_post": may_post,
            "values": values,
        },
    )


def _figures_unit(request: HttpRequest, actor: Actor) -> OrgUnit:
    unit = selectors.territory(actor)
    if unit is None or actor.role not in rules.FIGURE_ROLES:
        raise NotFound(_("页面不存在"))
    chosen = _int(request.GET.get("unit"))
    if chosen is not None:
        found = OrgUnit.objects.filter(selectors.below("path", unit), pk=chosen).first()
        if found is None:
            raise NotFound(_("页面不存在"))
        return found
    return unit


def _units(unit: OrgUnit) -> list[OrgUnit]:
    """The territory and the districts, streets and communities under it, for the unit
    picker (the city's: every district's)."""
    below = OrgUnit.objects.filter(
        selectors.below("path", unit),
        kind__in=[OrgUnit.Kind.DISTRICT, OrgUnit.Kind.STREET, OrgUnit.Kind.COMMUNITY],
        is_active=True,
    ).order_by("path")
    return [unit, *[u for u in below if u.pk != unit.pk]]


@require_GET
@staff_view
def rankings(request: HttpRequest) -> HttpResponse:
    actor = _desk_actor(request)
    root = selectors.territory(actor)
    unit = _figures_unit(request, actor)
    year, month = _month(request)
    by = "hours" if request.GET.get("by") == "hours" else "points"
    return render(
        request,
        "volunteers/rankings.html",
        {
            "nav": "volunteers",
            "tab": "rankings",
            "rows": selectors.rankings(unit, year, month, by=by)[:100],
            "unit": unit,
            "units": _units(root) if root else [unit],
            "month": f"{year}-{month:02d}",
            "by": by,
            "may_review": _reviewer(actor) is not None,
        },
    )


@require_GET
@staff_view
def report(request: HttpRequest) -> HttpResponse:
    actor = _desk_actor(request)
    root = selectors.territory(actor)
    unit = _figures_unit(request, actor)
    year, month = _month(request)
    rows = selectors.monthly_report(unit, year, month)
    return render(
        request,
        "volunteers/report.html",
        {
            "nav": "volunteers",
            "tab": "report",
            "rows": rows,
            "unit": unit,
            "units": _units(root) if root else [unit],
            "month": f"{year}-{month:02d}",
            "employers": selectors.employer_report(unit, year, month),
            "may_review": _reviewer(actor) is not None,
        },
    )


@require_GET
@staff_view
def report_xlsx(request: HttpRequest) -> HttpResponse:
    actor = _desk_actor(request)
    unit = _figures_unit(request, actor)
    year, month = _month(request)
    title = _("{unit}志愿服务月报{year}年{month}月").format(unit=unit.name, year=year, month=month)
    data = workbooks.report_workbook(selectors.monthly_report(unit, year, month), title=title)
    return file_download(data, filename=f"{title}.xlsx", content_type=XLSX)


@require_GET
@staff_view
def employers_xlsx(request: HttpRequest) -> HttpResponse:
    """双报到: the party members' hours for their employers."""
    actor = _desk_actor(request)
    unit = _figures_unit(request, actor)
    year, month = _month(request)
    title = _("{unit}在职党员报到服务{year}年{month}月").format(
        unit=unit.name, year=year, month=month
    )
    data = workbooks.employer_workbook(selectors.employer_report(unit, year, month), title=title)
    return file_download(data, filename=f"{title}.xlsx", content_type=XLSX)


# --- the phone ----------------------------------------------------------------------------------


@require_GET
@phone_view
def phone_home(request: HttpRequest) -> HttpResponse:
    actor: Actor = request.actor  # type: ignore[attr-defined]
    registration = selectors.volunteer_of(actor.user)
    volunteer = (
        registration if registration and registration.state == VolunteerState.APPROVED else None
    )
    asked = ServiceOrder.objects.filter(requester=actor.user).select_related("community")
    return render(
        request,
        "volunteers/phone_home.html",
        {
            "nav": "volunteers",
            "registration": registration,
            "volunteer": volunteer,
            "available": list(selectors.available_orders(volunteer)[:50]) if volunteer else [],
            "mine": list(selectors.my_orders(volunteer).exclude(state__in=rules.ENDED)[:50])
            if volunteer
            else [],
            "balance": selectors.balance(volunteer) if volunteer else None,
            "asked": list(asked[:30]),
            "may_post": actor.role in rules.POST_ROLES,
        },
    )


def _communities(actor: Actor) -> list[OrgUnit]:
    """The communities of the resident's district, to pick from."""
    return list(
        OrgUnit.objects.filter(
            under("path", actor.reach), kind=OrgUnit.Kind.COMMUNITY, is_active=True
        )
        .defer("boundary")
        .order_by("path")
    )


@phone_view
def phone_post(request: HttpRequest) -> HttpResponse:
    """点单 on the phone: what, where, when, in which community."""
    actor: Actor = request.actor  # type: ignore[attr-defined]
    if actor.role not in rules.POST_ROLES:
        raise NotFound(_("页面不存在"))
    values: dict[str, Any] = {}
    error = ""
    if request.method == "POST":
        values = request.POST.dict()
        try:
            created = services.order_post(
                actor=actor,
                community_id=_int(values.get("community_id")) or 0,
                title=values.get("title", ""),
                description=values.get("description", ""),
                place=values.get("place", ""),
                wanted_at=_when(values.get("wanted_at", "")),
                wanted_count=_int(values.get("wanted_count")) or 1,
                contact_name=values.get("contact_name", ""),
                contact_phone=values.get("contact_phone", ""),
            )
        except DomainError as exc:
            error = exc.message
        else:
            messages.success(request, _("已提交，社区审核后派给志愿者"))
            return redirect("volunteers:phone_order", created.pk)
    home = actor.unit if actor.unit.kind == OrgUnit.Kind.COMMUNITY else actor.unit.parent
    return render(
        request,
        "volunteers/phone_post.html",
        {
            "nav": "volunteers",
            "communities": _communities(actor),
            "values": values,
            "error": error,
            "home_id": str(values.get("community_id") or (home.pk if home else "")),
        },
    )


@phone_view
def phone_apply(request: HttpRequest) -> HttpResponse:
    actor: Actor = request.actor  # type: ignore[attr-defined]
    values: dict[str, Any] = {}
    error = ""
    if request.method == "POST":
        values = request.POST.dict()
        try:
            services.volunteer_apply(
                actor=actor,
                community_id=_int(values.get("community_id")) or 0,
                name=values.get("name", ""),
                phone=values.get("phone", ""),
                kind=values.get("kind", VolunteerKind.RESIDENT),
                employer=values.get("employer", ""),
                skills=values.get("skills", ""),
                availability=values.get("availability", ""),
            )
        except DomainError as exc:
            error = exc.message
        else:
            messages.success(request, _("申请已提交，社区审核后即可接单"))
            return redirect("volunteers:phone")
    return render(
        request,
        "volunteers/phone_apply.html",
        {
            "nav": "volunteers",
            "communities": _communities(actor),
            "kinds": VolunteerKind.choices,
            "values": values,
            "error": error,
        },
    )


@require_GET
@phone_view
def phone_order(request: HttpRequest, order_id: int) -> HttpResponse:
    actor: Actor = request.actor  # type: ignore[attr-defined]
    found = selectors.order_get(actor, order_id)
    volunteer = selectors.active_volunteer(actor.user)
    mine = found.takings.filter(volunteer=volunteer).first() if volunteer else None
    context = _order_context(actor, found) | {
        "nav": "volunteers",
        "volunteer": volunteer,
        "mine": mine,
        "may_take": volunteer is not None
        and (
            (found.state == OrderState.PUBLISHED and mine is None)
            or (found.state == OrderState.ASSIGNED and mine is not None and not mine.taken_at)
        ),
        "may_confirm": found.state == OrderState.DONE and found.requester_id == actor.user.pk,
        "stars": [5, 4, 3, 2, 1],
    }
    return render(request, "volunteers/phone_order.html", context)


@require_GET
@phone_view
def phone_points(request: HttpRequest) -> HttpResponse:
    actor: Actor = request.actor  # type: ignore[attr-defined]
    volunteer = selectors.active_volunteer(actor.user)
    if volunteer is None:
        return redirect("volunteers:phone")
    return render(
        request,
        "volunteers/phone_points.html",
        {
            "nav": "volunteers",
            "volunteer": volunteer,
            "balance": selectors.balance(volunteer),
            "entries": list(volunteer.entries.select_related("order")[:100]),
            "colours": TeamColour,
        },
    )
