"""The cold-start suggestion: items ranked from the report's text as people really type it
(homophone and wrong-character typos), the level moved by what the text says, and why."""

from __future__ import annotations

import pytest

from huying.catalogue.models import CatalogueItem, Level
from huying.catalogue.selectors import current_items
from huying.catalogue.suggest import suggest
from huying.conftest import World

pytestmark = pytest.mark.django_db


def _suggest(title: str, description: str = "") -> object:
    return suggest(title, description, items=list(current_items(None)))  # the world's only


def _names(result: object) -> list[str]:
    return [s.item.name for s in result.items]  # type: ignore[attr-defined]


def test_a_plain_report_names_its_item_level_and_departments(world: World) -> None:
    result = _suggest("3栋门口路灯不亮两天了")
    assert _names(result)[0] == "路灯不亮"
    assert result.level == Level.GENERAL  # type: ignore[attr-defined]
    assert result.lead == world.departments["cg"]  # type: ignore[attr-defined]
    assert "路灯不亮" in result.items[0].why  # type: ignore[attr-defined]


def test_a_homophone_typo_from_a_pinyin_keyboard_still_matches(world: World) -> None:
    assert _names(_suggest("小区路登不亮，晚上黑"))[0] == "路灯不亮"


def test_a_wrong_character_still_matches(world: World) -> None:
    assert _names(_suggest("河边排水口水质污梁，发臭"))[0] == "排水口水质污染"


def test_a_report_in_the_public_s_own_words_matches_through_a_synonym(world: World) -> None:
    text = "小区后面那条黑臭水体又冒泡了"
    assert _names(_suggest(text)) == []  # neither the name nor a keyword is in it
    CatalogueItem.objects.filter(pk=world.items[Level.COMPLEX].pk).update(
        synonyms="黑臭水体、死水塘"
    )
    result = _suggest(text)
    assert _names(result) == ["排水口水质污染"]
    assert result.items[0].why == ("黑臭水体",)  # type: ignore[attr-defined]
    assert result.lead == world.departments["sw"]  # type: ignore[attr-defined]


def test_items_are_ranked_by_the_evidence_not_by_catalogue_order(world: World) -> None:
    CatalogueItem.objects.filter(pk=world.items[Level.MAJOR].pk).update(keywords="煤气，漏气、燃气")
    CatalogueItem.objects.filter(pk=world.items[Level.GENERAL].pk).update(keywords="路灯")
    result = _suggest("楼道里一股煤气漏气的味道", "旁边路灯也不亮")
    names = _names(result)
    assert names[:2] == ["燃气泄漏", "路灯不亮"]  # two words for gas, one for the lamp
    confidences = [s.confidence for s in result.items]  # type: ignore[attr-defined]
    assert confidences == sorted(confidences, reverse=True) and sum(confidences) <= 1
    assert result.level == Level.MAJOR  # type: ignore[attr-defined]


@pytest.mark.parametrize(
    ("text", "level", "cue"),
    [
        ("路灯不亮，昨晚有老人摔倒受伤", Level.MAJOR, "受伤"),
        ("路灯不亮，问了三个部门都管不了", Level.COMPLEX, "三个部门"),
        ("路灯不亮，电视台记者来拍过", Level.COMPLEX, "记者"),
        ("路灯不亮", Level.GENERAL, None),
        # The same cue said the many ways people say it.
        ("路灯不亮，这是第四次来电了", Level.COMPLEX, "第四次"),
        ("路灯坏了，投诉三四回了都没人来", Level.COMPLEX, "投诉三四回"),
        ("路灯不亮，城管说归供电，供电说归城管", Level.COMPLEX, "说归供电"),
        ("路灯不亮，各单位都说不归自己管", Level.COMPLEX, "不归自己"),
        ("巷子黑漆漆路灯不亮，婆婆摔了一跤额头都摔破了", Level.MAJOR, "摔破"),
        ("路灯杆倒了砸到一个路人，流了好多血", Level.MAJOR, "砸到"),
        ("路灯线路烧起来了在冒黑烟", Level.MAJOR, "烧起来"),
        ("上百名居民聚在路口，路灯一直不亮", Level.MAJOR, "上百名居民"),
        # A fear is not an event, and one word alone is not a cue.
        ("路灯不亮，万一着火了都看不见", Level.GENERAL, None),
        ("路灯不亮，要是有人摔伤了咋办", Level.GENERAL, None),
        ("沿街好几家店门口的路灯不亮", Level.GENERAL, None),
        ("路灯不亮，说了也没用", Level.GENERAL, None),
    ],
)
def test_what_the_text_says_moves_the_level_and_says_why(
    world: World, text: str, level: int, cue: str | None
) -> None:
    result = _suggest(text)
    assert result.level == level  # type: ignore[attr-defined]
    if cue:
        assert any(cue in why for why in result.level_why)  # type: ignore[attr-defined]
    else:
        assert result.level_why == ()  # type: ignore[attr-defined]


def test_a_text_about_nothing_suggests_nothing(world: World) -> None:
    result = _suggest("今天天气很好")
    assert result.items == [] and result.level is None and result.lead is None  # type: ignore[attr-defined]
    assert _suggest("").items == []  # type: ignore[attr-defined]


def test_the_api_suggests_for_any_signed_in_client(world: World) -> None:
    from django.test import Client

    client = Client()
    assert (
        client.post(
            "/api/v1/triage/suggest", {"title": "路灯不亮"}, content_type="application/json"
        ).status_code
        == 401
    )
    client.force_login(world.actor("street").user)
    answer = client.post(
        "/api/v1/triage/suggest",
        {"title": "小区路灯不亮", "description": "问了三个部门都管不了"},
        content_type="application/json",
    ).json()
    top = answer["items"][0]
    assert (top["name"], answer["level"], answer["level_label"]) == ("路灯不亮", 3, "复杂问题")
    assert answer["lead"] == {
        "id": world.departments["cg"].pk,
        "name": world.departments["cg"].name,
    }
    assert answer["level_why"] and "三个部门" in answer["level_why"][0]
    refused = client.post(
        "/api/v1/triage/suggest", {"title": "路灯\u0000"}, content_type="application/json"
    )
    assert refused.status_code == 422 and set(refused.json()) == {"error"}
