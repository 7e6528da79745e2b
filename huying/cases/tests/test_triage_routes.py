"""Triage (merge, split, level override) and the four routes by level."""

from __future__ import annotations

from datetime import timedelta

import pytest

from huying.cases import services
from huying.cases.models import Assignment, Case, CaseEvent, CaseState, Route
from huying.conftest import MONDAY_10AM, World
from huying.core.errors import InvalidInput, RuleViolation

from .helpers import submit


def test_level_override_needs_a_reason(world: World) -> None:
    case = submit(world)
    street = world.actor("street")
    with pytest.raises(InvalidInput, match="理由"):
        services.case_triage(actor=street, case_id=case.pk, item_id=world.items[2].pk, level=3)
    assert Case.objects.get(pk=case.pk).state == CaseState.SUBMITTED
    services.case_triage(
        actor=street,
        case_id=case.pk,
        item_id=world.items[2].pk,
        level=3,
        level_reason="涉及多个部门",
    )
    case.refresh_from_db()
    assert case.level == 3
    event = CaseEvent.objects.get(case=case, seq=2)
    assert event.before == {"item": None, "level": None, "state": "submitted"}
    assert event.after["level"] == 3 and event.reason == "涉及多个部门"


def test_merge_points_duplicates_at_the_master(world: World) -> None:
    master, dup = submit(world), submit(world)
    services.case_merge(
        actor=world.actor("street"), case_id=dup.pk, master_id=master.pk, reason="同一路灯"
    )
    dup.refresh_from_db()
    assert dup.state == CaseState.MERGED and dup.master_id == master.pk
    assert list(master.duplicates.all()) == [dup]
    with pytest.raises(InvalidInput):
        services.case_merge(actor=world.actor("street"), case_id=master.pk, master_id=master.pk)


def test_split_makes_traced_children(world: World) -> None:
    case = submit(world, title="路灯不亮，井盖也缺失")
    children = services.case_split(
        actor=world.actor("street"),
        case_id=case.pk,
        reason="两个问题",
        parts=[{"title": "路灯不亮"}, {"title": "井盖缺失"}],
    )
    assert [c.title for c in children] == ["路灯不亮", "井盖缺失"]
    assert all(c.split_from_id == case.pk and c.grid_id == case.grid_id for c in children)
    assert len({c.number for c in children} | {case.number}) == 3
    with pytest.raises(InvalidInput):
        services.case_split(
            actor=world.actor("street"), case_id=case.pk, reason="x", parts=[{"title": "一个"}]
        )


def test_leader_dispatch_runs_on_the_emergency_clock(world: World) -> None:
    case = submit(world, title="燃气泄漏")
    services.case_triage(actor=world.actor("hub"), case_id=case.pk, item_id=world.items[4].pk)
    with pytest.raises(RuleViolation):
        services.case_hub_dispatch(actor=world.actor("hub"), case_id=case.pk)
    services.case_leader_dispatch(
        actor=world.actor("leader"),
        case_id=case.pk,
        co_department_ids=[world.departments["jt"].pk],
        now=MONDAY_10AM,
    )
    lead, co = Assignment.objects.filter(case=case).order_by("pk")
    assert lead.route == co.route == Route.LEADER
    assert lead.report_in_due_at == MONDAY_10AM + timedelta(minutes=30)
    assert lead.handle_due_at == MONDAY_10AM + timedelta(hours=72)


def test_simple_case_handled_within_the_grid(world: World) -> None:
    case = submit(world, who="grid_worker", title="占道经营")
    assert case.source == "grid_patrol"
    services.case_triage(actor=world.actor("street"), case_id=case.pk, item_id=world.items[1].pk)
    with pytest.raises(RuleViolation):
        services.case_call(actor=world.actor("street"), case_id=case.pk)
    services.case_self_handle(actor=world.actor("street"), case_id=case.pk)
    services.case_complete_self(actor=world.actor("grid_worker"), case_id=case.pk, result="已劝离")
    services.case_verify(
        actor=world.actor("street"), case_id=case.pk, passed=False, reason="次日又出现"
    )
    case.refresh_from_db()
    assert case.state == CaseState.SELF_HANDLING and case.rework_count == 1
    services.case_complete_self(actor=world.actor("grid_worker"), case_id=case.pk, result="已取缔")
    services.case_verify(actor=world.actor("street"), case_id=case.pk, passed=True)
    case.refresh_from_db()  # a patrol finding: nobody to call back, closed as it passes
    assert case.state == CaseState.CLOSED and case.satisfaction == ""
