"""回访 applies only where someone can be called back. A grid worker's patrol finding has no
reporter: it waited in 待回访 though nobody could be called. Now the check closes it."""

from __future__ import annotations

import pytest

from huying.cases import queues, rules, services
from huying.cases.models import Case, CaseState, Source
from huying.cases.tests.helpers import MONDAY_10AM
from huying.catalogue.models import Level
from huying.conftest import World
from huying.core.errors import InvalidTransition, PermissionDenied

pytestmark = pytest.mark.django_db


def _verified(world: World, case: Case) -> Case:
    street = world.actor("street")
    services.case_triage(
        actor=street, case_id=case.pk, item_id=world.items[Level.SIMPLE].pk, now=MONDAY_10AM
    )
    services.case_self_handle(actor=street, case_id=case.pk, now=MONDAY_10AM)
    services.case_complete_self(
        actor=world.actor("grid_worker"), case_id=case.pk, result="已处理", now=MONDAY_10AM
    )
    services.case_verify(actor=street, case_id=case.pk, passed=True, now=MONDAY_10AM)
    return Case.objects.get(pk=case.pk)


def _report(world: World, **fields: object) -> Case:
    lat, lng = world.point_in(0)
    return services.case_submit(title="占道经营", lat=lat, lng=lng, now=MONDAY_10AM, **fields)  # type: ignore[arg-type]


def test_a_patrol_finding_is_closed_when_it_passes_the_check(world: World) -> None:
    case = _verified(world, _report(world, actor=world.actor("grid_worker")))
    assert case.source == Source.GRID_PATROL and not rules.has_reporter(case)
    assert case.state == CaseState.CLOSED and case.closed_at == MONDAY_10AM
    actions = list(case.events.order_by("seq").values_list("action", flat=True))
    assert actions[-2:] == ["verify_pass", "close_unreported"]
    follow_up = next(
        q
        for q in queues.street_home(world.actor("street"), MONDAY_10AM).queues
        if q.key == "follow_up"
    )
    assert case.number not in {c.number for c in follow_up.rows}


@pytest.mark.parametrize(
    ("who", "extra"),
    [("resident", {}), ("hub", {"reporter_phone": "13800001234", "source": Source.HOTLINE})],
)
def test_a_case_with_someone_to_call_waits_for_the_follow_up(
    world: World, who: str, extra: dict[str, object]
) -> None:
    case = _verified(world, _report(world, actor=world.actor(who), **extra))
    assert case.state == CaseState.FOLLOW_UP and case.closed_at is None


def test_nobody_but_the_system_closes_without_a_follow_up(world: World) -> None:
    rule = rules.check_case(CaseState.FOLLOW_UP, "close_unreported", rules.SYSTEM)
    assert rule.target == CaseState.CLOSED
    with pytest.raises((PermissionDenied, InvalidTransition)):
        rules.check_case(CaseState.FOLLOW_UP, "close_unreported", "street_caller")
