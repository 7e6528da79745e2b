"""The hash-chained trail: intact chains verify; any edit, deletion or reorder is caught."""

from __future__ import annotations

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from huying.cases.models import Case, CaseEvent
from huying.cases.trail import verify_trails
from huying.conftest import World

from .helpers import case_in_state


@pytest.fixture
def closed_case(world: World) -> Case:
    return case_in_state(world, "closed")


def test_intact_chain_verifies(closed_case: Case) -> None:
    assert list(verify_trails()) == []
    call_command("verify_trail")
    assert CaseEvent.objects.filter(case=closed_case).count() == closed_case.version


def test_edited_event_is_detected(closed_case: Case) -> None:
    event = CaseEvent.objects.get(case=closed_case, seq=3)
    CaseEvent.objects.filter(pk=event.pk).update(reason="篡改后的理由")
    breaks = list(verify_trails())
    assert [(b.seq, "篡改" in b.problem) for b in breaks] == [(3, True)]
    with pytest.raises(CommandError):
        call_command("verify_trail")


def test_edited_before_after_is_detected(closed_case: Case) -> None:
    event = CaseEvent.objects.get(case=closed_case, seq=2)
    CaseEvent.objects.filter(pk=event.pk).update(after={**event.after, "level": 1})
    assert [b.seq for b in verify_trails()] == [2]


def test_deleted_middle_event_is_detected(closed_case: Case) -> None:
    CaseEvent.objects.filter(case=closed_case, seq=4).delete()
    problems = {b.problem[:4] for b in verify_trails()}
    assert problems & {"序号不连", "前序哈希"}


def test_deleted_last_event_is_detected(closed_case: Case) -> None:
    CaseEvent.objects.filter(case=closed_case, seq=closed_case.version).delete()
    assert any("链尾" in b.problem for b in verify_trails())
