"""Every indicator on the fixed March of ``march.py``, against numbers worked out by hand
(the arithmetic is written out), and every number's drill-down to its cases."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
from django.test import override_settings

from huying.cases.models import Source
from huying.conftest import World, shared_fixture
from huying.core.errors import InvalidInput
from huying.evaluation import aggregate
from huying.evaluation import indicators as ind
from huying.evaluation.grouping import GroupBy, group_labels
from huying.evaluation.periods import Period

from .march import March, build_march

MARCH = Period.month(2026, 3)
W = Decimal("0.9")  # HUYING_BASIC_SATISFIED_WEIGHT


@shared_fixture
def march(world: World) -> March:
    return build_march(world)


def _one(rows: list[Any], key: Any) -> Any:
    found = [r for r in rows if r.key == key]
    assert len(found) == 1, (key, rows)
    return found[0]


def test_closure_by_street_and_district(march: March) -> None:
    rows = ind.closure(period=MARCH, by=GroupBy.STREET, actor=march.world.district)
    a = _one(rows, march.street_a)
    # closed A1 A2 A4 A5 A9; on time all but A2; overdue and open: A3 (A6, A10 open, not late)
    assert (a.closed, a.on_time_closed, a.overdue_open, a.due) == (5, 4, 1, 5 + 1)
    assert a.completion == Decimal(5) / 6
    assert a.on_time_completion == Decimal(4) / 6
    b = _one(rows, march.street_b)
    # closed B1 B2 B3 (B4 closed in February); B3's verification ran late
    assert (b.closed, b.on_time_closed, b.overdue_open, b.due) == (3, 2, 0, 3)
    assert b.completion == 1 and b.on_time_completion == Decimal(2) / 3
    district = ind.closure(period=MARCH, by=GroupBy.DISTRICT, actor=march.world.district)
    assert len(district) == 1
    assert district[0].completion == Decimal(5 + 3) / (6 + 3)
    assert district[0].on_time_completion == Decimal(4 + 2) / (6 + 3)


def test_closure_by_department_counts_responding_departments_cases_once(march: March) -> None:
    rows = ind.closure(period=MARCH, by=GroupBy.DEPARTMENT, actor=march.world.district)
    cg = _one(rows, march.department("cg"))
    # A1 A2 A9 B2 (its field unit) B3 closed; A1 A9 B2 on time; A3 overdue and open.
    # A4 is not 城管's: its return was upheld.
    assert (cg.closed, cg.on_time_closed, cg.overdue_open) == (5, 3, 1)
    assert cg.completion == Decimal(5) / 6
    jt = _one(rows, march.department("jt"))
    assert (jt.closed, jt.on_time_closed, jt.due) == (1, 1, 1)
    for key in ("sw", "hb"):
        row = _one(rows, march.department(key))
        assert (row.closed, row.due) == (1, 1)
    assert {r.key for r in rows} == {march.department(k) for k in ("cg", "jt", "sw", "hb")}


def test_closure_by_source_class_and_grid(march: March) -> None:
    by_source = ind.closure(period=MARCH, by=GroupBy.SOURCE, actor=march.world.district)
    patrol = _one(by_source, Source.GRID_PATROL)  # A1 and B1 (A7, A8 are not valid cases)
    assert (patrol.closed, patrol.on_time_closed, patrol.due) == (2, 2, 2)
    resident = _one(by_source, Source.RESIDENT)  # A2 A4 A5 A9 B2 B3 closed, A3 late and open
    assert (resident.closed, resident.on_time_closed, resident.due) == (6, 4, 7)
    by_class = ind.closure(period=MARCH, by=GroupBy.CATALOGUE_CLASS, actor=march.world.district)
    assert [(r.key, r.closed, r.due) for r in by_class] == [("A", 8, 9)]
    by_grid = {
        r.key: (r.closed, r.due)
        for r in ind.closure(period=MARCH, by=GroupBy.GRID, actor=march.world.district)
    }
    assert by_grid == {
        march.grid(0): (3, 3),  # A1 A2 A4
        march.grid(1): (2, 3),  # A5 A9; A3
        march.grid(2): (2, 2),  # B1 B2
        march.grid(3): (1, 1),  # B3
    }


def test_handling_rework_and_extension(march: March) -> None:
    rows = ind.handling(period=MARCH, by=GroupBy.STREET, actor=march.world.district)
    a = _one(rows, march.street_a)
    # handled: A1 A2 A9 (城管) and A4 (交通局), all on time; A3 past its limit unhandled
    assert (a.handled, a.on_time_handled, a.overdue_unhandled, a.due) == (4, 4, 1, 4 + 1)
    assert a.handling_rate == Decimal(4) / 5
    assert a.on_time_handling_rate == Decimal(4) / 5
    assert a.overdue_unhandled_rate == Decimal(1) / 5
    assert a.rework_rate == Decimal(1) / 4  # A9
    assert a.extension_rate == Decimal(1) / 5  # A9
    b = _one(rows, march.street_b)
    # B1 水务局 and 生态环境局, B2, B3
    assert (b.handled, b.due, b.reworked, b.extended) == (4, 4, 0, 0)
    assert b.handling_rate == 1 and b.rework_rate == 0 and b.extension_rate == 0
    cg = _one(
        ind.handling(period=MARCH, by=GroupBy.DEPARTMENT, actor=march.world.district),
        march.department("cg"),
    )
    # A1 A2 A9 B2 B3 handled on time, A3 overdue
    assert (cg.handled, cg.on_time_handled, cg.overdue_unhandled) == (5, 5, 1)
    assert cg.on_time_handling_rate == Decimal(5) / 6
    assert cg.rework_rate == Decimal(1) / 5
    assert cg.extension_rate == Decimal(1) / 6


def test_response_rate_and_report_in_timeliness(march: March) -> None:
    rows = ind.response(period=MARCH, by=GroupBy.STREET, actor=march.world.district)
    a = _one(rows, march.street_a)
    # limits in March: A1 A2 A3 A4(交通局) A6 A9 (A10's is 1 April); on time A1 A3 A4 A9
    assert (a.due_report_ins, a.on_time_responses) == (6, 4)
    assert a.response_rate == Decimal(4) / 6
    # report-ins made in March: A1 A2 A3 A4 A9 A10; late: A2
    assert (a.report_ins, a.on_time_report_ins) == (6, 5)
    assert a.report_in_timeliness == Decimal(5) / 6
    b = _one(rows, march.street_b)
    assert (b.due_report_ins, b.on_time_responses, b.report_ins) == (4, 4, 4)
    cg = _one(
        ind.response(period=MARCH, by=GroupBy.DEPARTMENT, actor=march.world.district),
        march.department("cg"),
    )
    # due: A1 A2 A3 A6 A9 B2 B3; on time: A1 A3 A9 B2 B3
    assert cg.response_rate == Decimal(5) / 7
    # made: A1 A2 A3 A9 A10 B2 B3; late: A2
    assert cg.report_in_timeliness == Decimal(6) / 7


def test_satisfaction_and_resolution(march: March) -> None:
    rows = ind.outcome(period=MARCH, by=GroupBy.STREET, actor=march.world.district)
    a = _one(rows, march.street_a)
    # follow-ups: A1 satisfied, A2 basic, A4 dissatisfied, A5 satisfied, A9 satisfied
    assert (a.follow_ups, a.satisfied, a.basic, a.dissatisfied) == (5, 3, 1, 1)
    assert a.satisfaction_rate == (3 + W * 1) / 5
    # reported in March, valid: A1–A6, A9, A10; resolved: A1 A2 A5 A9
    assert (a.reported, a.resolved) == (8, 4)
    assert a.resolution_rate == Decimal(4) / 8
    b = _one(rows, march.street_b)
    assert b.satisfaction_rate == (2 + W * 1) / 3
    assert b.resolution_rate == Decimal(3) / 3
    jt = _one(
        ind.outcome(period=MARCH, by=GroupBy.DEPARTMENT, actor=march.world.district),
        march.department("jt"),
    )
    assert (jt.satisfaction_rate, jt.resolution_rate) == (Decimal(0), Decimal(0))  # A4


@override_settings(HUYING_BASIC_SATISFIED_WEIGHT=Decimal("0.8"))
def test_basic_satisfied_weight_is_a_setting(march: March) -> None:
    a = _one(
        ind.outcome(period=MARCH, by=GroupBy.STREET, actor=march.world.district), march.street_a
    )
    assert a.satisfaction_rate == (3 + Decimal("0.8") * 1) / 5


def test_three_rates_score(march: March) -> None:
    w = (Decimal("0.1"), Decimal("0.45"), Decimal("0.45"))
    [district] = ind.three_rates(period=MARCH, by=GroupBy.DISTRICT, actor=march.world.district)
    rates = (Decimal(4 + 4) / (6 + 4), Decimal(4 + 3) / (8 + 3), (5 + W * 2) / (5 + 3))
    assert district.rates == rates
    expected = 100 * (w[0] * rates[0] + w[1] * rates[1] + w[2] * rates[2]) / sum(w)
    assert district.score == expected


@override_settings(
    HUYING_COMPOSITE_RESPONSE_WEIGHT=Decimal("0.2"),
    HUYING_COMPOSITE_RESOLUTION_WEIGHT=Decimal("0.3"),
    HUYING_COMPOSITE_SATISFACTION_WEIGHT=Decimal("0.5"),
)
def test_three_rates_weights_are_settings_and_a_missing_rate_is_left_out(march: March) -> None:
    by_grid = {
        r.key: r for r in ind.three_rates(period=MARCH, by=GroupBy.GRID, actor=march.world.district)
    }
    g1 = by_grid[march.grid(1)]  # A3 A9 (department work) and A5 (self-handled)
    assert g1.response_rate == Decimal(2) / 2  # A3 and A9 reported in on time
    assert g1.resolution_rate == Decimal(2) / 3  # A5 A9 of A3 A5 A9
    assert g1.satisfaction_rate == Decimal(2) / 2
    w = (Decimal("0.2"), Decimal("0.3"), Decimal("0.5"))
    assert g1.score == 100 * (w[0] * 1 + w[1] * (Decimal(2) / 3) + w[2] * 1) / sum(w)
    none = ind.ThreeRatesRow(
        key=0, response_rate=None, resolution_rate=Decimal(1), satisfaction_rate=Decimal("0.5")
    )
    assert none.score == 100 * (w[1] * 1 + w[2] * Decimal("0.5")) / (w[1] + w[2])


def test_call_accuracy_and_whistle_rate(march: March) -> None:
    rows = ind.calls(period=MARCH, by=GroupBy.STREET, actor=march.world.district)
    a = _one(rows, march.street_a)
    # calls: A1 A2 A3 A4 A6 A9 A10; A4 upheld as misrouted
    assert (a.calls, a.misrouted, a.accurate) == (7, 1, 6)
    assert a.call_accuracy == Decimal(7 - 1) / 7
    assert a.whistle_rate == Decimal(7) * 1000 / 8  # 8 valid cases reported in March
    b = _one(rows, march.street_b)
    # calls: B2 B3 (B1 went to the hub); 3 valid cases
    assert (b.calls, b.call_accuracy) == (2, 1)
    assert b.whistle_rate == Decimal(2) * 1000 / 3
    cg = _one(
        ind.calls(period=MARCH, by=GroupBy.DEPARTMENT, actor=march.world.district),
        march.department("cg"),
    )
    assert (cg.calls, cg.misrouted) == (9, 1)  # A1 A2 A3 A4 A6 A9 A10 B2 B3


def test_grid_and_grid_worker_figures(march: March) -> None:
    by_grid = {
        r.key: r for r in ind.reports(period=MARCH, by=GroupBy.GRID, actor=march.world.district)
    }
    # grid 0: A1 A2 A4 A6 A7 A8 A10, of which A7 (rejected) and A8 (merged) are not valid
    assert (by_grid[march.grid(0)].reports, by_grid[march.grid(0)].valid_reports) == (7, 5)
    assert by_grid[march.grid(0)].valid_report_rate == Decimal(5) / 7
    assert by_grid[march.grid(3)].reports == 1  # B3 (B5 came in April)
    workers = ind.reports(period=MARCH, by=GroupBy.GRID_WORKER, actor=march.world.district)
    ids = {march.world.actor(n).user.pk: n for n in ("grid_worker", "grid_worker_b")}
    assert {ids[r.key]: (r.reports, r.valid_reports) for r in workers} == {
        "grid_worker": (3, 1),  # A1 A7 A8
        "grid_worker_b": (1, 1),  # B1
    }
    assert group_labels(GroupBy.GRID_WORKER, ids)[march.world.actor("grid_worker").user.pk] == (
        "测试grid_worker"
    )
    verified = {
        r.key: r
        for r in ind.verification(period=MARCH, by=GroupBy.GRID, actor=march.world.district)
    }
    # grid 1: A5, A9 sent back once and passed; grid 3: B3 verified after its limit
    assert (verified[march.grid(1)].verifications, verified[march.grid(1)].late_verifications) == (
        3,
        0,
    )
    assert verified[march.grid(3)].on_time_verification_rate == Decimal(0) / 1
    b = _one(
        ind.verification(period=MARCH, by=GroupBy.STREET, actor=march.world.district),
        march.street_b,
    )
    assert b.on_time_verification_rate == Decimal(2) / 3


#: Street A's cases behind each indicator: (numerator, denominator).
STREET_A = {
    "completion": ("A1 A2 A4 A5 A9", "A1 A2 A3 A4 A5 A9"),
    # A5 was self-handled at its grid; the rest went to departments.
    "grid_share": ("A5", "A1 A2 A4 A5 A9"),
    "community_share": ("", "A1 A2 A4 A5 A9"),
    "street_share": ("", "A1 A2 A4 A5 A9"),
    "above_share": ("A1 A2 A4 A9", "A1 A2 A4 A5 A9"),
    "in_community_share": ("A5", "A1 A2 A4 A5 A9"),
    "in_street_share": ("A5", "A1 A2 A4 A5 A9"),
    "on_time_completion": ("A1 A4 A5 A9", "A1 A2 A3 A4 A5 A9"),
    "handling_rate": ("A1 A2 A4 A9", "A1 A2 A3 A4 A9"),
    "on_time_handling_rate": ("A1 A2 A4 A9", "A1 A2 A3 A4 A9"),
    "overdue_unhandled_rate": ("A3", "A1 A2 A3 A4 A9"),
    "rework_rate": ("A9", "A1 A2 A4 A9"),
    "extension_rate": ("A9", "A1 A2 A3 A4 A9"),
    "response_rate": ("A1 A3 A4 A9", "A1 A2 A3 A4 A6 A9"),
    "report_in_timeliness": ("A1 A3 A4 A9 A10", "A1 A2 A3 A4 A9 A10"),
    "resolution_rate": ("A1 A2 A5 A9", "A1 A2 A3 A4 A5 A6 A9 A10"),
    "satisfaction_rate": ("A1 A2 A5 A9", "A1 A2 A4 A5 A9"),
    "call_accuracy": ("A1 A2 A3 A6 A9 A10", "A1 A2 A3 A4 A6 A9 A10"),
    "whistle_rate": ("A1 A2 A3 A4 A6 A9 A10", "A1 A2 A3 A4 A5 A6 A9 A10"),
    "valid_report_rate": ("A1 A2 A3 A4 A5 A6 A9 A10", "A1 A2 A3 A4 A5 A6 A7 A8 A9 A10"),
    "on_time_verification_rate": ("A1 A2 A4 A5 A9", "A1 A2 A4 A5 A9"),
    # Every report reads 路灯不亮, suggested first: taken wherever 路灯不亮 was chosen;
    # A5 was triaged as 占道经营, which the text gives no reason to suggest at all.
    "suggestion_top1_rate": ("A1 A2 A3 A4 A6 A9 A10", "A1 A2 A3 A4 A5 A6 A9 A10"),
    "suggestion_top3_rate": ("A1 A2 A3 A4 A6 A9 A10", "A1 A2 A3 A4 A5 A6 A9 A10"),
}


def test_every_indicator_drills_down_to_its_cases(march: March) -> None:
    assert set(STREET_A) == set(ind.INDICATORS)
    for code, (numerator, denominator) in STREET_A.items():
        parts: list[tuple[ind.Part, str]] = [("numerator", numerator), ("denominator", denominator)]
        for part, names in parts:
            found = ind.cases_behind(
                code,
                part,
                period=MARCH,
                by=GroupBy.STREET,
                key=march.street_a,
                actor=march.world.district,
            )
            assert set(found.values_list("pk", flat=True)) == march.ids(*names.split()), (
                code,
                part,
            )
    late = ind.cases_behind(
        "on_time_verification_rate",
        "denominator",
        period=MARCH,
        by=GroupBy.GRID,
        key=march.grid(3),
        actor=march.world.district,
    )
    assert set(late.values_list("pk", flat=True)) == march.ids("B3")
    cg = ind.cases_behind(
        "completion",
        "denominator",
        period=MARCH,
        by=GroupBy.DEPARTMENT,
        key=march.department("cg"),
        actor=march.world.district,
    )
    assert set(cg.values_list("pk", flat=True)) == march.ids("A1", "A2", "A3", "A9", "B2", "B3")


FAMILIES = [
    ind.CLOSURE,
    ind.OUTCOME,
    ind.REPORTS,
    ind.HANDLING,
    ind.RESPONSE,
    ind.CALLS,
    ind.VERIFICATION,
]


def test_every_count_matches_its_drill_down(march: March) -> None:
    """A case family's count is exactly its case list; an assignment or event family's count
    is at least its case list (a case with two assignments in a group is listed once)."""
    for family in FAMILIES:
        for by in sorted(family.groups):
            for key, measures in aggregate.counts(
                family, period=MARCH, by=by, actor=march.world.district
            ).items():
                for measure, n in measures.items():
                    listed = aggregate.measure_cases(
                        family,
                        measure,
                        period=MARCH,
                        by=by,
                        key=key,
                        actor=march.world.district,
                    ).count()
                    if family.rows is aggregate.Rows.CASES:
                        assert listed == n, (family.name, by, key, measure)
                    else:
                        assert (0 < listed <= n) or listed == n == 0, (
                            family.name,
                            by,
                            key,
                            measure,
                        )


def test_scope_a_street_sees_its_own_a_department_its_own_work(march: March) -> None:
    street = march.world.actor("street")
    assert [r.key for r in ind.closure(period=MARCH, by=GroupBy.STREET, actor=street)] == [
        march.street_a
    ]
    dept = march.world.actor("dept_cg")
    rows = ind.handling(period=MARCH, by=GroupBy.DEPARTMENT, actor=dept)
    assert [(r.key, r.handled, r.overdue_unhandled) for r in rows] == [
        (march.department("cg"), 5, 1)
    ]
    drill = ind.cases_behind(
        "completion", "numerator", period=MARCH, by=GroupBy.STREET, key=march.street_b, actor=street
    )
    assert not drill.exists()


def test_a_family_refuses_a_grouping_it_cannot_make(march: March) -> None:
    with pytest.raises(InvalidInput):
        ind.verification(period=MARCH, by=GroupBy.DEPARTMENT, actor=march.world.district)
    with pytest.raises(InvalidInput):
        ind.closure(period=MARCH, by=GroupBy.GRID_WORKER, actor=march.world.district)
    with pytest.raises(InvalidInput):
        ind.cases_behind(
            "nonsense",
            "numerator",
            period=MARCH,
            by=GroupBy.STREET,
            key=1,
            actor=march.world.district,
        )


def test_other_months_see_other_cases(march: March) -> None:
    feb = ind.closure(period=Period.month(2026, 2), by=GroupBy.DISTRICT, actor=march.world.district)
    assert [(r.closed, r.due) for r in feb] == [(1, 1)]  # B4
    april = ind.outcome(
        period=Period.month(2026, 4), by=GroupBy.DISTRICT, actor=march.world.district
    )
    # A10 closed 1 April; B5 reported 1 April (not yet resolved)
    assert [(r.follow_ups, r.reported, r.resolved) for r in april] == [(1, 1, 0)]


def test_one_group_by_per_family(march: March, django_assert_num_queries: Any) -> None:
    street = march.world.actor("street")
    for family in FAMILIES:
        for by in family.groups:
            with django_assert_num_queries(1):
                aggregate.counts(family, period=MARCH, by=by, actor=street)
    with django_assert_num_queries(2):
        ind.calls(period=MARCH, by=GroupBy.STREET, actor=march.world.district)
