"""Role homes' queues reshaped for ten million cases hold the same cases as before: each
expectation is listed by hand from the cases the test makes."""

from __future__ import annotations

from django.test import Client

from huying.cases import services
from huying.cases.models import Case, CaseState, Tier
from huying.cases.queues import Queue, field_home, grid_home
from huying.cases.tests.helpers import case_in_state, submit
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
