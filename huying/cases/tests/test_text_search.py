"""The case list's text filter finds Chinese words in any order, within scope."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from huying.cases import selectors, services
from huying.cases.models import Case
from huying.cases.selectors import CaseFilters
from huying.conftest import Neighbour, World

pytestmark = pytest.mark.django_db


def _titles(world: World, text: str, who: str = "hub") -> set[str]:
    qs = selectors.case_list(world.actor(who), CaseFilters(text=text), now=timezone.now())
    return set(qs.values_list("title", flat=True))


def _report(world: World, title: str, description: str = "", grid: int = 0) -> Case:
    lat, lng = world.point_in(grid)
    return services.case_submit(
        actor=world.actor("hub"), title=title, description=description, lat=lat, lng=lng
    )


def test_words_match_in_any_order_and_place(world: World) -> None:
    _report(world, "3 栋门口的路灯坏了两天", "小区里很黑")
    _report(world, "小区垃圾满溢")
    _report(world, "路灯不亮")
    assert _titles(world, "小区路灯坏了") == {"3 栋门口的路灯坏了两天"}
    assert _titles(world, "路灯") == {"3 栋门口的路灯坏了两天", "路灯不亮"}


def test_the_phrase_and_the_number_still_match(world: World) -> None:
    _report(world, "井盖缺失")
    assert _titles(world, "井盖缺失") == {"井盖缺失"}
    number = selectors.case_list(world.actor("hub"), CaseFilters(), now=timezone.now())[0].number
    assert _titles(world, number) == {"井盖缺失"}


def test_text_search_stays_in_scope(world: World) -> None:
    _report(world, "路灯不亮", grid=0)
    _report(world, "路灯不亮（二街道）", grid=2)
    assert _titles(world, "路灯", who="street") == {"路灯不亮"}


def test_a_case_number_lists_that_case_alone(world: World) -> None:
    """A number names one case: a report that quotes it (同 JJ-… 位置) is not what was asked for,
    and the number typed in lower case is the same number."""
    cover = _report(world, "井盖缺失")
    _report(world, "路面塌陷", f"与 {cover.number} 同一位置")
    with CaptureQueriesContext(connection) as captured:
        assert _titles(world, cover.number) == {"井盖缺失"}
    assert not [q for q in captured if "LIKE" in q["sql"].upper()]  # no scan of the words
    assert _titles(world, cover.number.lower()) == {"井盖缺失"}


def test_a_number_out_of_scope_lists_nothing(world: World, neighbour: Neighbour) -> None:
    """Another district's (or street's) case stays absent, and so do the reports here that
    quote its number: the number names that case, not the words around it."""
    theirs = neighbour.case.number
    _report(world, "跨区转来", f"青城区 {theirs} 转我区处理")
    assert _titles(world, theirs, who="hub_q") == {"青城路灯不亮"}
    assert _titles(world, theirs) == set()
    other_street = _report(world, "二街道井盖缺失", grid=2)
    assert _titles(world, other_street.number, who="street") == set()
    assert _titles(world, other_street.number) == {"二街道井盖缺失"}


def test_a_number_shaped_word_that_is_no_case_number_is_searched_as_words(world: World) -> None:
    """A 12345 ticket's number has a case number's shape; the report quoting it is found."""
    _report(world, "热线转办", "12345 工单 ZX-20261201-00042：路灯不亮")
    _report(world, "路灯不亮")
    assert _titles(world, "ZX-20261201-00042") == {"热线转办"}
