"""The demo district's 众人议事 (seeds 000 and 002: 群众事务群众议、群众定): resident1's
community has two dozen verified residents and two waiting to be verified; 3 栋加装电梯 was
supported, deliberated, voted through and is a project under way with progress updates
resident1 sees on the phone; the residents are ranking the old estate's renovation menu
(the vote is open, resident1 has not voted yet); and a bicycle shed still collects supports.
All through the services, at the times they happened."""

from __future__ import annotations

from datetime import datetime, timedelta

from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password
from django.utils import timezone

from huying.deliberation import services
from huying.deliberation.models import ProposalKind, Recognition, RecognitionState
from huying.demo.district import DemoDistrict
from huying.org.actors import Actor
from huying.org.models import Role, RoleGrant
from huying.org.selectors import grants_changed

NAMES = (
    "王秀英", "李建国", "张桂兰", "刘福生", "陈淑芬", "杨德明", "赵玉梅", "黄志强", "周丽华",
    "吴国庆", "徐凤英", "孙立新", "胡美玲", "朱永康", "高春梅", "林海涛", "何素珍", "郭建军",
    "马桂芳", "罗文斌", "梁淑华", "宋志刚", "郑爱华",
)  # fmt: skip
ROADS = ("幸福路", "和平街", "建设巷")
#: Seed 000 (林云社区): the works whose order the residents decide.
MENU = (
    "主干道拓宽（1.6 米拓宽到 5 米）",
    "停车位重新规划（增加约 5%）",
    "外墙粉刷",
    "更换楼道防盗门",
    "雨污管网改造",
)


def _actor(grant: RoleGrant | None) -> Actor:
    if grant is None:
        raise LookupError("the demo has no resident1 or community staff")
    return Actor.from_grant(grant)


def build_deliberation(demo: DemoDistrict, *, now: datetime | None = None) -> dict[str, int]:
    now = now or timezone.now()
    resident1 = _actor(
        RoleGrant.objects.select_related("user", "unit")
        .filter(role=Role.RESIDENT, user__username="resident1")
        .first()
    )
    community = resident1.unit.parent if resident1.unit.parent else resident1.unit
    staff = _actor(
        RoleGrant.objects.select_related("user", "unit")
        .filter(role=Role.COMMUNITY_STAFF, unit=community)
        .order_by("pk")
        .first()
    )
    # The neighbours: accounts without a password (they would sign in by text message).
    User = get_user_model()
    unusable = make_password(None)
    users = User.objects.bulk_create(
        User(username=f"delib_{n:02d}", first_name=name, password=unusable)
        for n, name in enumerate(NAMES)
    )
    RoleGrant.objects.bulk_create(
        RoleGrant(user=u, role=Role.RESIDENT, unit=demo.district) for u in users
    )
    grants_changed()
    verified_at = now - timedelta(days=60)
    Recognition.objects.bulk_create(
        Recognition(
            user=u,
            community=community,
            name=u.first_name,
            address=f"{ROADS[n % 3]} {n % 9 + 1} 号 {n % 6 + 1} 栋 {n % 5 + 1}0{n % 4 + 1}",
            state=RecognitionState.VERIFIED,
            requested_at=verified_at - timedelta(days=2),
            decided_by=staff.user,
            decided_at=verified_at,
        )
        for n, u in enumerate([resident1.user, *users[:-2]])
    )
    neighbours = [
        Actor(user=u, role=Role.RESIDENT, unit=demo.district, scope="self") for u in users
    ]
    for actor, name in zip(neighbours[-2:], NAMES[-2:], strict=True):
        services.recognition_request(
            actor=actor,
            community_id=community.pk,
            name=name,
            address="幸福路 3 号 2 栋 502",
            now=now - timedelta(days=1),
        )
    voters = neighbours[:-2]
    services.community_rule_set(actor=staff, support_threshold=10, now=now - timedelta(days=59))

    # 3 栋加装电梯: supported, met on, voted through, a project under way.
    t = now - timedelta(days=45)
    lift = services.proposal_create(
        actor=resident1,
        title="3 栋加装电梯",
        description="3 栋共 6 层 24 户，多数是七十岁以上的老人，上下楼困难，希望加装一部电梯，"
        "费用按楼层分摊，申请使用维修资金补贴。",
        estimated_cost="380000",
        now=t,
    )
    for k, actor in enumerate(voters[:10]):
        services.proposal_support(actor=actor, proposal_id=lift.pk, now=t + timedelta(hours=k))
    lift.refresh_from_db()
    t += timedelta(days=5)
    lift = services.meeting_record(
        actor=staff,
        proposal_id=lift.pk,
        version=lift.version,
        meeting_at=t,
        place="社区党群服务中心议事厅",
        participants="居民代表 15 人、3 栋楼长、物业公司、加梯施工方、社区居委会",
        minutes="施工方介绍方案和工期；一楼住户提出采光和噪声顾虑，约定加装隔音层、"
        "补偿一楼住户；多数同意付诸全体居民表决。",
        now=t,
    )
    services.comment_add(actor=voters[3], proposal_id=lift.pk, text="支持，希望年前完工", now=t)
    services.comment_add(actor=voters[7], proposal_id=lift.pk, text="一楼的顾虑要写进协议", now=t)
    opens = t + timedelta(days=1)
    lift = services.vote_open(
        actor=staff,
        proposal_id=lift.pk,
        version=lift.version,
        opens_at=opens,
        closes_at=opens + timedelta(days=7),
        now=t,
    )
    for k, actor in enumerate([resident1, *voters[:17]]):
        services.ballot_cast(
            actor=actor, proposal_id=lift.pk, yes=k % 5 != 4, now=opens + timedelta(hours=k)
        )
    lift = services.results_publish(
        actor=staff, proposal_id=lift.pk, version=lift.version, now=opens + timedelta(days=7)
    )
    project = services.project_start(
        actor=staff, proposal_id=lift.pk, now=opens + timedelta(days=8)
    )
    for days_ago, progress, note in (
        (20, 20, "施工方进场，围挡和临时通道已设置，一楼隔音层材料到位。"),
        (8, 55, "电梯井基坑开挖完成，钢结构井道安装过半。"),
    ):
        project = services.project_update(
            actor=staff,
            project_id=project.pk,
            version=project.version,
            progress=progress,
            note=note,
            now=now - timedelta(days=days_ago),
        )

    # 老旧小区改造: the residents rank the menu; the vote is open (resident1 still to vote).
    t = now - timedelta(days=10)
    renovation = services.proposal_create(
        actor=staff,
        kind=ProposalKind.RANKING,
        title="老旧小区改造先后顺序",
        description="区里今年安排改造资金，五项工程分两个梯队实施。先做哪几项，由居民排序决定。",
        estimated_cost="2600000",
        options=list(MENU),
        now=t,
    )
    renovation = services.proposal_open(
        actor=staff, proposal_id=renovation.pk, version=renovation.version, now=t
    )
    renovation = services.meeting_record(
        actor=staff,
        proposal_id=renovation.pk,
        version=renovation.version,
        meeting_at=t + timedelta(days=2),
        place="小区中心广场",
        participants="居委会、行业委员会、施工单位负责人、居民代表 20 人",
        minutes="逐项介绍五项工程的内容、费用和施工影响，居民提问后同意以排序投票决定先后。",
        now=t + timedelta(days=2),
    )
    opens = now - timedelta(days=2)
    renovation = services.vote_open(
        actor=staff,
        proposal_id=renovation.pk,
        version=renovation.version,
        opens_at=opens,
        closes_at=now + timedelta(days=5),
        now=opens,
    )
    ids = list(renovation.options.order_by("position").values_list("pk", flat=True))
    for k, actor in enumerate(voters[:12]):
        order = ids[k % 3 :] + ids[: k % 3] if k % 4 else list(reversed(ids))
        services.ballot_cast(
            actor=actor, proposal_id=renovation.pk, ranking=order, now=opens + timedelta(hours=k)
        )

    # 自行车棚: still collecting supports.
    shed = services.proposal_create(
        actor=voters[5],
        title="修缮 5 栋自行车棚",
        description="车棚顶棚锈穿漏雨，电动车充电线私拉乱接，建议修缮顶棚并加装集中充电桩。",
        estimated_cost="45000",
        now=now - timedelta(days=3),
    )
    for k, actor in enumerate(voters[6:10]):
        services.proposal_support(
            actor=actor, proposal_id=shed.pk, now=now - timedelta(days=2, hours=k)
        )
    return {
        "verified": len(voters) + 1,
        "pending": 2,
        "proposals": 3,
        "ballots": 18 + 12,
        "projects": 1,
    }
