"""Every action a person can take on the console, walked through its page: the confirmation
names the action in the page's language ("已报到", "Report in: done."), never its code
("已report_in")."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.utils import translation
from django.utils.translation import gettext

from huying.cases import rules, services
from huying.cases.forms import ASSIGNMENT_ACTIONS, CASE_ACTIONS
from huying.cases.models import Assignment, Case, CaseState
from huying.cases.tests.helpers import case_in_state, submit
from huying.catalogue.models import Level
from huying.conftest import MONDAY_10AM, World
from huying.core.tests.images import png

pytestmark = pytest.mark.django_db

S = CaseState
T = MONDAY_10AM
#: Assignment rules with people among their roles but no form of their own: 催办 and 督办
#: of an assignment are the case's (forms.ASSIGNMENT_ACTIONS says so).
THROUGH_THE_CASE = {"assignment.urge", "assignment.supervise"}
#: Taken as the report is made (街长自行解决, on the phone's report page), not on a case page.
AT_INTAKE = {"self_fixed"}
#: Taken by a meeting's decision (会议定期限, coordination.services), not on a case page.
AT_A_MEETING = {"set_deadline"}


@dataclass
class Step:
    who: str
    target: Case | Assignment
    data: dict[str, Any]


def _case(state: str, level: int = Level.GENERAL) -> Callable[[World], Case]:
    return lambda world: case_in_state(world, state, level=level)


def _on_case(state: str, who: str, data: dict[str, Any] | None = None, **kw: Any) -> Any:
    return lambda world: Step(who, _case(state, **kw)(world), data or {})


def _merge(world: World) -> Step:
    master = submit(world, title="同一路灯")
    return Step("street", submit(world), {"master_number": master.number})


def _grid_merge(world: World) -> Step:
    master = submit(world, title="同一路灯")
    return Step("grid_worker", submit(world, who="informant"), {"master_number": master.number})


def _hub_case(world: World) -> Case:
    case = case_in_state(world, S.TRIAGED, level=Level.COMPLEX)
    services.case_hub_dispatch(actor=world.actor("hub"), case_id=case.pk, now=T)
    return Case.objects.get(pk=case.pk)


def _self_at_street(world: World) -> Step:
    case = case_in_state(world, S.SELF_HANDLING)
    for _ in range(2):  # grid → community → street
        services.case_escalate(
            actor=world.actor("street"), case_id=case.pk, reason="超出能力", now=T
        )
    return Step("street", Case.objects.get(pk=case.pk), {"reason": "需要部门处理"})


def _self_verifying(world: World) -> Step:
    case = case_in_state(world, S.SELF_HANDLING)
    services.case_complete_self(
        actor=world.actor("street"), case_id=case.pk, result="已清理", now=T
    )
    return Step("street", Case.objects.get(pk=case.pk), {"reason": "未清理干净"})


def _dissatisfied(world: World) -> Step:
    case = case_in_state(world, S.FOLLOW_UP)
    services.case_follow_up(
        actor=world.actor("street"), case_id=case.pk, satisfaction="dissatisfied", now=T
    )
    return Step("street", Case.objects.get(pk=case.pk), {"reason": "路灯又不亮了"})


def _attach(world: World) -> Step:
    photo = SimpleUploadedFile("现场.png", png(), content_type="image/png")
    return Step("street", case_in_state(world, S.SUBMITTED), {"photos": photo})


def _assignment(world: World, *steps: str) -> Assignment:
    """The department's assignment of a called L2 case, moved through ``steps``."""
    case = case_in_state(world, S.IN_PROGRESS)
    a = Assignment.objects.get(case=case)
    dept = world.actor("dept_cg")
    for step in steps:
        if step == "report_in":
            services.assignment_report_in(actor=dept, assignment_id=a.pk, now=T)
        elif step == "accept":
            services.assignment_accept(actor=dept, assignment_id=a.pk, now=T)
        elif step == "request_return":
            services.assignment_request_return(
                actor=dept, assignment_id=a.pk, reason="不属本部门职责", now=T
            )
        elif step == "request_extension":
            services.assignment_request_extension(
                actor=dept,
                assignment_id=a.pk,
                until=_later(a),
                reason="需要采购配件",
                now=T,
            )
        else:
            raise AssertionError(step)
    a.refresh_from_db()
    return a


def _on_assignment(who: str, data: dict[str, Any], *steps: str) -> Any:
    return lambda world: Step(who, _assignment(world, *steps), data)


def _later(a: Assignment) -> datetime:
    """A time past the assignment's handling limit."""
    a.refresh_from_db()
    assert a.handle_due_at is not None
    return a.handle_due_at + timedelta(days=5)


def _extension(world: World) -> Step:
    a = _assignment(world, "report_in", "accept")
    until = _later(a).astimezone().strftime("%Y-%m-%dT%H:%M")
    return Step("dept_cg", a, {"until": until, "reason": "需要采购配件"})


SCENARIOS: dict[str, Callable[[World], Step]] = {
    # case actions
    "triage": lambda w: Step("street", submit(w), {"item_id": w.items[Level.GENERAL].pk}),
    "reject": _on_case(S.SUBMITTED, "street", {"reason": "不属于受理范围"}),
    "merge": _merge,
    "split": _on_case(S.SUBMITTED, "street", {"parts": "路灯不亮\n井盖缺失", "reason": "两个问题"}),
    "self_handle": _on_case(S.TRIAGED, "street", level=Level.SIMPLE),
    "call": _on_case(S.TRIAGED, "street"),
    "hub_dispatch": _on_case(S.TRIAGED, "hub", level=Level.COMPLEX),
    "leader_dispatch": _on_case(S.TRIAGED, "leader", level=Level.MAJOR),
    "add_co_handler": lambda w: Step(
        "hub", _hub_case(w), {"department_ids": [w.departments["jt"].pk]}
    ),
    "complete_self": _on_case(S.SELF_HANDLING, "street", {"result": "已清理"}),
    "escalate": _on_case(S.SELF_HANDLING, "street", {"reason": "网格处理不了"}),
    "escalate_to_hub": _self_at_street,
    "urge": _on_case(S.IN_PROGRESS, "hub"),
    "supervise": _on_case(S.IN_PROGRESS, "hub_sup"),
    "suspend": _on_case(S.IN_PROGRESS, "hub", {"reason": "等待产权认定"}),
    "resume": _on_case(S.SUSPENDED, "hub"),
    "verify_pass": _on_case(S.VERIFYING, "street"),
    "rework": _on_case(S.VERIFYING, "street", {"reason": "灯仍不亮"}),
    "rework_self": _self_verifying,
    "follow_up": _on_case(S.FOLLOW_UP, "street", {"satisfaction": "satisfied"}),
    "reopen": _dissatisfied,
    "archive": _on_case(S.CLOSED, "hub"),
    "attach": _attach,
    # 上报先到网格员
    "grid_handle": _on_case(S.AT_GRID, "grid_worker"),
    "grid_merge": _grid_merge,
    "raise_to_community": _on_case(S.AT_GRID, "grid_worker", {"note": "需社区协调"}),
    "raise_to_street": _on_case(S.AT_GRID, "grid_worker", {"note": "需部门处理"}),
    "grid_settle": _on_case(S.AT_GRID, "grid_worker", {"result": "已清理"}),
    # one submit, two steps
    "triage_call": lambda w: Step("street", submit(w), {"item_id": w.items[Level.GENERAL].pk}),
    "triage_dispatch": lambda w: Step("hub", submit(w), {"item_id": w.items[Level.COMPLEX].pk}),
    # assignment actions
    "assignment.report_in": _on_assignment("dept_cg", {"note": "已到现场"}),
    "assignment.accept": _on_assignment("dept_cg", {}, "report_in"),
    "assignment.request_return": _on_assignment("dept_cg", {"reason": "不属本部门职责"}),
    "assignment.uphold_return": _on_assignment("hub", {}, "request_return"),
    "assignment.refuse_return": _on_assignment("hub", {"reason": "属于职责"}, "request_return"),
    "assignment.request_extension": _extension,
    "assignment.approve_extension": _on_assignment(
        "hub", {}, "report_in", "accept", "request_extension"
    ),
    "assignment.deny_extension": _on_assignment(
        "hub", {"reason": "时限足够"}, "report_in", "accept", "request_extension"
    ),
    "assignment.post_progress": _on_assignment("dept_cg", {"note": "配件已到"}, "report_in"),
    "assignment.submit_result": _on_assignment(
        "dept_cg", {"result": "已更换灯泡"}, "report_in", "accept"
    ),
    "assignment.withdraw": _on_assignment("hub", {"reason": "派错部门"}),
}


def _rule(full_name: str) -> rules.Rule | rules.Combined:
    combined = [c for c in rules.COMBINED_ACTIONS if c.action == full_name]
    if combined:
        return combined[0]
    if full_name.startswith(rules.ASSIGNMENT_PREFIX):
        name = full_name.removeprefix(rules.ASSIGNMENT_PREFIX)
        return next(r for r in rules.ASSIGNMENT_RULES if r.action == name)
    return next(r for r in rules.CASE_RULES if r.action == full_name)


def test_every_action_a_person_may_take_has_a_walk() -> None:
    by_people = {r.action for r in rules.CASE_RULES if r.roles - {rules.SYSTEM}} | {
        rules.assignment_action(r.action)
        for r in rules.ASSIGNMENT_RULES
        if r.roles - {rules.SYSTEM}
    }
    by_people |= {c.action for c in rules.COMBINED_ACTIONS}
    with_a_page = set(CASE_ACTIONS) | {rules.assignment_action(a) for a in ASSIGNMENT_ACTIONS}
    assert with_a_page == by_people - THROUGH_THE_CASE - AT_INTAKE - AT_A_MEETING
    assert set(SCENARIOS) == with_a_page


def _post(client: Client, step: Step, full_name: str) -> Any:
    if isinstance(step.target, Assignment):
        name = full_name.removeprefix(rules.ASSIGNMENT_PREFIX)
        prefix, url = f"a{step.target.pk}-{name}", f"/cases/assignments/{step.target.pk}/act/{name}"
    else:
        prefix, url = f"c-{full_name}", f"/cases/{step.target.pk}/act/{full_name}"
    body = {f"{prefix}-{k}": v for k, v in step.data.items()}
    body[f"{prefix}-expected_version"] = step.target.version
    return client.post(url, body, follow=True)


MESSAGE = re.compile(r'<ul class="messages"><li class="success">(.*?)</li>')
CJK = re.compile(r"[\u3400-\u9fff]")


@pytest.mark.parametrize("language", ["zh-hans", "en"])
@pytest.mark.parametrize("full_name", sorted(SCENARIOS))
def test_the_confirmation_names_the_action_in_the_pages_language(
    world: World, full_name: str, language: str
) -> None:
    step = SCENARIOS[full_name](world)
    client = Client(headers={"Accept-Language": language})
    client.force_login(world.actor(step.who).user)
    response = _post(client, step, full_name)
    assert response.status_code == 200, response.content.decode()[:2000]
    found = MESSAGE.search(response.content.decode())
    assert found, f"{full_name}: no confirmation"
    message = found.group(1)
    with translation.override(language):
        label = str(_rule(full_name).label)
        assert message == gettext("已{action}").format(action=label)
    if language == "en":
        assert not CJK.search(message), message
    else:
        assert re.fullmatch(r"已[\u4e00-\u9fff]+", message), message
