"""结案备案 closure: verification, follow-up, reopening once, archiving."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from django.core.files.uploadedfile import UploadedFile
from django.utils.text import format_lazy
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from huying.cases import rules
from huying.cases.models import (
    AssignmentState,
    Case,
    Route,
    Satisfaction,
)
from huying.cases.services.engine import (
    NO_CLOCK,
    assignment_step,
    case_clock,
    case_step,
    check_files,
    clock,
    current_round,
    now_or,
    run,
    tell,
    tell_department,
    tell_hub,
    tell_street,
)
from huying.core.errors import InvalidInput
from huying.org.actors import Actor
from huying.org.models import Role
from huying.org.roles import STREET_ROLES

A = AssignmentState


def case_verify(
    *,
    actor: Actor,
    case_id: int,
    passed: bool,
    reason: str = "",
    files: Sequence[UploadedFile] = (),
    now: datetime | None = None,
    expected_version: int | None = None,
) -> Case:
    """核查 by the calling street: pass to follow-up, or send back for rework (counted)."""
    now = now_or(now)
    checked = check_files(files)

    def body(case: Case) -> Case:
        if passed:
            case_step(
                case,
                actor,
                "verify_pass",
                now=now,
                reason=reason,
                files=checked,
                fields=dict(NO_CLOCK),
            )
            if not rules.has_reporter(case):  # 回访 does not apply: closed as it passes
                case_step(case, None, "close_unreported", now=now, fields={"closed_at": now})
                return case
            tell(
                [case.community_id or case.street_id or 0],
                [Role.COMMUNITY_STAFF, *STREET_ROLES],
                case,
                "follow_up",
                format_lazy(gettext_lazy("核查通过，请回访反映人：{title}"), title=case.title),
                now,
            )
            return case
        if case.route == Route.SELF:
            case_step(
                case,
                actor,
                "rework_self",
                now=now,
                reason=reason,
                files=checked,
                fields={
                    "rework_count": case.rework_count + 1,
                    **case_clock(case, "handling", now),
                },
            )
            return case
        done = list(current_round(case).filter(state=A.RESULT_SUBMITTED))
        case_step(
            case,
            actor,
            "rework",
            now=now,
            reason=reason,
            files=checked,
            fields={"rework_count": case.rework_count + 1, **NO_CLOCK},
        )
        for a in done:
            handling = clock(case, "handling", now)
            assignment_step(
                case,
                a,
                None,
                "rework",
                now=now,
                reason=reason,
                fields={
                    "rework_count": a.rework_count + 1,
                    "handle_due_at": handling.due_at,
                    "due_at": handling.due_at,
                    "warn_at": handling.warn_at,
                    "clock_unit": handling.unit,
                    "result_at": None,
                },
            )
            tell_department(
                a,
                case,
                "rework",
                format_lazy(
                    gettext_lazy("核查未通过，请返工：{reason}"), reason=reason.strip()[:60]
                ),
                now,
            )
        return case

    return run(actor, case_id, expected_version, body)


def case_follow_up(
    *,
    actor: Actor,
    case_id: int,
    satisfaction: str,
    note: str = "",
    now: datetime | None = None,
    expected_version: int | None = None,
) -> Case:
    """回访 the reporter; the answer closes the case (a dissatisfied one may be reopened once)."""
    now = now_or(now)
    if satisfaction not in Satisfaction.values:
        raise InvalidInput(_("满意度无效"), field="satisfaction")

    def body(case: Case) -> Case:
        case_step(
            case,
            actor,
            "follow_up",
            now=now,
            reason=note,
            fields={"satisfaction": satisfaction, "closed_at": now},
        )
        return case

    return run(actor, case_id, expected_version, body)


def case_reopen(
    *,
    actor: Actor,
    case_id: int,
    reason: str,
    now: datetime | None = None,
    expected_version: int | None = None,
) -> Case:
    now = now_or(now)

    def body(case: Case) -> Case:
        case_step(
            case,
            actor,
            "reopen",
            now=now,
            reason=reason,
            fields={
                "reopen_count": case.reopen_count + 1,
                "closed_at": None,
                "route": "",
                "tier": "",
            },
        )
        tell_hub(
            case,
            "reopened",
            format_lazy(gettext_lazy("群众不满意，事件重启：{title}"), title=case.title),
            now,
            roles=[Role.HUB_DISPATCHER],
        )
        tell_street(
            case,
            "reopened",
            format_lazy(gettext_lazy("群众不满意，事件重启：{title}"), title=case.title),
            now,
        )
        return case

    return run(actor, case_id, expected_version, body)


def case_archive(
    *,
    actor: Actor | None,
    case_id: int,
    note: str = "",
    now: datetime | None = None,
    expected_version: int | None = None,
) -> Case:
    now = now_or(now)

    def body(case: Case) -> Case:
        case_step(case, actor, "archive", now=now, reason=note)
        return case

    return run(actor, case_id, expected_version, body)
