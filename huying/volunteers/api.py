"""志愿服务 in the API: volunteers, service orders (post, list in scope, review, take,
check-in/out, confirm), the points ledger and the monthly rankings; the same services and
scope as the domain (an order out of scope is a 404)."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any, Literal

from django.http import HttpRequest
from django.utils import timezone
from ninja import Field, Query, Router, Schema, Status

from huying.core.api_types import ERRORS, Day, FilledText, Id, In, Instant, Text
from huying.core.errors import NotFound
from huying.org.actors import in_district
from huying.org.api_auth import acting
from huying.volunteers import selectors, services
from huying.volunteers.models import PointsEntry, PointsRule, ServiceOrder, Taking, Team, Volunteer

router = Router(tags=["志愿服务 volunteers"])


class VolunteerOut(Schema):
    id: int
    name: str
    community_id: int
    community: str
    kind: str = Field(description="resident (居民志愿者) or party_member (在职党员)")
    employer: str
    skills: str
    availability: str
    team: str
    state: str = Field(description="pending, approved or refused")
    area_ids: list[int]
    version: int


class VolunteerIn(In):
    community_id: Id
    name: FilledText = Field(max_length=50)
    phone: str = Field(pattern=r"^1\d{10}$", description="11-digit mobile: his phone sign-in")
    kind: Literal["resident", "party_member"] = "resident"
    employer: Text = Field("", max_length=100, description="required for party_member")
    skills: Text = Field("", max_length=200)
    availability: Text = Field("", max_length=100)
    area_ids: list[Id] = Field(default_factory=list, description="communities served (own added)")
    team_id: Id | None = None


class VolunteerDecideIn(In):
    approve: bool
    reason: Text = Field("", max_length=300, description="required to refuse")
    version: int | None = Field(None, ge=1)


class TakingOut(Schema):
    volunteer_id: int
    volunteer: str
    assigned: bool
    taken_at: datetime | None
    checkin_at: datetime | None
    checkin_place: str
    checkout_at: datetime | None
    checkout_place: str
    minutes: int | None


class OrderOut(Schema):
    id: int
    number: str
    community_id: int
    community: str
    title: str
    description: str
    place: str
    wanted_at: datetime
    wanted_count: int
    contact_name: str
    state: str = Field(
        description="posted, published, assigned, taken, in_service, done, confirmed, "
        "refused or cancelled"
    )
    reason: str
    rating: int | None
    case_id: int | None
    case_number: str
    posted_at: datetime
    confirmed_at: datetime | None
    takings: list[TakingOut]
    version: int


class OrderIn(In):
    community_id: Id
    title: FilledText = Field(max_length=100)
    place: FilledText = Field(max_length=200)
    wanted_at: Instant
    description: Text = Field("", max_length=2000)
    wanted_count: int = Field(1, ge=1, le=20)
    contact_name: Text = Field("", max_length=50)
    contact_phone: Text = Field("", max_length=20)
    case_id: Id | None = Field(None, description="the case the order helps after (社区、街道)")


class VersionIn(In):
    version: int | None = Field(None, ge=1, description="the version read; a stale one: 409")


class OrderReasonIn(VersionIn):
    reason: FilledText = Field(max_length=300)


class AssignIn(VersionIn):
    volunteer_ids: list[Id] = Field(description="as many as the order wants")


class PlaceIn(In):
    place: FilledText = Field(max_length=200, description="where the volunteer is")


class ConfirmIn(VersionIn):
    rating: int = Field(ge=1, le=5)
    comment: Text = Field("", max_length=300)


class EntryOut(Schema):
    id: int
    volunteer_id: int
    kind: str = Field(description="service or correction")
    points: Decimal
    hours: Decimal
    order_id: int | None
    corrects_id: int | None
    reason: str
    created_at: datetime


class CorrectionIn(In):
    volunteer_id: Id
    points: float = Field(
        ge=-10000, le=10000, description="plus or minus, not zero; one decimal place is kept"
    )
    reason: FilledText = Field(max_length=300)
    corrects_id: Id | None = None


class RankingMonthIn(Schema):
    month: str | None = Field(
        None, pattern=r"^20\d{2}-(0[1-9]|1[0-2])$", description="YYYY-MM, this month by default"
    )
    by: Literal["points", "hours"] = "points"
    unit_id: Id | None = Field(None, description="a community or street in scope; yours by default")


class RankedOut(Schema):
    rank: int
    volunteer_id: int
    name: str
    community: str
    points: Decimal
    hours: Decimal


def _volunteer(v: Volunteer) -> dict[str, Any]:
    return {
        "id": v.pk,
        "name": v.name,
        "community_id": v.community_id,
        "community": v.community.name,
        "kind": v.kind,
        "employer": v.employer,
        "skills": v.skills,
        "availability": v.availability,
        "team": v.team.name if v.team else "",
        "state": v.state,
        "area_ids": [a.pk for a in v.areas.all()],
        "version": v.version,
    }


def _taking(t: Taking) -> dict[str, Any]:
    return {
        "volunteer_id": t.volunteer_id,
        "volunteer": t.volunteer.name,
        **{
            f: getattr(t, f)
            for f in (
                "assigned",
                "taken_at",
                "checkin_at",
                "checkin_place",
                "checkout_at",
                "checkout_place",
                "minutes",
            )
        },
    }


def _order(o: ServiceOrder) -> dict[str, Any]:
    return {
        **{
            f: getattr(o, f)
            for f in (
                "number",
                "community_id",
                "title",
                "description",
                "place",
                "wanted_at",
                "wanted_count",
                "contact_name",
                "state",
                "reason",
                "rating",
                "case_id",
                "posted_at",
                "confirmed_at",
                "version",
            )
        },
        "id": o.pk,
        "community": o.community.name,
        "case_number": o.case.number if o.case else "",
        "takings": [_taking(t) for t in o.takings.select_related("volunteer")],
    }


def _entry(e: PointsEntry) -> dict[str, Any]:
    return {
        f: getattr(e, f)
        for f in (
            "id",
            "volunteer_id",
            "kind",
            "points",
            "hours",
            "order_id",
            "corrects_id",
            "reason",
            "created_at",
        )
    }


@router.get(
    "/volunteers",
    response={200: list[VolunteerOut], **ERRORS},
    summary="志愿者（本社区的；本人的）",
)
def volunteer_list(request: HttpRequest) -> Any:
    qs = selectors.volunteers_visible_to(acting(request)).prefetch_related("areas")
    return [_volunteer(v) for v in qs[:500]]


@router.post("/volunteers", response={201: VolunteerOut, **ERRORS}, summary="社区登记志愿者")
def volunteer_register(request: HttpRequest, payload: VolunteerIn) -> Any:
    return Status(
        201, _volunteer(services.volunteer_register(actor=acting(request), **payload.dict()))
    )


@router.post(
    "/volunteers/apply",
    response={201: VolunteerOut, **ERRORS},
    summary="居民申请成为志愿者（社区审核）",
)
def volunteer_apply(request: HttpRequest, payload: VolunteerIn) -> Any:
    values = payload.dict()
    values.pop("team_id")
    return Status(201, _volunteer(services.volunteer_apply(actor=acting(request), **values)))


@router.post(
    "/volunteers/{volunteer_id}/decide",
    response={200: VolunteerOut, **ERRORS},
    summary="社区审核志愿者申请",
)
def volunteer_decide(request: HttpRequest, volunteer_id: Id, payload: VolunteerDecideIn) -> Any:
    return _volunteer(
        services.volunteer_decide(
            actor=acting(request), volunteer_id=volunteer_id, **payload.dict()
        )
    )


@router.get(
    "/volunteer-orders",
    response={200: list[OrderOut], **ERRORS},
    summary="服务订单（社区：本社区的；志愿者：服务区域待接的和自己接的；居民：自己的）",
)
def order_list(request: HttpRequest, state: str | None = None) -> Any:
    qs = selectors.orders_visible_to(acting(request))
    if state:
        qs = qs.filter(state=state)
    return [_order(o) for o in qs[:200]]


@router.post("/volunteer-orders", response={201: OrderOut, **ERRORS}, summary="点单：发布服务需求")
def order_post(request: HttpRequest, payload: OrderIn) -> Any:
    return Status(201, _order(services.order_post(actor=acting(request), **payload.dict())))


@router.get("/volunteer-orders/{order_id}", response={200: OrderOut, **ERRORS}, summary="服务订单")
def order_detail(request: HttpRequest, order_id: Id) -> Any:
    return _order(selectors.order_get(acting(request), order_id))


@router.post(
    "/volunteer-orders/{order_id}/publish", response={200: OrderOut, **ERRORS}, summary="社区发布"
)
def order_publish(request: HttpRequest, order_id: Id, payload: VersionIn) -> Any:
    return _order(
        services.order_publish(actor=acting(request), order_id=order_id, **payload.dict())
    )


@router.post(
    "/volunteer-orders/{order_id}/assign", response={200: OrderOut, **ERRORS}, summary="社区派单"
)
def order_assign(request: HttpRequest, order_id: Id, payload: AssignIn) -> Any:
    return _order(services.order_assign(actor=acting(request), order_id=order_id, **payload.dict()))


@router.post(
    "/volunteer-orders/{order_id}/refuse",
    response={200: OrderOut, **ERRORS},
    summary="社区不予受理（说明理由）",
)
def order_refuse(request: HttpRequest, order_id: Id, payload: OrderReasonIn) -> Any:
    return _order(services.order_refuse(actor=acting(request), order_id=order_id, **payload.dict()))


@router.post(
    "/volunteer-orders/{order_id}/cancel",
    response={200: OrderOut, **ERRORS},
    summary="取消（服务开始前；点单人或社区）",
)
def order_cancel(request: HttpRequest, order_id: Id, payload: OrderReasonIn) -> Any:
    return _order(services.order_cancel(actor=acting(request), order_id=order_id, **payload.dict()))


@router.post(
    "/volunteer-orders/{order_id}/take",
    response={200: OrderOut, **ERRORS},
    summary="志愿者接单（已接满：409）",
)
def order_take(request: HttpRequest, order_id: Id) -> Any:
    actor = acting(request)
    taking = services.order_take(actor=actor, order_id=order_id)
    return _order(selectors.order_get(actor, taking.order_id))


@router.post(
    "/volunteer-orders/{order_id}/check-in", response={200: OrderOut, **ERRORS}, summary="签到"
)
def order_check_in(request: HttpRequest, order_id: Id, payload: PlaceIn) -> Any:
    actor = acting(request)
    services.order_check_in(actor=actor, order_id=order_id, **payload.dict())
    return _order(selectors.order_get(actor, order_id))


@router.post(
    "/volunteer-orders/{order_id}/check-out", response={200: OrderOut, **ERRORS}, summary="签退"
)
def order_check_out(request: HttpRequest, order_id: Id, payload: PlaceIn) -> Any:
    actor = acting(request)
    services.order_check_out(actor=actor, order_id=order_id, **payload.dict())
    return _order(selectors.order_get(actor, order_id))


@router.post(
    "/volunteer-orders/{order_id}/confirm",
    response={200: OrderOut, **ERRORS},
    summary="点单人确认并评价（1–5 星），志愿者得积分",
)
def order_confirm(request: HttpRequest, order_id: Id, payload: ConfirmIn) -> Any:
    return _order(
        services.order_confirm(actor=acting(request), order_id=order_id, **payload.dict())
    )


@router.get(
    "/volunteer-ledger",
    response={200: list[EntryOut], **ERRORS},
    summary="积分台账（志愿者：本人的；社区：本社区志愿者的）",
)
def ledger(request: HttpRequest, volunteer_id: Id | None = None) -> Any:
    qs = selectors.entries_visible_to(acting(request))
    if volunteer_id is not None:
        qs = qs.filter(volunteer_id=volunteer_id)
    return [_entry(e) for e in qs[:500]]


@router.post(
    "/volunteer-ledger/corrections",
    response={201: EntryOut, **ERRORS},
    summary="社区更正积分（新增一条更正记录，说明理由）",
)
def correction(request: HttpRequest, payload: CorrectionIn) -> Any:
    return Status(201, _entry(services.points_correct(actor=acting(request), **payload.dict())))


@router.get(
    "/volunteer-rankings",
    response={200: list[RankedOut], **ERRORS},
    summary="志愿者月度排行（本社区、本街道或全区）",
)
def rankings(request: HttpRequest, q: Query[RankingMonthIn]) -> Any:
    actor = acting(request)
    unit = selectors.territory(actor)
    if unit is None:
        raise NotFound()
    if q.unit_id is not None:
        found = type(unit).objects.filter(selectors.below("path", unit), pk=q.unit_id).first()
        if found is None:
            raise NotFound()
        unit = found
    today = timezone.localdate()
    year, month = (int(p) for p in q.month.split("-")) if q.month else (today.year, today.month)
    return [
        {
            "rank": r.rank,
            "volunteer_id": r.volunteer.pk,
            "name": r.volunteer.name,
            "community": r.volunteer.community.name,
            "points": r.points,
            "hours": r.hours,
        }
        for r in selectors.rankings(unit, year, month, by=q.by)
    ]


class TeamIn(In):
    community_id: Id
    name: FilledText = Field(max_length=100)
    colour: Literal["red", "green", "blue"] = Field("red", description="三色服务队: the armband")


class TeamOut(Schema):
    id: int
    community_id: int
    name: str
    colour: str


class RuleIn(In):
    valid_from: Day = Field(description="from tomorrow or later")
    # Numbers, not decimal strings: a client sends 1.5, the service keeps two places.
    points_per_hour: float = Field(ge=0, le=1000)
    bonus_rating_4: float = Field(0, ge=0, le=1000)
    bonus_rating_5: float = Field(0, ge=0, le=1000)


class RuleOut(Schema):
    valid_from: date
    points_per_hour: Decimal
    bonus_rating_4: Decimal
    bonus_rating_5: Decimal


@router.post("/volunteer-teams", response={201: TeamOut, **ERRORS}, summary="社区新建服务队")
def team_create(request: HttpRequest, payload: TeamIn) -> Any:
    team: Team = services.team_create(actor=acting(request), **payload.dict())
    return Status(201, team)


@router.get(
    "/volunteer-points-rules",
    response={200: list[RuleOut], **ERRORS},
    summary="积分规则（按起始日期，最新的在前）",
)
def rule_list(request: HttpRequest) -> Any:
    return list(PointsRule.objects.filter(in_district(acting(request)))[:50])


@router.post(
    "/volunteer-points-rules",
    response={201: RuleOut, **ERRORS},
    summary="区里设定积分规则（自某日起施行，不改已有的）",
)
def rule_create(request: HttpRequest, payload: RuleIn) -> Any:
    return Status(201, services.rule_set(actor=acting(request), **payload.dict()))
