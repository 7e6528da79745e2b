"""Role homes' queues reshaped for ten million cases hold the same cases as before: each
expectation is listed by hand from the cases the test makes."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.db.models import Q
from django.test import Client

from huying.cases import services
from huying.cases.models import Assignment, AssignmentState, Case, CaseState, Tier
from huying.cases.queues import Queue, department_home, field_home, grid_home
from huying.cases.rules import ACTIVE_ASSIGNMENT_STATES, OPEN_CASE_STATES
from huying.cases.tests.helpers import case_in_state, submit
from huying.catalogue.models import Level
from huying.conftest import MONDAY_10AM, World

S = CaseState
T = MONDAY_10AM


def _raised(world: World, times: int) -> Case:
    """A self-handled case of grid 0 raised ``times`` tiers (grid → community → street)."""
    case = case_in_state(world, S.SELF_HANDLING)
    for _ in range(times):
        services.case_escalate(actor=world.actor("street"), case_id=case.pk, now=T)
    return Case.objects.get(pk=case.pk)


def _field_cases(world: World) -> dict[str, Case]:
    cases = {
        "at_grid": submit(world, who="informant", now=T),  # an informant's report: the worker's
        "grid_tier": _raised(world, 0),
        "community_tier": _raised(world, 1),
        "street_tier": _raised(world, 2),
        "in_progress": case_in_state(world, S.IN_PROGRESS),
        "submitted": case_in_state(world, S.SUBMITTED),
        "other_grid": submit(world, who="informant", grid=2, now=T),  # street 2's worker's
    }
    assert [cases[k].tier for k in ("grid_tier", "community_tier", "street_tier")] == [
        Tier.GRID,
        Tier.COMMUNITY,
        Tier.STREET,
    ]
    assert cases["at_grid"].state == cases["other_grid"].state == S.AT_GRID
    return cases


def _tasks(home_queues: list[Queue], key: str = "tasks") -> tuple[set[int], int]:
    queue = next(q for q in home_queues if q.key == key)
    return {c.pk for c in queue.rows}, queue.count


def test_a_grid_workers_tasks_are_its_grids_waiting_reports_and_grid_tier_work(
    world: World,
) -> None:
    cases = _field_cases(world)
    mine = {cases["at_grid"].pk, cases["grid_tier"].pk}
    worker = world.actor("grid_worker")
    assert _tasks(grid_home(worker, T).queues) == (mine, 2)
    assert _tasks(field_home(worker).queues) == (mine, 2)


def test_a_grid_leaders_tasks_take_in_the_community_tier(world: World) -> None:
    cases = _field_cases(world)
    theirs = {cases["at_grid"].pk, cases["grid_tier"].pk, cases["community_tier"].pk}
    leader = world.actor("grid_leader")
    assert _tasks(grid_home(leader, T).queues) == (theirs, 3)
    assert _tasks(field_home(leader).queues) == (theirs, 3)


def test_the_phone_task_page_shows_the_tasks_and_the_newest_cases_only(world: World) -> None:
    cases = _field_cases(world)
    client = Client()
    client.force_login(world.actor("grid_worker").user)
    page = client.get("/m/").content.decode()
    assert "本级处置任务" in page and "辖区最新事件" in page
    assert "即将超期" not in page and "待回访" not in page
    worker_home = field_home(world.actor("grid_worker"))
    newest = sorted(
        (c.pk for k, c in cases.items() if k != "other_grid"), reverse=True
    )  # every case but street 2's is in grid 0, the worker's
    assert [c.pk for c in worker_home.queues[1].rows] == newest
    assert cases["other_grid"].number not in page


# --- the department home ------------------------------------------------------------------


def test_the_live_assignments_index_holds_every_state_a_home_queue_reads() -> None:
    """``asg_live_department`` lists the states it holds: every state the department and hub
    queues ask for must be among them, or PostgreSQL cannot use it for that queue."""
    index = next(i for i in Assignment._meta.indexes if i.name == "asg_live_department")
    held = set(index.condition.children[0][1])
    assert held == ACTIVE_ASSIGNMENT_STATES | {AssignmentState.RETURN_REQUESTED}


def _assignment(case: Case) -> Assignment:
    return Assignment.objects.get(case=case)


def test_a_departments_queues_hold_its_assignments_by_what_they_need_next(world: World) -> None:
    dept = world.actor("dept_cg")
    waiting = _assignment(case_in_state(world, S.IN_PROGRESS))
    working = _assignment(case_in_state(world, S.IN_PROGRESS))
    services.assignment_report_in(actor=dept, assignment_id=working.pk, now=T)
    services.assignment_accept(actor=dept, assignment_id=working.pk, now=T)
    suspended = _assignment(case_in_state(world, S.SUSPENDED))
    fed_back = _assignment(case_in_state(world, S.VERIFYING))  # result in: no longer its work
    other_street = submit(world, grid=2, now=T)
    services.case_triage(
        actor=world.actor("street_b"),
        case_id=other_street.pk,
        item_id=world.items[Level.GENERAL].pk,
        now=T,
    )
    services.case_call(actor=world.actor("street_b"), case_id=other_street.pk, now=T)
    also_waiting = _assignment(other_street)  # 城管 again, from street 2: still its own
    home = department_home(dept, T)
    found = {q.key: ([a.pk for a in q.rows], q.count) for q in home.queues}
    assert found["report_in"] == (sorted([waiting.pk, also_waiting.pk]), 2)
    assert found["handling"] == ([working.pk], 1)
    assert found["suspended"] == ([suspended.pk], 1)
    assert fed_back.pk not in {pk for rows, _n in found.values() for pk in rows}
    assert found["due_soon"] == ([], 0) and found["overdue"] == ([], 0)
    late = department_home(dept, T + timedelta(days=30))  # every running clock has run out
    overdue = next(q for q in late.queues if q.key == "overdue")
    assert {a.pk for a in overdue.rows} == {waiting.pk, also_waiting.pk, working.pk}
    assert overdue.count == 3
    assert [a.due_at for a in overdue.rows] == sorted(a.due_at for a in overdue.rows)


def _negated_states(condition: Any) -> set[str]:
    """The states a partial index's ``~Q(state__in=[…])`` leaves out."""
    for child in condition.children:
        if isinstance(child, Q):
            first: Any = child.children[0]
            if child.negated and first[0] == "state__in":
                return set(first[1])
            found = _negated_states(child)
            if found:
                return found
    return set()


def test_the_open_cases_indexes_leave_out_exactly_the_ended_states() -> None:
    """The open cases' partial indexes list the states they leave out: those must be the
    states that are not open, or PostgreSQL cannot use them for ``state IN (open)``."""
    ended = {s.value for s in CaseState} - OPEN_CASE_STATES
    for name in ("case_open_scope", "case_open_major", "case_open_supervised"):
        index = next(i for i in Case._meta.indexes if i.name == name)
        assert _negated_states(Q(index.condition)) == ended, name
