"""Several processes racing on PostgreSQL: exactly one wins each race, no update is lost,
numbers stay unique. (SQLite serialises writers, so there is no race to test there.)"""

from __future__ import annotations

import multiprocessing
from collections.abc import Callable
from typing import Any

import pytest
from django.db import connection, connections

from huying.cases import services
from huying.cases.models import Assignment, Case, CaseState
from huying.cases.trail import verify_trails
from huying.conftest import World, build_world
from huying.core.errors import DomainError
from huying.org.actors import Actor, actor_for

from .helpers import case_in_state, submit

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


@pytest.fixture(autouse=True)
def _postgres_only() -> None:
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL (several processes on one database)")


def _child(fn: Callable[..., Any], args: tuple[Any, ...], queue: Any) -> None:
    try:
        queue.put(fn(*args))
    except BaseException as exc:  # report, never hang the parent
        queue.put(("crash", repr(exc)))
    finally:
        connections.close_all()


def run_processes(fn: Callable[..., Any], arg_list: list[tuple[Any, ...]]) -> list[Any]:
    connections.close_all()  # children must not share the parent's socket
    ctx = multiprocessing.get_context("fork")
    queue = ctx.Queue()
    procs = [ctx.Process(target=_child, args=(fn, args, queue)) for args in arg_list]
    for p in procs:
        p.start()
    results = [queue.get(timeout=120) for _ in procs]
    for p in procs:
        p.join(timeout=30)
    return results


def _actor(username: str) -> Actor:
    from django.contrib.auth import get_user_model

    return actor_for(get_user_model().objects.get(username=username))


def _submit_many(grid_point: tuple[float, float], n: int) -> list[str]:
    actor = _actor("resident")
    return [
        services.case_submit(
            actor=actor, title=f"并发上报{i}", lat=grid_point[0], lng=grid_point[1]
        ).number
        for i in range(n)
    ]


def _verify_all(case_ids: list[int], passed: bool) -> list[str]:
    actor = _actor("street")
    outcomes = []
    for cid in case_ids:
        try:
            services.case_verify(actor=actor, case_id=cid, passed=passed, reason="并发核查")
            outcomes.append("won")
        except DomainError as exc:
            outcomes.append(exc.code)
    return outcomes


def _report_in(username: str, assignment_id: int) -> str:
    services.assignment_report_in(actor=_actor(username), assignment_id=assignment_id)
    return "ok"


def test_numbers_unique_across_processes() -> None:
    world = build_world()
    results = run_processes(_submit_many, [(world.point_in(0), 15)] * 6)
    numbers = [n for batch in results for n in batch]
    assert len(numbers) == 90 and len(set(numbers)) == 90, results
    assert Case.objects.count() == 90


def test_conflicting_verifications_one_winner_each() -> None:
    world: World = build_world()
    ids = [case_in_state(world, CaseState.VERIFYING).pk for _ in range(6)]
    versions = {c.pk: c.version for c in Case.objects.filter(pk__in=ids)}
    results = run_processes(_verify_all, [(ids, True), (ids, False), (ids, True), (ids, False)])
    assert not any(r[0] == "crash" for r in results), results
    for i, cid in enumerate(ids):
        outcomes = [r[i] for r in results]
        assert outcomes.count("won") == 1, (cid, outcomes)
        assert set(outcomes) - {"won"} <= {"invalid_transition", "conflict"}
        case = Case.objects.get(pk=cid)
        assert case.state in (CaseState.FOLLOW_UP, CaseState.IN_PROGRESS)
        assert case.version > versions[cid]
    assert list(verify_trails()) == []


def test_two_departments_reporting_in_at_once_both_succeed() -> None:
    world = build_world()
    pairs = []
    for _ in range(5):
        case = submit(world)
        services.case_triage(actor=world.actor("hub"), case_id=case.pk, item_id=world.items[3].pk)
        services.case_hub_dispatch(
            actor=world.actor("hub"),
            case_id=case.pk,
            lead_department_id=world.departments["sw"].pk,
            co_department_ids=[world.departments["hb"].pk],
        )
        lead, co = Assignment.objects.filter(case=case).order_by("pk")
        pairs += [("dept_sw", lead.pk), ("dept_hb", co.pk)]
    results = run_processes(_report_in, pairs)
    assert results == ["ok"] * len(pairs), results
    assert set(Assignment.objects.values_list("state", flat=True)) == {"reported_in"}
    assert list(verify_trails()) == []
