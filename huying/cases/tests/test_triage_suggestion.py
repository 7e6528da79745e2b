"""研判建议 on the case page and in its API: the triage form starts from the suggestion when it
is sure enough, never over what the case or the person already chose; the panel beside it
shows the candidates, their confidence and why; the combined actions follow the preselected
item. A stub suggester (``suggesting``) stands in for the scorer and the model."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client

from huying.cases import suggestion
from huying.cases.models import Case
from huying.cases.tests.helpers import submit
from huying.cases.tests.test_console import act, login, page_opened
from huying.catalogue.models import Level
from huying.catalogue.suggest import Suggestion
from huying.conftest import World

pytestmark = pytest.mark.django_db

Suggesting = Callable[..., Suggestion]
MANY = "涉及多个部门（三个部门）"


def _page(client: Client, case: Case) -> str:
    return page_opened(client, case)


def _selected(html: str, field: str) -> str | None:
    """The value of the selected option of a form field (None: nothing chosen)."""
    select = re.search(rf'<select name="{field}"[^>]*>(.*?)</select>', html, re.S)
    assert select, field
    chosen = re.search(r'<option value="([^"]*)"[^>]*\sselected[\s>]', select[1])
    return chosen[1] if chosen and chosen[1] else None


def _textarea(html: str, field: str) -> str:
    found = re.search(rf'<textarea name="{field}"[^>]*>\n?(.*?)</textarea>', html, re.S)
    assert found, field
    return found[1]


# --- the prefill rules ----------------------------------------------------------------------


@pytest.mark.parametrize(("confidence", "preselected"), [(0.2, True), (0.19, False)])
def test_the_top_item_is_preselected_only_when_the_suggestion_is_sure(
    world: World, suggesting: Suggesting, confidence: float, preselected: bool
) -> None:
    general, simple = world.items[Level.GENERAL], world.items[Level.SIMPLE]
    suggesting([(general, confidence, ("路灯",)), (simple, 0.1, ())])
    shown = suggestion.for_case(submit(world))
    assert suggestion.SURE == 0.2
    assert shown.prefill.item == (general if preselected else None)
    assert shown.prefill.suggested is preselected
    assert [c.item for c in shown.choices] == [general, simple]  # listed either way
    assert shown.unsure is not preselected


def test_the_level_is_preselected_only_when_the_cues_raise_it(
    world: World, suggesting: Suggesting
) -> None:
    general = world.items[Level.GENERAL]
    suggesting([(general, 0.8, ("路灯",))])  # the item's default level, no cue
    plain = suggestion.for_case(submit(world)).prefill
    assert (plain.item, plain.level, plain.level_reason) == (general, None, "")
    assert plain.initial() == {"item_id": general.pk}

    suggesting([(general, 0.8, ("路灯",))], level=Level.COMPLEX, level_why=(MANY,))
    raised = suggestion.for_case(submit(world)).prefill
    assert (raised.item, raised.level) == (general, Level.COMPLEX)
    assert MANY in raised.level_reason
    assert raised.initial() == {
        "item_id": general.pk,
        "level": Level.COMPLEX,
        "level_reason": raised.level_reason,
    }


def test_a_cue_below_the_items_default_preselects_no_level(
    world: World, suggesting: Suggesting
) -> None:
    major, general = world.items[Level.MAJOR], world.items[Level.GENERAL]
    suggesting([(major, 0.7, ("燃气",)), (general, 0.2, ())])
    case = submit(world, title="燃气味很重", description="楼道里燃气味，三个部门都管不了")
    shown = suggestion.for_case(case)
    assert shown.prefill.level is None  # 重大 already: "三个部门" (复杂) lowers nothing
    # Choosing the L2 alternative instead brings the cue's level with it.
    alternative = shown.choices[1]
    assert (alternative.item, alternative.level, alternative.raised) == (
        general,
        Level.COMPLEX,
        True,
    )
    assert "涉及多个部门（三个部门" in alternative.level_reason


def test_the_cases_own_item_is_kept(world: World, suggesting: Suggesting) -> None:
    simple, general = world.items[Level.SIMPLE], world.items[Level.GENERAL]
    suggesting([(general, 0.9, ("路灯",))])
    case = submit(world, item_id=simple.pk, description="有人被困在里面")
    prefill = suggestion.for_case(case).prefill
    assert (prefill.item, prefill.suggested) == (simple, False)
    # The text's cue still raises the kept item's level (danger to life: 重大).
    assert prefill.level == Level.MAJOR and "危及人身安全（被困）" in prefill.level_reason
    html = _page(login(world, "street"), case)
    assert _selected(html, "c-triage-item_id") == str(simple.pk)
    assert _selected(html, "c-triage-level") == str(Level.MAJOR)
    assert "保留事件已有的事项「占道经营」" in html


def test_the_page_starts_the_triage_forms_from_the_suggestion(
    world: World, suggesting: Suggesting
) -> None:
    general = world.items[Level.GENERAL]
    suggesting([(general, 0.8, ("路灯",))], level=Level.COMPLEX, level_why=(MANY,))
    case = submit(world)
    html = _page(login(world, "hub"), case)
    for action in ("triage", "triage_dispatch"):
        assert _selected(html, f"c-{action}-item_id") == str(general.pk)
        assert _selected(html, f"c-{action}-level") == str(Level.COMPLEX)
        assert MANY in _textarea(html, f"c-{action}-level_reason")
    # The dispatch step names the preselected item's lead, not "the item's" in the abstract.
    lead = re.search(
        r'<select name="c-triage_dispatch-lead_department_id"[^>]*>\s*<option value=""[^>]*>([^<]*)<',
        html,
    )
    assert lead and lead[1] == "按事项的主办部门（城管局）"


def test_a_refused_form_keeps_what_was_sent(world: World, suggesting: Suggesting) -> None:
    general, complex_item = world.items[Level.GENERAL], world.items[Level.COMPLEX]
    suggesting([(general, 0.9, ("路灯",))])
    case = submit(world)
    response = act(  # another level than the item's, without the reason: refused
        login(world, "hub"), case, "triage", {"item_id": complex_item.pk, "level": 4}, htmx=True
    )
    html = response.content.decode()
    assert response.status_code == 422
    assert _selected(html, "c-triage-item_id") == str(complex_item.pk)
    assert _selected(html, "c-triage-level") == "4"


def test_taking_the_prefilled_form_as_it_is_takes_the_suggestion(
    world: World, suggesting: Suggesting
) -> None:
    general = world.items[Level.GENERAL]
    suggesting([(general, 0.8, ("路灯",))], level=Level.COMPLEX, level_why=(MANY,))
    case = submit(world)
    client = login(world, "hub")
    html = _page(client, case)
    sent = {
        "item_id": _selected(html, "c-triage-item_id"),
        "level": _selected(html, "c-triage-level"),
        "level_reason": _textarea(html, "c-triage-level_reason"),
    }
    assert act(client, case, "triage", sent).status_code == 302
    case.refresh_from_db()
    assert (case.item_id, case.level) == (general.pk, Level.COMPLEX)
    offered = case.events.get(action="triage").after["suggested"]
    assert offered["top1"] and offered["level_taken"]


# --- the combined actions follow the preselected item ---------------------------------------


@pytest.mark.parametrize(
    ("who", "level", "confidence", "combined"),
    [
        ("street", Level.GENERAL, 0.8, ["triage_call"]),
        ("street", Level.GENERAL, 0.1, []),  # not sure: nothing preselected, nothing combined
        ("street", Level.COMPLEX, 0.8, []),  # a complex case is not a street call
        ("hub", Level.COMPLEX, 0.8, ["triage_dispatch"]),
        ("hub", Level.MAJOR, 0.8, []),
    ],
)
def test_the_combined_actions_are_offered_for_the_preselected_item(
    world: World,
    suggesting: Suggesting,
    who: str,
    level: int,
    confidence: float,
    combined: list[str],
) -> None:
    suggesting([(world.items[level], confidence, ())])
    case = submit(world)
    client = login(world, who)
    actions = client.get(f"/api/v1/cases/{case.pk}").json()["actions"]
    assert [a for a in actions if a.startswith("triage_")] == combined
    html = _page(client, case)
    assert [a for a in re.findall(r'data-action="(triage_\w+)"', html)] == combined


def test_cues_that_raise_the_level_past_a_street_call_withdraw_it(
    world: World, suggesting: Suggesting
) -> None:
    suggesting([(world.items[Level.GENERAL], 0.8, ())], level=Level.COMPLEX, level_why=(MANY,))
    case = submit(world)
    actions = login(world, "street").get(f"/api/v1/cases/{case.pk}").json()["actions"]
    assert "triage_call" not in actions and "triage" in actions


# --- the panel ------------------------------------------------------------------------------


def test_the_panel_shows_the_candidates_confidence_why_level_and_departments(
    world: World, suggesting: Suggesting
) -> None:
    items = world.items
    suggesting(
        [
            (items[Level.COMPLEX], 0.62, ("排水口", "污水")),
            (items[Level.GENERAL], 0.2, ()),
            (items[Level.SIMPLE], 0.05, ()),
        ],
        level=Level.MAJOR,
        level_why=("危及人身安全（受伤）",),
        model=7,
    )
    case = submit(world, title="排水口冒污水", description="污水漫到路上，有老人滑倒受伤")
    html = _page(login(world, "street"), case)
    panel = html[html.index('id="suggestion"') : html.index("可执行的操作</h2>")]
    assert "研判建议" in panel and "模型 v7" in panel and "冷启动" not in panel
    names = re.findall(r'<span class="suggest-name">([^<]*)<', panel)
    assert [n.strip() for n in names] == ["排水口水质污染", "路灯不亮", "占道经营"]
    assert re.findall(r'class="num suggest-percent">(\d+)%<', panel) == ["62", "20", "5"]
    assert 'style="width: 62%"' in panel
    assert '<span class="chip">排水口</span><span class="chip">污水</span>' in panel
    assert "重难点/突发问题" in panel and "危及人身安全（受伤）" in panel
    assert "水务局" in panel and "生态环境局" in panel  # the top item's lead and co-handler
    # One 改选 a candidate, shown by the script; the preselected one is marked.
    assert panel.count("data-pick-item=") == 3 and panel.count(">改选</button>") == 3
    picked = re.search(r'<li data-suggest-item="(\d+)" class="picked">', panel)
    assert picked and picked[1] == str(items[Level.COMPLEX].pk)
    # 改选 the L2 item brings the cue's level and reason along.
    general = re.search(rf'data-pick-item="{items[Level.GENERAL].pk}"[^>]*>', panel)
    assert general and 'data-pick-level="4"' in general[0] and "危及人身安全" in general[0]


def test_an_unsure_or_empty_suggestion_says_so(world: World, suggesting: Suggesting) -> None:
    client = login(world, "street")
    suggesting([(world.items[Level.GENERAL], 0.1, ())])
    html = _page(client, submit(world))
    assert "冷启动" in html and "把握都不到 20%，未预选事项" in html
    assert 'class="picked"' not in html and _selected(html, "c-triage-item_id") is None
    suggesting([])
    html = _page(client, submit(world))
    assert "未能从反映内容判断事项，请人工选择。" in html


def test_the_panel_escapes_what_it_shows(world: World, suggesting: Suggesting) -> None:
    evil = '<script>alert("x")</script>'
    suggesting(
        [(world.items[Level.GENERAL], 0.5, (evil,)), (world.items[Level.SIMPLE], 0.3, ())],
        level=Level.COMPLEX,
        level_why=(f"<b>{evil}</b>",),
    )
    html = _page(login(world, "street"), submit(world))
    assert evil not in html and "<b>" not in html
    assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;" in html
    assert 'data-pick-reason="反映内容提示：&lt;b&gt;&lt;script&gt;' in html


@pytest.mark.parametrize(
    ("who", "shown"), [("leader", False), ("street_leader", True), ("hub_sup", True)]
)
def test_only_a_role_that_triages_the_case_now_sees_the_panel(
    world: World, suggesting: Suggesting, who: str, shown: bool
) -> None:
    suggesting([(world.items[Level.GENERAL], 0.8, ())])
    case = submit(world)
    assert ('id="suggestion"' in _page(login(world, who), case)) is shown


def test_a_triaged_case_shows_no_panel(world: World, suggesting: Suggesting) -> None:
    suggesting([(world.items[Level.GENERAL], 0.8, ())])
    case = submit(world)
    client = login(world, "street")
    assert (
        act(client, case, "triage", {"item_id": world.items[Level.GENERAL].pk}).status_code == 302
    )
    assert 'id="suggestion"' not in _page(client, case)


# --- GET /api/v1/cases/{id}/suggestion ------------------------------------------------------


def _suggestion(world: World, who: str, case: Case) -> Any:
    return login(world, who).get(f"/api/v1/cases/{case.pk}/suggestion")


def test_the_api_answers_the_suggestion_and_what_the_page_preselects(
    world: World, suggesting: Suggesting
) -> None:
    complex_item = world.items[Level.COMPLEX]
    suggesting(
        [(complex_item, 0.7, ("排水口",)), (world.items[Level.GENERAL], 0.1, ())],
        level=Level.MAJOR,
        level_why=("危及人身安全（受伤）",),
        model=3,
    )
    case = submit(world)
    answer = _suggestion(world, "street", case)
    assert answer.status_code == 200
    body = answer.json()
    assert body["case_id"] == case.pk and body["model"] == 3 and body["sure"] == 0.2
    assert [(i["code"], i["confidence"], i["why"]) for i in body["items"]] == [
        ("A3", 0.7, ["排水口"]),
        ("A2", 0.1, []),
    ]
    assert (body["level"], body["level_label"], body["level_why"]) == (
        4,
        "重难点/突发问题",
        ["危及人身安全（受伤）"],
    )
    assert body["lead"]["name"] == "水务局" and [d["name"] for d in body["co"]] == ["生态环境局"]
    assert body["preselected"] == {
        "item_id": complex_item.pk,
        "level": 4,
        "level_reason": "反映内容提示：危及人身安全（受伤）",
        "suggested": True,
    }
    assert "duplicates" not in body


def test_the_api_keeps_to_the_callers_scope(world: World, suggesting: Suggesting) -> None:
    suggesting([(world.items[Level.GENERAL], 0.8, ())])
    case = submit(world)  # street 1's
    assert _suggestion(world, "hub", case).status_code == 200
    assert _suggestion(world, "street_b", case).status_code == 404
    resident = _suggestion(world, "resident", case)  # even the reporter
    assert resident.status_code == 403 and resident.json()["error"]["code"] == "forbidden"
    missing = login(world, "street").get("/api/v1/cases/999999999/suggestion")
    assert missing.status_code == 404
