"""Several processes rating, appealing and ruling at once on PostgreSQL: exactly one wins
each race and the case trail stays whole. (SQLite serialises writers: no race there.)"""

from __future__ import annotations

import pytest
from django.db import connection

from huying.cases.models import CaseState
from huying.cases.tests.helpers import case_in_state
from huying.cases.tests.test_concurrency import _actor, run_processes
from huying.cases.trail import verify_trails
from huying.conftest import build_world
from huying.core.errors import DomainError
from huying.evaluation.models import Rating, RatingAppeal
from huying.evaluation.services import rating_appeal, rating_create, rating_rule_appeal

from .helpers import scores

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


@pytest.fixture(autouse=True)
def _postgres_only() -> None:
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL (several processes on one database)")


def _rate(username: str, case_id: int, department_id: int, value: int) -> str:
    try:
        rating_create(
            actor=_actor(username),
            case_id=case_id,
            department_id=department_id,
            scores=scores(value),
        )
    except DomainError as exc:
        return exc.code
    return "won"


def _appeal_and_rule(username: str, rating_id: int, uphold: bool) -> str:
    try:
        if username.startswith("dept"):
            rating_appeal(actor=_actor(username), rating_id=rating_id, reason="不服")
        else:
            rating_rule_appeal(
                actor=_actor(username),
                rating_id=rating_id,
                uphold=uphold,
                scores=scores(16) if uphold else None,
                reason="裁定",
            )
    except DomainError as exc:
        return exc.code
    return "won"


def test_one_rating_per_case_and_department_whatever_the_race() -> None:
    world = build_world()
    case = case_in_state(world, CaseState.CLOSED)
    cg = world.departments["cg"].pk
    results = run_processes(
        _rate,
        [("street", case.pk, cg, 17), ("street_leader", case.pk, cg, 15)] * 3,
    )
    assert sorted(results) == ["duplicate_rating"] * 5 + ["won"], results
    assert Rating.objects.filter(case=case).count() == 1
    assert list(verify_trails()) == []


def test_one_appeal_and_one_ruling_whatever_the_race() -> None:
    world = build_world()
    case = case_in_state(world, CaseState.CLOSED)
    rating = rating_create(
        actor=world.actor("street"),
        case_id=case.pk,
        department_id=world.departments["cg"].pk,
        scores=scores(11),
        reason="推诿",
    )
    appeals = run_processes(_appeal_and_rule, [("dept_cg", rating.pk, False)] * 4)
    assert sorted(appeals).count("won") == 1, appeals
    rulings = run_processes(
        _appeal_and_rule, [("hub", rating.pk, True), ("hub_sup", rating.pk, False)] * 2
    )
    assert rulings.count("won") == 1, rulings
    assert set(rulings) - {"won"} <= {"rule_violation", "conflict"}
    appeal = RatingAppeal.objects.get(rating=rating)
    rating.refresh_from_db()
    expected = 80 if appeal.state == "upheld" else 55
    assert rating.effective_total == expected
    assert list(verify_trails()) == []
