"""Joint operations and meetings: what they record, what a decision does to a case through
the case services, and what they refuse (with nothing changed)."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from pathlib import Path
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from huying.cases import services as case_services
from huying.cases.models import Case, CaseEvent, CaseState
from huying.cases.tests.helpers import case_in_state, submit
from huying.catalogue.models import Level
from huying.conftest import MONDAY_10AM, World
from huying.coordination import selectors, services
from huying.coordination.models import (
    AgendaKind,
    Decision,
    DecisionKind,
    JointOperation,
    MeetingKind,
)
from huying.core.errors import (
    InvalidInput,
    InvalidTransition,
    NotFound,
    PermissionDenied,
    RuleViolation,
)
from huying.core.tests.images import png

pytestmark = pytest.mark.django_db

DAY = MONDAY_10AM.date()


def _meeting(world: World, who: str = "street", kind: str = MeetingKind.WEEKLY, day: date = DAY):
    return services.meeting_create(
        actor=world.actor(who), kind=kind, held_on=day, now=MONDAY_10AM + (day - DAY)
    )


def _theirs(world: World, level: int = Level.COMPLEX) -> Case:
    """A case of street 2, triaged by it."""
    case = submit(world, grid=2)
    case_services.case_triage(
        actor=world.actor("street_b"),
        case_id=case.pk,
        item_id=world.items[level].pk,
        now=MONDAY_10AM,
    )
    return Case.objects.get(pk=case.pk)


def _trail(case: Case) -> list[CaseEvent]:
    return list(CaseEvent.objects.filter(case=case).order_by("seq"))


def test_agenda_is_drafted_from_the_organisers_scope(world: World) -> None:
    mine = case_in_state(world, CaseState.TRIAGED, level=Level.COMPLEX)
    theirs = _theirs(world)
    meeting = _meeting(world)
    items = list(meeting.items.all())
    assert [(i.kind, i.case_id) for i in items if i.case_id] == [(AgendaKind.MAJOR, mine.pk)]
    assert theirs.pk not in {i.case_id for i in items}
    assert meeting.organiser == world.streets[0]


def test_a_decision_assigns_through_the_call_and_marks_the_trail(world: World) -> None:
    case = case_in_state(world, CaseState.TRIAGED)
    meeting = _meeting(world)
    dept = world.departments["cg"]
    decision = services.meeting_decide(
        actor=world.actor("street"),
        meeting_id=meeting.pk,
        case_id=case.pk,
        kind=DecisionKind.ASSIGN,
        lead_id=dept.pk,
        reason="城管牵头",
        now=MONDAY_10AM,
    )
    case.refresh_from_db()
    assert case.state == CaseState.IN_PROGRESS
    assert [a.department_id for a in case.assignments.all()] == [dept.pk]
    note, call = _trail(case)[-2:]
    assert note.action == "meeting.decide" and "城管局" in note.reason
    assert call.action == "call"
    assert call.after["basis"] == {
        "kind": "meeting",
        "ref": str(meeting.pk),
        "title": meeting.title,
    }
    assert decision.lead == dept


def test_a_decision_on_a_case_outside_the_scope_is_refused_and_changes_nothing(
    world: World,
) -> None:
    case = _theirs(world, Level.GENERAL)  # street 2's
    meeting = _meeting(world)
    version = case.version
    with pytest.raises(NotFound):
        services.meeting_decide(
            actor=world.actor("street"),
            meeting_id=meeting.pk,
            case_id=case.pk,
            kind=DecisionKind.ASSIGN,
            lead_id=world.departments["cg"].pk,
            now=MONDAY_10AM,
        )
    case.refresh_from_db()
    assert (case.state, case.version) == (CaseState.TRIAGED, version)
    assert not Decision.objects.exists()


def test_only_the_organiser_decides(world: World) -> None:
    case = _theirs(world, Level.GENERAL)
    meeting = _meeting(world)
    with pytest.raises(NotFound):  # another street's meeting is out of its scope
        services.meeting_decide(
            actor=world.actor("street_b"),
            meeting_id=meeting.pk,
            case_id=case.pk,
            kind=DecisionKind.DEADLINE,
            deadline=DAY,
        )
    hub_meeting = _meeting(world, "hub", MeetingKind.QUARTERLY)
    with pytest.raises(PermissionDenied):  # in scope, not the organiser
        services.agenda_add(actor=world.actor("leader"), meeting_id=hub_meeting.pk, text="x")
    assert not Decision.objects.exists()


def test_the_rules_table_still_decides_who_may_do_what(world: World) -> None:
    """A street meeting cannot 挂账 (only the hub may): the whole decision is refused."""
    case = case_in_state(world, CaseState.IN_PROGRESS)
    meeting = _meeting(world)
    events = len(_trail(case))
    with pytest.raises(PermissionDenied):
        services.meeting_decide(
            actor=world.actor("street"),
            meeting_id=meeting.pk,
            case_id=case.pk,
            kind=DecisionKind.UNSOLVABLE,
            reason="产权不明",
            now=MONDAY_10AM,
        )
    case.refresh_from_db()
    assert case.state == CaseState.IN_PROGRESS and len(_trail(case)) == events
    assert not Decision.objects.exists()


def test_the_quarterly_meeting_suspends_a_case_as_unsolvable(world: World) -> None:
    case = case_in_state(world, CaseState.IN_PROGRESS)
    meeting = _meeting(world, "hub", MeetingKind.QUARTERLY)
    services.meeting_decide(
        actor=world.actor("hub"),
        meeting_id=meeting.pk,
        case_id=case.pk,
        kind=DecisionKind.UNSOLVABLE,
        reason="产权不明，待区里统筹",
        now=MONDAY_10AM,
    )
    case.refresh_from_db()
    assert case.state == CaseState.SUSPENDED
    assert _trail(case)[-1].after["basis"]["kind"] == "meeting"


def test_hub_meeting_adds_co_handlers_to_a_case_with_departments(world: World) -> None:
    case = case_in_state(world, CaseState.TRIAGED, level=Level.COMPLEX)
    meeting = _meeting(world, "hub", MeetingKind.QUARTERLY)
    services.meeting_decide(
        actor=world.actor("hub"),
        meeting_id=meeting.pk,
        case_id=case.pk,
        kind=DecisionKind.ASSIGN,
        lead_id=world.departments["sw"].pk,
        co_ids=[world.departments["hb"].pk],
        now=MONDAY_10AM,
    )
    roles = {(a.department_id, a.role) for a in Case.objects.get(pk=case.pk).assignments.all()}
    assert roles == {(world.departments["sw"].pk, "lead"), (world.departments["hb"].pk, "co")}


def test_escalating_a_self_handled_case(world: World) -> None:
    case = case_in_state(world, CaseState.SELF_HANDLING)
    meeting = _meeting(world)
    services.meeting_decide(
        actor=world.actor("street"),
        meeting_id=meeting.pk,
        case_id=case.pk,
        kind=DecisionKind.ESCALATE,
        reason="街道解决不了",
        now=MONDAY_10AM,
    )
    tier = case.tier
    case.refresh_from_db()
    assert case.tier != tier
    last = _trail(case)[-1]
    assert last.action.startswith("escalate") and last.after["basis"]["kind"] == "meeting"


@pytest.mark.parametrize(
    ("kind", "extra", "field"),
    [
        ("nonsense", {}, "kind"),
        (DecisionKind.DEADLINE, {}, "deadline"),
        (DecisionKind.DEADLINE, {"deadline": DAY - timedelta(days=1)}, "deadline"),
        (DecisionKind.UNSOLVABLE, {"reason": "  "}, "reason"),
        (DecisionKind.ASSIGN, {}, "lead_id"),
        (DecisionKind.ASSIGN, {"lead_id": -1}, "co_ids"),
    ],
)
def test_bad_decisions_are_refused(world: World, kind: str, extra: dict, field: str) -> None:
    case = case_in_state(world, CaseState.TRIAGED)
    meeting = _meeting(world)
    with pytest.raises(InvalidInput) as refused:
        services.meeting_decide(
            actor=world.actor("street"), meeting_id=meeting.pk, case_id=case.pk, kind=kind, **extra
        )
    assert refused.value.details["field"] == field
    assert Case.objects.get(pk=case.pk).version == case.version


def test_open_decisions_come_back_at_the_next_meeting_of_the_same_kind(world: World) -> None:
    case = case_in_state(world, CaseState.IN_PROGRESS)
    first = _meeting(world)
    services.meeting_decide(
        actor=world.actor("street"),
        meeting_id=first.pk,
        case_id=case.pk,
        kind=DecisionKind.DEADLINE,
        deadline=DAY + timedelta(days=5),
        now=MONDAY_10AM,
    )
    assert [e.action for e in _trail(Case.objects.get(pk=case.pk))[-2:]] == [
        "meeting.decide",
        "set_deadline",
    ]
    nxt = _meeting(world, day=DAY + timedelta(days=7))
    monthly = _meeting(world, kind=MeetingKind.MONTHLY, day=DAY + timedelta(days=7))
    follow = [i for i in nxt.items.all() if i.kind == AgendaKind.FOLLOW_UP]
    assert [i.case_id for i in follow] == [case.pk]
    assert first.title in follow[0].text
    assert not monthly.items.filter(kind=AgendaKind.FOLLOW_UP).exists()
    assert list(selectors.open_decisions(nxt).values_list("case_id", flat=True)) == [case.pk]


def test_the_organiser_edits_the_agenda(world: World) -> None:
    street = world.actor("street")
    meeting = _meeting(world)
    case = submit(world)
    a = services.agenda_add(actor=street, meeting_id=meeting.pk, text="夜市占道整治")
    b = services.agenda_add(actor=street, meeting_id=meeting.pk, text="", case_id=case.pk)
    assert b.text.startswith(case.number)
    with pytest.raises(InvalidInput):  # once is enough
        services.agenda_add(actor=street, meeting_id=meeting.pk, text="", case_id=case.pk)
    services.agenda_move(actor=street, meeting_id=meeting.pk, item_id=b.pk, offset=-1)
    assert [i.pk for i in meeting.items.all()][-2:] == [b.pk, a.pk]
    services.agenda_remove(actor=street, meeting_id=meeting.pk, item_id=a.pk)
    assert not meeting.items.filter(pk=a.pk).exists()
    with pytest.raises(InvalidInput):
        services.agenda_add(actor=street, meeting_id=meeting.pk, text=" ")
    with pytest.raises(NotFound):
        services.agenda_add(
            actor=street, meeting_id=meeting.pk, text="", case_id=submit(world, grid=2).pk
        )


def test_a_street_cannot_hold_the_quarterly_meeting(world: World) -> None:
    with pytest.raises(PermissionDenied):
        _meeting(world, kind=MeetingKind.QUARTERLY)
    with pytest.raises(PermissionDenied):
        _meeting(world, "hub", MeetingKind.WEEKLY)


def _operation(world: World, **extra: object) -> JointOperation:
    values: dict[str, object] = {
        "actor": world.actor("street"),
        "title": "夜市占道经营联合整治",
        "problem": "占道经营",
        "held_on": DAY,
        "place": "建设路",
        "unit_ids": [world.departments["cg_unit"].pk, world.departments["jt"].pk],
        "results": "劝离摊贩 12 处",
        "now": MONDAY_10AM,
    }
    return services.operation_create(**(values | extra))  # type: ignore[arg-type]


def test_a_joint_operation_lands_in_the_linked_cases_trails(world: World) -> None:
    one, two = submit(world), case_in_state(world, CaseState.IN_PROGRESS)
    op = _operation(world, case_ids=[one.pk, two.pk])
    assert set(op.cases.all()) == {one, two}
    for case in (one, two):
        last = _trail(case)[-1]
        assert last.action == "joint_operation.link" and "劝离摊贩" in last.reason
        assert Case.objects.get(pk=case.pk).state == case.state
    services.operation_link_cases(
        actor=world.actor("street"), operation_id=op.pk, case_ids=[one.pk]
    )
    assert len([e for e in _trail(one) if e.action == "joint_operation.link"]) == 1


def test_a_joint_operation_refuses_bad_input_and_changes_nothing(world: World) -> None:
    other = submit(world, grid=2)
    with pytest.raises(NotFound):
        _operation(world, case_ids=[other.pk])
    with pytest.raises(InvalidInput):
        _operation(world, unit_ids=[world.streets[0].pk])  # not a stationed unit
    with pytest.raises(InvalidInput):
        _operation(world, held_on=DAY + timedelta(days=1))
    with pytest.raises(InvalidInput):
        _operation(world, lat=30.6)
    with pytest.raises(PermissionDenied):
        _operation(world, actor=world.actor("dept_cg"))
    assert not JointOperation.objects.exists()
    assert len(_trail(other)) == 1


def test_photos_of_the_results_are_the_organisers_to_add(
    world: World, tmp_path: Path, settings: Any
) -> None:
    settings.MEDIA_ROOT = tmp_path
    op = _operation(world)
    photo = SimpleUploadedFile("整治后.png", png(), content_type="image/png")
    services.operation_add_photos(actor=world.actor("street"), operation_id=op.pk, files=[photo])
    [stored] = op.photos.all()
    assert (stored.name, stored.content_type) == ("整治后.png", "image/png")
    assert Path(stored.file.path).exists()
    # The hub reads the operation but did not organise it; another street does not see it;
    # a file that is not a photo refuses the upload. None stores anything.
    for who, error in (("hub", PermissionDenied), ("street_b", NotFound)):
        photo.seek(0)
        with pytest.raises(error):
            services.operation_add_photos(actor=world.actor(who), operation_id=op.pk, files=[photo])
    photo.seek(0)
    fake = SimpleUploadedFile("b.png", b"<html>", content_type="image/png")
    with pytest.raises(InvalidInput):
        services.operation_add_photos(
            actor=world.actor("street"), operation_id=op.pk, files=[photo, fake]
        )
    with pytest.raises(InvalidInput):
        services.operation_add_photos(actor=world.actor("street"), operation_id=op.pk, files=[])
    assert op.photos.count() == 1
    assert list((tmp_path / "coordination" / str(op.pk)).iterdir()) == [Path(stored.file.path)]


def test_operations_are_read_in_scope(world: World) -> None:
    op = _operation(world)
    assert selectors.operation_get(world.actor("hub"), op.pk) == op
    with pytest.raises(NotFound):
        selectors.operation_get(world.actor("street_b"), op.pk)
    with pytest.raises(NotFound):
        selectors.operation_get(world.actor("dept_cg"), op.pk)


def test_a_decision_on_an_ended_case_is_refused(world: World) -> None:
    case = case_in_state(world, CaseState.CLOSED)
    meeting = _meeting(world)
    with pytest.raises(InvalidInput):
        services.meeting_decide(
            actor=world.actor("street"),
            meeting_id=meeting.pk,
            case_id=case.pk,
            kind=DecisionKind.DEADLINE,
            deadline=DAY,
        )


def test_rule_violations_surface(world: World) -> None:
    """An L2 case the street calls may not get co-handlers from the street: refused whole."""
    case = case_in_state(world, CaseState.TRIAGED)
    meeting = _meeting(world)
    with pytest.raises((PermissionDenied, RuleViolation)):
        services.meeting_decide(
            actor=world.actor("street"),
            meeting_id=meeting.pk,
            case_id=case.pk,
            kind=DecisionKind.ASSIGN,
            lead_id=world.departments["cg"].pk,
            co_ids=[world.departments["jt"].pk],
            now=MONDAY_10AM,
        )
    assert Case.objects.get(pk=case.pk).state == CaseState.TRIAGED


def _end_of(day: date) -> datetime:
    return timezone.make_aware(datetime.combine(day, time(23, 59, 59)))


def test_a_deadline_decision_moves_the_departments_handling_deadline(world: World) -> None:
    case = case_in_state(world, CaseState.IN_PROGRESS)
    [assignment] = case.assignments.all()
    services.meeting_decide(
        actor=world.actor("street"),
        meeting_id=_meeting(world).pk,
        case_id=case.pk,
        kind=DecisionKind.DEADLINE,
        deadline=date(2026, 3, 20),
        reason="城管加快办理",
        now=MONDAY_10AM,
    )
    assignment.refresh_from_db()
    assert assignment.handle_due_at == _end_of(date(2026, 3, 20))
    last = _trail(case)[-1]
    assert last.action == "set_deadline" and last.after["basis"]["kind"] == "meeting"
    assert last.reason == "城管加快办理"


def test_a_deadline_decision_on_a_working_assignment_moves_its_live_clock(world: World) -> None:
    case = case_in_state(world, CaseState.IN_PROGRESS)
    [assignment] = case.assignments.all()
    case_services.assignment_report_in(
        actor=world.actor("dept_cg"), assignment_id=assignment.pk, now=MONDAY_10AM
    )
    services.meeting_decide(
        actor=world.actor("hub"),
        meeting_id=_meeting(world, "hub", MeetingKind.QUARTERLY).pk,
        case_id=case.pk,
        kind=DecisionKind.DEADLINE,
        deadline=date(2026, 3, 27),
        now=MONDAY_10AM,
    )
    assignment.refresh_from_db()
    until = _end_of(date(2026, 3, 27))
    assert (assignment.handle_due_at, assignment.due_at) == (until, until)
    assert assignment.warn_at is not None and assignment.warn_at < until


def test_a_deadline_decision_on_a_case_the_street_handles_moves_its_own_clock(
    world: World,
) -> None:
    case = case_in_state(world, CaseState.SELF_HANDLING)
    services.meeting_decide(
        actor=world.actor("street"),
        meeting_id=_meeting(world).pk,
        case_id=case.pk,
        kind=DecisionKind.DEADLINE,
        deadline=date(2026, 3, 18),
        now=MONDAY_10AM,
    )
    case.refresh_from_db()
    assert case.due_at == _end_of(date(2026, 3, 18))


def test_a_deadline_for_a_case_nobody_handles_yet_is_refused_whole(world: World) -> None:
    case = case_in_state(world, CaseState.TRIAGED)
    events = len(_trail(case))
    with pytest.raises(InvalidTransition):
        services.meeting_decide(
            actor=world.actor("street"),
            meeting_id=_meeting(world).pk,
            case_id=case.pk,
            kind=DecisionKind.DEADLINE,
            deadline=date(2026, 3, 18),
            now=MONDAY_10AM,
        )
    assert len(_trail(case)) == events
    assert not Decision.objects.exists()


def test_an_assignment_with_a_deadline_dispatches_then_sets_it(world: World) -> None:
    case = case_in_state(world, CaseState.TRIAGED)
    services.meeting_decide(
        actor=world.actor("street"),
        meeting_id=_meeting(world).pk,
        case_id=case.pk,
        kind=DecisionKind.ASSIGN,
        lead_id=world.departments["cg"].pk,
        deadline=date(2026, 3, 25),
        now=MONDAY_10AM,
    )
    [assignment] = Case.objects.get(pk=case.pk).assignments.all()
    assert assignment.handle_due_at == _end_of(date(2026, 3, 25))
    # Still to report in: the report-in clock stays the live one.
    assert assignment.due_at == assignment.report_in_due_at
    assert [e.action for e in _trail(case)[-3:]] == ["meeting.decide", "call", "set_deadline"]
