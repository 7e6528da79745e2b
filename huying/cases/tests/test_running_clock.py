"""The clock that matters now is shown wherever a case is listed: a called case runs on its
departments' clocks (its own is off), so lists and the detail page show theirs, with how many
hours late. They showed "—"."""

from __future__ import annotations

import pytest
from django.utils import timezone

from huying.cases import selectors
from huying.cases.models import Case, CaseState
from huying.cases.tests.helpers import case_in_state
from huying.cases.tests.test_console import login
from huying.conftest import World

pytestmark = pytest.mark.django_db


def _clock_due(case: Case) -> object:
    return selectors.with_running_clock(Case.objects.filter(pk=case.pk)).get().clock_due  # type: ignore[attr-defined]


def test_a_called_case_runs_on_its_departments_clock(world: World) -> None:
    case = case_in_state(world, CaseState.IN_PROGRESS)
    lead = case.assignments.get(role="lead")
    assert case.due_at is None and lead.due_at is not None
    assert _clock_due(case) == min(a.due_at for a in case.assignments.all() if a.due_at)


def test_a_case_handled_on_its_patch_runs_on_its_own(world: World) -> None:
    case = case_in_state(world, CaseState.SELF_HANDLING)
    assert case.due_at is not None and _clock_due(case) == case.due_at


def test_a_suspended_case_runs_no_clock(world: World) -> None:
    case = case_in_state(world, CaseState.SUSPENDED)
    assert _clock_due(case) is None


def test_the_overdue_board_and_the_detail_say_how_late(world: World) -> None:
    case = case_in_state(world, CaseState.IN_PROGRESS)
    due = _clock_due(case)
    assert isinstance(due, type(timezone.now())) and due < timezone.now()  # long past
    hours = int((timezone.now() - due).total_seconds() // 3600)
    client = login(world, "hub")
    home = client.get("/").content.decode()
    board = home[home.index('id="q-overdue"') :]
    assert case.number in board
    assert f"超期 {hours} 小时" in board or f"超期 {hours + 1} 小时" in board
    detail = client.get(f"/cases/{case.pk}/").content.decode()
    assert timezone.localtime(due).strftime("%m-%d %H:%M") in detail
    assert "超期" in detail[detail.index("时限") : detail.index("事项")]
    rows = client.get("/cases/").content.decode()
    assert timezone.localtime(due).strftime("%m-%d %H:%M") in rows


def test_every_list_reads_the_clock_in_one_query_per_page(
    world: World, django_assert_max_num_queries: object
) -> None:
    for _ in range(3):
        case_in_state(world, CaseState.IN_PROGRESS)
    qs = selectors.with_running_clock(Case.objects.all())
    with django_assert_max_num_queries(1):  # type: ignore[operator]
        assert len([c.clock_due for c in qs]) == 3  # type: ignore[attr-defined]
