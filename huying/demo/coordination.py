"""The demo district's 会商与联合执法: two joint operations (a street's on 占道经营, the hub's
district-wide one, each with a photo of its result) and the last quarter's meetings — each of the first two streets' weekly
and monthly meetings, the hub's quarterly joint meeting.

Fast: the latest meeting of each kind and organiser is opened through the service (its
agenda drafted from the year's data) and takes a few decisions through it, so the trails say
会议决定 and the next meeting has something to follow up; the earlier ones are written in
bulk with the same agenda's first items, as their record."""

from __future__ import annotations

import random
from datetime import date, datetime, timedelta

from django.utils import timezone

from huying.cases.models import Case, CaseState
from huying.cases.rules import ACTIVE_CASE_STATES
from huying.coordination.models import AgendaItem, DecisionKind, Meeting, MeetingKind
from huying.coordination.services import meeting_create, meeting_decide, operation_create
from huying.core.errors import DomainError
from huying.demo.district import DemoDistrict
from huying.demo.photos import scene
from huying.org.actors import Actor
from huying.org.models import OrgUnit, Role, RoleGrant

K = OrgUnit.Kind
WEEKS = 13
#: How many of the latest meeting's drafted items the earlier ones keep as their record.
EARLIER_ITEMS = 4


def _actor(role: str, unit: OrgUnit) -> Actor:
    grant = RoleGrant.objects.filter(role=role, unit=unit).select_related("user", "unit").first()
    if grant is None:
        raise LookupError(f"no {role} at {unit.name}")
    return Actor.from_grant(grant)


def _stationed(street: OrgUnit) -> list[OrgUnit]:
    """The units stationed in a street (派驻街道, set by the district's build): its
    综合执法中队, a 派出所, a 市场监管所, a 交警中队 and a 司法所."""
    return list(street.stationed_units.filter(is_active=True).order_by("code"))


def build_coordination(demo: DemoDistrict, *, now: datetime | None = None) -> dict[str, int]:
    now = now or timezone.now()
    today = timezone.localdate(now)
    hub = _actor(Role.HUB_DISPATCHER, demo.hub)
    made = {"operations": 0, "meetings": 0, "decisions": 0}
    for street in demo.streets[:2]:
        made["meetings"] += _street_meetings(demo, street, today, now, made)
    made["operations"] = _operations(demo, hub, today, now)
    quarterly = meeting_create(
        actor=hub,
        kind=MeetingKind.QUARTERLY,
        held_on=_quarter_start(today),
        place="区政府三楼会议室",
        chair="区委常委、常务副区长",
        attendee_ids=[s.pk for s in demo.streets] + [d.pk for d in demo.departments.values()],
        now=now,
    )
    made["meetings"] += 1
    major = (
        Case.objects.filter(state__in=ACTIVE_CASE_STATES, level__gte=3)
        .order_by("-reported_at")
        .values_list("pk", flat=True)[:2]
    )
    for case_id in major:
        made["decisions"] += _decide(
            hub, quarterly, case_id, DecisionKind.DEADLINE, deadline=today + timedelta(days=20)
        )
    return made


def _month_day(today: date, back: int) -> date:
    """The 3rd of the month ``back`` months before today's: when the 月度会 sits."""
    months = today.year * 12 + today.month - 1 - back
    return date(months // 12, months % 12 + 1, 3)


def _quarter_start(today: date) -> date:
    return date(today.year, 3 * ((today.month - 1) // 3) + 1, 1)


def _decide(actor: Actor, meeting: Meeting, case_id: int, kind: str, **extra: object) -> int:
    """1 when the decision was taken; the rules may refuse one (a case that moved on)."""
    try:
        meeting_decide(
            actor=actor,
            meeting_id=meeting.pk,
            case_id=case_id,
            kind=kind,
            reason=str(extra.pop("reason", "会议研究决定")),
            **extra,  # type: ignore[arg-type]
        )
    except DomainError:
        return 0
    return 1


def _street_meetings(
    demo: DemoDistrict, street: OrgUnit, today: date, now: datetime, made: dict[str, int]
) -> int:
    actor = _actor(Role.STREET_CALLER, street)
    communities = [c for c in demo.communities if c.parent_id == street.pk]
    attendees = [*communities, *_stationed(street)]
    last_monday = today - timedelta(days=today.weekday())
    weekly = [last_monday - timedelta(weeks=w) for w in range(WEEKS)]
    firsts = [_month_day(today, back) for back in range(3)]
    count = 0
    for kind, days in ((MeetingKind.WEEKLY, weekly), (MeetingKind.MONTHLY, firsts)):
        earlier, latest = sorted(days)[:-1], max(days)
        # The one before the latest decides with a deadline, so the latest follows it up.
        previous = meeting_create(
            actor=actor,
            kind=kind,
            held_on=earlier[-1],
            place=f"{street.name}三楼会议室",
            chair=f"{street.name}主任",
            attendee_ids=[u.pk for u in attendees],
            now=now,
        )
        open_cases = list(
            Case.objects.filter(street=street, state=CaseState.IN_PROGRESS)
            .order_by("reported_at")
            .values_list("pk", flat=True)[:2]
        )
        for case_id in open_cases:
            made["decisions"] += _decide(
                actor,
                previous,
                case_id,
                DecisionKind.DEADLINE,
                deadline=previous.held_on + timedelta(days=10),
                reason="责任部门加快办理，按期办结",
            )
        latest_meeting = meeting_create(
            actor=actor,
            kind=kind,
            held_on=latest,
            place=f"{street.name}三楼会议室",
            chair=f"{street.name}主任",
            attendee_ids=[u.pk for u in attendees],
            now=now,
        )
        if kind == MeetingKind.WEEKLY:
            waiting = Case.objects.filter(
                street=street, state=CaseState.TRIAGED, level=2
            ).values_list("pk", "item__lead_department_id")[:1]
            for case_id, lead_id in waiting:
                made["decisions"] += _decide(
                    actor, latest_meeting, case_id, DecisionKind.ASSIGN, lead_id=lead_id
                )
        count += 2 + _earlier(earlier[:-1], latest_meeting, attendees, actor, now)
    return count


def _earlier(
    days: list[date], model: Meeting, attendees: list[OrgUnit], actor: Actor, now: datetime
) -> int:
    """The earlier meetings in bulk, each with the first items of the latest one's agenda."""
    meetings = Meeting.objects.bulk_create(
        Meeting(
            kind=model.kind,
            organiser=model.organiser,
            held_on=day,
            place=model.place,
            chair=model.chair,
            summary="各社区、驻街单位按会议分工抓好落实，下次例会汇报进展。",
            created_by=actor.user,
            created_at=now,
        )
        for day in days
    )
    items = list(model.items.all()[:EARLIER_ITEMS])
    AgendaItem.objects.bulk_create(
        AgendaItem(
            meeting=m,
            position=i.position,
            kind=i.kind,
            text=i.text,
            case_id=i.case_id,
            department_id=i.department_id,
        )
        for m in meetings
        for i in items
    )
    through = Meeting.attendees.through
    through.objects.bulk_create(
        through(meeting_id=m.pk, orgunit_id=u.pk) for m in meetings for u in attendees
    )
    return len(meetings)


def _operations(demo: DemoDistrict, hub: Actor, today: date, now: datetime) -> int:
    """Each with a photo of its result (a drawn street, cleared), from its own random stream."""
    rng = random.Random("demo-joint-operations")
    street = demo.streets[0]
    actor = _actor(Role.STREET_CALLER, street)
    stalls = list(
        Case.objects.filter(street=street, title__contains="占道")
        .exclude(state__in=["rejected", "merged", "split"])
        .order_by("-reported_at")
        .values_list("pk", flat=True)[:3]
    )
    operation_create(
        actor=actor,
        title="夜市占道经营联合整治",
        problem="辖区主干道夜市摊贩占道经营、油烟扰民，网格员和街长多次上报",
        held_on=today - timedelta(days=12),
        place=f"{street.name}辖区主干道沿线",
        unit_ids=[u.pk for u in _stationed(street)],
        participants="街道城管科 4 人，执法中队 6 人，派出所民警 2 人，市场监管所 2 人，网格员 5 人",
        results="劝离流动摊贩 23 处，规范外摆 11 处，查处无照经营 2 户，发放告知书 40 份",
        case_ids=stalls,
        files=[scene(rng, fixed=True, name="整治后.jpg")],
        now=now,
    )
    jg = demo.departments.get("jg")
    jt = demo.departments.get("jt")
    units = [u for u in (jg, jt, demo.departments.get("ga")) if u is not None]
    operation_create(
        actor=hub,
        title="学校周边交通秩序联合整治",
        problem="上下学时段学校周边违停、非法营运车辆聚集",
        held_on=today - timedelta(days=40),
        place="全区中小学校周边",
        unit_ids=[u.pk for u in units],
        participants="交警大队、交通运输局、公安分局、各街道",
        results="查处违停 86 起，暂扣非法营运车辆 5 辆，增设临时停车点 3 处",
        files=[scene(rng, fixed=True, name="整治后.jpg")],
        now=now,
    )
    return 2
