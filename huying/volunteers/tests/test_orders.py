"""The order's rules (群众点单、社区派单、志愿者接单): each state and who may move it, the
takers' race for the places, check-in/out hours, and the points a confirmed order earns."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from huying.cases.models import CaseState
from huying.cases.tests.helpers import case_in_state
from huying.conftest import World
from huying.core.errors import (
    Conflict,
    DomainError,
    InvalidInput,
    InvalidTransition,
    NotFound,
    PermissionDenied,
    RuleViolation,
)
from huying.volunteers import rules, selectors, services
from huying.volunteers.models import OrderState, PointsEntry, ServiceOrder, Taking
from huying.volunteers.tests.helpers import (
    T0,
    WHEN,
    as_actor,
    confirmed,
    done,
    posted,
    published,
    rule,
    volunteer,
)

pytestmark = pytest.mark.django_db


def test_the_golden_path_credits_hours_and_points_by_the_rule(world: World) -> None:
    """Posted → published → taken → in service → done → confirmed; 90 minutes at 10 points an
    hour with a 5-star bonus of 2 is 17 points."""
    rule()
    v = volunteer(world)
    order = posted(world)
    assert order.state == OrderState.POSTED and order.number.startswith("ZY-20260310-")
    staff = world.actor("community")
    order = services.order_publish(actor=staff, order_id=order.pk, now=T0)
    assert order.state == OrderState.PUBLISHED
    services.order_take(actor=as_actor(v), order_id=order.pk, now=T0)
    assert ServiceOrder.objects.get(pk=order.pk).state == OrderState.TAKEN
    services.order_check_in(actor=as_actor(v), order_id=order.pk, place="3 栋门口", now=WHEN)
    assert ServiceOrder.objects.get(pk=order.pk).state == OrderState.IN_SERVICE
    taking = services.order_check_out(
        actor=as_actor(v), order_id=order.pk, place="3 栋门口", now=WHEN + timedelta(minutes=90)
    )
    assert taking.minutes == 90 and taking.hours == Decimal("1.50")
    assert ServiceOrder.objects.get(pk=order.pk).state == OrderState.DONE
    assert not PointsEntry.objects.exists()  # nothing before the requester confirms
    order = services.order_confirm(
        actor=world.actor("resident"), order_id=order.pk, rating=5, now=WHEN + timedelta(hours=2)
    )
    assert order.state == OrderState.CONFIRMED and order.rating == 5
    entry = PointsEntry.objects.get()
    assert (entry.points, entry.hours, entry.kind) == (Decimal("17.00"), Decimal("1.50"), "service")
    assert selectors.balance(v) == Decimal("17.00")


def _order_in(world: World, state: str) -> tuple[ServiceOrder, Any]:
    """An order in ``state`` and its volunteer (the taker, when it has one)."""
    v = volunteer(world)
    staff = world.actor("community")
    if state == OrderState.POSTED:
        return posted(world), v
    if state == OrderState.REFUSED:
        o = posted(world)
        return services.order_refuse(actor=staff, order_id=o.pk, reason="不属于志愿服务", now=T0), v
    if state == OrderState.ASSIGNED:
        o = posted(world)
        return services.order_assign(actor=staff, order_id=o.pk, volunteer_ids=[v.pk], now=T0), v
    if state == OrderState.CANCELLED:
        o = posted(world)
        return services.order_cancel(
            actor=world.actor("resident"), order_id=o.pk, reason="已有家人陪同", now=T0
        ), v
    o = published(world)
    if state == OrderState.PUBLISHED:
        return o, v
    services.order_take(actor=as_actor(v), order_id=o.pk, now=T0)
    if state == OrderState.TAKEN:
        return ServiceOrder.objects.get(pk=o.pk), v
    services.order_check_in(actor=as_actor(v), order_id=o.pk, place="门口", now=WHEN)
    if state == OrderState.IN_SERVICE:
        return ServiceOrder.objects.get(pk=o.pk), v
    services.order_check_out(
        actor=as_actor(v), order_id=o.pk, place="门口", now=WHEN + timedelta(hours=1)
    )
    if state == OrderState.DONE:
        return ServiceOrder.objects.get(pk=o.pk), v
    return services.order_confirm(
        actor=world.actor("resident"), order_id=o.pk, rating=4, now=WHEN + timedelta(hours=2)
    ), v


def _attempt(world: World, action: str, order: ServiceOrder, v: Any) -> None:
    staff, resident = world.actor("community"), world.actor("resident")
    late = WHEN + timedelta(hours=5)
    calls = {
        "publish": lambda: services.order_publish(actor=staff, order_id=order.pk, now=late),
        "assign": lambda: services.order_assign(
            actor=staff, order_id=order.pk, volunteer_ids=[v.pk], now=late
        ),
        "refuse": lambda: services.order_refuse(
            actor=staff, order_id=order.pk, reason="理由", now=late
        ),
        "take": lambda: services.order_take(actor=as_actor(v), order_id=order.pk, now=late),
        "check_in": lambda: services.order_check_in(
            actor=as_actor(v), order_id=order.pk, place="门口", now=late
        ),
        "check_out": lambda: services.order_check_out(
            actor=as_actor(v), order_id=order.pk, place="门口", now=late
        ),
        "confirm": lambda: services.order_confirm(
            actor=resident, order_id=order.pk, rating=5, now=late
        ),
        "cancel": lambda: services.order_cancel(
            actor=resident, order_id=order.pk, reason="不需要了", now=late
        ),
    }
    calls[action]()


ALL_STATES = list(OrderState.values)


@pytest.mark.parametrize("state", ALL_STATES)
@pytest.mark.parametrize("action", sorted(rules.RULES))
def test_an_action_outside_its_source_states_is_refused_and_changes_nothing(
    world: World, state: str, action: str
) -> None:
    """Every (state, action) the table does not allow is refused; the order, its takings
    and the ledger stay as they were."""
    if state in rules.RULES[action].sources:
        pytest.skip("allowed: walked by the other tests")
    order, v = _order_in(world, state)
    before = ServiceOrder.objects.values().get(pk=order.pk)
    takings = list(Taking.objects.filter(order=order).values())
    entries = PointsEntry.objects.count()
    with pytest.raises(DomainError):
        _attempt(world, action, order, v)
    assert ServiceOrder.objects.values().get(pk=order.pk) == before
    assert list(Taking.objects.filter(order=order).values()) == takings
    assert PointsEntry.objects.count() == entries


@pytest.mark.parametrize(
    ("action", "who"),
    [
        ("publish", "resident"),
        ("publish", "grid_worker"),
        ("refuse", "resident"),
        ("publish", "street"),
    ],
)
def test_only_the_communitys_staff_review(world: World, action: str, who: str) -> None:
    order = posted(world)
    with pytest.raises(PermissionDenied):
        if action == "publish":
            services.order_publish(actor=world.actor(who), order_id=order.pk, now=T0)
        else:
            services.order_refuse(actor=world.actor(who), order_id=order.pk, reason="x", now=T0)
    assert ServiceOrder.objects.get(pk=order.pk).state == OrderState.POSTED


def test_another_communitys_staff_do_not_even_see_the_order(world: World) -> None:
    from huying.org.actors import Actor
    from huying.org.models import Role
    from huying.org.services import grant_role, person_create

    order = posted(world)
    other = Actor.from_grant(
        grant_role(
            user=person_create(username="c2", full_name="二社区"),
            role=Role.COMMUNITY_STAFF,
            unit=world.communities[1],
        )
    )
    with pytest.raises(NotFound):
        services.order_publish(actor=other, order_id=order.pk, now=T0)
    assert not selectors.orders_visible_to(other).exists()


def test_a_refusal_says_why(world: World) -> None:
    order = posted(world)
    with pytest.raises(InvalidInput):
        services.order_refuse(actor=world.actor("community"), order_id=order.pk, reason=" ", now=T0)
    refused = services.order_refuse(
        actor=world.actor("community"), order_id=order.pk, reason="请拨打 12345", now=T0
    )
    assert (refused.state, refused.reason) == (OrderState.REFUSED, "请拨打 12345")


def test_who_may_post(world: World) -> None:
    """A resident for himself, a grid worker for a resident; a department may not."""
    assert posted(world, who="grid_worker").requester == world.actor("grid_worker").user
    with pytest.raises(PermissionDenied):
        posted(world, who="dept_cg")
    with pytest.raises(InvalidInput):
        services.order_post(
            actor=world.actor("resident"),
            community_id=world.communities[0].pk,
            title="陪同就医",
            place="3 栋",
            wanted_at=T0 - timedelta(hours=1),
            now=T0,
        )
    with pytest.raises(InvalidInput):
        services.order_post(
            actor=world.actor("resident"),
            community_id=world.streets[0].pk,
            title="陪同就医",
            place="3 栋",
            wanted_at=WHEN,
            now=T0,
        )
    assert ServiceOrder.objects.count() == 1


def test_exactly_the_wanted_number_of_takers_win(world: World) -> None:
    """Five volunteers for two places: the first two win, the order is 已接单, the other
    three are told it is full and hold nothing."""
    order = published(world, wanted=2)
    people = [volunteer(world, f"志愿者{i}") for i in range(5)]
    outcomes = []
    for v in people:
        try:
            services.order_take(actor=as_actor(v), order_id=order.pk, now=T0)
            outcomes.append("won")
        except InvalidTransition:
            outcomes.append("full")
    assert outcomes == ["won", "won", "full", "full", "full"]
    assert Taking.objects.filter(order=order).count() == 2
    assert ServiceOrder.objects.get(pk=order.pk).state == OrderState.TAKEN


def test_a_taker_beaten_to_the_same_moment_tries_again(world: World, monkeypatch: Any) -> None:
    """The order's version moves with each place: a taker who read it before another's take
    collides (CAS), reads again and takes the place still free — or hears it is full."""
    order = published(world, wanted=2)
    first, second, third = (volunteer(world, n) for n in ("甲", "乙", "丙"))
    stale = ServiceOrder.objects.get(pk=order.pk)  # what the second read ...
    services.order_take(actor=as_actor(first), order_id=order.pk, now=T0)  # ... before this
    real = services._takeable
    reads: list[int] = []

    def stale_then_real(v: Any, order_id: int) -> ServiceOrder:
        reads.append(order_id)
        return stale if len(reads) == 1 else real(v, order_id)

    monkeypatch.setattr(services, "_takeable", stale_then_real)
    services.order_take(actor=as_actor(second), order_id=order.pk, now=T0)
    monkeypatch.setattr(services, "_takeable", real)
    assert len(reads) == 2  # the stale write lost (CAS), the second read won
    assert set(Taking.objects.filter(order=order).values_list("volunteer__name", flat=True)) == {
        "甲",
        "乙",
    }
    with pytest.raises(InvalidTransition):
        services.order_take(actor=as_actor(third), order_id=order.pk, now=T0)
    assert ServiceOrder.objects.get(pk=order.pk).state == OrderState.TAKEN


def test_a_stale_version_is_a_conflict(world: World) -> None:
    order = posted(world)
    with pytest.raises(Conflict):
        services.order_publish(
            actor=world.actor("community"), order_id=order.pk, version=order.version + 1, now=T0
        )
    assert ServiceOrder.objects.get(pk=order.pk).state == OrderState.POSTED


def test_who_may_take(world: World) -> None:
    order = published(world)
    outsider = volunteer(world, "外社区", community=1)
    with pytest.raises(NotFound):  # not his area: he does not see it
        services.order_take(actor=as_actor(outsider), order_id=order.pk, now=T0)
    with pytest.raises(PermissionDenied):  # not a volunteer
        services.order_take(actor=world.actor("resident2"), order_id=order.pk, now=T0)
    serving = volunteer(world, "跨社区", community=1, areas=(0,))
    services.order_take(actor=as_actor(serving), order_id=order.pk, now=T0)
    assert ServiceOrder.objects.get(pk=order.pk).state == OrderState.TAKEN


def test_a_pending_applicant_may_not_take_until_approved(world: World) -> None:
    order = published(world)
    applicant = services.volunteer_apply(
        actor=world.actor("resident2"),
        community_id=world.communities[0].pk,
        name="李申请",
        phone="13700000001",
        now=T0,
    )
    with pytest.raises(PermissionDenied):
        services.order_take(actor=world.actor("resident2"), order_id=order.pk, now=T0)
    services.volunteer_decide(
        actor=world.actor("community"), volunteer_id=applicant.pk, approve=True, now=T0
    )
    services.order_take(actor=world.actor("resident2"), order_id=order.pk, now=T0)
    assert ServiceOrder.objects.get(pk=order.pk).state == OrderState.TAKEN


def test_assigned_volunteers_accept_and_no_one_else_takes(world: World) -> None:
    staff = world.actor("community")
    a, b, c = (volunteer(world, n) for n in ("甲", "乙", "丙"))
    order = posted(world, wanted=2)
    with pytest.raises(InvalidInput):  # as many as it wants
        services.order_assign(actor=staff, order_id=order.pk, volunteer_ids=[a.pk], now=T0)
    outsider = volunteer(world, "外社区", community=1)
    with pytest.raises(InvalidInput):  # not serving the community
        services.order_assign(
            actor=staff, order_id=order.pk, volunteer_ids=[a.pk, outsider.pk], now=T0
        )
    assert ServiceOrder.objects.get(pk=order.pk).state == OrderState.POSTED
    services.order_assign(actor=staff, order_id=order.pk, volunteer_ids=[a.pk, b.pk], now=T0)
    with pytest.raises(NotFound):  # c sees only published orders and his own
        services.order_take(actor=as_actor(c), order_id=order.pk, now=T0)
    services.order_take(actor=as_actor(a), order_id=order.pk, now=T0)
    assert ServiceOrder.objects.get(pk=order.pk).state == OrderState.ASSIGNED
    with pytest.raises(InvalidTransition):
        services.order_take(actor=as_actor(a), order_id=order.pk, now=T0)
    services.order_take(actor=as_actor(b), order_id=order.pk, now=T0)
    assert ServiceOrder.objects.get(pk=order.pk).state == OrderState.TAKEN


def test_check_in_and_out_are_the_takers_own(world: World) -> None:
    a, b = volunteer(world, "甲"), volunteer(world, "乙")
    order = published(world)
    services.order_take(actor=as_actor(a), order_id=order.pk, now=T0)
    with pytest.raises(NotFound):  # full, and not his: he no longer sees it
        services.order_check_in(actor=as_actor(b), order_id=order.pk, place="门口", now=WHEN)
    with pytest.raises(InvalidInput):
        services.order_check_in(actor=as_actor(a), order_id=order.pk, place="", now=WHEN)
    services.order_check_in(actor=as_actor(a), order_id=order.pk, place="门口", now=WHEN)
    with pytest.raises(InvalidTransition):
        services.order_check_in(actor=as_actor(a), order_id=order.pk, place="门口", now=WHEN)
    with pytest.raises(InvalidInput):  # out before in
        services.order_check_out(
            actor=as_actor(a), order_id=order.pk, place="门口", now=WHEN - timedelta(minutes=1)
        )
    assert ServiceOrder.objects.get(pk=order.pk).state == OrderState.IN_SERVICE


def test_two_takers_the_order_is_done_when_both_are_out(world: World) -> None:
    a, b = volunteer(world, "甲"), volunteer(world, "乙")
    order = published(world, wanted=2)
    services.order_take(actor=as_actor(a), order_id=order.pk, now=T0)
    with pytest.raises(InvalidTransition):  # the service begins when every place is taken
        services.order_check_in(actor=as_actor(a), order_id=order.pk, place="门口", now=WHEN)
    services.order_take(actor=as_actor(b), order_id=order.pk, now=T0)
    for v in (a, b):
        services.order_check_in(actor=as_actor(v), order_id=order.pk, place="门口", now=WHEN)
    services.order_check_out(
        actor=as_actor(a), order_id=order.pk, place="门口", now=WHEN + timedelta(minutes=30)
    )
    assert ServiceOrder.objects.get(pk=order.pk).state == OrderState.IN_SERVICE
    services.order_check_out(
        actor=as_actor(b), order_id=order.pk, place="门口", now=WHEN + timedelta(minutes=60)
    )
    assert ServiceOrder.objects.get(pk=order.pk).state == OrderState.DONE


def test_only_the_requester_confirms_with_a_rating_of_one_to_five(world: World) -> None:
    rule()
    v = volunteer(world)
    order = done(world, [v])
    with pytest.raises(NotFound):
        services.order_confirm(
            actor=world.actor("resident2"), order_id=order.pk, rating=5, now=WHEN
        )
    with pytest.raises(PermissionDenied):
        services.order_confirm(
            actor=world.actor("community"), order_id=order.pk, rating=5, now=WHEN
        )
    for bad in (0, 6):
        with pytest.raises(InvalidInput):
            services.order_confirm(
                actor=world.actor("resident"), order_id=order.pk, rating=bad, now=WHEN
            )
    assert ServiceOrder.objects.get(pk=order.pk).state == OrderState.DONE
    assert not PointsEntry.objects.exists()


def test_a_grid_worker_who_posted_for_a_resident_confirms(world: World) -> None:
    rule()
    v = volunteer(world)
    order = posted(world, who="grid_worker")
    services.order_publish(actor=world.actor("community"), order_id=order.pk, now=T0)
    services.order_take(actor=as_actor(v), order_id=order.pk, now=T0)
    services.order_check_in(actor=as_actor(v), order_id=order.pk, place="门口", now=WHEN)
    services.order_check_out(
        actor=as_actor(v), order_id=order.pk, place="门口", now=WHEN + timedelta(hours=2)
    )
    services.order_confirm(actor=world.actor("grid_worker"), order_id=order.pk, rating=3, now=WHEN)
    assert selectors.balance(v) == Decimal("20.00")  # 2 h × 10, no bonus for 3 stars


def test_cancel_before_the_service_begins_only(world: World) -> None:
    order, _v = _order_in(world, OrderState.TAKEN)
    with pytest.raises(NotFound):
        services.order_cancel(actor=world.actor("resident2"), order_id=order.pk, reason="x", now=T0)
    with pytest.raises(PermissionDenied):  # the volunteer is not the one who asked
        services.order_cancel(actor=as_actor(_v), order_id=order.pk, reason="x", now=T0)
    cancelled = services.order_cancel(
        actor=world.actor("community"), order_id=order.pk, reason="服务对象住院", now=T0
    )
    assert cancelled.state == OrderState.CANCELLED


def test_points_only_for_a_confirmed_order(world: World) -> None:
    """Bad input: crediting an order the requester has not confirmed is refused."""
    rule()
    order = done(world, [volunteer(world)])
    with pytest.raises(RuleViolation):
        services.points_credit(order=order, now=WHEN)
    assert not PointsEntry.objects.exists()


def test_an_order_is_credited_once(world: World) -> None:
    rule()
    order = confirmed(world, [volunteer(world)])
    with pytest.raises(InvalidTransition):
        services.points_credit(order=order, now=WHEN)
    assert PointsEntry.objects.count() == 1


def test_the_rule_in_force_the_day_it_is_confirmed(world: World) -> None:
    """A rule dated after the confirmation does not reach back; ratings below 4 get no bonus."""
    rule(date(2026, 1, 1), per_hour=10, b4=1, b5=2)
    rule(date(2026, 6, 1), per_hour=20, b4=3, b5=5)
    a, b = volunteer(world, "甲"), volunteer(world, "乙")
    confirmed(world, [a], rating=4, minutes=60)  # March: 10 + 1
    confirmed(world, [b], rating=2, minutes=30)  # March: 5
    assert selectors.balance(a) == Decimal("11.00")
    assert selectors.balance(b) == Decimal("5.00")


def test_an_order_from_a_case(world: World) -> None:
    """The community or the street makes an order from a case handled or closed; it names
    the case, and the case's orders are found from it."""
    closed = case_in_state(world, CaseState.CLOSED)
    order = services.order_post(
        actor=world.actor("street"),
        community_id=world.communities[0].pk,
        case_id=closed.pk,
        title="上门看望独居老人",
        place=closed.address or "3 栋",
        wanted_at=WHEN,
        contact_name="王阿姨",
        now=T0,
    )
    assert order.case_id == closed.pk
    assert list(selectors.orders_visible_to(world.actor("community")).filter(case=closed)) == [
        order
    ]
    waiting = case_in_state(world, CaseState.SUBMITTED)
    with pytest.raises(RuleViolation):
        services.order_post(
            actor=world.actor("community"),
            community_id=world.communities[0].pk,
            case_id=waiting.pk,
            title="上门",
            place="3 栋",
            wanted_at=WHEN,
            contact_name="王",
            now=T0,
        )
    with pytest.raises(PermissionDenied):
        services.order_post(
            actor=world.actor("resident"),
            community_id=world.communities[0].pk,
            case_id=closed.pk,
            title="上门",
            place="3 栋",
            wanted_at=WHEN,
            now=T0,
        )
    with pytest.raises(NotFound):  # another street's staff do not see the case
        services.order_post(
            actor=world.actor("street_b"),
            community_id=world.communities[0].pk,
            case_id=closed.pk,
            title="上门",
            place="3 栋",
            wanted_at=WHEN,
            contact_name="王",
            now=T0,
        )
    assert ServiceOrder.objects.count() == 1


def test_scopes(world: World) -> None:
    """A resident sees his own orders; a volunteer the published ones of his areas and his
    own; the community its own; another street nothing."""
    mine = posted(world)
    open_ = published(world, who="resident2")
    v = volunteer(world)
    assert set(selectors.orders_visible_to(world.actor("resident"))) == {mine}
    assert set(selectors.orders_visible_to(as_actor(v))) == {open_}
    assert set(selectors.orders_visible_to(world.actor("community"))) == {mine, open_}
    assert set(selectors.orders_visible_to(world.actor("street"))) == {mine, open_}
    assert not selectors.orders_visible_to(world.actor("street_b")).exists()
    assert set(selectors.orders_visible_to(world.actor("hub"))) == {mine, open_}


def test_an_order_seen_by_two_rights_is_listed_once(world: World) -> None:
    """Published in the volunteer's area and taken by him (one of two places): both arms of
    his scope match it, and it comes once."""
    v = volunteer(world)
    order = published(world, wanted=2)
    services.order_take(actor=as_actor(v), order_id=order.pk, now=T0)
    assert ServiceOrder.objects.get(pk=order.pk).state == OrderState.PUBLISHED
    seen = [o.pk for o in selectors.orders_visible_to(as_actor(v))]
    assert seen == [order.pk]


def test_a_step_locks_the_orders_row_and_not_its_communitys(world: World) -> None:
    """Every order of a community joins the community's row: locking it too would queue
    every step on any of them (and anything editing the community) behind one another."""
    if connection.vendor != "postgresql":
        pytest.skip("SQLite takes no row locks")
    v = volunteer(world)
    order = posted(world)
    with CaptureQueriesContext(connection) as queries:
        services.order_publish(actor=world.actor("community"), order_id=order.pk, now=T0)
        services.order_take(actor=as_actor(v), order_id=order.pk, now=T0)
    locks = [q["sql"] for q in queries.captured_queries if "FOR UPDATE" in q["sql"]]
    assert len(locks) >= 2
    assert all(sql.endswith('FOR UPDATE OF "volunteers_serviceorder"') for sql in locks), locks
