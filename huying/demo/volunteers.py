"""The demo district's 志愿服务 (seeds 002 and 003): each of the first communities keeps a
红领 team of party members reporting to it (在职党员双报到, each with his employer) and a
三色 team of residents; three months of needs posted by residents and grid workers, most
published, taken, served and confirmed (so points are credited by the district's rule, which
changed six weeks ago), some assigned by the community, refused or cancelled, a few waiting
now; one order made from a closed case, and one correction in the ledger. All of it through
the services, as the people would have done it."""

from __future__ import annotations

import random
from datetime import datetime, timedelta

from django.contrib.auth.models import User
from django.utils import timezone

from huying.cases.models import Case, CaseState
from huying.demo.district import DemoDistrict
from huying.org.actors import Actor
from huying.org.models import OrgUnit, Role, RoleGrant
from huying.volunteers import services
from huying.volunteers.models import TeamColour, Volunteer, VolunteerKind

#: How many communities get volunteers (the reference street's first): enough for rankings
#: across communities and streets, few enough to keep the demo quick.
COMMUNITIES = 6
PER_TEAM = 5
ORDERS_PER_MONTH = 8
EMPLOYERS = ["区财政局", "区教育局", "区卫生健康局", "国网供电公司", "区税务局", "区人民医院"]
SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗"
GIVEN = "建国秀英志强桂兰海燕俊杰丽娟伟明淑珍国华玉梅德胜"
SKILLS = ["理发", "水电维修", "陪诊", "心理疏导", "法律咨询", "家电维修", "助餐", "代购"]
NEEDS = [
    ("陪同老人就医", "老人行动不便，需要陪同到区医院复查"),
    ("代购药品", "独居老人需要代购常用药"),
    ("上门理发", "卧床老人需要上门理发"),
    ("维修水龙头", "厨房水龙头漏水"),
    ("助餐送餐", "高龄老人午餐送餐"),
    ("陪伴聊天", "空巢老人希望有人陪伴"),
    ("辅导作业", "双职工家庭孩子需要课后辅导"),
    ("清理楼道杂物", "楼道堆放杂物，需要帮忙清理"),
]
DEMO_VOLUNTEER = "volunteer1"


def _name(rng: random.Random) -> str:
    return rng.choice(SURNAMES) + "".join(rng.sample(GIVEN, 2))


def _actor(role: str, unit: OrgUnit) -> Actor | None:
    grant = (
        RoleGrant.objects.select_related("user", "unit")
        .filter(role=role, unit=unit, is_active=True)
        .order_by("pk")
        .first()
    )
    return Actor.from_grant(grant) if grant else None


def build_volunteers(
    demo: DemoDistrict,
    *,
    password: str | None = None,
    now: datetime | None = None,
    rng_seed: int = 2026,
) -> dict[str, int]:
    now = now or timezone.now()
    rng = random.Random(rng_seed)
    today = timezone.localdate(now)
    services.rule_set(
        actor=None,
        district_id=demo.district.pk,
        valid_from=today - timedelta(days=400),
        points_per_hour=10,
        bonus_rating_4=1,
        bonus_rating_5=2,
        now=now - timedelta(days=400),
    )
    services.rule_set(
        actor=None,
        district_id=demo.district.pk,
        valid_from=today - timedelta(days=45),
        points_per_hour=12,
        bonus_rating_4=2,
        bonus_rating_5=3,
        now=now - timedelta(days=60),
    )
    acting = _Acting()
    counts = {"volunteers": 0, "party_members": 0, "orders": 0, "confirmed": 0, "corrections": 0}
    first = [c for c in demo.communities if c.path.startswith(demo.reference_street.path)]
    rest = [c for c in demo.communities if c not in first]
    communities = (first + rest)[:COMMUNITIES]
    phone = iter(range(13600000000, 13700000000))
    for index, community in enumerate(communities):
        staff = _actor(Role.COMMUNITY_STAFF, community)
        posters = [
            a
            for g in OrgUnit.objects.filter(parent=community, kind=OrgUnit.Kind.GRID)[:3]
            if (a := _actor(Role.GRID_WORKER, g)) is not None
        ]
        if staff is None or not posters:
            continue
        red = services.team_create(
            actor=None, community_id=community.pk, name="红领党员服务队", colour=TeamColour.RED
        )
        tri = services.team_create(
            actor=None, community_id=community.pk, name="三色志愿服务队", colour=TeamColour.BLUE
        )
        people: list[Volunteer] = []
        for n in range(PER_TEAM * 2):
            party = n < PER_TEAM
            neighbour = communities[(index + 1) % len(communities)]
            people.append(
                services.volunteer_register(
                    actor=None,
                    community_id=community.pk,
                    name=_name(rng),
                    phone=str(next(phone)),
                    kind=VolunteerKind.PARTY_MEMBER if party else VolunteerKind.RESIDENT,
                    employer=rng.choice(EMPLOYERS) if party else "",
                    skills="、".join(rng.sample(SKILLS, 2)),
                    availability=rng.choice(["周末全天", "工作日晚上", "周六上午", "随时"]),
                    area_ids=[neighbour.pk] if n % 4 == 0 else [],
                    team_id=(red if party else tri).pk,
                    now=now - timedelta(days=120),
                )
            )
            counts["volunteers"] += 1
            counts["party_members"] += int(party)
        if index == 0:
            _demo_account(people[0].user, password)
        for month_back in (3, 2, 1):
            for k in range(ORDERS_PER_MONTH):
                at = now - timedelta(days=30 * month_back - 3 * k, hours=rng.randint(0, 6))
                counts["confirmed"] += _history(rng, staff, posters, people, community, at, acting)
                counts["orders"] += 1
        # Now: a need waiting for review and one waiting for a taker.
        for state in ("posted", "published"):
            title, text = rng.choice(NEEDS)
            order = services.order_post(
                actor=posters[0],
                community_id=community.pk,
                title=title,
                description=text,
                place=f"{community.name}{rng.randint(1, 12)} 栋",
                wanted_at=now + timedelta(days=2),
                contact_name=_name(rng),
                now=now - timedelta(hours=2),
            )
            if state == "published":
                services.order_publish(actor=staff, order_id=order.pk, now=now - timedelta(hours=1))
            counts["orders"] += 1
        if index == 0:
            services.points_correct(
                actor=staff,
                volunteer_id=people[1].pk,
                points=-2,
                reason="评价奖励重复计入，更正",
                now=now - timedelta(days=5),
            )
            counts["corrections"] += 1
            counts["orders"] += _from_a_case(staff, community, now)
    return counts


def _history(
    rng: random.Random,
    staff: Actor,
    posters: list[Actor],
    people: list[Volunteer],
    community: OrgUnit,
    at: datetime,
    acting: _Acting,
) -> int:
    """One past order from post to its end; 1 when it was confirmed."""
    title, text = rng.choice(NEEDS)
    wanted = 2 if rng.random() < 0.2 else 1
    order = services.order_post(
        actor=rng.choice(posters),
        community_id=community.pk,
        title=title,
        description=text,
        place=f"{community.name}{rng.randint(1, 12)} 栋",
        wanted_at=at + timedelta(days=1),
        wanted_count=wanted,
        contact_name=_name(rng),
        now=at,
    )
    fate = rng.random()
    if fate < 0.08:
        services.order_refuse(
            actor=staff,
            order_id=order.pk,
            reason="属于物业服务范围，已转物业",
            now=at + timedelta(hours=1),
        )
        return 0
    takers = rng.sample(people, wanted)
    if fate < 0.25:
        services.order_assign(
            actor=staff,
            order_id=order.pk,
            volunteer_ids=[v.pk for v in takers],
            now=at + timedelta(hours=1),
        )
    else:
        services.order_publish(actor=staff, order_id=order.pk, now=at + timedelta(hours=1))
    for v in takers:
        services.order_take(actor=acting[v.user_id], order_id=order.pk, now=at + timedelta(hours=2))
    if fate > 0.95:
        services.order_cancel(
            actor=staff,
            order_id=order.pk,
            reason="服务对象已由家属陪同",
            now=at + timedelta(hours=3),
        )
        return 0
    start = at + timedelta(days=1)
    for v in takers:
        services.order_check_in(
            actor=acting[v.user_id], order_id=order.pk, place=order.place, now=start
        )
    for v in takers:
        services.order_check_out(
            actor=acting[v.user_id],
            order_id=order.pk,
            place=order.place,
            now=start + timedelta(minutes=rng.choice([45, 60, 90, 120, 150])),
        )
    services.order_confirm(
        actor=acting[order.requester_id],
        order_id=order.pk,
        rating=rng.choice([5, 5, 5, 4, 4, 3]),
        comment=rng.choice(["非常感谢", "服务热情周到", "", "准时到达"]),
        now=start + timedelta(hours=4),
    )
    return 1


class _Acting(dict[int, Actor]):
    """The role each account acts under, read once per build (nobody's roles change)."""

    def __missing__(self, user_id: int) -> Actor:
        grant = (
            RoleGrant.objects.select_related("user", "unit")
            .filter(user_id=user_id)
            .order_by("pk")
            .first()
        )
        assert grant is not None
        self[user_id] = actor = Actor.from_grant(grant)
        return actor


def _demo_account(user: User, password: str | None) -> None:
    """The first volunteer signs in as ``volunteer1`` (and with his number on /m/login)."""
    user.username = DEMO_VOLUNTEER
    if password:
        user.set_password(password)
    user.save(update_fields=["username", "password"])


def _from_a_case(staff: Actor, community: OrgUnit, now: datetime) -> int:
    """After a closed case, the community asks volunteers to look in on the resident."""
    case = Case.objects.filter(community=community, state=CaseState.CLOSED).order_by("-pk").first()
    if case is None:
        return 0
    services.order_post(
        actor=staff,
        community_id=community.pk,
        case_id=case.pk,
        title="结案后上门回访帮扶",
        description=f"事件 {case.number} 已办结，请志愿者上门看望并帮助整理",
        place=case.address or community.name,
        wanted_at=now + timedelta(days=3),
        contact_name=case.reporter_name or "社区",
        now=now - timedelta(hours=3),
    )
    return 1
