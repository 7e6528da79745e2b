"""The rankings page on the hand-checked March, with the streets' ratings of it: 一月一考评 with
its guard, the annual score, and the streets by 三率 and by 结案率."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
from django.test import Client

from huying.conftest import World, shared_fixture
from huying.evaluation.services import annual_review_set, rating_create, survey_form_enter
from huying.evaluation.tests.helpers import at, scores
from huying.evaluation.tests.march import March, build_march
from huying.reports.tabulate import Table

pytestmark = pytest.mark.django_db


@shared_fixture
def rated(world: World) -> March:
    """March, and the streets' ratings: 城管局 90 80 70 (street A: A1 A2 A9) and 85 95
    (street B: B2 by its field unit 城管执法一中队, rated on its own and rolled up; B3),
    交通局 60 (A4). For 2026, 城管局 is reviewed
    90 and 80 by the streets and scores 70 on one survey form."""
    march = build_march(world)
    w = march.world
    given = [
        ("street", "A1", "cg", 18),
        ("street", "A2", "cg", 16),
        ("street", "A9", "cg", 14),
        ("street_b", "B2", "cg_unit", 17),
        ("street_b", "B3", "cg", 19),
        ("street", "A4", "jt", 12),
    ]
    for who, case, dept, points in given:
        rating_create(
            actor=w.actor(who),
            case_id=march.cases[case].pk,
            department_id=w.departments[dept].pk,
            scores=scores(points),
            reason="理由",
            now=at(4, 2),
        )
    cg = w.departments["cg"].pk
    annual_review_set(actor=w.actor("street"), year=2026, department_id=cg, score=90, now=at(4, 2))
    annual_review_set(
        actor=w.actor("street_b"), year=2026, department_id=cg, score=80, now=at(4, 2)
    )
    survey_form_enter(
        actor=w.actor("hub"),
        year=2026,
        form_no="Q-001",
        respondent_type="resident",
        scores={cg: Decimal(70)},
        now=at(4, 2),
    )
    return march


def login(world: World, name: str) -> Client:
    return world.client(name)


def tables(response: Any) -> list[Table]:
    assert response.status_code == 200, response.content.decode()[:2000]
    return [t["table"] for t in response.context["tables"]]


def rows(table: Table) -> dict[str, list[str]]:
    return {r.label: [c.text for c in r.cells] for r in table.rows}


def test_monthly_scores_rank_under_the_guard(rated: March) -> None:
    response = login(rated.world, "hub").get(
        "/reports/indicators/rankings/", {"view": "monthly", "month": "2026-03"}
    )
    [table] = tables(response)
    # 城管局 (90 + 80 + 70 + 85 + 95) ÷ 5 = 84; 交通局 one rated case: listed, not ranked
    shown = rows(table)
    assert shown["城管局"] == ["1", "5", "84.00"]
    assert shown["交通局"] == ["评议件数不足，不排名", "1", "60.00"]
    assert shown["水务局"] == ["评议件数不足，不排名", "0", "—"]
    assert table.rows[0].label == "城管局"
    body = response.content.decode()
    assert "评议件数不足，不排名" in body and "2026年3月" in body
    # The hub follows the count to the department's cases (the list's department filter).
    cg = rated.world.departments["cg"].pk
    assert table.rows[0].cells[1].url == f"/cases/?department={cg}"


def test_annual_scores(rated: March) -> None:
    [table] = tables(
        login(rated.world, "hub").get(
            "/reports/indicators/rankings/", {"view": "annual", "year": "2026"}
        )
    )
    assert [str(c.header) for c in table.columns] == [
        "排名",
        "过程评价",
        "评议件数",
        "街道年度评议",
        "评议街道数",
        "群众评价",
        "问卷数",
        "年度评价",
        "年度得分",
    ]
    # annual = 0.5 × (90 + 80) ÷ 2 + 0.5 × 70 = 77.5; score = 0.7 × 84 + 0.3 × 77.5 = 82.05
    assert rows(table)["城管局"] == [
        "1",
        "84.00",
        "5",
        "85.00",
        "2",
        "70.00",
        "1",
        "77.50",
        "82.05",
    ]
    # 交通局 has one rated case and no annual evaluation: no score, not ranked
    assert rows(table)["交通局"][-1] == "—"
    assert rows(table)["交通局"][0] == "评议件数不足，不排名"


def test_enough_cases_but_no_annual_evaluation_says_so(rated: March, settings: Any) -> None:
    settings.HUYING_RANKING_MIN_CASES = 1
    [table] = tables(
        login(rated.world, "hub").get(
            "/reports/indicators/rankings/", {"view": "annual", "year": "2026"}
        )
    )
    assert rows(table)["交通局"][0] == "缺少年度评价，不排名"
    assert rows(table)["水务局"][0] == "评议件数不足，不排名"


def test_streets_by_three_rates_and_by_completion(rated: March) -> None:
    three, closure = tables(
        login(rated.world, "hub").get(
            "/reports/indicators/rankings/",
            {"view": "streets", "period": "month", "month": "2026-03"},
        )
    )
    # B: 4/4, 3/3, (2 + 0.9)/3 → 98.50; A: 4/6, 4/8, 3.9/5 → 64.27
    b = 100 * (0.1 * 1 + 0.45 * 1 + 0.45 * (2.9 / 3))
    a = 100 * (0.1 * 4 / 6 + 0.45 * 0.5 + 0.45 * 0.78)
    assert [(r.label, r.cells[0].text, r.cells[-1].text) for r in three.rows] == [
        ("第2街道", "1", f"{b:.2f}"),
        ("第1街道", "2", f"{a:.2f}"),
    ]
    assert [(r.label, r.cells[0].text, r.cells[4].text) for r in closure.rows] == [
        ("第2街道", "1", "100.0%"),
        ("第1街道", "2", "83.3%"),
    ]


def test_a_street_sees_the_whole_ranking_and_follows_only_its_own_numbers(rated: March) -> None:
    street = login(rated.world, "street")
    _three, closure = tables(
        street.get("/reports/indicators/rankings/", {"view": "streets", "month": "2026-03"})
    )
    own = next(r for r in closure.rows if r.label == "第1街道")
    other = next(r for r in closure.rows if r.label == "第2街道")
    assert all(c.url is None for c in other.cells)
    closed = own.cells[1]
    assert closed.text == "5" and closed.url
    assert len(street.get(closed.url).context["rows"]) == 5
    [monthly] = tables(
        street.get("/reports/indicators/rankings/", {"view": "monthly", "month": "2026-03"})
    )
    assert all(c.url is None for r in monthly.rows for c in r.cells)


def test_a_department_follows_its_own_row_only(rated: March) -> None:
    [monthly] = tables(
        login(rated.world, "dept_cg").get(
            "/reports/indicators/rankings/", {"view": "monthly", "month": "2026-03"}
        )
    )
    linked = {r.label for r in monthly.rows if any(c.url for c in r.cells)}
    assert linked == {"城管局"}


@pytest.mark.parametrize(
    "params",
    [
        {"view": "monthly", "month": "2026-3x"},
        {"view": "annual", "year": "nineteen"},
        {"view": "elsewhere"},
        {"view": "streets", "period": "range", "start": "2026-03-05", "end": "2026-03-01"},
    ],
)
def test_bad_choices_are_422_with_no_ranking(rated: March, params: dict[str, str]) -> None:
    response = login(rated.world, "hub").get("/reports/indicators/rankings/", params)
    assert response.status_code == 422
    assert "<table" not in response.content.decode()


def test_rankings_read_in_bounded_queries(rated: March, django_assert_max_num_queries: Any) -> None:
    hub = login(rated.world, "hub")
    for view in ("monthly", "annual", "streets"):
        with django_assert_max_num_queries(12):
            response = hub.get("/reports/indicators/rankings/", {"view": view, "month": "2026-03"})
        assert response.status_code == 200


def test_stationed_units_ranked_by_the_district_and_by_the_street_that_rated_them(
    rated: March,
) -> None:
    response = login(rated.world, "street").get(
        "/reports/indicators/rankings/", {"view": "units", "month": "2026-03"}
    )
    district, *by_street = tables(response)
    assert district.title == "派驻机构月度考评"
    # B2: street B rated 城管执法一中队 85 — one case, listed but not ranked.
    assert rows(district) == {"城管执法一中队（城管局）": ["评议件数不足，不排名", "1", "85.00"]}
    assert [t.title for t in by_street] == ["第2街道派驻机构考评"]
    assert rows(by_street[0])["城管执法一中队（城管局）"][1:] == ["1", "85.00"]
    assert "派驻机构考评" in response.content.decode()


def test_the_units_ranking_in_the_api(rated: March) -> None:
    client = login(rated.world, "dept_cg_unit")
    response = client.get("/api/v1/rankings/units", {"year": 2026, "month": 3})
    assert response.status_code == 200, response.content.decode()
    [unit] = response.json()
    assert (unit["label"], unit["department"], unit["cases"], unit["score"]) == (
        "城管执法一中队",
        "城管局",
        1,
        85.0,
    )
    assert unit["mine"] is True and unit["rank"] is None
    street_a, street_b = rated.world.streets
    mine = {"year": 2026, "month": 3, "street_id": street_b.pk}
    assert len(client.get("/api/v1/rankings/units", mine).json()) == 1
    mine["street_id"] = street_a.pk
    assert client.get("/api/v1/rankings/units", mine).json() == []
    mine["street_id"] = rated.world.hub.pk  # not a street
    assert client.get("/api/v1/rankings/units", mine).status_code == 404
