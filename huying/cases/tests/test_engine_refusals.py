"""Through the engine: every (state, action, role) outside the table is refused and the
case, its assignments and its trail are unchanged."""

from __future__ import annotations

import pytest

from huying.cases import rules
from huying.cases.models import Assignment, Case, CaseEvent, CaseState
from huying.cases.services import engine
from huying.conftest import MONDAY_10AM, World
from huying.core.errors import DomainError
from huying.org.actors import Actor
from huying.org.models import Role

from .helpers import case_in_state


def _fingerprint(case_id: int) -> tuple:
    case = Case.objects.get(pk=case_id)
    return (
        case.state,
        case.version,
        case.trail_head,
        CaseEvent.objects.filter(case_id=case_id).count(),
        tuple(
            Assignment.objects.filter(case_id=case_id)
            .values_list("state", "version")
            .order_by("pk")
        ),
    )


@pytest.mark.parametrize("state", [s for s in CaseState.values])
def test_refused_case_actions_change_nothing(world: World, state: str) -> None:
    case = case_in_state(world, state)
    # One actor per role that can see the case (a hub actor stands in for roles that see all).
    by_role: dict[str, Actor] = {}
    for name in (
        "street",
        "street_leader",
        "community",
        "grid_worker",
        "grid_leader",
        "hub",
        "hub_sup",
        "dept_cg",
        "dept_cg_leader",
        "leader",
        "admin",
    ):
        by_role[world.actor(name).role] = world.actor(name)
    before = _fingerprint(case.pk)
    for action in sorted(rules.CASE_ACTIONS):
        for role in [*Role.values, rules.SYSTEM]:
            rule = rules.CASE_TABLE.get((state, action))
            if rule is not None and role in rule.roles:
                continue
            actor = None if role == rules.SYSTEM else by_role.get(role)
            if role != rules.SYSTEM and actor is None:
                continue  # residents are covered by the scope tests

            def attempt(c: Case, a: Actor | None = actor, act: str = action) -> object:
                return engine.case_step(c, a, act, now=MONDAY_10AM, reason="理由")

            with pytest.raises(DomainError):
                engine.run(actor, case.pk, None, attempt)
            assert _fingerprint(case.pk) == before, (state, action, role)
