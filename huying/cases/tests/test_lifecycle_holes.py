"""The holes found by playing the seed districts' cases through the API (issue #8): each a
state the rules let a case reach and then stranded it, or a rule the table did not enforce.
Each test failed before its rule existed."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.core.files.storage import FileSystemStorage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from huying.cases import services
from huying.cases.models import (
    Assignment,
    AssignmentState,
    Attachment,
    Case,
    CaseEvent,
    CaseState,
)
from huying.cases.queues import department_home
from huying.cases.sweep import sweep_deadlines
from huying.catalogue.models import Level
from huying.catalogue.services import catalogue_draft_create, catalogue_publish
from huying.conftest import MONDAY_10AM, World
from huying.core.errors import InvalidInput, InvalidTransition
from huying.core.tests.images import PNG
from huying.evaluation.indicators import report_measures
from huying.evaluation.periods import Period

from .helpers import case_in_state, submit

A = AssignmentState
S = CaseState
T1 = MONDAY_10AM + timedelta(hours=1)


def _api(world: World, name: str) -> Client:
    client = Client()
    client.force_login(world.actor(name).user)
    return client


def _actions(world: World, name: str, case_id: int) -> list[str]:
    body: dict[str, Any] = _api(world, name).get(f"/api/v1/cases/{case_id}").json()
    return sorted(body["actions"])


def _handling(world: World) -> tuple[Case, Assignment]:
    """A general case the street called 城管 for, reported in and accepted."""
    case = case_in_state(world, S.IN_PROGRESS)
    a = Assignment.objects.get(case=case)
    dept = world.actor("dept_cg")
    services.assignment_report_in(actor=dept, assignment_id=a.pk, now=T1)
    services.assignment_accept(actor=dept, assignment_id=a.pk, now=T1)
    return case, a


# --- 1 and 2: a suspended case waits ----------------------------------------------------------


def test_a_result_cannot_be_submitted_while_the_case_is_suspended(world: World) -> None:
    """Hole 1: the result went in (200), the case stayed suspended, and after resume nothing
    could move it to 待核查."""
    case, a = _handling(world)
    services.case_suspend(actor=world.actor("hub"), case_id=case.pk, reason="产权纠纷", now=T1)
    response = _api(world, "dept_cg").post(
        f"/api/v1/assignments/{a.pk}/result", {"result": "已修复"}, content_type="application/json"
    )
    assert response.status_code == 409, response.content
    assert "挂账" in response.json()["error"]["message"]
    a.refresh_from_db()
    assert a.state == A.HANDLING and a.result_at is None
    services.case_resume(actor=world.actor("hub"), case_id=case.pk, now=T1)
    services.assignment_submit_result(
        actor=world.actor("dept_cg"), assignment_id=a.pk, result="已修复", now=T1
    )
    case.refresh_from_db()
    assert case.state == S.VERIFYING
    assert "verify_pass" in _actions(world, "street", case.pk)


def test_a_report_in_during_suspension_is_refused_and_the_clock_stays_paused(
    world: World,
) -> None:
    """Hole 2: report-in unpaused the clock (``paused: false``, due = handling deadline) and
    every later sweep failed to supervise the suspended case, forever."""
    case = case_in_state(world, S.SUSPENDED)
    a = Assignment.objects.get(case=case)
    paused = a.paused_remaining
    assert paused is not None
    with pytest.raises(InvalidTransition, match="挂账"):
        services.assignment_report_in(actor=world.actor("dept_cg"), assignment_id=a.pk, now=T1)
    a.refresh_from_db()
    assert a.state == A.AWAITING_REPORT_IN and a.paused_remaining == paused
    report = sweep_deadlines(now=MONDAY_10AM + timedelta(days=30))
    assert report.errors == [] and report.overdue_assignments == 0
    # Resume: the report-in clock runs again with the time it had left.
    resumed_at = MONDAY_10AM + timedelta(days=7)  # Tuesday a week later, 10:00
    services.case_resume(actor=world.actor("hub"), case_id=case.pk, now=resumed_at)
    a.refresh_from_db()
    assert a.paused_remaining is None and a.due_at is not None and a.due_at > resumed_at


def test_the_department_is_offered_nothing_on_a_suspended_case(world: World) -> None:
    case, a = _handling(world)
    services.case_suspend(actor=world.actor("hub"), case_id=case.pk, reason="产权纠纷", now=T1)
    page = _api(world, "dept_cg").get(f"/cases/{case.pk}/")
    assert page.status_code == 200
    assert f"/cases/assignments/{a.pk}/act/" not in page.content.decode()


# --- 3: withdrawing the only department -------------------------------------------------------


def test_withdrawing_the_only_department_sends_the_case_back_for_a_new_call(
    world: World,
) -> None:
    """Hole 3: the case stayed 部门处置中 with nobody on it; the street's call and the hub's
    dispatch were refused (409) and adding co-handlers too (422)."""
    case = case_in_state(world, S.IN_PROGRESS)
    a = Assignment.objects.get(case=case)
    services.assignment_withdraw(
        actor=world.actor("hub"), assignment_id=a.pk, reason="派错部门", now=T1
    )
    case.refresh_from_db()
    assert case.state == S.TRIAGED
    assert "call" in _actions(world, "street", case.pk)
    (again,) = services.case_call(
        actor=world.actor("street"),
        case_id=case.pk,
        department_id=world.departments["jt"].pk,
        now=T1,
    )
    assert again.state == A.AWAITING_REPORT_IN
    assert list(CaseEvent.objects.filter(case=case).values_list("action", flat=True))[-3:] == [
        "assignment.withdraw",
        "reroute",
        "call",
    ]


# --- 4: the lead's return ends the round --------------------------------------------------------


def _hub_dispatched(world: World) -> tuple[Case, Assignment, Assignment]:
    case = submit(world, title="河道排水口污染")
    services.case_triage(
        actor=world.actor("hub"), case_id=case.pk, item_id=world.items[Level.COMPLEX].pk
    )
    lead, co = services.case_hub_dispatch(
        actor=world.actor("hub"),
        case_id=case.pk,
        lead_department_id=world.departments["sw"].pk,
        co_department_ids=[world.departments["hb"].pk],
        now=MONDAY_10AM,
    )
    return case, lead, co


def test_an_upheld_lead_return_withdraws_the_co_handlers_so_none_holds_two(
    world: World,
) -> None:
    """Hole 4: after the lead's return was upheld the co-handler kept working on a case
    waiting for dispatch, and the new dispatch gave it a second live assignment."""
    case, lead, co = _hub_dispatched(world)
    hb, sw, hub = world.actor("dept_hb"), world.actor("dept_sw"), world.actor("hub")
    services.assignment_report_in(actor=hb, assignment_id=co.pk, now=T1)
    services.assignment_accept(actor=hb, assignment_id=co.pk, now=T1)
    services.assignment_request_return(actor=sw, assignment_id=lead.pk, reason="非本局", now=T1)
    services.assignment_rule_return(actor=hub, assignment_id=lead.pk, uphold=True, now=T1)
    co.refresh_from_db()
    case.refresh_from_db()
    assert case.state == S.TRIAGED and co.state == A.WITHDRAWN and co.due_at is None
    services.case_hub_dispatch(
        actor=hub,
        case_id=case.pk,
        lead_department_id=world.departments["cg"].pk,
        co_department_ids=[world.departments["hb"].pk],
        now=T1,
    )
    live = Assignment.objects.filter(
        case=case, department=world.departments["hb"], state__in=[A.AWAITING_REPORT_IN]
    )
    assert live.count() == 1
    assert (
        Assignment.objects.filter(case=case, department=world.departments["hb"])
        .exclude(state=A.WITHDRAWN)
        .count()
        == 1
    )


def test_a_department_already_on_the_case_is_not_dispatched_again(world: World) -> None:
    case, lead, co = _hub_dispatched(world)
    hb = world.actor("dept_hb")
    services.assignment_report_in(actor=hb, assignment_id=co.pk, now=T1)
    services.assignment_accept(actor=hb, assignment_id=co.pk, now=T1)
    services.assignment_submit_result(actor=hb, assignment_id=co.pk, result="已监测", now=T1)
    services.assignment_withdraw(
        actor=world.actor("hub"), assignment_id=lead.pk, reason="改派", now=T1
    )
    case.refresh_from_db()
    co.refresh_from_db()
    assert case.state == S.TRIAGED and co.state == A.RESULT_SUBMITTED  # its result stands
    with pytest.raises(InvalidInput, match="生态环境局"):
        services.case_hub_dispatch(
            actor=world.actor("hub"),
            case_id=case.pk,
            lead_department_id=world.departments["cg"].pk,
            co_department_ids=[world.departments["hb"].pk],
            now=T1,
        )
    with pytest.raises(InvalidInput, match="重复"):
        services.case_hub_dispatch(
            actor=world.actor("hub"),
            case_id=case.pk,
            lead_department_id=world.departments["cg"].pk,
            co_department_ids=[world.departments["jt"].pk, world.departments["jt"].pk],
            now=T1,
        )
    assert Assignment.objects.filter(case=case).count() == 2


# --- 5: only the current catalogue -------------------------------------------------------------


def test_triage_takes_only_items_of_the_current_published_catalogue(world: World) -> None:
    """Hole 5: an item of v1 after v2 was published, and of an unpublished draft, were
    accepted (the case took v1's deadline)."""
    admin = world.actor("admin")
    v1_item = world.items[Level.GENERAL]
    v2 = catalogue_draft_create(actor=admin, source=v1_item.klass.catalogue, now=MONDAY_10AM)
    catalogue_publish(catalogue=v2, now=MONDAY_10AM)
    v3 = catalogue_draft_create(actor=admin, source=v2, now=MONDAY_10AM)
    draft_item = v3.classes.get().items.get(code=v1_item.code)
    v2_item = v2.classes.get().items.get(code=v1_item.code)
    case = submit(world)
    street = world.actor("street")
    for stale in (v1_item, draft_item):
        with pytest.raises(InvalidInput, match="现行清单"):
            services.case_triage(actor=street, case_id=case.pk, item_id=stale.pk)
        case.refresh_from_db()
        assert case.state == S.SUBMITTED and case.item_id is None and case.version == 1
    services.case_triage(actor=street, case_id=case.pk, item_id=v2_item.pk)
    case.refresh_from_db()
    assert case.item_id == v2_item.pk


# --- 6: a split report ends as 已拆分 and counts once ------------------------------------------


def test_a_split_report_ends_as_split_and_counts_once(world: World) -> None:
    """Hole 6: the original stayed 待研判 offering triage/reject/merge/split, and one report
    split into four counted as five."""
    case = submit(world, title="小区门口三个问题")
    parts = services.case_split(
        actor=world.actor("street"),
        case_id=case.pk,
        parts=[{"title": "路灯不亮"}, {"title": "井盖缺失"}, {"title": "垃圾堆放"}],
        reason="一次反映三个问题",
        now=T1,
    )
    case.refresh_from_db()
    assert case.state == S.SPLIT and case.closed_at == T1
    assert _actions(world, "street", case.pk) == []
    assert {p.reported_at for p in parts} == {case.reported_at}
    day = Period(MONDAY_10AM - timedelta(hours=10), MONDAY_10AM + timedelta(hours=14))
    measures = report_measures(day)
    assert Case.objects.filter(measures["reports"]).count() == 1
    assert Case.objects.filter(measures["valid_reports"]).count() == 1
    page = _api(world, "street").get(f"/cases/{case.pk}/").content.decode()
    assert all(p.number in page for p in parts)


def test_escalating_a_case_called_to_a_department_is_refused_not_a_server_error(
    world: World,
) -> None:
    """Found beside the seven (and by the attackers' probe): ``escalate`` on a called case
    asked for the tier above '' and raised ValueError (500)."""
    case = case_in_state(world, S.IN_PROGRESS)
    response = _api(world, "street").post(
        f"/api/v1/cases/{case.pk}/escalate", {"reason": "上报"}, content_type="application/json"
    )
    assert response.status_code == 409, response.content
    after = Case.objects.get(pk=case.pk)
    assert (after.state, after.version) == (S.IN_PROGRESS, case.version)


def test_a_refused_step_leaves_no_file_behind(world: World, settings: Any, tmp_path: Any) -> None:
    """Found by the state machine: a refused 办结反馈 with a photo (here: the case is
    suspended) rolled back its rows but left the photo in storage."""
    settings.MEDIA_ROOT = tmp_path
    case, a = _handling(world)
    services.case_suspend(actor=world.actor("hub"), case_id=case.pk, reason="产权纠纷", now=T1)
    photo = SimpleUploadedFile("现场.png", PNG, "image/png")
    with pytest.raises(InvalidTransition):
        services.assignment_submit_result(
            actor=world.actor("dept_cg"), assignment_id=a.pk, result="已修复", files=[photo], now=T1
        )
    assert [p for p in tmp_path.rglob("*") if p.is_file()] == []
    assert not Attachment.objects.exists()


@pytest.mark.parametrize(
    ("query", "found"),
    [
        # A valid ISO 8601 offset: 2026-03-09 21:15 UTC, before the report (03-10 02:00 UTC).
        ("reported_from=2026-03-09T00:00:00-21:15", 1),
        # No offset is the district's local time: 09:00 in Shanghai, before the 10:00 report.
        ("reported_to=2026-03-10T09:00:00", 0),
        ("reported_from=0001-01-01T00:00:00%2B23:59", None),  # before year 1 in UTC: 422
    ],
)
def test_any_iso_offset_is_one_instant_not_a_server_error(
    world: World, query: str, found: int | None
) -> None:
    """Found by the API fuzzer on PostgreSQL (which refuses offsets beyond ±15:59): the
    filter passed the offset on and the database answered with an error (500)."""
    submit(world)
    response = _api(world, "hub").get(f"/api/v1/cases?{query}")
    assert response.status_code == (422 if found is None else 200), response.content
    if found is not None:
        assert len(response.json()["items"]) == found


def test_the_department_workbench_lists_a_suspended_case_apart(world: World) -> None:
    """Its assignments wait on the suspension: not among what to report in or handle now."""
    case, a = _handling(world)
    services.case_suspend(actor=world.actor("hub"), case_id=case.pk, reason="产权纠纷", now=T1)
    home = {q.key: q for q in department_home(world.actor("dept_cg"), T1).queues}
    assert home["handling"].count == 0 and home["report_in"].count == 0
    assert [x.pk for x in home["suspended"].rows] == [a.pk]
    page = _api(world, "dept_cg").get("/").content.decode()
    suspended = page[page.index('id="h-suspended"') :]
    assert "已暂停" in suspended[: suspended.index("</table>")]  # no deadline while paused
    services.case_resume(actor=world.actor("hub"), case_id=case.pk, now=T1)
    home = {q.key: q for q in department_home(world.actor("dept_cg"), T1).queues}
    assert home["suspended"].count == 0 and [x.pk for x in home["handling"].rows] == [a.pk]


def test_a_pending_extension_lapses_when_the_department_stops_working(world: World) -> None:
    """Found by the state machine: an extension asked for, then a return upheld; ruling on
    the stale extension computed a warning time on the cleared clock (ValueError, a 500)
    before the table refused it."""
    _case, a = _handling(world)
    dept, hub = world.actor("dept_cg"), world.actor("hub")
    a.refresh_from_db()
    assert a.handle_due_at is not None
    services.assignment_request_extension(
        actor=dept, assignment_id=a.pk, until=a.handle_due_at + timedelta(days=3), reason="等材料"
    )
    services.assignment_request_return(actor=dept, assignment_id=a.pk, reason="非本局", now=T1)
    a.refresh_from_db()
    assert a.extension_requested_until is None  # nothing left for the hub to rule on
    services.assignment_rule_return(actor=hub, assignment_id=a.pk, uphold=True, now=T1)
    for approve in (True, False):
        with pytest.raises(InvalidTransition):
            services.assignment_rule_extension(
                actor=hub, assignment_id=a.pk, approve=approve, reason="同意", now=T1
            )
    a.refresh_from_db()
    assert a.state == A.RETURNED and a.extension_count == 0


def test_a_refused_step_does_not_even_write_its_files(
    world: World, settings: Any, tmp_path: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Files are stored once the rule has allowed the step, not written and then deleted."""
    settings.MEDIA_ROOT = tmp_path
    case, a = _handling(world)
    services.case_suspend(actor=world.actor("hub"), case_id=case.pk, reason="产权纠纷", now=T1)
    written: list[str] = []
    save = FileSystemStorage._save  # type: ignore[attr-defined]

    def spy(self: FileSystemStorage, name: str, content: Any) -> str:
        written.append(name)
        return save(self, name, content)

    monkeypatch.setattr(FileSystemStorage, "_save", spy)
    photo = SimpleUploadedFile("现场.png", PNG, "image/png")
    with pytest.raises(InvalidTransition):
        services.assignment_submit_result(
            actor=world.actor("dept_cg"), assignment_id=a.pk, result="已修复", files=[photo], now=T1
        )
    with pytest.raises(InvalidTransition):
        services.case_verify(
            actor=world.actor("street"), case_id=case.pk, passed=True, files=[photo], now=T1
        )
    assert written == []
