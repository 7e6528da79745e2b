"""Verified residents of the first community and proposals through the services."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from huying.conftest import MONDAY_10AM, World
from huying.deliberation import services
from huying.deliberation.models import Proposal, ProposalKind
from huying.org.actors import Actor
from huying.org.models import Role
from huying.org.services import grant_role, person_create

HOUR = timedelta(hours=1)


def new_resident(world: World, username: str) -> Actor:
    user = person_create(username=username, full_name=f"居民{username}")
    return Actor.from_grant(grant_role(user=user, role=Role.RESIDENT, unit=world.district))


def staff_of(world: World, community: int) -> Actor:
    """The community's staff member (the world places one in the first community only)."""
    name = f"community{community}"
    if name not in world.actors:
        user = person_create(username=name, full_name=f"社区{community}")
        world.actors[name] = Actor.from_grant(
            grant_role(user=user, role=Role.COMMUNITY_STAFF, unit=world.communities[community])
        )
    return world.actors[name]


def verify(world: World, actor: Actor, *, community: int = 0, now: datetime = MONDAY_10AM) -> Actor:
    """``actor`` asks to be a resident of the community and its staff verify them."""
    staff = world.actor("community") if community == 0 else staff_of(world, community)
    made = services.recognition_request(
        actor=actor,
        community_id=world.communities[community].pk,
        name="王建华",
        address="幸福路 12 号 3 栋 201",
        now=now,
    )
    services.recognition_decide(actor=staff, recognition_id=made.pk, verified=True, now=now)
    return actor


def verified(world: World, count: int, *, prefix: str = "r") -> list[Actor]:
    return [verify(world, new_resident(world, f"{prefix}{i}")) for i in range(count)]


def propose(world: World, actor: Actor, *, now: datetime = MONDAY_10AM, **kw: Any) -> Proposal:
    values: dict[str, Any] = {
        "title": "加装 3 栋电梯",
        "description": "3 栋住户多为老人，上下楼困难",
        "estimated_cost": "380000",
        **kw,
    }
    return services.proposal_create(actor=actor, now=now, **values)


def menu(world: World, *, now: datetime = MONDAY_10AM) -> Proposal:
    return services.proposal_create(
        actor=world.actor("community"),
        title="小区改造先后顺序",
        description="四项改造，居民定顺序",
        kind=ProposalKind.RANKING,
        options=["主干道拓宽", "停车位规划", "外墙粉刷", "更换防盗门"],
        now=now,
    )


def to_vote(
    world: World, proposal: Proposal, *, now: datetime = MONDAY_10AM, hours: int = 48
) -> Proposal:
    """Open (if still collecting) and put to the vote from ``now`` for ``hours``."""
    staff = world.actor("community")
    if proposal.state == "collecting":
        proposal = services.proposal_open(
            actor=staff, proposal_id=proposal.pk, version=proposal.version, now=now
        )
    return services.vote_open(
        actor=staff,
        proposal_id=proposal.pk,
        version=proposal.version,
        opens_at=now,
        closes_at=now + timedelta(hours=hours),
        now=now,
    )
