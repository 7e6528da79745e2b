"""一月一考评 and the annual score on hand-computed numbers: which month a rating counts in,
the effective score after an appeal, weights, and the ranking guard."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import TypeVar

from django.test import override_settings

from huying.conftest import World, shared_fixture
from huying.evaluation.periods import Period
from huying.evaluation.rules import Scores
from huying.evaluation.scores import (
    AnnualScore,
    DepartmentScore,
    annual_scores,
    department_scores,
    monthly_department_scores,
    rank,
)
from huying.evaluation.services import (
    annual_review_set,
    rating_appeal,
    rating_create,
    rating_rule_appeal,
    survey_form_enter,
)

from .helpers import at, scores, verified_case

ENTERED = at(4, 2)  # ratings are entered later than the verification they count by


def _rate(world: World, case_id: int, dept: str, given: Scores, who: str = "street") -> int:
    return rating_create(
        actor=world.actor(who),
        case_id=case_id,
        department_id=world.departments[dept].pk,
        scores=given,
        reason="理由",
        now=ENTERED,
    ).pk


@shared_fixture
def rated(world: World) -> World:
    """城管局: Feb 95; March 80, 90 (verified 23:30 on 31 March, Beijing time), 70 appealed
    and upheld as 76; April 60 (verified 00:10 on 1 April). 水务局 90 and 生态环境局 70 on
    one joint case in March. 交通局 85 and 95 in March."""
    cg = [
        (at(2, 28), scores(19)),
        (at(3, 2), scores(16)),
        (at(3, 31, 23, 30), scores(18)),
        (at(3, 16), scores(14)),
        (at(4, 1, 0, 10), scores(12)),
    ]
    ids = [_rate(world, verified_case(world, verified=v).pk, "cg", s) for v, s in cg]
    rating_appeal(actor=world.actor("dept_cg"), rating_id=ids[3], reason="已按时办结", now=ENTERED)
    rating_rule_appeal(
        actor=world.actor("hub"),
        rating_id=ids[3],
        uphold=True,
        scores=Scores(16, 15, 15, 15, 15),
        reason="办理结果调整",
        now=ENTERED,
    )
    joint = verified_case(world, departments=("sw", "hb"), verified=at(3, 12))
    _rate(world, joint.pk, "sw", scores(18))
    _rate(world, joint.pk, "hb", scores(14))
    for day, given in [(5, scores(17)), (6, scores(19))]:
        case = verified_case(world, departments=("jt",), verified=at(3, day), grid=2)
        _rate(world, case.pk, "jt", given, who="street_b")
    return world


R = TypeVar("R", DepartmentScore, AnnualScore)


def _by_name(rows: list[R]) -> dict[str, R]:
    return {r.name: r for r in rows}


def test_march_score_is_the_mean_effective_total_by_verification_month(rated: World) -> None:
    rows = monthly_department_scores(year=2026, month=3)
    march = _by_name(rows)
    cg = march["城管局"]
    assert (cg.cases, cg.score) == (3, Decimal(80 + 90 + 76) / 3)
    assert (march["水务局"].cases, march["水务局"].score) == (1, Decimal(90))
    assert (march["交通局"].cases, march["交通局"].score) == (2, Decimal(85 + 95) / 2)
    feb = _by_name(monthly_department_scores(year=2026, month=2))
    april = _by_name(monthly_department_scores(year=2026, month=4))
    assert (feb["城管局"].cases, feb["城管局"].score) == (1, Decimal(95))
    assert (april["城管局"].cases, april["城管局"].score) == (1, Decimal(60))


def test_ranking_guard_lists_but_does_not_rank_thin_departments(rated: World) -> None:
    """N = 3: only 城管局 has three rated cases in March; everyone is listed, with counts."""
    rows = department_scores(period=Period.month(2026, 3))
    assert [(r.name, r.cases, r.rank) for r in rows] == [
        ("城管局", 3, 1),
        ("交通局", 2, None),
        ("水务局", 1, None),
        ("生态环境局", 1, None),
    ]


@override_settings(HUYING_RANKING_MIN_CASES=1)
def test_equal_scores_share_a_rank(rated: World) -> None:
    rows = department_scores(period=Period.month(2026, 3))
    assert [(r.name, r.score, r.rank) for r in rows] == [
        ("水务局", Decimal(90), 1),
        ("交通局", Decimal(90), 1),
        ("城管局", Decimal(82), 3),
        ("生态环境局", Decimal(70), 4),
    ]


def test_a_department_without_ratings_is_listed_unscored(rated: World) -> None:
    may = department_scores(period=Period.month(2026, 5))
    assert {(r.name, r.cases, r.score, r.rank) for r in may} == {
        ("城管局", 0, None, None),
        ("水务局", 0, None, None),
        ("生态环境局", 0, None, None),
        ("交通局", 0, None, None),
    }


def _annual_inputs(world: World) -> None:
    street, street_b = world.actor("street"), world.actor("street_b")
    d = world.departments
    annual_review_set(actor=street, year=2026, department_id=d["cg"].pk, score=90)
    annual_review_set(actor=street_b, year=2026, department_id=d["cg"].pk, score="80")
    annual_review_set(actor=street, year=2026, department_id=d["sw"].pk, score=88)
    annual_review_set(actor=street, year=2026, department_id=d["jt"].pk, score=70)
    annual_review_set(actor=street_b, year=2026, department_id=d["jt"].pk, score="75.5")
    hub = world.actor("hub")
    forms = [
        ("2026-0001", "resident", {"cg": 80, "sw": 60, "jt": 95, "hb": 85}),
        ("2026-0002", "community", {"cg": 90}),
        ("2026-0003", "public", {"cg": 100}),
    ]
    for number, kind, given in forms:
        survey_form_enter(
            actor=hub,
            year=2026,
            form_no=number,
            respondent_type=kind,
            scores={d[k].pk: v for k, v in given.items()},
        )


def test_annual_score_is_process_times_07_plus_annual_evaluation_times_03(rated: World) -> None:
    _annual_inputs(rated)
    rows = _by_name(annual_scores(year=2026))
    half, w1, w2 = Decimal("0.5"), Decimal("0.7"), Decimal("0.3")
    cg = rows["城管局"]
    process = Decimal(95 + 80 + 90 + 76 + 60) / 5
    review = Decimal(90 + 80) / 2
    survey = Decimal(80 + 90 + 100) / 3
    annual = half * review + half * survey
    assert (cg.process, cg.cases, cg.street_review, cg.reviews) == (process, 5, review, 2)
    assert (cg.survey, cg.survey_forms, cg.annual) == (survey, 3, annual)
    assert cg.score == w1 * process + w2 * annual == Decimal("82.39")
    assert cg.rank == 1
    jt = rows["交通局"]
    jt_annual = half * (Decimal(70) + Decimal("75.5")) / 2 + half * 95
    assert jt.score == w1 * (Decimal(85 + 95) / 2) + w2 * jt_annual
    assert jt.rank is None  # two rated cases: listed, not ranked
    sw = rows["水务局"]
    assert sw.score == w1 * 90 + w2 * (half * 88 + half * 60) == Decimal("85.2")
    hb = rows["生态环境局"]  # surveyed, but no street reviewed it: no annual score
    assert (hb.survey, hb.annual, hb.score, hb.rank) == (Decimal(85), None, None, None)


@override_settings(
    HUYING_SCORE_PROCESS_WEIGHT=Decimal("0.6"),
    HUYING_SCORE_ANNUAL_WEIGHT=Decimal("0.4"),
    HUYING_RANKING_MIN_CASES=1,
)
def test_annual_weights_are_settings(rated: World) -> None:
    _annual_inputs(rated)
    rows = annual_scores(year=2026)
    cg = _by_name(rows)["城管局"]
    annual = Decimal("0.5") * 85 + Decimal("0.5") * 90
    assert cg.score == Decimal("0.6") * Decimal("80.2") + Decimal("0.4") * annual
    assert [(r.name, r.rank) for r in rows] == [
        ("交通局", 1),
        ("水务局", 2),
        ("城管局", 3),
        ("生态环境局", None),
    ]


def test_rank_is_competition_ranking() -> None:
    @dataclass(frozen=True)
    class Item:
        name: str
        score: Decimal | None
        cases: int
        rank: int | None = None

    items = [
        Item("a", Decimal(80), 5),
        Item("b", Decimal(90), 5),
        Item("c", Decimal(90), 4),
        Item("d", Decimal(99), 1),
        Item("e", None, 9),
        Item("f", Decimal(70), 3),
    ]
    ranked = rank(items, score=lambda i: i.score, cases=lambda i: i.cases, min_cases=3)
    assert [(i.name, i.rank) for i in ranked] == [
        ("b", 1),
        ("c", 1),
        ("a", 3),
        ("f", 4),
        ("e", None),
        ("d", None),
    ]
