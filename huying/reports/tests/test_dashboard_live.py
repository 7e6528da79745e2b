"""The dashboards' live counts (open, overdue, due soon now) and the overdue board, on the
hand-checked March: the one-pass counts and the board's index-friendly id sets give what
the plain selectors give, clock by clock, and only in the actor's scope."""

from __future__ import annotations

from datetime import datetime

import pytest

from huying.cases.models import Case
from huying.cases.rules import OPEN_CASE_STATES
from huying.cases.selectors import (
    cases_visible_to,
    currently_due_soon,
    currently_overdue,
    overdue_case_ids,
)
from huying.conftest import World, shared_fixture
from huying.evaluation.tests.helpers import at
from huying.evaluation.tests.march import March, build_march
from huying.reports import dashboard_data as data

MOMENTS = [at(3, 4, 8), at(3, 17, 9), at(3, 20, 12), at(3, 31, 18), at(4, 1, 9)]


@shared_fixture
def march(world: World) -> March:
    return build_march(world)


@pytest.mark.parametrize("now", MOMENTS)
def test_overdue_ids_are_the_overdue_cases(march: March, now: datetime) -> None:
    plain = set(Case.objects.filter(currently_overdue(now)).values_list("pk", flat=True))
    assert set(Case.objects.filter(pk__in=overdue_case_ids(now)).values_list("pk", flat=True)) == (
        plain
    )


@pytest.mark.parametrize("who", ["hub", "street"])
@pytest.mark.parametrize("now", MOMENTS)
def test_live_counts_match_the_plain_counts(march: March, who: str, now: datetime) -> None:
    actor = march.world.actor(who)
    scope = data.dashboard_scope(actor)
    k = data.kpis(scope, data.Window.month(2026, 3), now)
    open_cases = cases_visible_to(actor).filter(state__in=OPEN_CASE_STATES)
    assert k["open_now"] == open_cases.count()
    assert k["overdue_now"] == open_cases.filter(currently_overdue(now)).count()
    assert k["due_soon_now"] == open_cases.filter(currently_due_soon(now)).count()


def test_the_board_lists_the_streets_late_cases_only(march: March) -> None:
    # 1 April 09:00: A3's handling limit (16 Mar) and A6's report-in limit (31 Mar 17:30)
    # have run out; both are street A's.
    now = at(4, 1, 9)
    street = data.clock_board(data.dashboard_scope(march.world.actor("street")), now)
    hub = data.clock_board(data.dashboard_scope(march.world.actor("hub")), now)
    late = {march.cases["A3"].number, march.cases["A6"].number}
    assert late <= {row["number"] for row in street}
    assert late <= {row["number"] for row in hub}
    street_b = {c.number for n, c in march.cases.items() if n.startswith("B")}
    assert not street_b & {row["number"] for row in street}
