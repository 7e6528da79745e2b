"""Deadline policy as data: limits per level and stage, clock states, the escalation ladder.

No HTTP and no database: services compute stored due/warn columns from these rules and
the working-day calendar (docs/glossary.md §3).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Literal

from huying.catalogue.models import Level, LimitUnit
from huying.core.workcalendar import WorkCalendar

if TYPE_CHECKING:
    from huying.catalogue.models import CatalogueItem

REPORT_IN = "report_in"
HANDLING = "handling"
VERIFICATION = "verification"
STAGES: tuple[str, ...] = (REPORT_IN, HANDLING, VERIFICATION)

# Share of the limit after which a clock counts as due soon.
DUE_SOON_FRACTION = 0.8

_WD = LimitUnit.WORKING_DAYS

# L1 has no report-in: the street handles it itself. L4 runs on the continuous clock.
LEVEL_DEFAULTS: Mapping[Level, Mapping[str, tuple[int, str]]] = {
    Level.SIMPLE: {HANDLING: (3, _WD), VERIFICATION: (2, _WD)},
    Level.GENERAL: {REPORT_IN: (1, _WD), HANDLING: (5, _WD), VERIFICATION: (2, _WD)},
    Level.COMPLEX: {REPORT_IN: (1, _WD), HANDLING: (10, _WD), VERIFICATION: (2, _WD)},
    Level.MAJOR: {
        REPORT_IN: (30, LimitUnit.MINUTES),
        HANDLING: (72, LimitUnit.HOURS),
        VERIFICATION: (2, _WD),
    },
}

_CONTINUOUS_UNITS = frozenset({LimitUnit.MINUTES, LimitUnit.HOURS})


def has_stage(stage: str, level: int) -> bool:
    """Whether this level runs a clock for this stage at all (L1 has no report-in)."""
    _check_stage(stage)
    return stage in LEVEL_DEFAULTS[Level(level)]


def limit_for(stage: str, level: int, item: CatalogueItem | None = None) -> tuple[int, str]:
    """The (amount, unit) limit: the catalogue item's own, else the level default.

    An emergency (L4) keeps its continuous clock unless the item also counts minutes or
    hours: a working-day limit would let it wait over a weekend. A zero item limit counts
    as unset, since it would make every case overdue on arrival.
    """
    if not has_stage(stage, level):
        raise ValueError(f"level {level} has no {stage} deadline")
    default = LEVEL_DEFAULTS[Level(level)][stage]
    if item is None or stage == VERIFICATION:
        return default
    if stage == REPORT_IN:
        amount, unit = item.report_in_limit, LimitUnit(item.report_in_unit)
    else:
        amount, unit = item.handle_limit, LimitUnit(item.handle_unit)
    if amount <= 0:
        return default
    if Level(level) == Level.MAJOR and unit not in _CONTINUOUS_UNITS:
        return default
    return amount, unit


@dataclass(frozen=True)
class ClockValues:
    due_at: datetime
    warn_at: datetime
    unit: str


def clock_for(
    start: datetime,
    stage: str,
    level: int,
    item: CatalogueItem | None,
    calendar: WorkCalendar,
) -> ClockValues:
    """The stored columns of a clock started at `start` for this stage."""
    amount, unit = limit_for(stage, level, item)
    due_at = calendar.add(start, amount, unit)
    return ClockValues(
        due_at=due_at,
        warn_at=calendar.warn_at(start, due_at, unit, DUE_SOON_FRACTION),
        unit=unit,
    )


ClockState = Literal["green", "due_soon", "overdue", "paused", "none"]


def clock_state(
    due_at: datetime | None, warn_at: datetime | None, paused: bool, now: datetime
) -> ClockState:
    """Traffic light for a clock. Paused wins: a pause may clear due_at and keep minutes.

    Due exactly at `now` is not yet overdue: a deadline of 17:30 includes 17:30.
    """
    if paused:
        return "paused"
    if due_at is None:
        return "none"
    if now > due_at:
        return "overdue"
    if warn_at is not None and now >= warn_at:
        return "due_soon"
    return "green"


# Who takes over a self-handled (L1) case whose deadline is missed:
# 小事不出网格, 大事不出社区, 重大事情不出街道 — and past the street, the hub.
TIER_LADDER: list[str] = ["grid", "community", "street", "hub"]


def next_tier(tier: str) -> str | None:
    """The tier above, or None at the top of the ladder."""
    try:
        index = TIER_LADDER.index(tier)
    except ValueError:
        raise ValueError(f"unknown tier: {tier!r}") from None
    return TIER_LADDER[index + 1] if index + 1 < len(TIER_LADDER) else None


def _check_stage(stage: str) -> None:
    if stage not in STAGES:
        raise ValueError(f"unknown stage: {stage!r}")
