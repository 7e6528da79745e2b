"""全程跟踪 tracking: the department's side of an assignment, and the hub's urging,
supervision and suspension."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from django.core.files.uploadedfile import UploadedFile
from django.utils import timezone
from django.utils.text import format_lazy
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from huying.cases import rules
from huying.cases.models import (
    Assignment,
    AssignmentState,
    Case,
    CaseState,
    Route,
)
from huying.cases.services.engine import (
    NO_CLOCK,
    assignment_step,
    calendar,
    case_step,
    check_files,
    clock,
    current_round,
    now_or,
    resume_clock,
    run,
    run_assignment,
    settle_round,
    tell,
    tell_department,
    tell_hub,
    tell_street,
)
from huying.core.errors import InvalidInput
from huying.org.actors import Actor
from huying.org.models import Role

S = CaseState
A = AssignmentState


def _handling_clock(case: Case, a: Assignment) -> dict[str, Any]:
    """After report-in the handling deadline (set at dispatch) becomes the live clock."""
    unit = clock(case, "handling", a.dispatched_at).unit
    due = a.handle_due_at
    warn = calendar().warn_at(a.dispatched_at, due, unit) if due else None
    return {"due_at": due, "warn_at": warn, "clock_unit": unit, "paused_remaining": None}


def assignment_report_in(
    *,
    actor: Actor,
    assignment_id: int,
    note: str = "",
    now: datetime | None = None,
    expected_version: int | None = None,
) -> Assignment:
    """报到: the department acknowledges and shows up; timed against the report-in limit."""
    now = now_or(now)

    def body(case: Case, a: Assignment) -> Assignment:
        assignment_step(
            case,
            a,
            actor,
            "report_in",
            now=now,
            reason=note,
            fields=lambda: {"reported_in_at": now, **_handling_clock(case, a)},
        )
        return a

    return run_assignment(actor, assignment_id, expected_version, body)


def assignment_accept(
    *,
    actor: Actor,
    assignment_id: int,
    note: str = "",
    now: datetime | None = None,
    expected_version: int | None = None,
) -> Assignment:
    now = now_or(now)

    def body(case: Case, a: Assignment) -> Assignment:
        assignment_step(case, a, actor, "accept", now=now, reason=note)
        return a

    return run_assignment(actor, assignment_id, expected_version, body)


def assignment_request_return(
    *,
    actor: Actor,
    assignment_id: int,
    reason: str,
    now: datetime | None = None,
    expected_version: int | None = None,
) -> Assignment:
    """退回: the department says the call was misrouted; the clock stops while the hub rules."""
    now = now_or(now)

    def body(case: Case, a: Assignment) -> Assignment:
        assignment_step(
            case,
            a,
            actor,
            "request_return",
            now=now,
            reason=reason,
            fields=lambda: {
                "return_reason": reason.strip()[:500],
                "return_from": a.state,
                "paused_remaining": (
                    calendar().remaining(now, a.due_at, a.clock_unit) if a.due_at else None
                ),
            },
        )
        tell_hub(
            case,
            "return_requested",
            format_lazy(gettext_lazy("部门申请退回：{reason}"), reason=reason.strip()[:60]),
            now,
            roles=[Role.HUB_DISPATCHER],
        )
        return a

    return run_assignment(actor, assignment_id, expected_version, body)


def assignment_rule_return(
    *,
    actor: Actor,
    assignment_id: int,
    uphold: bool,
    reason: str = "",
    now: datetime | None = None,
    expected_version: int | None = None,
) -> Assignment:
    """The hub rules on a return. Upheld: the caller's call counts as misrouted and a lead
    return sends the case back for re-routing. Refused: back to handling, clock resumes."""
    now = now_or(now)

    def body(case: Case, a: Assignment) -> Assignment:
        if uphold:
            assignment_step(
                case,
                a,
                actor,
                "uphold_return",
                now=now,
                reason=reason,
                fields={"return_upheld": True, **NO_CLOCK},
            )
            settle_round(case, now)
        else:

            def resumed() -> dict[str, Any]:
                fields: dict[str, Any] = {"return_upheld": False, "paused_remaining": None}
                if a.paused_remaining is not None and a.due_at is not None:
                    due, warn = resume_clock(calendar(), now, a)
                    fields |= {"due_at": due, "warn_at": warn}
                    restarted = (
                        "report_in_due_at"
                        if a.return_from == A.AWAITING_REPORT_IN
                        else "handle_due_at"
                    )
                    fields[restarted] = due
                return fields

            assignment_step(case, a, actor, "refuse_return", now=now, reason=reason, fields=resumed)
            tell_department(
                a,
                case,
                "return_refused",
                format_lazy(
                    gettext_lazy("退回申请未获同意，请继续办理：{reason}"),
                    reason=reason.strip()[:60],
                ),
                now,
            )
        return a

    return run_assignment(actor, assignment_id, expected_version, body)


def assignment_request_extension(
    *,
    actor: Actor,
    assignment_id: int,
    until: datetime,
    reason: str,
    now: datetime | None = None,
    expected_version: int | None = None,
) -> Assignment:
    now = now_or(now)

    def body(case: Case, a: Assignment) -> Assignment:
        if a.handle_due_at and until <= a.handle_due_at:
            raise InvalidInput(_("延期后的时限须晚于当前办理时限"), field="until")
        assignment_step(
            case,
            a,
            actor,
            "request_extension",
            now=now,
            reason=reason,
            fields={"extension_requested_until": until, "extension_reason": reason.strip()[:500]},
        )
        tell_hub(
            case,
            "extension_requested",
            format_lazy(
                gettext_lazy("部门申请延期至 {until}"),
                until=f"{timezone.localtime(until):%Y-%m-%d %H:%M}",
            ),
            now,
            roles=[Role.HUB_DISPATCHER],
        )
        return a

    return run_assignment(actor, assignment_id, expected_version, body)


def assignment_rule_extension(
    *,
    actor: Actor,
    assignment_id: int,
    approve: bool,
    reason: str = "",
    now: datetime | None = None,
    expected_version: int | None = None,
) -> Assignment:
    """延期 approved by the hub: the handling deadline moves to the date asked for."""
    now = now_or(now)

    def body(case: Case, a: Assignment) -> Assignment:
        if approve:

            def moved() -> dict[str, Any]:
                until = a.extension_requested_until
                fields: dict[str, Any] = {
                    "handle_due_at": until,
                    "due_at": until,
                    "extension_requested_until": None,
                    "extension_count": a.extension_count + 1,
                }
                if until is not None:
                    fields["warn_at"] = calendar().warn_at(a.dispatched_at, until, a.clock_unit)
                return fields

            assignment_step(
                case, a, actor, "approve_extension", now=now, reason=reason, fields=moved
            )
            tell_department(a, case, "extension_approved", gettext_lazy("延期申请已批准"), now)
        else:
            assignment_step(
                case,
                a,
                actor,
                "deny_extension",
                now=now,
                reason=reason,
                fields={"extension_requested_until": None},
            )
            tell_department(
                a,
                case,
                "extension_denied",
                format_lazy(gettext_lazy("延期申请未批准：{reason}"), reason=reason.strip()[:60]),
                now,
            )
        return a

    return run_assignment(actor, assignment_id, expected_version, body)


def assignment_post_progress(
    *,
    actor: Actor,
    assignment_id: int,
    note: str,
    files: Sequence[UploadedFile] = (),
    now: datetime | None = None,
    expected_version: int | None = None,
) -> Assignment:
    now = now_or(now)
    if not note.strip():
        raise InvalidInput(_("请填写进展情况"), field="note")
    checked = check_files(files)

    def body(case: Case, a: Assignment) -> Assignment:
        assignment_step(case, a, actor, "post_progress", now=now, reason=note, files=checked)
        return a

    return run_assignment(actor, assignment_id, expected_version, body)


def assignment_submit_result(
    *,
    actor: Actor,
    assignment_id: int,
    result: str,
    files: Sequence[UploadedFile] = (),
    now: datetime | None = None,
    expected_version: int | None = None,
) -> Assignment:
    """办结反馈 with evidence. When the last department is done the case waits for verification."""
    now = now_or(now)
    if not result.strip():
        raise InvalidInput(_("请填写办理结果"), field="result")
    checked = check_files(files)

    def body(case: Case, a: Assignment) -> Assignment:
        assignment_step(
            case,
            a,
            actor,
            "submit_result",
            now=now,
            reason=result,
            files=checked,
            fields={"result_at": now, "result_text": result.strip(), **NO_CLOCK},
        )
        settle_round(case, now)
        return a

    return run_assignment(actor, assignment_id, expected_version, body)


def assignment_withdraw(
    *,
    actor: Actor,
    assignment_id: int,
    reason: str,
    now: datetime | None = None,
    expected_version: int | None = None,
) -> Assignment:
    now = now_or(now)

    def body(case: Case, a: Assignment) -> Assignment:
        assignment_step(case, a, actor, "withdraw", now=now, reason=reason, fields=dict(NO_CLOCK))
        settle_round(case, now)
        return a

    return run_assignment(actor, assignment_id, expected_version, body)


def active_assignments(case: Case) -> list[Assignment]:
    return list(current_round(case).filter(state__in=rules.ACTIVE_ASSIGNMENT_STATES))


def case_urge(
    *,
    actor: Actor,
    case_id: int,
    note: str = "",
    now: datetime | None = None,
    expected_version: int | None = None,
) -> Case:
    """催办: a recorded nudge to whoever holds the case now."""
    now = now_or(now)

    def body(case: Case) -> Case:
        active = active_assignments(case)
        case_step(
            case,
            actor,
            "urge",
            now=now,
            reason=note,
            fields={"urge_count": case.urge_count + 1},
            extra_after={"assignments": [a.pk for a in active]},
            assignments={a: {"urge_count": a.urge_count + 1} for a in active},
        )
        message = format_lazy(gettext_lazy("催办：{note}"), note=note or case.title)
        for a in active:
            tell_department(a, case, "urged", message, now)
        if case.route == Route.SELF:
            tell_street(case, "urged", message, now)
        return case

    return run(actor, case_id, expected_version, body)


def case_set_deadline(
    *,
    actor: Actor,
    case_id: int,
    until: datetime,
    reason: str,
    now: datetime | None = None,
    expected_version: int | None = None,
) -> Case:
    """A deadline a meeting decided: the departments' handling deadlines (a department still
    to report in keeps its report-in clock and finds the new handling deadline after it), or
    the case's own clock while the street's tiers handle it. An earlier date than today is
    the meeting's to set (minutes entered after the fact): the sweep then finds it overdue."""
    now = now_or(now)

    def body(case: Case) -> Case:
        if case.state == S.SELF_HANDLING:
            unit = case.clock_unit or clock(case, "handling", now).unit
            warn = calendar().warn_at(now, until, unit) if until > now else until
            case_step(
                case,
                actor,
                "set_deadline",
                now=now,
                reason=reason,
                fields={"due_at": until, "warn_at": warn, "paused_remaining": None},
            )
            return case
        active = active_assignments(case)
        if case.state == S.IN_PROGRESS and not active:
            raise InvalidInput(_("没有正在办理的部门，无法设定期限"), field="deadline")
        moved: dict[Assignment, dict[str, Any]] = {}
        for a in active:
            values: dict[str, Any] = {"handle_due_at": until}
            if a.state != A.AWAITING_REPORT_IN:
                unit = a.clock_unit or clock(case, "handling", a.dispatched_at).unit
                warn = calendar().warn_at(a.dispatched_at, until, unit) if until > now else until
                values |= {"due_at": until, "warn_at": warn}
            moved[a] = values
        case_step(
            case,
            actor,
            "set_deadline",
            now=now,
            reason=reason,
            extra_after={"assignments": [a.pk for a in active]},
            assignments=moved,
        )
        message = format_lazy(
            gettext_lazy("办结期限调整为 {until}：{reason}"),
            until=f"{timezone.localtime(until):%Y-%m-%d}",
            reason=reason.strip()[:60],
        )
        for a in active:
            tell_department(a, case, "deadline_set", message, now)
        return case

    return run(actor, case_id, expected_version, body)


def case_supervise(
    *,
    actor: Actor | None,
    case_id: int,
    note: str = "",
    now: datetime | None = None,
    expected_version: int | None = None,
) -> Case:
    """督办: the hub puts the case under supervision; it stays flagged until closed."""
    now = now_or(now)

    def body(case: Case) -> Case:
        supervise(case, actor, note, now)
        return case

    return run(actor, case_id, expected_version, body)


def supervise(case: Case, actor: Actor | None, note: str, now: datetime) -> None:
    """``note``: what a person wrote, or for the system a ``gettext_noop`` text (recorded as
    it is, translated where it is shown or sent)."""
    active = active_assignments(case)
    shown = gettext_lazy(note) if actor is None and note else note or case.title
    case_step(
        case,
        actor,
        "supervise",
        now=now,
        reason=note,
        fields={"supervised": True},
        extra_after={"assignments": [a.pk for a in active]},
        assignments={a: {"supervised": True} for a in active},
    )
    for a in active:
        tell(
            [a.department_id],
            [Role.DEPT_LEADER, Role.DEPT_HANDLER],
            case,
            "supervised",
            format_lazy(gettext_lazy("督办：{note}"), note=shown),
            now,
        )


def case_suspend(
    *,
    actor: Actor,
    case_id: int,
    reason: str,
    now: datetime | None = None,
    expected_version: int | None = None,
) -> Case:
    """挂账: the case waits on something outside anyone's control; every clock pauses."""
    now = now_or(now)

    def body(case: Case) -> Case:
        cal = calendar()
        remaining = cal.remaining(now, case.due_at, case.clock_unit) if case.due_at else None
        paused: dict[str, int] = {}
        stopped: dict[Assignment, dict[str, Any]] = {}
        for a in active_assignments(case):
            if a.due_at and a.paused_remaining is None:
                paused[str(a.pk)] = cal.remaining(now, a.due_at, a.clock_unit)
                stopped[a] = {"paused_remaining": paused[str(a.pk)]}
        case_step(
            case,
            actor,
            "suspend",
            now=now,
            reason=reason,
            fields={"suspended_from": case.state, "paused_remaining": remaining},
            # The trail says which assignment clocks stopped, with the minutes they kept.
            extra_after={"paused_assignments": paused},
            assignments=stopped,
        )
        return case

    return run(actor, case_id, expected_version, body)


def case_resume(
    *,
    actor: Actor,
    case_id: int,
    note: str = "",
    now: datetime | None = None,
    expected_version: int | None = None,
) -> Case:
    """Clocks restart with the time they had left when the case was suspended."""
    now = now_or(now)

    def body(case: Case) -> Case:
        cal = calendar()
        resumed: dict[str, str] = {}
        restarted: dict[Assignment, dict[str, Any]] = {}
        for a in active_assignments(case):
            if a.paused_remaining is None or a.due_at is None:
                continue
            due, warn = resume_clock(cal, now, a)
            resumed[str(a.pk)] = due.isoformat()
            moved: dict[str, Any] = {"due_at": due, "warn_at": warn, "paused_remaining": None}
            if a.state == A.AWAITING_REPORT_IN:
                moved["report_in_due_at"] = due
                if a.handle_due_at:  # the handling limit moves by the same amount
                    moved["handle_due_at"] = a.handle_due_at + (due - a.due_at)
            else:
                moved["handle_due_at"] = due
            restarted[a] = moved
        fields: dict[str, Any] = {"suspended_from": "", "paused_remaining": None}
        if case.paused_remaining is not None and case.due_at is not None:
            fields["due_at"], fields["warn_at"] = resume_clock(cal, now, case)
        case_step(
            case,
            actor,
            "resume",
            now=now,
            reason=note,
            fields=fields,
            extra_after={"resumed_assignments": resumed},
            assignments=restarted,
        )
        return case

    return run(actor, case_id, expected_version, body)
