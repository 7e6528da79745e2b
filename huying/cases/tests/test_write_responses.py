"""What a write returns is the case as it now is: an assignment step answers with the
assignments it read with the case and kept current (no second read), and falls back to
reading them when the step wrote others too (a lead's upheld return withdraws the
co-handlers)."""

from __future__ import annotations

from typing import Any

from django.test import Client

from huying.cases import services
from huying.cases.models import Assignment, Case, CaseState
from huying.cases.services import engine
from huying.catalogue.models import Level
from huying.conftest import MONDAY_10AM, World

from .helpers import case_in_state


def _fresh(client: Client, case_id: int) -> list[dict[str, Any]]:
    response = client.get(f"/api/v1/cases/{case_id}")
    assert response.status_code == 200
    return response.json()["assignments"]


def _post(client: Client, url: str, body: dict[str, Any]) -> dict[str, Any]:
    response = client.post(f"/api/v1{url}", body, content_type="application/json")
    assert response.status_code == 200, response.content
    return response.json()


def test_each_assignment_step_answers_with_the_assignments_as_they_now_are(
    world: World,
) -> None:
    case = case_in_state(world, CaseState.TRIAGED, level=Level.COMPLEX)
    services.case_hub_dispatch(
        actor=world.actor("hub"),
        case_id=case.pk,
        co_department_ids=[world.departments["hb"].pk],
        now=MONDAY_10AM,
    )
    lead = Assignment.objects.get(case=case, role="lead")
    co = Assignment.objects.get(case=case, role="co")
    sw, hb, hub = world.client("dept_sw"), world.client("dept_hb"), world.client("hub")
    steps: list[tuple[Client, str, dict[str, Any]]] = [
        (hb, f"/assignments/{co.pk}/report-in", {}),
        (hb, f"/assignments/{co.pk}/accept", {}),
        (sw, f"/assignments/{lead.pk}/report-in", {}),
        (sw, f"/assignments/{lead.pk}/return", {"reason": "不属于本部门职责"}),
        # The hub upholds the lead's return: the round ends, the co-handler still working is
        # withdrawn with it (a write to an assignment the step did not act on).
        (hub, f"/assignments/{lead.pk}/return-ruling", {"uphold": True, "reason": "同意"}),
    ]
    for client, url, body in steps:
        answered = _post(client, url, body)
        assert answered["assignments"] == _fresh(hub, case.pk), url
    states = {a["id"]: a["state"] for a in _fresh(hub, case.pk)}
    assert states == {lead.pk: "returned", co.pk: "withdrawn"}


def test_the_last_result_answers_with_the_case_waiting_for_verification(world: World) -> None:
    case = case_in_state(world, CaseState.IN_PROGRESS)
    a = Assignment.objects.get(case=case)
    dept = world.client("dept_cg")
    for step, body in (("report-in", {}), ("accept", {}), ("result", {"result": "已修复"})):
        answered = _post(dept, f"/assignments/{a.pk}/{step}", body)
    assert answered["state"] == CaseState.VERIFYING
    assert [x["state"] for x in answered["assignments"]] == ["result_submitted"]
    assert answered["assignments"] == _fresh(world.client("hub"), case.pk)


def test_a_step_that_writes_an_assignment_it_did_not_read_with_the_case_reads_them_again(
    world: World,
) -> None:
    """The guard behind the single read: the held list stands only while every assignment
    written is the one acted on (its object is in the list, so it is current)."""
    case = case_in_state(world, CaseState.TRIAGED, level=Level.COMPLEX)
    services.case_hub_dispatch(
        actor=world.actor("hub"),
        case_id=case.pk,
        co_department_ids=[world.departments["hb"].pk],
        now=MONDAY_10AM,
    )
    lead = Assignment.objects.get(case=case, role="lead")
    co = Assignment.objects.get(case=case, role="co")
    seen: dict[str, Any] = {}

    def body(held_case: Case, a: Assignment) -> Assignment:
        engine.assignment_step(held_case, a, sw, "report_in", now=MONDAY_10AM)
        seen["own"] = [x.state for x in engine.known_assignments(held_case) or []]
        sibling = Assignment.objects.get(pk=co.pk)  # not the object read with the case
        engine.assignment_step(
            held_case,
            sibling,
            None,
            "withdraw",
            now=MONDAY_10AM,
            reason="测试",
            fields=engine.NO_CLOCK,
        )
        seen["other"] = engine.known_assignments(held_case)
        return a

    sw = world.actor("dept_sw")
    engine.run_assignment(sw, lead.pk, None, body)
    assert seen["own"] == ["reported_in", "awaiting_report_in"]
    assert seen["other"] is None
