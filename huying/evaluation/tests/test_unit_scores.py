"""派驻机构 rated by the streets on their own: the unit's monthly score and ranking, by the
district and by the street that rated it, and the roll-up into its department's score."""

from __future__ import annotations

from decimal import Decimal

from django.test import override_settings

from huying.conftest import World, shared_fixture
from huying.evaluation.periods import Period
from huying.evaluation.scores import department_scores, monthly_unit_scores
from huying.evaluation.services import rating_create

from .helpers import at, scores, verified_case

MARCH = Period.month(2026, 3)


def _rate(world: World, case_id: int, unit: str, points: int, who: str = "street") -> None:
    rating_create(
        actor=world.actor(who),
        case_id=case_id,
        department_id=world.departments[unit].pk,
        scores=scores(points),
        reason="理由",
        now=at(4, 2),
    )


@shared_fixture
def rated(world: World) -> World:
    """March. A joint case of 城管局 (lead, 80) and its 城管执法一中队 (co, 90); the unit
    alone on two more cases of street A (70, and 50 verified in April) and one of street B
    (60)."""
    joint = verified_case(world, departments=("cg", "cg_unit"), verified=at(3, 10))
    _rate(world, joint.pk, "cg", 16)
    _rate(world, joint.pk, "cg_unit", 18)
    alone = verified_case(world, departments=("cg_unit",), verified=at(3, 11))
    _rate(world, alone.pk, "cg_unit", 14)
    april = verified_case(world, departments=("cg_unit",), verified=at(4, 1))
    _rate(world, april.pk, "cg_unit", 10)
    b = verified_case(world, departments=("cg_unit",), verified=at(3, 12), grid=2)
    _rate(world, b.pk, "cg_unit", 12, who="street_b")
    return world


def test_a_field_unit_has_its_own_monthly_score_and_rank(rated: World) -> None:
    [unit] = monthly_unit_scores(year=2026, month=3)
    # (90 + 70 + 60) ÷ 3; the April case counts in April
    assert (unit.name, unit.department, unit.cases) == ("城管执法一中队", "城管局", 3)
    assert unit.score == Decimal(220) / 3 and unit.rank == 1
    [april] = monthly_unit_scores(year=2026, month=4)
    assert (april.cases, april.score, april.rank) == (1, Decimal(50), None)


def test_each_street_ranks_the_units_it_rated(rated: World) -> None:
    street_a, street_b = rated.streets
    [a] = monthly_unit_scores(year=2026, month=3, street=street_a)
    [b] = monthly_unit_scores(year=2026, month=3, street=street_b)
    assert (a.cases, a.score, a.rank, a.street_id) == (2, Decimal(80), None, street_a.pk)
    assert (b.cases, b.score) == (1, Decimal(60))
    with override_settings(HUYING_RANKING_MIN_CASES=2):
        [a] = monthly_unit_scores(year=2026, month=3, street=street_a)
        assert a.rank == 1
    # A street that rated no unit in the month lists none.
    assert monthly_unit_scores(year=2026, month=2, street=street_a) == []


def test_the_units_ratings_roll_up_into_its_departments_score(rated: World) -> None:
    cg = next(s for s in department_scores(period=MARCH) if s.name == "城管局")
    # Every rating weighs one: (80 + 90 + 70 + 60) ÷ 4 = 75, so the unit weighs by its
    # three rated cases; the joint case is one case with two ratings.
    assert (cg.cases, cg.score, cg.rank) == (3, Decimal(75), 1)
