"""The transition table walked exhaustively, in memory and through the engine."""

from __future__ import annotations

import functools
import itertools

import pytest

from huying.cases import rules
from huying.cases.models import AssignmentState, CaseState
from huying.core.errors import InvalidInput, InvalidTransition, PermissionDenied
from huying.org.models import Role

# The database plays no part here: CI runs these in the SQLite run only.
pytestmark = pytest.mark.once

ROLES = [*Role.values, rules.SYSTEM]


def test_every_case_state_is_reachable_and_every_rule_targets_a_state() -> None:
    targets = {r.target for r in rules.CASE_RULES} - {None, rules.RESTORE}
    assert targets <= set(CaseState.values)
    # Everything is the target of some rule but 待网格员处理, where only intake puts a case
    # (待研判 is an intake state too, and where the grid raises a report to the street).
    assert set(CaseState.values) - targets == {CaseState.AT_GRID}


def test_terminal_states_allow_nothing_but_reopen_and_archive() -> None:
    assert {a for (s, a) in rules.CASE_TABLE if s == CaseState.CLOSED} == {"reopen", "archive"}
    for terminal in (CaseState.REJECTED, CaseState.MERGED, CaseState.ARCHIVED):
        assert not [a for (s, a) in rules.CASE_TABLE if s == terminal]
    for done in (AssignmentState.RETURNED, AssignmentState.WITHDRAWN):
        assert not [a for (s, a) in rules.ASSIGNMENT_TABLE if s == done]


@pytest.mark.parametrize("state", CaseState.values)
def test_case_table_exhaustively(state: str) -> None:
    for action, role in itertools.product(sorted(rules.CASE_ACTIONS), ROLES):
        rule = rules.CASE_TABLE.get((state, action))
        if rule is None:
            with pytest.raises(InvalidTransition):
                rules.check_case(state, action, role)
        elif role not in rule.roles:
            with pytest.raises(PermissionDenied):
                rules.check_case(state, action, role)
        else:
            assert rules.check_case(state, action, role) is rule


@pytest.mark.parametrize("state", AssignmentState.values)
def test_assignment_table_exhaustively(state: str) -> None:
    for action, role in itertools.product(sorted(rules.ASSIGNMENT_ACTIONS), ROLES):
        rule = rules.ASSIGNMENT_TABLE.get((state, action))
        check = functools.partial(rules.check_assignment, case_state=CaseState.IN_PROGRESS)
        if rule is None:
            with pytest.raises(InvalidTransition):
                check(state, action, role)
        elif role not in rule.roles:
            with pytest.raises(PermissionDenied):
                check(state, action, role)
        else:
            assert check(state, action, role) is rule


@pytest.mark.parametrize("case_state", sorted(set(CaseState.values) - {CaseState.IN_PROGRESS}))
def test_assignments_move_only_while_the_case_is_with_the_departments(case_state: str) -> None:
    """A suspended case waits: no report-in, result or ruling may change it (nor any other
    state's: a triaged or verifying case has no department working on it)."""
    for (state, action), rule in rules.ASSIGNMENT_TABLE.items():
        role = next(iter(sorted(rule.roles)))
        with pytest.raises(InvalidTransition) as refused:
            rules.check_assignment(state, action, role, case_state=case_state)
        if case_state == CaseState.SUSPENDED:
            assert "挂账" in str(refused.value)


def test_unknown_action_is_invalid_input() -> None:
    with pytest.raises(InvalidInput):
        rules.check_case(CaseState.SUBMITTED, "teleport", Role.HUB_DISPATCHER)


def test_residents_and_departments_cannot_triage_or_dispatch() -> None:
    for role in (Role.RESIDENT, Role.DEPT_HANDLER, Role.GRID_WORKER):
        with pytest.raises(PermissionDenied):
            rules.check_case(CaseState.SUBMITTED, "triage", role)
        with pytest.raises(PermissionDenied):
            rules.check_case(CaseState.TRIAGED, "hub_dispatch", role)


def test_level_routes() -> None:
    """L1 self-handling, L2 street call, L3 hub dispatch, L4 leader dispatch."""

    class FakeCase:
        def __init__(self, level: int) -> None:
            self.level = level

    route_of = {"self_handle": {1}, "call": {2}, "hub_dispatch": {2, 3}, "leader_dispatch": {4}}
    for action, levels in route_of.items():
        rule = rules.CASE_TABLE[(CaseState.TRIAGED, action)]
        assert rule.guard is not None
        for level in (1, 2, 3, 4):
            assert (rule.guard(FakeCase(level), {}) is None) == (level in levels), (action, level)


def test_reason_required_rules_refuse_blank_reason() -> None:
    for rule in rules.CASE_RULES + rules.ASSIGNMENT_RULES:
        if rule.reason_required:
            with pytest.raises(InvalidInput):
                rules.enforce(rule, object(), {}, "   ")


def test_trail_labels_cover_every_action_and_assignment_events() -> None:
    assert rules.action_label("submit") == "上报"
    assert rules.action_label("assignment.report_in") == "报到"
    assert rules.action_label("rework") == "核查返工"  # the case's rework, not the assignment's
    assert rules.action_label("assignment.rework") == "返工"
    for rule in rules.CASE_RULES:
        assert rules.action_label(rule.action) == rule.label
