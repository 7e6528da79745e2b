"""研判并呼叫 / 研判并派单: two steps in one submit, both happen or neither."""

from __future__ import annotations

import re

import pytest

from huying.cases import rules, services
from huying.cases.models import Assignment, AssignmentRole, Case, CaseEvent, CaseState
from huying.cases.tests.helpers import submit
from huying.catalogue.models import Level
from huying.conftest import MONDAY_10AM, World
from huying.core.errors import Conflict, InvalidInput, PermissionDenied, RuleViolation
from huying.core.models import Notification

pytestmark = pytest.mark.django_db

T = MONDAY_10AM


def _snapshot(case: Case) -> tuple[object, ...]:
    case.refresh_from_db()
    return (
        case.state,
        case.version,
        case.level,
        case.item_id,
        CaseEvent.objects.filter(case=case).count(),
        Assignment.objects.filter(case=case).count(),
        Notification.objects.count(),
    )


def test_a_street_triages_and_calls_an_ordinary_case_in_one_step(world: World) -> None:
    case = submit(world)
    made = services.case_triage_and_call(
        actor=world.actor("street"),
        case_id=case.pk,
        item_id=world.items[Level.GENERAL].pk,
        expected_version=case.version,
        now=T,
    )
    case.refresh_from_db()
    assert case.state == CaseState.IN_PROGRESS and case.level == Level.GENERAL
    assert [a.department_id for a in made] == [world.departments["cg"].pk]  # the item's lead
    actions = list(case.events.order_by("seq").values_list("action", flat=True))
    assert actions[-2:] == ["triage", "call"]  # each step on the trail as itself


def test_a_refused_call_takes_the_triage_back_with_it(world: World) -> None:
    case = submit(world)
    before = _snapshot(case)
    with pytest.raises(RuleViolation):  # a complex (L3) item is the hub's, not a street call
        services.case_triage_and_call(
            actor=world.actor("street"),
            case_id=case.pk,
            item_id=world.items[Level.COMPLEX].pk,
            now=T,
        )
    assert _snapshot(case) == before  # not triaged, no event, no notice to the hub


def test_an_unknown_department_takes_the_triage_back_too(world: World) -> None:
    case = submit(world)
    before = _snapshot(case)
    with pytest.raises(InvalidInput):
        services.case_triage_and_call(
            actor=world.actor("street"),
            case_id=case.pk,
            item_id=world.items[Level.GENERAL].pk,
            department_id=world.grids[0].pk,  # not a department
            now=T,
        )
    assert _snapshot(case) == before


def test_a_stale_page_changes_nothing(world: World) -> None:
    case = submit(world)
    before = _snapshot(case)
    with pytest.raises(Conflict):
        services.case_triage_and_call(
            actor=world.actor("street"),
            case_id=case.pk,
            item_id=world.items[Level.GENERAL].pk,
            expected_version=case.version - 1,
            now=T,
        )
    assert _snapshot(case) == before


def test_the_hub_triages_and_dispatches_lead_and_co_handlers_in_one_step(world: World) -> None:
    case = submit(world)
    d = world.departments
    made = services.case_triage_and_dispatch(
        actor=world.actor("hub"),
        case_id=case.pk,
        item_id=world.items[Level.COMPLEX].pk,
        co_department_ids=[d["hb"].pk, d["jt"].pk],
        now=T,
    )
    case.refresh_from_db()
    assert case.state == CaseState.IN_PROGRESS and case.level == Level.COMPLEX
    assert {(a.department_id, a.role) for a in made} == {
        (d["sw"].pk, AssignmentRole.LEAD),
        (d["hb"].pk, AssignmentRole.CO),
        (d["jt"].pk, AssignmentRole.CO),
    }


def test_a_refused_dispatch_takes_the_hubs_triage_back(world: World) -> None:
    case = submit(world)
    before = _snapshot(case)
    sw = world.departments["sw"].pk
    with pytest.raises(InvalidInput):  # the lead named again as a co-handler
        services.case_triage_and_dispatch(
            actor=world.actor("hub"),
            case_id=case.pk,
            item_id=world.items[Level.COMPLEX].pk,
            co_department_ids=[sw],
            now=T,
        )
    assert _snapshot(case) == before


def test_a_role_that_may_triage_but_not_dispatch_changes_nothing(world: World) -> None:
    case = submit(world)
    before = _snapshot(case)
    with pytest.raises(PermissionDenied):
        services.case_triage_and_dispatch(
            actor=world.actor("street"),
            case_id=case.pk,
            item_id=world.items[Level.GENERAL].pk,
            now=T,
        )
    assert _snapshot(case) == before


@pytest.mark.parametrize(
    ("who", "level", "offered"),
    [
        ("street", Level.GENERAL, ["triage_call"]),
        ("street", Level.COMPLEX, []),
        ("street", Level.SIMPLE, []),
        ("hub", Level.GENERAL, ["triage_dispatch"]),
        ("hub", Level.COMPLEX, ["triage_dispatch"]),
        ("hub", Level.MAJOR, []),
        ("dept_cg", Level.GENERAL, []),
    ],
)
def test_offered_when_the_items_level_lets_every_step_through(
    world: World, who: str, level: int, offered: list[str]
) -> None:
    case = submit(world)
    case.item = world.items[level]
    role = world.actor(who).role
    assert [c.action for c in rules.offered_combined(case, role)] == offered


def test_not_offered_before_an_item_is_known(world: World) -> None:
    assert rules.offered_combined(submit(world), world.actor("street").role) == []


def test_the_combined_actions_are_named_like_the_others() -> None:
    assert str(rules.action_label("triage_call")) == "研判并呼叫"
    assert str(rules.action_label("triage_dispatch")) == "研判并派单"


# --- the page: the defaults shown follow the item chosen in the form ----------------------------


def test_each_item_option_carries_the_defaults_it_brings(world: World) -> None:
    """core/page.js reads these when the item changes (no inline script under the CSP)."""
    from django.test import Client

    case = submit(world)
    Case.objects.filter(pk=case.pk).update(item=world.items[Level.GENERAL])
    client = Client()
    client.force_login(world.actor("hub").user)
    html = client.get(f"/cases/{case.pk}/").content.decode()
    complex_item, hb = world.items[Level.COMPLEX], world.departments["hb"]
    assert (
        f'<option value="{complex_item.pk}" data-lead-label="按事项的主办部门（水务局）" '
        f'data-level-label="按事项默认等级（复杂问题）" '
        f'data-co="{hb.pk}" data-note="事项「排水口水质污染」默认：主办 水务局；协办 生态环境局"'
    ) in html
    # The level select names the level its first choice stands for (the case's item: L2).
    level_select = re.search(
        r'<select name="c-triage_dispatch-level"[^>]*>\s*<option value="" selected>([^<]*)<', html
    )
    assert level_select and "data-item-level" in level_select[0]
    assert level_select[1] == "按事项默认等级（一般问题）"
    item_select = re.search(r'<select name="c-triage_dispatch-item_id"[^>]*>', html)
    lead_select = re.search(r'<select name="c-triage_dispatch-lead_department_id"[^>]*>', html)
    assert item_select and "data-item-defaults" in item_select[0]
    assert lead_select and "data-item-lead" in lead_select[0]
    assert 'data-default-co=""' in html  # the case's own item has no co-handler


def test_the_defaults_shown_follow_a_change_of_the_items_lead(world: World) -> None:
    """The options' defaults are remembered with the catalogue's items, and forgotten with
    them: a page opened after the item changed names its new lead."""
    from django.test import Client

    case = submit(world)
    client = Client()
    client.force_login(world.actor("hub").user)
    item = world.items[Level.COMPLEX]
    assert (
        'data-lead-label="按事项的主办部门（水务局）"'
        in client.get(f"/cases/{case.pk}/").content.decode()
    )
    item.lead_department = world.departments["hb"]
    item.save()
    html = client.get(f"/cases/{case.pk}/").content.decode()
    assert (f'<option value="{item.pk}" data-lead-label="按事项的主办部门（生态环境局）"') in html


def test_a_refused_form_names_the_defaults_of_the_item_it_chose(world: World) -> None:
    from huying.cases.tests.test_console import act, login

    case = submit(world)
    Case.objects.filter(pk=case.pk).update(item=world.items[Level.GENERAL])
    case.refresh_from_db()
    d = world.departments
    response = act(
        login(world, "hub"),
        case,
        "triage_dispatch",
        {"item_id": world.items[Level.COMPLEX].pk, "co_department_ids": [d["sw"].pk]},
        htmx=True,
    )
    html = response.content.decode()
    assert response.status_code == 422 and "主办部门不能同时为协办部门" in html
    assert "按事项的主办部门（水务局）" in html and f'data-default-co="{d["hb"].pk}"' in html
    assert "主办 水务局；协办 生态环境局" in html
