"""建议采纳率: the trail keeps the suggestion offered beside the person's decision, and the
indicator counts how often the decision was the first suggestion or one of the first three."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime, timedelta
from decimal import Decimal

import pytest

from huying.cases import hooks, services
from huying.cases.models import Case, CaseEvent
from huying.cases.tests.helpers import submit
from huying.catalogue.models import Level
from huying.catalogue.suggest import Suggestion
from huying.conftest import SH, World
from huying.evaluation import indicators as ind
from huying.evaluation.grouping import GroupBy
from huying.evaluation.periods import Period
from huying.triage.suggest import suggest_current

#: A day no shared fixture reports or triages on.
DAY = date(2026, 6, 17)
MORNING = datetime(2026, 6, 17, 9, 0, tzinfo=SH)
PERIOD = Period.days(DAY, DAY)


@pytest.fixture
def offered(world: World, suggesting: Callable[..., Suggestion]) -> None:
    """Whatever the text, the suggestion is 路灯不亮, then 占道经营, then 排水口水质污染."""
    items = world.items
    suggesting(
        [
            (items[Level.GENERAL], 0.6, ("路灯",)),
            (items[Level.SIMPLE], 0.2, ()),
            (items[Level.COMPLEX], 0.1, ()),
        ],
        level=Level.GENERAL,
        model=7,
    )


def _triage(world: World, item_level: int, minutes: int, level: int | None = None) -> Case:
    at = MORNING + timedelta(minutes=minutes)
    case = submit(world, now=at)
    services.case_triage(
        actor=world.actor("street"),
        case_id=case.pk,
        item_id=world.items[item_level].pk,
        level=level,
        level_reason="" if level is None else "群众反映多次",
        now=at,
    )
    return case


def _suggested(case: Case) -> dict:
    return CaseEvent.objects.get(case=case, action="triage").after["suggested"]


def test_the_trail_keeps_what_was_offered_and_whether_it_was_taken(
    world: World, offered: None
) -> None:
    taken = _triage(world, Level.GENERAL, 0)
    assert _suggested(taken) == {
        "items": ["A2", "A1", "A3"],
        "level": Level.GENERAL,
        "model": 7,
        "top1": True,
        "top3": True,
        "level_taken": True,
    }
    second_choice = _triage(world, Level.COMPLEX, 1)
    assert (_suggested(second_choice)["top1"], _suggested(second_choice)["top3"]) == (False, True)
    assert _suggested(second_choice)["level_taken"] is False  # A3's default level is 3
    changed = _triage(world, Level.MAJOR, 2)
    assert (_suggested(changed)["top1"], _suggested(changed)["top3"]) == (False, False)
    raised = _triage(world, Level.GENERAL, 3, level=Level.COMPLEX)
    assert (_suggested(raised)["top1"], _suggested(raised)["level_taken"]) == (True, False)


def test_adoption_rates_and_their_cases(world: World, offered: None) -> None:
    first = _triage(world, Level.GENERAL, 0)
    third = _triage(world, Level.COMPLEX, 1)
    other = _triage(world, Level.MAJOR, 2)
    _triage(world, Level.GENERAL, 60 * 24)  # the next day: not in the period
    submit(world, now=MORNING)  # reported, not triaged: nothing offered yet

    [row] = ind.suggestions(period=PERIOD, by=GroupBy.DISTRICT, actor=world.district)
    assert (row.suggested_triages, row.taken_first, row.taken_in_three) == (3, 1, 2)
    assert row.suggestion_top1_rate == Decimal(1) / 3
    assert row.suggestion_top3_rate == Decimal(2) / 3

    def behind(code: str, part: ind.Part) -> set[int]:
        cases = ind.cases_behind(
            code,
            part,
            period=PERIOD,
            by=GroupBy.DISTRICT,
            key=world.district.pk,
            actor=world.district,
        )
        return set(cases.values_list("pk", flat=True))

    assert behind("suggestion_top1_rate", "numerator") == {first.pk}
    assert behind("suggestion_top3_rate", "numerator") == {first.pk, third.pk}
    assert behind("suggestion_top1_rate", "denominator") == {first.pk, third.pk, other.pk}


def test_by_default_the_triage_apps_suggestion_is_recorded(world: World) -> None:
    assert hooks._suggester is suggest_current
    case = _triage(world, Level.GENERAL, 0)  # 路灯不亮 / 晚上一片漆黑
    record = _suggested(case)
    assert record["items"][0] == "A2" and record["top1"] is True
    assert record["model"] is None  # no model trained in the test world
