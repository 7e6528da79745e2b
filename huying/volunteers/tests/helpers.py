"""What the tests share: volunteers registered by the community, a points rule, and orders
driven through the services into each state."""

from __future__ import annotations

from datetime import date, timedelta
from itertools import count

from huying.conftest import MONDAY_10AM, World
from huying.org.actors import Actor, actor_for
from huying.org.models import OrgUnit
from huying.volunteers import services
from huying.volunteers.models import PointsRule, ServiceOrder, Volunteer, VolunteerKind

T0 = MONDAY_10AM
WHEN = T0 + timedelta(days=1)
_phones = count(1)


def rule(
    valid_from: date = date(2026, 1, 1), per_hour: int = 10, b4: int = 1, b5: int = 2
) -> PointsRule:
    """The world's district's rule (the first district made)."""
    district = OrgUnit.objects.filter(kind=OrgUnit.Kind.DISTRICT).order_by("pk").first()
    assert district is not None
    return services.rule_set(
        actor=None,
        district_id=district.pk,
        valid_from=valid_from,
        points_per_hour=per_hour,
        bonus_rating_4=b4,
        bonus_rating_5=b5,
        now=T0,
    )


def volunteer(
    world: World,
    name: str = "张志愿",
    *,
    community: int = 0,
    kind: str = VolunteerKind.RESIDENT,
    employer: str = "",
    areas: tuple[int, ...] = (),
) -> Volunteer:
    """Registered (approved) by the community's staff; ``areas``: other communities served."""
    return services.volunteer_register(
        actor=world.actor("community") if community == 0 else None,
        community_id=world.communities[community].pk,
        name=name,
        phone=f"139{next(_phones):08d}",
        kind=kind,
        employer=employer,
        area_ids=[world.communities[a].pk for a in areas],
        now=T0,
    )


def as_actor(v: Volunteer) -> Actor:
    return actor_for(v.user)


def posted(
    world: World, *, who: str = "resident", wanted: int = 1, title: str = "陪同老人就医"
) -> ServiceOrder:
    return services.order_post(
        actor=world.actor(who),
        community_id=world.communities[0].pk,
        title=title,
        place="幸福小区 3 栋 2 单元",
        wanted_at=WHEN,
        wanted_count=wanted,
        contact_name="王阿姨",
        now=T0,
    )


def published(world: World, *, who: str = "resident", wanted: int = 1) -> ServiceOrder:
    order = posted(world, who=who, wanted=wanted)
    return services.order_publish(actor=world.actor("community"), order_id=order.pk, now=T0)


def done(world: World, takers: list[Volunteer], *, minutes: int = 90) -> ServiceOrder:
    """Published, taken by ``takers``, each in and out ``minutes`` apart: 待确认."""
    order = published(world, wanted=len(takers))
    for v in takers:
        services.order_take(actor=as_actor(v), order_id=order.pk, now=T0)
    for v in takers:
        services.order_check_in(actor=as_actor(v), order_id=order.pk, place="3 栋门口", now=WHEN)
    for v in takers:
        services.order_check_out(
            actor=as_actor(v),
            order_id=order.pk,
            place="3 栋门口",
            now=WHEN + timedelta(minutes=minutes),
        )
    return ServiceOrder.objects.get(pk=order.pk)


def confirmed(
    world: World, takers: list[Volunteer], *, rating: int = 5, minutes: int = 90
) -> ServiceOrder:
    order = done(world, takers, minutes=minutes)
    return services.order_confirm(
        actor=world.actor("resident"),
        order_id=order.pk,
        rating=rating,
        now=WHEN + timedelta(hours=3),
    )
