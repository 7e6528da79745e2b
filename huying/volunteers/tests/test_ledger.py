"""The points ledger (积分台账) is written once: no update or delete path reaches a line, a
wrong one is answered by a correction with its reason, by the volunteer's community; the
balance is the sum of the lines. And the registry: who registers whom."""

from __future__ import annotations

from decimal import Decimal

import pytest

from huying.conftest import World
from huying.core.errors import InvalidInput, NotFound, PermissionDenied, RuleViolation
from huying.core.models import ChangeLog
from huying.volunteers import selectors, services
from huying.volunteers.models import (
    EntryKind,
    LedgerImmutable,
    PointsEntry,
    Volunteer,
    VolunteerKind,
    VolunteerState,
)
from huying.volunteers.tests.helpers import T0, confirmed, rule, volunteer

pytestmark = pytest.mark.django_db


@pytest.fixture
def credited(world: World) -> PointsEntry:
    rule()
    v = volunteer(world)
    confirmed(world, [v], rating=5, minutes=120)  # 2 h × 10 + 2
    return PointsEntry.objects.get(volunteer=v)


def test_a_line_cannot_be_changed_or_deleted(credited: PointsEntry) -> None:
    credited.points = Decimal(999)
    with pytest.raises(LedgerImmutable):
        credited.save()
    with pytest.raises(LedgerImmutable):
        credited.delete()
    with pytest.raises(LedgerImmutable):
        PointsEntry.objects.filter(pk=credited.pk).update(points=999)
    with pytest.raises(LedgerImmutable):
        PointsEntry.objects.filter(pk=credited.pk).delete()
    assert PointsEntry.objects.get(pk=credited.pk).points == Decimal("22.00")


def test_a_correction_is_a_new_line_and_the_balance_their_sum(
    world: World, credited: PointsEntry
) -> None:
    fix = services.points_correct(
        actor=world.actor("community"),
        volunteer_id=credited.volunteer_id,
        points="-2",
        reason="评价奖励重复计入",
        corrects_id=credited.pk,
        now=T0,
    )
    assert (fix.kind, fix.points, fix.corrects_id) == (
        EntryKind.CORRECTION,
        Decimal("-2.00"),
        credited.pk,
    )
    assert PointsEntry.objects.get(pk=credited.pk).points == Decimal("22.00")
    assert selectors.balance(credited.volunteer) == Decimal("20.00")
    assert ChangeLog.objects.filter(action="volunteers.points.correct").count() == 1


@pytest.mark.parametrize(
    ("points", "reason", "error"),
    [
        ("-2", "", InvalidInput),
        ("0", "更正", InvalidInput),
        ("abc", "更正", InvalidInput),
        ("-30", "更正", RuleViolation),  # the balance would go below zero
    ],
)
def test_a_bad_correction_changes_nothing(
    world: World, credited: PointsEntry, points: str, reason: str, error: type[Exception]
) -> None:
    with pytest.raises(error):
        services.points_correct(
            actor=world.actor("community"),
            volunteer_id=credited.volunteer_id,
            points=points,
            reason=reason,
            now=T0,
        )
    assert PointsEntry.objects.count() == 1


def test_only_the_volunteers_community_corrects(world: World, credited: PointsEntry) -> None:
    with pytest.raises(PermissionDenied):  # sees him, may not correct
        services.points_correct(
            actor=world.actor("street"), volunteer_id=credited.volunteer_id, points=1, reason="x"
        )
    with pytest.raises(NotFound):
        services.points_correct(
            actor=world.actor("street_b"), volunteer_id=credited.volunteer_id, points=1, reason="x"
        )
    with pytest.raises(NotFound):
        services.points_correct(
            actor=world.actor("resident"), volunteer_id=credited.volunteer_id, points=1, reason="x"
        )
    assert PointsEntry.objects.count() == 1


def test_a_party_member_names_his_employer(world: World) -> None:
    with pytest.raises(InvalidInput) as refused:
        volunteer(world, "刘党员", kind=VolunteerKind.PARTY_MEMBER)
    assert refused.value.details["field"] == "employer"
    made = volunteer(world, "刘党员", kind=VolunteerKind.PARTY_MEMBER, employer="区财政局")
    assert (made.employer, made.state) == ("区财政局", VolunteerState.APPROVED)
    assert list(made.areas.all()) == [world.communities[0]]  # his own community at least


def test_registration_rules(world: World) -> None:
    staff = world.actor("community")
    kw = {"community_id": world.communities[0].pk, "name": "赵", "now": T0}
    with pytest.raises(InvalidInput):
        services.volunteer_register(actor=staff, phone="123", **kw)  # type: ignore[arg-type]
    with pytest.raises(PermissionDenied):  # another community's volunteers are not hers
        services.volunteer_register(
            actor=staff, community_id=world.communities[1].pk, name="赵", phone="13600000001"
        )
    with pytest.raises(PermissionDenied):
        services.volunteer_register(actor=world.actor("resident"), phone="13600000001", **kw)  # type: ignore[arg-type]
    services.volunteer_register(actor=staff, phone="13600000001", **kw)  # type: ignore[arg-type]
    with pytest.raises(RuleViolation):  # one registration per person
        services.volunteer_register(actor=staff, phone="13600000001", **kw)  # type: ignore[arg-type]
    assert Volunteer.objects.count() == 1


def test_an_application_is_approved_or_refused_with_a_reason(world: World) -> None:
    applied = services.volunteer_apply(
        actor=world.actor("resident"),
        community_id=world.communities[0].pk,
        name="陈",
        phone="13500000001",
        skills="理发",
        now=T0,
    )
    assert applied.state == VolunteerState.PENDING and applied.user == world.actor("resident").user
    with pytest.raises(InvalidInput):
        services.volunteer_decide(
            actor=world.actor("community"), volunteer_id=applied.pk, approve=False, now=T0
        )
    with pytest.raises(PermissionDenied):
        services.volunteer_decide(
            actor=world.actor("street"), volunteer_id=applied.pk, approve=True, now=T0
        )
    refused = services.volunteer_decide(
        actor=world.actor("community"),
        volunteer_id=applied.pk,
        approve=False,
        reason="请先参加培训",
        now=T0,
    )
    assert (refused.state, refused.refusal_reason) == (VolunteerState.REFUSED, "请先参加培训")


def test_the_district_sets_the_points_rule_from_a_later_day(world: World) -> None:
    from datetime import date

    with pytest.raises(PermissionDenied):
        services.rule_set(
            actor=world.actor("community"), valid_from=date(2026, 4, 1), points_per_hour=5, now=T0
        )
    with pytest.raises(InvalidInput):  # not backdated
        services.rule_set(
            actor=world.actor("admin"), valid_from=date(2026, 3, 1), points_per_hour=5, now=T0
        )
    made = services.rule_set(
        actor=world.actor("admin"), valid_from=date(2026, 4, 1), points_per_hour=5, now=T0
    )
    district = world.district.pk
    assert selectors.rule_in_force(date(2026, 4, 2), district) == made
    assert selectors.rule_in_force(date(2026, 3, 31), district) is None
