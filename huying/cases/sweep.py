"""The deadline sweep: due-soon warnings, 即将超期 reminders at the thresholds in settings
(``cases.reminders``), overdue flags (the unit's leader told), automatic escalation.

Idempotent and safe with several workers: each deadline is acted on through a
compare-and-set on ``swept_due_at`` / ``warned_due_at`` (the due date already handled), so a
deadline is escalated once however many sweeps see it, and a moved deadline is seen anew.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from functools import partial

from django.db.models import F, Q
from django.utils.translation import gettext_lazy, gettext_noop

from huying.cases import rules
from huying.cases.models import Assignment, Case, CaseState
from huying.cases.reminders import send_reminders
from huying.cases.services.engine import (
    assignment_step,
    case_step,
    hub_of,
    run,
    tell,
    tell_department,
    tell_hub,
    tell_street,
)
from huying.cases.services.self_handling import escalate
from huying.cases.services.tracking import supervise
from huying.core.errors import CalendarYearMissing, Conflict, DomainError
from huying.org.models import Role
from huying.org.roles import HUB_ROLES

logger = logging.getLogger("huying.calendar")

S = CaseState
UNHANDLED = Q(swept_due_at__isnull=True) | ~Q(swept_due_at=F("due_at"))
UNWARNED = Q(warned_due_at__isnull=True) | ~Q(warned_due_at=F("due_at"))


@dataclass
class SweepReport:
    warned: int = 0
    reminded: int = 0
    overdue_assignments: int = 0
    escalated_cases: int = 0
    overdue_verifications: int = 0
    skipped: int = 0
    errors: list[str] = field(default_factory=list)


def sweep_deadlines(*, now: datetime, batch: int = 1000) -> SweepReport:
    report = SweepReport()
    _warn(now, report, batch)
    report.reminded = send_reminders(now=now, batch=batch)
    live = {"due_at__lt": now, "paused_remaining__isnull": True}
    for pk, case_id in Assignment.objects.filter(
        UNHANDLED, state__in=rules.ACTIVE_ASSIGNMENT_STATES, **live
    ).values_list("pk", "case_id")[:batch]:
        _guarded(
            report,
            partial(_assignment_overdue, pk, case_id, now),
            "overdue_assignments",
        )
    for pk, state in Case.objects.filter(
        UNHANDLED, state__in=[S.SELF_HANDLING, S.VERIFYING], **live
    ).values_list("pk", "state")[:batch]:
        counter = "escalated_cases" if state == S.SELF_HANDLING else "overdue_verifications"
        _guarded(report, partial(_case_overdue, pk, now), counter)
    return report


def _guarded(report: SweepReport, step: Callable[[], bool], counter: str) -> None:
    try:
        done = step()
    except Conflict:
        done = False  # another worker got there first
    except CalendarYearMissing as exc:  # e.g. an escalation's new clock: retried next sweep
        logger.warning("deadline sweep: %s", exc.message)
        report.errors.append(str(exc))
        done = False
    except DomainError as exc:  # a rule refused: the case moved on meanwhile
        report.errors.append(str(exc))
        done = False
    if done:
        setattr(report, counter, getattr(report, counter) + 1)
    else:
        report.skipped += 1


def _assignment_overdue(assignment_id: int, case_id: int, now: datetime) -> bool:
    def body(case: Case) -> bool:
        a = Assignment.objects.filter(
            UNHANDLED, pk=assignment_id, due_at__lt=now, paused_remaining__isnull=True
        ).first()
        if a is None or a.state not in rules.ACTIVE_ASSIGNMENT_STATES:
            return False
        due = a.due_at
        # Recorded in the trail as the source text (gettext_noop), translated where shown.
        if a.state == "awaiting_report_in":
            reason, note = gettext_noop("报到超期"), gettext_noop("报到超期自动督办")
            to_hub, to_department = gettext_lazy("部门报到超期"), gettext_lazy("报到已超期")
        else:
            reason, note = gettext_noop("办理超期"), gettext_noop("办理超期自动督办")
            to_hub, to_department = gettext_lazy("部门办理超期"), gettext_lazy("办理已超期")
        assignment_step(
            case,
            a,
            None,
            "overdue",
            now=now,
            reason=reason,
            fields={"overdue": True, "swept_due_at": a.due_at},
            case_fields={"overdue": True},
        )
        # Escalation for a department: the hub supervises it from now on.
        if not case.supervised:
            supervise(case, None, note, now)
        # The unit's leader is told, with the deadline that ran out.
        tell(hub_of(case), [Role.HUB_SUPERVISOR], case, "overdue", to_hub, now, due_at=due)
        tell([a.department_id], [Role.DEPT_LEADER], case, "overdue", to_department, now, due_at=due)
        return True

    return run(None, case_id, None, body)


def _case_overdue(case_id: int, now: datetime) -> bool:
    def body(case: Case) -> bool:
        if case.due_at is None or case.due_at >= now or case.paused_remaining is not None:
            return False
        if case.swept_due_at == case.due_at:
            return False
        if case.state == S.SELF_HANDLING:
            escalate(case, None, reason=gettext_noop("处置超期，自动上报"), now=now, overdue=True)
        else:
            case_step(
                case,
                None,
                "overdue",
                now=now,
                reason=gettext_noop("核查超期"),
                fields={"overdue": True, "swept_due_at": case.due_at},
            )
            tell_street(case, "overdue", gettext_lazy("核查已超期"), now)
            tell_hub(case, "overdue", gettext_lazy("街道核查超期"), now, roles=HUB_ROLES)
        return True

    return run(None, case_id, None, body)


def _warn(now: datetime, report: SweepReport, batch: int) -> None:
    """Due-soon (≥ 80 % of the limit used): one notice per deadline, no state change."""
    for model in (Assignment, Case):
        rows = model.objects.filter(
            UNWARNED, warn_at__lte=now, due_at__gte=now, paused_remaining__isnull=True
        )
        for pk, due in rows.values_list("pk", "due_at")[:batch]:
            if (
                model.objects.filter(pk=pk, due_at=due).filter(UNWARNED).update(warned_due_at=due)
                != 1
            ):
                continue
            obj = model.objects.select_related("case" if model is Assignment else "district").get(
                pk=pk
            )
            case = obj.case if isinstance(obj, Assignment) else obj
            if isinstance(obj, Assignment):
                tell_department(obj, case, "due_soon", gettext_lazy("即将到期，请抓紧办理"), now)
            else:
                tell_street(case, "due_soon", gettext_lazy("即将到期，请抓紧处置/核查"), now)
            report.warned += 1
