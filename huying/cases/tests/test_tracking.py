"""The department's side: returns, extensions, the clocks that move with them."""

from __future__ import annotations

from datetime import timedelta

import pytest

from huying.cases import services
from huying.cases.models import Assignment, AssignmentState, CaseState
from huying.conftest import MONDAY_10AM, World
from huying.core.errors import InvalidInput, RuleViolation

from .helpers import case_in_state


@pytest.mark.parametrize("before", [AssignmentState.AWAITING_REPORT_IN, AssignmentState.HANDLING])
def test_refused_return_goes_back_where_it_was_with_the_time_it_had(
    world: World, before: str
) -> None:
    case = case_in_state(world, CaseState.IN_PROGRESS)
    a = Assignment.objects.get(case=case)
    dept, hub = world.actor("dept_cg"), world.actor("hub")
    t = MONDAY_10AM + timedelta(hours=1)
    if before == AssignmentState.HANDLING:
        services.assignment_report_in(actor=dept, assignment_id=a.pk, now=t)
        services.assignment_accept(actor=dept, assignment_id=a.pk, now=t)
    a.refresh_from_db()
    left = a.due_at - t  # type: ignore[operator]
    services.assignment_request_return(actor=dept, assignment_id=a.pk, reason="不归我局", now=t)
    services.assignment_rule_return(
        actor=hub, assignment_id=a.pk, uphold=False, reason="属职责范围", now=t
    )
    a.refresh_from_db()
    assert a.state == before and a.return_upheld is False and a.paused_remaining is None
    assert (
        a.due_at is not None and a.due_at - t == left
    )  # same day: nothing used up while the hub ruled
    case.refresh_from_db()
    assert case.state == CaseState.IN_PROGRESS


def test_extension_must_move_the_deadline_later_and_only_one_pending(world: World) -> None:
    case = case_in_state(world, CaseState.IN_PROGRESS)
    a = Assignment.objects.get(case=case)
    dept = world.actor("dept_cg")
    services.assignment_report_in(actor=dept, assignment_id=a.pk)
    a.refresh_from_db()
    assert a.handle_due_at is not None
    with pytest.raises(InvalidInput, match="晚于"):
        services.assignment_request_extension(
            actor=dept, assignment_id=a.pk, until=a.handle_due_at, reason="x"
        )
    later = a.handle_due_at + timedelta(days=3)
    services.assignment_request_extension(
        actor=dept, assignment_id=a.pk, until=later, reason="等材料"
    )
    with pytest.raises(RuleViolation, match="待审批"):
        services.assignment_request_extension(
            actor=dept, assignment_id=a.pk, until=later, reason="再等"
        )
    services.assignment_rule_extension(
        actor=world.actor("hub"), assignment_id=a.pk, approve=False, reason="不必"
    )
    a.refresh_from_db()
    assert (
        a.extension_requested_until is None and a.extension_count == 0 and a.handle_due_at < later
    )


def test_rework_after_reopen_touches_only_the_current_round(world: World) -> None:
    """A reopened case is dispatched anew; the first round's finished assignments stay
    finished and do not hold the new round's verification back."""
    case = case_in_state(world, CaseState.VERIFYING)
    street, resident, dept = world.actor("street"), world.actor("resident"), world.actor("dept_cg")
    services.case_verify(actor=street, case_id=case.pk, passed=True)
    services.case_follow_up(actor=resident, case_id=case.pk, satisfaction="dissatisfied")
    services.case_reopen(actor=resident, case_id=case.pk, reason="灯又不亮了")
    first = Assignment.objects.get(case=case)
    (second,) = services.case_call(actor=street, case_id=case.pk)
    for step in (services.assignment_report_in, services.assignment_accept):
        step(actor=dept, assignment_id=second.pk)
    services.assignment_submit_result(actor=dept, assignment_id=second.pk, result="换了整条线路")
    services.case_verify(actor=street, case_id=case.pk, passed=False, reason="仍有闪烁")
    first.refresh_from_db()
    second.refresh_from_db()
    assert first.state == AssignmentState.RESULT_SUBMITTED and first.rework_count == 0
    assert second.state == AssignmentState.HANDLING and second.rework_count == 1
    services.assignment_submit_result(actor=dept, assignment_id=second.pk, result="已修复")
    case.refresh_from_db()
    assert case.state == CaseState.VERIFYING
