"""Deadline policy, walked as data; expected datetimes are worked out by hand."""

from __future__ import annotations

import ast
import dataclasses
from datetime import date, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from huying.cases import deadlines
from huying.cases.deadlines import (
    DUE_SOON_FRACTION,
    HANDLING,
    LEVEL_DEFAULTS,
    REPORT_IN,
    STAGES,
    TIER_LADDER,
    VERIFICATION,
    ClockValues,
    clock_for,
    clock_state,
    has_stage,
    limit_for,
    next_tier,
)
from huying.cases.models import Tier
from huying.catalogue.models import CatalogueItem, Level, LimitUnit
from huying.core import workcalendar
from huying.core.workcalendar import WorkCalendar

# The database plays no part here: CI runs these in the SQLite run only.
pytestmark = pytest.mark.once

SH = ZoneInfo("Asia/Shanghai")


def sh(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=SH)


def item(report_in=(1, "working_days"), handle=(5, "working_days")) -> CatalogueItem:
    return CatalogueItem(
        report_in_limit=report_in[0],
        report_in_unit=report_in[1],
        handle_limit=handle[0],
        handle_unit=handle[1],
    )


EXPECTED_DEFAULTS = [
    (Level.SIMPLE, HANDLING, (3, "working_days")),
    (Level.SIMPLE, VERIFICATION, (2, "working_days")),
    (Level.GENERAL, REPORT_IN, (1, "working_days")),
    (Level.GENERAL, HANDLING, (5, "working_days")),
    (Level.GENERAL, VERIFICATION, (2, "working_days")),
    (Level.COMPLEX, REPORT_IN, (1, "working_days")),
    (Level.COMPLEX, HANDLING, (10, "working_days")),
    (Level.COMPLEX, VERIFICATION, (2, "working_days")),
    (Level.MAJOR, REPORT_IN, (30, "minutes")),
    (Level.MAJOR, HANDLING, (72, "hours")),
    (Level.MAJOR, VERIFICATION, (2, "working_days")),
]


def test_stages():
    assert STAGES == ("report_in", "handling", "verification")
    assert DUE_SOON_FRACTION == 0.8


def test_expected_table_covers_every_level_default():
    """A new entry in LEVEL_DEFAULTS must be added to this test's table too."""
    listed = {(level, stage) for level, stage, _ in EXPECTED_DEFAULTS}
    defined = {(level, stage) for level, stages in LEVEL_DEFAULTS.items() for stage in stages}
    assert listed == defined
    assert set(LEVEL_DEFAULTS) == set(Level)


@pytest.mark.parametrize(("level", "stage", "limit"), EXPECTED_DEFAULTS)
def test_limit_for_uses_the_level_default(level, stage, limit):
    assert limit_for(stage, level) == limit
    assert limit_for(stage, int(level)) == limit  # plain ints from the database work too


def test_simple_cases_have_no_report_in():
    assert has_stage(REPORT_IN, Level.SIMPLE) is False
    assert has_stage(HANDLING, Level.SIMPLE) is True
    with pytest.raises(ValueError, match="no report_in deadline"):
        limit_for(REPORT_IN, Level.SIMPLE)
    # The item's report-in limit does not conjure one up.
    with pytest.raises(ValueError, match="no report_in deadline"):
        limit_for(REPORT_IN, Level.SIMPLE, item(report_in=(2, "working_hours")))


def test_unknown_stage_or_level():
    with pytest.raises(ValueError, match="unknown stage"):
        limit_for("archiving", Level.GENERAL)
    with pytest.raises(ValueError):
        limit_for(HANDLING, 5)


def test_units_agree_with_the_calendar():
    assert set(LimitUnit.values) == workcalendar.UNITS


class TestItemOverride:
    def test_item_limits_win_for_report_in_and_handling(self):
        it = item(report_in=(2, "working_hours"), handle=(15, "calendar_days"))
        assert limit_for(REPORT_IN, Level.GENERAL, it) == (2, "working_hours")
        assert limit_for(HANDLING, Level.GENERAL, it) == (15, "calendar_days")
        assert limit_for(REPORT_IN, Level.COMPLEX, it) == (2, "working_hours")
        assert limit_for(HANDLING, Level.SIMPLE, it) == (15, "calendar_days")

    def test_item_with_the_model_defaults_shortens_complex_handling(self):
        # CatalogueItem defaults to 1 and 5 working days; the item wins over L3's 10.
        assert limit_for(HANDLING, Level.COMPLEX, item()) == (5, "working_days")

    def test_verification_ignores_the_item(self):
        it = item(report_in=(2, "hours"), handle=(4, "hours"))
        for level in Level:
            assert limit_for(VERIFICATION, level, it) == (2, "working_days")

    def test_major_keeps_the_continuous_clock_against_a_working_day_item(self):
        it = item(report_in=(1, "working_days"), handle=(3, "working_hours"))
        assert limit_for(REPORT_IN, Level.MAJOR, it) == (30, "minutes")
        assert limit_for(HANDLING, Level.MAJOR, it) == (72, "hours")
        it = item(report_in=(2, "calendar_days"), handle=(2, "calendar_days"))
        assert limit_for(REPORT_IN, Level.MAJOR, it) == (30, "minutes")
        assert limit_for(HANDLING, Level.MAJOR, it) == (72, "hours")

    def test_major_takes_a_continuous_item_limit(self):
        it = item(report_in=(15, "minutes"), handle=(24, "hours"))
        assert limit_for(REPORT_IN, Level.MAJOR, it) == (15, "minutes")
        assert limit_for(HANDLING, Level.MAJOR, it) == (24, "hours")

    def test_zero_item_limit_falls_back_to_the_level(self):
        it = item(report_in=(0, "working_days"), handle=(0, "hours"))
        assert limit_for(REPORT_IN, Level.GENERAL, it) == (1, "working_days")
        assert limit_for(HANDLING, Level.GENERAL, it) == (5, "working_days")

    def test_unknown_item_unit_is_refused(self):
        with pytest.raises(ValueError):
            limit_for(HANDLING, Level.GENERAL, item(handle=(3, "fortnights")))


class TestClockFor:
    cal = WorkCalendar()

    def test_general_report_in_received_friday_afternoon(self):
        # Fri 15:00 + 1 working day = Mon 17:30; 80 % of 570 working minutes = 456 -> Mon 15:36.
        clock = clock_for(sh(2026, 3, 6, 15), REPORT_IN, Level.GENERAL, None, self.cal)
        assert clock == ClockValues(
            due_at=sh(2026, 3, 9, 17, 30), warn_at=sh(2026, 3, 9, 15, 36), unit="working_days"
        )

    def test_complex_handling_across_national_day(self):
        # Ten working days after Wed Sep 30: Oct 8, 9, 10 (Sat, make-up), 12–16, 19, 20.
        # Working time: 360 on Sep 30 + 10 * 420 = 4560; 80 % = 3648: 360 on Sep 30,
        # 7 full days (Oct 8, 9, 10, 12, 13, 14, 15) = 2940, then 348 into Oct 16:
        # 180 before lunch, 168 after 13:30 -> 16:18.
        clock = clock_for(sh(2026, 9, 30, 10), HANDLING, Level.COMPLEX, None, self.cal)
        assert clock.due_at == sh(2026, 10, 20, 17, 30)
        assert clock.warn_at == sh(2026, 10, 16, 16, 18)
        assert clock.unit == "working_days"

    def test_major_report_in_runs_at_night_on_a_weekend(self):
        clock = clock_for(sh(2026, 3, 7, 3), REPORT_IN, Level.MAJOR, None, self.cal)
        assert clock == ClockValues(
            due_at=sh(2026, 3, 7, 3, 30), warn_at=sh(2026, 3, 7, 3, 24), unit="minutes"
        )

    def test_major_handling_runs_through_holidays(self):
        # 72 h from Sep 30 10:00 = Oct 3 10:00; 57 h 36 min = Oct 2 19:36.
        clock = clock_for(sh(2026, 9, 30, 10), HANDLING, Level.MAJOR, None, self.cal)
        assert clock == ClockValues(
            due_at=sh(2026, 10, 3, 10), warn_at=sh(2026, 10, 2, 19, 36), unit="hours"
        )

    def test_item_limit_in_working_hours(self):
        # 2 working hours from Mon 09:00 = 11:00; 80 % of 120 = 96 minutes -> 10:36.
        it = item(handle=(2, "working_hours"))
        clock = clock_for(sh(2026, 3, 9, 9), HANDLING, Level.SIMPLE, it, self.cal)
        assert clock == ClockValues(
            due_at=sh(2026, 3, 9, 11), warn_at=sh(2026, 3, 9, 10, 36), unit="working_hours"
        )

    def test_verification_over_spring_festival(self):
        # Fri Feb 13 16:00 + 2 working days: Sat 14 (make-up), Tue 24.
        # 90 + 420 + 420 = 930; 80 % = 744: 90, 420, then 234 into Feb 24 -> 13:30 + 54 = 14:24.
        clock = clock_for(sh(2026, 2, 13, 16), VERIFICATION, Level.GENERAL, None, self.cal)
        assert clock.due_at == sh(2026, 2, 24, 17, 30)
        assert clock.warn_at == sh(2026, 2, 24, 14, 24)

    def test_uses_the_calendar_it_is_given(self):
        cal = WorkCalendar(overrides={date(2026, 10, 8): False})
        clock = clock_for(sh(2026, 9, 30, 10), REPORT_IN, Level.GENERAL, None, cal)
        assert clock.due_at == sh(2026, 10, 9, 17, 30)

    def test_clock_values_are_frozen(self):
        clock = clock_for(sh(2026, 3, 9, 9), HANDLING, Level.GENERAL, None, self.cal)
        with pytest.raises(dataclasses.FrozenInstanceError):
            clock.due_at = sh(2027, 1, 1)

    def test_simple_report_in_has_no_clock(self):
        with pytest.raises(ValueError):
            clock_for(sh(2026, 3, 9, 9), REPORT_IN, Level.SIMPLE, None, self.cal)


class TestClockState:
    due = sh(2026, 3, 9, 17, 30)
    warn = sh(2026, 3, 9, 15, 36)

    @pytest.mark.parametrize(
        ("now", "state"),
        [
            (sh(2026, 3, 6, 15), "green"),
            (sh(2026, 3, 9, 15, 35), "green"),
            (sh(2026, 3, 9, 15, 36), "due_soon"),
            (sh(2026, 3, 9, 17, 30), "due_soon"),  # due at 17:30 includes 17:30
            (sh(2026, 3, 9, 17, 31), "overdue"),
            (sh(2026, 4, 1), "overdue"),
        ],
    )
    def test_running_clock(self, now, state):
        assert clock_state(self.due, self.warn, False, now) == state

    def test_paused_wins_even_when_past_due(self):
        assert clock_state(self.due, self.warn, True, sh(2026, 4, 1)) == "paused"
        assert clock_state(None, None, True, sh(2026, 4, 1)) == "paused"

    def test_no_due_date(self):
        assert clock_state(None, None, False, sh(2026, 4, 1)) == "none"

    def test_no_warn_time_goes_straight_from_green_to_overdue(self):
        assert clock_state(self.due, None, False, sh(2026, 3, 9, 17, 0)) == "green"
        assert clock_state(self.due, None, False, sh(2026, 3, 9, 17, 31)) == "overdue"


class TestTierLadder:
    def test_ladder_matches_the_tier_choices_in_order(self):
        assert TIER_LADDER == ["grid", "community", "street", "hub"]
        assert [t.value for t in Tier] == TIER_LADDER

    @pytest.mark.parametrize(
        ("tier", "above"),
        [("grid", "community"), ("community", "street"), ("street", "hub"), ("hub", None)],
    )
    def test_next_tier(self, tier, above):
        assert next_tier(tier) == above

    def test_unknown_tier(self):
        with pytest.raises(ValueError, match="unknown tier"):
            next_tier("district")


def test_policy_module_imports_no_http_or_database_layer():
    tree = ast.parse(Path(deadlines.__file__).read_text(encoding="utf-8"))
    imported = {node.module for node in ast.walk(tree) if isinstance(node, ast.ImportFrom)}
    imported |= {
        a.name for node in ast.walk(tree) if isinstance(node, ast.Import) for a in node.names
    }
    assert not {m for m in imported if m and m.startswith(("django.http", "django.db", "ninja"))}
