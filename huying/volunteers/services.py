"""Writes of 志愿服务. Each is one transaction through the order's rules table
(``rules.RULES``): bad input, an actor who may not, or a change made meanwhile (the order's
``version`` compared and set) changes nothing. Points are credited only when the requester
confirms an order, into a ledger that is never edited (a correction is a new line)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from django.contrib.auth import get_user_model
from django.contrib.auth.models import User
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from huying.cases.models import Case
from huying.cases.selectors import cases_visible_to
from huying.core.changelog import change_record
from huying.core.errors import (
    Conflict,
    InvalidInput,
    InvalidTransition,
    NotFound,
    PermissionDenied,
    RuleViolation,
)
from huying.core.numbering import counter_next
from huying.org.actors import Actor, under
from huying.org.models import OrgUnit, PhoneAccount, Role, RoleGrant
from huying.org.selectors import ancestors
from huying.volunteers import rules, selectors
from huying.volunteers.models import (
    EntryKind,
    OrderState,
    PointsEntry,
    PointsRule,
    ServiceOrder,
    Taking,
    Team,
    TeamColour,
    Volunteer,
    VolunteerKind,
    VolunteerState,
)

PHONE_DIGITS = 11
#: How often a taker tries again when another took a place at the same moment.
TAKE_ATTEMPTS = 20


def _text(value: str, field: str, *, label: str, limit: int, required: bool = True) -> str:
    value = (value or "").strip()
    if required and not value:
        raise InvalidInput(_("请填写{label}").format(label=label), field=field)
    if len(value) > limit:
        raise InvalidInput(
            _("{label}不能超过 {limit} 字").format(label=label, limit=limit), field=field
        )
    return value


def _phone(value: str) -> str:
    value = (value or "").strip()
    if not (value.isdigit() and len(value) == PHONE_DIGITS and value.startswith("1")):
        raise InvalidInput(_("请填写 11 位手机号"), field="phone")
    return value


def _community(community_id: int | None, actor: Actor | None) -> OrgUnit:
    """An active community of the actor's district (any, for the system)."""
    found = OrgUnit.objects.filter(
        under("path", actor.reach if actor else ""),
        pk=community_id or 0,
        kind=OrgUnit.Kind.COMMUNITY,
        is_active=True,
    ).first()
    if found is None:
        raise InvalidInput(_("请选择在用的社区"), field="community_id")
    return found


def _reviews(actor: Actor, community: OrgUnit) -> bool:
    """The community's own staff (a grid leader placed at it or at one of its grids)."""
    return actor.role in rules.REVIEW_ROLES and (
        actor.unit.pk == community.pk or actor.unit.parent_id == community.pk
    )


def _require_review(actor: Actor, community: OrgUnit) -> None:
    if not _reviews(actor, community):
        raise PermissionDenied(_("只有本社区的工作人员可以办理"))


# --- the district's points rule -----------------------------------------------------------------


def _points(value: object, field: str) -> Decimal:
    try:
        found = Decimal(str(value)).quantize(Decimal("0.01"))
    except (InvalidOperation, ValueError):
        raise InvalidInput(_("积分须是数字"), field=field) from None
    if found < 0 or found > 1000:
        raise InvalidInput(_("积分须在 0 到 1000 之间"), field=field)
    return found


def rule_set(
    *,
    actor: Actor | None,
    valid_from: date,
    points_per_hour: object,
    bonus_rating_4: object = 0,
    bonus_rating_5: object = 0,
    district_id: int | None = None,
    now: datetime | None = None,
) -> PointsRule:
    """The district's rule from ``valid_from`` on (the actor's district; ``actor`` None: the
    system, the demo, for ``district_id``); orders confirmed before keep theirs. A rule
    already in force is not rewritten."""
    now = now or timezone.now()
    if actor is not None:
        if actor.role not in rules.RULE_ROLES or actor.district_id is None:
            raise PermissionDenied(_("只有区级可以设定积分规则"))
        district_id = actor.district_id
    if district_id is None:
        raise InvalidInput(_("积分规则须属于一个区"), field="district_id")
    if actor is not None and valid_from <= timezone.localdate(now):
        raise InvalidInput(_("新规则须从明天或以后起施行"), field="valid_from")
    values = {
        "points_per_hour": _points(points_per_hour, "points_per_hour"),
        "bonus_rating_4": _points(bonus_rating_4, "bonus_rating_4"),
        "bonus_rating_5": _points(bonus_rating_5, "bonus_rating_5"),
    }
    with transaction.atomic():
        if PointsRule.objects.filter(district_id=district_id, valid_from=valid_from).exists():
            raise RuleViolation(_("该日起施行的规则已有"), field="valid_from")
        rule = PointsRule.objects.create(
            district_id=district_id,
            valid_from=valid_from,
            created_by=actor.user if actor else None,
            created_at=now,
            **values,
        )
        change_record(
            actor=actor,
            action="volunteers.rule.create",
            obj=rule,
            now=now,
            after={k: str(v) for k, v in values.items()} | {"valid_from": str(valid_from)},
        )
    return rule


# --- teams and volunteers -----------------------------------------------------------------------


def team_create(
    *, actor: Actor | None, community_id: int, name: str, colour: str = TeamColour.RED
) -> Team:
    community = _community(community_id, actor)
    if actor is not None:
        _require_review(actor, community)
    if colour not in TeamColour.values:
        raise InvalidInput(_("臂章颜色无效"), field="colour")
    name = _text(name, "name", label=_("队名"), limit=100)
    try:
        with transaction.atomic():
            return Team.objects.create(community=community, name=name, colour=colour)
    except IntegrityError:
        raise RuleViolation(_("本社区已有同名服务队"), field="name") from None


def _account(phone: str, name: str, community: OrgUnit, now: datetime) -> User:
    """The person's phone sign-in account (made, with a resident's grant in the community's
    district, when new)."""
    account = PhoneAccount.objects.select_related("user").filter(phone=phone).first()
    if account is not None:
        return account.user
    users = get_user_model().objects
    username = f"m{phone}"
    if users.filter(username=username).exists():
        username = f"m{phone}-{now:%H%M%S%f}"
    user = users.create_user(username=username, first_name=name)
    PhoneAccount.objects.create(user=user, phone=phone, created_at=now)
    # A resident of the community's district (the root of its path): he signs in with a text
    # code.
    district = ancestors(community)[0]
    RoleGrant.objects.create(user=user, role=Role.RESIDENT, unit=district)
    return user


def _registration(
    *,
    community: OrgUnit,
    name: str,
    phone: str,
    kind: str,
    employer: str,
    skills: str,
    availability: str,
    area_ids: Sequence[int],
    team_id: int | None,
) -> tuple[dict[str, object], list[OrgUnit], Team | None]:
    if kind not in VolunteerKind.values:
        raise InvalidInput(_("志愿者类别无效"), field="kind")
    values: dict[str, object] = {
        "name": _text(name, "name", label=_("姓名"), limit=50),
        "phone": _phone(phone),
        "kind": kind,
        # 在职党员到社区报到: his employer hears of his hours.
        "employer": _text(
            employer,
            "employer",
            label=_("工作单位"),
            limit=100,
            required=kind == VolunteerKind.PARTY_MEMBER,
        ),
        "skills": _text(skills, "skills", label=_("特长"), limit=200, required=False),
        "availability": _text(
            availability, "availability", label=_("服务时间"), limit=100, required=False
        ),
    }
    areas = list(
        OrgUnit.objects.filter(
            under("path", f"/{community.district_id}/"),
            pk__in=area_ids,
            kind=OrgUnit.Kind.COMMUNITY,
            is_active=True,
        )
    )
    if len(areas) != len(set(area_ids)):
        raise InvalidInput(_("服务区域须是在用的社区"), field="area_ids")
    if community not in areas:
        areas.append(community)
    team = None
    if team_id is not None:
        team = Team.objects.filter(pk=team_id, community=community).first()
        if team is None:
            raise InvalidInput(_("服务队须是本社区的"), field="team_id")
    return values, areas, team


def volunteer_register(
    *,
    actor: Actor | None,
    community_id: int,
    name: str,
    phone: str,
    kind: str = VolunteerKind.RESIDENT,
    employer: str = "",
    skills: str = "",
    availability: str = "",
    area_ids: Sequence[int] = (),
    team_id: int | None = None,
    now: datetime | None = None,
) -> Volunteer:
    """The community's staff register a volunteer (approved at once); he signs in on the
    phone with the number (``actor`` None: the system, the demo)."""
    now = now or timezone.now()
    community = _community(community_id, actor)
    if actor is not None:
        _require_review(actor, community)
    values, areas, team = _registration(
        community=community,
        name=name,
        phone=phone,
        kind=kind,
        employer=employer,
        skills=skills,
        availability=availability,
        area_ids=area_ids,
        team_id=team_id,
    )
    with transaction.atomic():
        user = _account(str(values["phone"]), str(values["name"]), community, now)
        return _create(actor, user, community, values, areas, team, VolunteerState.APPROVED, now)


def volunteer_apply(
    *,
    actor: Actor,
    community_id: int,
    name: str,
    phone: str,
    kind: str = VolunteerKind.RESIDENT,
    employer: str = "",
    skills: str = "",
    availability: str = "",
    area_ids: Sequence[int] = (),
    now: datetime | None = None,
) -> Volunteer:
    """A resident applies on the phone; the community's staff approve or refuse."""
    now = now or timezone.now()
    values, areas, team = _registration(
        community=_community(community_id, actor),
        name=name,
        phone=phone,
        kind=kind,
        employer=employer,
        skills=skills,
        availability=availability,
        area_ids=area_ids,
        team_id=None,
    )
    community = _community(community_id, actor)
    with transaction.atomic():
        return _create(
            actor, actor.user, community, values, areas, team, VolunteerState.PENDING, now
        )


def _create(
    actor: Actor | None,
    user: User,
    community: OrgUnit,
    values: dict[str, object],
    areas: list[OrgUnit],
    team: Team | None,
    state: str,
    now: datetime,
) -> Volunteer:
    if Volunteer.objects.filter(user=user).exists():
        raise RuleViolation(_("此人已登记为志愿者"), field="phone")
    approved = state == VolunteerState.APPROVED
    volunteer = Volunteer.objects.create(
        user=user,
        community=community,
        team=team,
        state=state,
        registered_at=now,
        decided_at=now if approved else None,
        decided_by=actor.user if approved and actor else None,
        **values,
    )
    volunteer.areas.set(areas)
    change_record(
        actor=actor,
        action="volunteers.volunteer.register" if approved else "volunteers.volunteer.apply",
        obj=volunteer,
        now=now,
        after={"community": community.pk, "kind": volunteer.kind, "state": state},
    )
    return volunteer


def volunteer_decide(
    *,
    actor: Actor,
    volunteer_id: int,
    approve: bool,
    reason: str = "",
    version: int | None = None,
    now: datetime | None = None,
) -> Volunteer:
    """The community approves an application, or refuses it saying why."""
    now = now or timezone.now()
    reason = _text(reason, "reason", label=_("未通过原因"), limit=300, required=not approve)
    with transaction.atomic():
        volunteer = selectors.volunteer_get(actor, volunteer_id)
        _require_review(actor, volunteer.community)
        if volunteer.state != VolunteerState.PENDING:
            raise InvalidTransition(_("该申请已审核"))
        state = VolunteerState.APPROVED if approve else VolunteerState.REFUSED
        updated = Volunteer.objects.filter(
            pk=volunteer.pk, version=version or volunteer.version, state=VolunteerState.PENDING
        ).update(
            state=state,
            refusal_reason="" if approve else reason,
            decided_by=actor.user,
            decided_at=now,
            version=F("version") + 1,
        )
        if not updated:
            raise Conflict()
        volunteer.refresh_from_db()
        change_record(
            actor=actor,
            action="volunteers.volunteer.decide",
            obj=volunteer,
            now=now,
            before={"state": VolunteerState.PENDING},
            after={"state": state, "reason": reason},
        )
    return volunteer


# --- orders -------------------------------------------------------------------------------------


def _number(now: datetime) -> str:
    day = timezone.localdate(now)
    return f"ZY-{day:%Y%m%d}-{counter_next(f'volunteers.order.{day:%Y%m%d}'):04d}"


def order_post(
    *,
    actor: Actor,
    community_id: int,
    title: str,
    place: str,
    wanted_at: datetime,
    description: str = "",
    wanted_count: int = 1,
    contact_name: str = "",
    contact_phone: str = "",
    case_id: int | None = None,
    now: datetime | None = None,
) -> ServiceOrder:
    """点单: a resident posts his need; field staff post one for a resident; the community
    or the street makes one from a case (``case_id``, a case they see, handled or closed).
    It waits for the community's review."""
    now = now or timezone.now()
    community = _community(community_id, actor)
    case: Case | None = None
    if case_id is not None:
        if actor.role not in rules.CASE_ORDER_ROLES:
            raise PermissionDenied(_("只有社区和街道可以由事件发起志愿服务"))
        case = cases_visible_to(actor).filter(pk=case_id).first()
        if case is None:
            raise NotFound(_("事件不存在或无权查看"))
        if case.state not in rules.CASE_STATES:
            raise RuleViolation(_("只有处置中或已结案的事件可以发起志愿服务"), field="case_id")
        if case.community_id is not None and case.community_id != community.pk:
            raise InvalidInput(_("订单须在事件所在社区"), field="community_id")
    elif actor.role not in rules.POST_ROLES:
        raise PermissionDenied(_("当前角色不能发布服务需求"))
    if wanted_at < now:
        raise InvalidInput(_("服务时间不能早于现在"), field="wanted_at")
    if not 1 <= wanted_count <= 20:
        raise InvalidInput(_("需要人数须在 1 到 20 之间"), field="wanted_count")
    for_self = actor.role == Role.RESIDENT and case is None
    values = {
        "title": _text(title, "title", label=_("需求"), limit=100),
        "description": _text(
            description, "description", label=_("说明"), limit=2000, required=False
        ),
        "place": _text(place, "place", label=_("服务地点"), limit=200),
        "contact_name": _text(
            contact_name or (actor.user.get_full_name() if for_self else ""),
            "contact_name",
            label=_("联系人"),
            limit=50,
        ),
        "contact_phone": _text(
            contact_phone, "contact_phone", label=_("联系电话"), limit=20, required=False
        ),
    }
    with transaction.atomic():
        order = ServiceOrder.objects.create(
            number=_number(now),
            community=community,
            wanted_at=wanted_at,
            wanted_count=wanted_count,
            requester=actor.user,
            posted_by=actor.user,
            posted_at=now,
            case=case,
            **values,
        )
        change_record(
            actor=actor,
            action="volunteers.order.post",
            obj=order,
            now=now,
            after={"state": order.state, "case": case.pk if case else None},
        )
    return order


def _locked(actor: Actor, order_id: int) -> ServiceOrder:
    return selectors.order_get(actor, order_id, lock=True)


def _check(action: str, order: ServiceOrder, who: str) -> None:
    rule = rules.RULES[action]
    if who not in rule.who:
        if rule.who == {rules.REVIEW}:
            raise PermissionDenied(_("只有本社区的工作人员可以办理"))
        if rule.who == {rules.REQUESTER}:
            raise PermissionDenied(_("只有点单人可以确认服务"))
        raise PermissionDenied(_("当前角色不能办理此订单"))
    if order.state not in rule.sources:
        raise InvalidTransition(
            _("订单当前状态为「{state}」，不能办理").format(state=OrderState(order.state).label)
        )


def _move(
    actor: Actor,
    order: ServiceOrder,
    action: str,
    state: str,
    now: datetime,
    *,
    version: int | None = None,
    **fields: object,
) -> ServiceOrder:
    """Compare and set: from the state and version read to ``state``; else 409."""
    before, read = order.state, version or order.version
    updated = ServiceOrder.objects.filter(pk=order.pk, state=before, version=read).update(
        state=state, version=F("version") + 1, **fields
    )
    if not updated:
        raise Conflict()
    # What the row now holds, without reading it back.
    order.state, order.version = state, read + 1
    for name, value in fields.items():
        setattr(order, name, value)
    change_record(
        actor=actor,
        action=f"volunteers.order.{action}",
        obj=order,
        now=now,
        before={"state": before},
        after={"state": state} | {k: str(v) for k, v in fields.items()},
    )
    return order


def order_publish(
    *, actor: Actor, order_id: int, version: int | None = None, now: datetime | None = None
) -> ServiceOrder:
    """The community publishes the need to the volunteers of its area."""
    now = now or timezone.now()
    with transaction.atomic():
        order = _locked(actor, order_id)
        _check("publish", order, rules.REVIEW if _reviews(actor, order.community) else "")
        return _move(
            actor, order, "publish", OrderState.PUBLISHED, now, version=version, reviewed_at=now
        )


def order_refuse(
    *,
    actor: Actor,
    order_id: int,
    reason: str,
    version: int | None = None,
    now: datetime | None = None,
) -> ServiceOrder:
    now = now or timezone.now()
    reason = _text(reason, "reason", label=_("不予受理的理由"), limit=300)
    with transaction.atomic():
        order = _locked(actor, order_id)
        _check("refuse", order, rules.REVIEW if _reviews(actor, order.community) else "")
        return _move(
            actor,
            order,
            "refuse",
            OrderState.REFUSED,
            now,
            version=version,
            reviewed_at=now,
            reason=reason,
        )


def order_assign(
    *,
    actor: Actor,
    order_id: int,
    volunteer_ids: Sequence[int],
    version: int | None = None,
    now: datetime | None = None,
) -> ServiceOrder:
    """派单: the community names the volunteers (as many as the order wants, approved, of an
    area the order is in); each accepts on the phone."""
    now = now or timezone.now()
    with transaction.atomic():
        order = _locked(actor, order_id)
        _check("assign", order, rules.REVIEW if _reviews(actor, order.community) else "")
        ids = list(dict.fromkeys(volunteer_ids))
        if len(ids) != order.wanted_count:
            raise InvalidInput(
                _("此单需要 {n} 名志愿者").format(n=order.wanted_count), field="volunteer_ids"
            )
        people = list(
            Volunteer.objects.filter(
                pk__in=ids, state=VolunteerState.APPROVED, areas=order.community
            )
        )
        if len(people) != len(ids):
            raise InvalidInput(_("只能派给服务区域含本社区的已注册志愿者"), field="volunteer_ids")
        if order.takings.exists():
            raise InvalidTransition(_("已有志愿者接单，不能再派单"))
        order = _move(
            actor, order, "assign", OrderState.ASSIGNED, now, version=version, reviewed_at=now
        )
        Taking.objects.bulk_create(Taking(order=order, volunteer=v, assigned=True) for v in people)
    return order


def _volunteer(actor: Actor) -> Volunteer:
    volunteer = selectors.active_volunteer(actor.user)
    if volunteer is None:
        raise PermissionDenied(_("您还不是已注册的志愿者"))
    return volunteer


def order_take(*, actor: Actor, order_id: int, now: datetime | None = None) -> Taking:
    """接单: an approved volunteer of the order's area takes a place; or a volunteer the
    community assigned accepts. The order is 已接单 once all its places are taken: of takers
    racing for the last places exactly as many as it wants win, the others are told it is
    full (a taker beaten to the same moment tries again)."""
    now = now or timezone.now()
    volunteer = _volunteer(actor)
    for _attempt in range(TAKE_ATTEMPTS):
        try:
            return _take_once(actor, volunteer, order_id, now)
        except Conflict:
            continue
    raise Conflict()


def _takeable(volunteer: Volunteer, order_id: int) -> ServiceOrder:
    """The order, locked, when the volunteer may know of it: it was published in one of his
    areas (a taker who lost the race hears it is full), or he is on it."""
    found = (
        ServiceOrder.objects.select_for_update(of=("self",))
        .select_related("community")
        .filter(pk=order_id)
        .exclude(state__in=[OrderState.POSTED, OrderState.REFUSED])
        .first()
    )
    if found is None or not (
        (
            found.state != OrderState.ASSIGNED
            and volunteer.areas.filter(pk=found.community_id).exists()
        )
        or found.takings.filter(volunteer=volunteer).exists()
    ):
        raise NotFound(_("订单不存在或无权查看"))
    return found


def _take_once(actor: Actor, volunteer: Volunteer, order_id: int, now: datetime) -> Taking:
    with transaction.atomic():
        order = _takeable(volunteer, order_id)
        mine = order.takings.filter(volunteer=volunteer).first()
        if order.state not in rules.RULES["take"].sources and mine is None:
            raise InvalidTransition(_("此单已接满或已结束"))
        _check("take", order, rules.VOLUNTEER)
        if order.state == OrderState.ASSIGNED:
            if mine is None:
                raise PermissionDenied(_("此单已派给其他志愿者"))
            if mine.taken_at is not None:
                raise InvalidTransition(_("您已接过此单"))
            accepted = order.takings.filter(taken_at__isnull=False).count() + 1
            full = accepted >= order.wanted_count
            _move(actor, order, "take", OrderState.TAKEN if full else OrderState.ASSIGNED, now)
            Taking.objects.filter(pk=mine.pk).update(taken_at=now)
            mine.refresh_from_db()
            return mine
        if mine is not None:
            raise InvalidTransition(_("您已接过此单"))
        taken = order.takings.count()
        if taken >= order.wanted_count:
            raise InvalidTransition(_("此单已接满"))
        full = taken + 1 >= order.wanted_count
        # The order's version moves with every place taken: two takers of one place collide.
        _move(actor, order, "take", OrderState.TAKEN if full else OrderState.PUBLISHED, now)
        return Taking.objects.create(order=order, volunteer=volunteer, taken_at=now)


def _my_taking(actor: Actor, order: ServiceOrder) -> Taking:
    """The actor's taken place on the order, locked; his registration is read only to say
    why there is none."""
    taking = next(
        iter(
            Taking.objects.select_for_update(of=("self",))
            .filter(
                order=order,
                volunteer__user=actor.user,
                volunteer__state=VolunteerState.APPROVED,
                taken_at__isnull=False,
            )
            .order_by("pk")[:1]
        ),
        None,
    )
    if taking is None:
        _volunteer(actor)
        raise PermissionDenied(_("您没有接此单"))
    return taking


def order_check_in(
    *, actor: Actor, order_id: int, place: str, now: datetime | None = None
) -> Taking:
    """签到 at the place of service: the order is 服务中 from its first check-in."""
    now = now or timezone.now()
    place = _text(place, "place", label=_("签到地点"), limit=200)
    with transaction.atomic():
        order = _locked(actor, order_id)
        _check("check_in", order, rules.VOLUNTEER)
        taking = _my_taking(actor, order)
        if taking.checkin_at is not None:
            raise InvalidTransition(_("您已签到"))
        if order.state == OrderState.TAKEN:
            _move(actor, order, "check_in", OrderState.IN_SERVICE, now)
        Taking.objects.filter(pk=taking.pk).update(checkin_at=now, checkin_place=place)
        taking.refresh_from_db()
    return taking


def order_check_out(
    *, actor: Actor, order_id: int, place: str, now: datetime | None = None
) -> Taking:
    """签退: the minutes between check-in and check-out are the volunteer's hours; the order
    waits for the requester's confirmation once every taker has checked out."""
    now = now or timezone.now()
    place = _text(place, "place", label=_("签退地点"), limit=200)
    with transaction.atomic():
        order = _locked(actor, order_id)
        _check("check_out", order, rules.VOLUNTEER)
        taking = _my_taking(actor, order)
        if taking.checkin_at is None:
            raise InvalidTransition(_("请先签到"))
        if taking.checkout_at is not None:
            raise InvalidTransition(_("您已签退"))
        if now <= taking.checkin_at:
            raise InvalidInput(_("签退时间须晚于签到时间"), field="now")
        minutes = int((now - taking.checkin_at).total_seconds() // 60)
        Taking.objects.filter(pk=taking.pk).update(
            checkout_at=now, checkout_place=place, minutes=minutes
        )
        open_ = order.takings.filter(checkout_at__isnull=True).exclude(pk=taking.pk).exists()
        if not open_:
            _move(actor, order, "check_out", OrderState.DONE, now, done_at=now)
        taking.refresh_from_db()
    return taking


def order_confirm(
    *,
    actor: Actor,
    order_id: int,
    rating: int,
    comment: str = "",
    version: int | None = None,
    now: datetime | None = None,
) -> ServiceOrder:
    """The requester confirms the service and rates it (1–5); the volunteers' points are
    credited in the same transaction, by the district's rule in force that day."""
    now = now or timezone.now()
    if not isinstance(rating, int) or not 1 <= rating <= 5:
        raise InvalidInput(_("评价须是 1 到 5 星"), field="rating")
    comment = _text(comment, "comment", label=_("评价内容"), limit=300, required=False)
    with transaction.atomic():
        order = _locked(actor, order_id)
        _check("confirm", order, rules.REQUESTER if order.requester_id == actor.user.pk else "")
        order = _move(
            actor,
            order,
            "confirm",
            OrderState.CONFIRMED,
            now,
            version=version,
            rating=rating,
            comment=comment,
            confirmed_at=now,
        )
        points_credit(order=order, now=now)
    return order


def order_cancel(
    *,
    actor: Actor,
    order_id: int,
    reason: str,
    version: int | None = None,
    now: datetime | None = None,
) -> ServiceOrder:
    """The requester or the community withdraws an order before the service begins."""
    now = now or timezone.now()
    reason = _text(reason, "reason", label=_("取消原因"), limit=300)
    with transaction.atomic():
        order = _locked(actor, order_id)
        if _reviews(actor, order.community):
            who = rules.REVIEW
        elif order.requester_id == actor.user.pk:
            who = rules.REQUESTER
        else:
            who = ""
        _check("cancel", order, who)
        return _move(
            actor, order, "cancel", OrderState.CANCELLED, now, version=version, reason=reason
        )


# --- the points ledger --------------------------------------------------------------------------


def points_credit(*, order: ServiceOrder, now: datetime | None = None) -> list[PointsEntry]:
    """Credit each volunteer of a confirmed order: hours × the rule's points per hour, plus
    the rating's bonus. An unconfirmed order earns nothing; an order is credited once."""
    now = now or timezone.now()
    order = ServiceOrder.objects.get(pk=order.pk)
    if order.state != OrderState.CONFIRMED or order.rating is None:
        raise RuleViolation(_("只有经服务对象确认的订单才计积分"), field="order_id")
    if PointsEntry.objects.filter(order=order, kind=EntryKind.SERVICE).exists():
        raise InvalidTransition(_("此单已计积分"))
    day = timezone.localdate(order.confirmed_at or now)
    rule = selectors.rule_in_force(day, order.community.district_id)
    entries = []
    for taking in order.takings.select_related("volunteer").filter(minutes__isnull=False):
        hours = taking.hours
        if rule is None:
            points = Decimal(0)
        else:
            points = (hours * rule.points_per_hour + rule.bonus(order.rating)).quantize(
                Decimal("0.01"), rounding=ROUND_HALF_UP
            )
        entries.append(
            PointsEntry(
                volunteer=taking.volunteer,
                kind=EntryKind.SERVICE,
                points=points,
                hours=hours,
                order=order,
                rule=rule,
                reason=order.title,
                created_at=now,
            )
        )
    for entry in entries:
        entry.save()
    return entries


def points_correct(
    *,
    actor: Actor,
    volunteer_id: int,
    points: object,
    reason: str,
    corrects_id: int | None = None,
    now: datetime | None = None,
) -> PointsEntry:
    """更正: the community's staff add a line (plus or minus) with its reason; the ledger's
    lines are never changed. A balance may not go below zero."""
    now = now or timezone.now()
    reason = _text(reason, "reason", label=_("更正理由"), limit=300)
    try:
        amount = Decimal(str(points)).quantize(Decimal("0.01"))
    except (InvalidOperation, ValueError):
        raise InvalidInput(_("积分须是数字"), field="points") from None
    if amount == 0 or abs(amount) > 10000:
        raise InvalidInput(_("更正积分须不为零，且绝对值不超过 10000"), field="points")
    with transaction.atomic():
        volunteer = selectors.volunteer_get(actor, volunteer_id)
        _require_review(actor, volunteer.community)
        volunteer = Volunteer.objects.select_for_update().get(pk=volunteer.pk)
        corrects = None
        if corrects_id is not None:
            corrects = PointsEntry.objects.filter(pk=corrects_id, volunteer=volunteer).first()
            if corrects is None:
                raise InvalidInput(_("所更正的记录不是此志愿者的"), field="corrects_id")
        if selectors.balance(volunteer) + amount < 0:
            raise RuleViolation(_("更正后积分不能为负"), field="points")
        entry = PointsEntry(
            volunteer=volunteer,
            kind=EntryKind.CORRECTION,
            points=amount,
            corrects=corrects,
            reason=reason,
            created_by=actor.user,
            created_at=now,
        )
        entry.save()
        change_record(
            actor=actor,
            action="volunteers.points.correct",
            obj=entry,
            now=now,
            after={"volunteer": volunteer.pk, "points": str(amount), "reason": reason},
        )
    return entry
