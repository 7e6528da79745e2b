"""Who organises what (docs/glossary.md §10): a street holds its 周例会 and 月度会 and opens
joint operations in its territory; the hub opens district-wide joint operations and, with the
district leader, holds the 季联席会 with the departments."""

from __future__ import annotations

from datetime import timedelta

from huying.coordination.models import MeetingKind
from huying.org.models import Role
from huying.org.roles import HUB_ROLES, STREET_ROLES

OPERATION_ROLES = frozenset({*STREET_ROLES, *HUB_ROLES})

MEETING_ROLES: dict[str, frozenset[str]] = {
    MeetingKind.WEEKLY: STREET_ROLES,
    MeetingKind.MONTHLY: STREET_ROLES,
    MeetingKind.QUARTERLY: frozenset({*HUB_ROLES, Role.DISTRICT_LEADER}),
}

#: How far back a meeting's drafted agenda looks (returns, appeals made since).
LOOKBACK: dict[str, timedelta] = {
    MeetingKind.WEEKLY: timedelta(days=7),
    MeetingKind.MONTHLY: timedelta(days=31),
    MeetingKind.QUARTERLY: timedelta(days=92),
}

#: Each drafted family lists at most this many items (the organiser adds more by hand).
DRAFT_LIMIT = 8
#: A department is low-scoring when ranked among the last this many of last month.
LOW_SCORE_LAST = 3


def may_hold(role: str, kind: str) -> bool:
    return role in MEETING_ROLES.get(kind, frozenset())


def kinds_for(role: str) -> list[str]:
    return [k for k in MeetingKind.values if may_hold(role, k)]
