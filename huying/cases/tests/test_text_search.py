"""The case list's text filter finds Chinese words in any order, within scope."""

from __future__ import annotations

import pytest
from django.utils import timezone

from huying.cases import selectors, services
from huying.cases.selectors import CaseFilters
from huying.conftest import World

pytestmark = pytest.mark.django_db


def _titles(world: World, text: str, who: str = "hub") -> set[str]:
    qs = selectors.case_list(world.actor(who), CaseFilters(text=text), now=timezone.now())
    return set(qs.values_list("title", flat=True))


def _report(world: World, title: str, description: str = "", grid: int = 0) -> None:
    lat, lng = world.point_in(grid)
    services.case_submit(
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
