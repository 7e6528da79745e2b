"""分级呼叫 / 派单调度: the street's call (L2), the hub's dispatch (L3, 两次派单) and the
leader's top-down dispatch (L4) create Assignments with their own clocks."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from django.db import transaction
from django.utils.text import format_lazy
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from huying.cases import rules
from huying.cases.models import (
    Assignment,
    AssignmentRole,
    AssignmentState,
    Case,
    Route,
)
from huying.cases.services.engine import (
    NO_CLOCK,
    case_step,
    clock,
    files_kept_only_on_success,
    now_or,
    one_live_assignment_per_department,
    run,
    tell_department,
)
from huying.cases.services.triage import case_triage
from huying.core.errors import InvalidInput
from huying.org.actors import Actor
from huying.org.models import OrgUnit

K = OrgUnit.Kind
A = AssignmentState


def _department(case: Case, unit_id: int | None, fallback: OrgUnit | None) -> OrgUnit:
    """The department (or field unit) named, else the fallback (the item's lead); one of
    the case's district: a district's departments answer only its own cases."""
    unit = fallback
    if unit_id is not None:
        unit = OrgUnit.objects.filter(
            pk=unit_id, kind__in=[K.DEPARTMENT, K.FIELD_UNIT], is_active=True
        ).first()
        if unit is None:
            raise InvalidInput(_("承办部门不存在"), field="department_id")
    if unit is None:
        raise InvalidInput(_("请指定承办部门"), field="department_id")
    if unit.district_id != case.district_id:
        raise InvalidInput(_("承办部门不属于本区"), field="department_id")
    return unit


def _new_assignment(
    case: Case, dept: OrgUnit, role: str, route: str, caller_id: int, now: datetime
) -> Assignment:
    report_in = clock(case, "report_in", now)
    handling = clock(case, "handling", now)
    return Assignment.objects.create(
        case=case,
        department=dept,
        department_path=dept.path,
        role=role,
        route=route,
        caller_id=caller_id,
        state=A.AWAITING_REPORT_IN,
        round=case.reopen_count,
        dispatched_at=now,
        report_in_due_at=report_in.due_at,
        handle_due_at=handling.due_at,
        due_at=report_in.due_at,
        warn_at=report_in.warn_at,
        clock_unit=report_in.unit,
    )


def _dispatch(
    actor: Actor,
    case_id: int,
    expected_version: int | None,
    action: str,
    route: str,
    *,
    lead_id: int | None,
    co_ids: Sequence[int],
    now: datetime,
    note: str,
) -> list[Assignment]:
    """The three routes that send a case to departments differ only in action and route."""

    def body(case: Case) -> list[Assignment]:
        rules.enforce(rules.check_case(case.state, action, actor.role), case, {}, note)
        lead = _department(case, lead_id, case.item.lead_department if case.item else None)
        co = [_department(case, d, None) for d in co_ids]
        if lead.pk in {c.pk for c in co}:
            raise InvalidInput(_("主办部门不能同时为协办部门"), field="co_department_ids")
        one_live_assignment_per_department(case, [lead, *co], field="co_department_ids")
        made = [_new_assignment(case, lead, AssignmentRole.LEAD, route, actor.unit.pk, now)]
        made += [_new_assignment(case, d, AssignmentRole.CO, route, actor.unit.pk, now) for d in co]
        case_step(
            case,
            actor,
            action,
            now=now,
            reason=note,
            fields={"route": route, "tier": "", **NO_CLOCK},
            created=made,
            extra_after={
                "assignments": [
                    {"id": a.pk, "department": a.department_id, "role": a.role} for a in made
                ]
            },
        )
        for a in made:
            message = format_lazy(
                gettext_lazy("{route}（{role}）：{title}，请按时报到"),
                route=Route(route).label,
                role=AssignmentRole(a.role).label,
                title=case.title,
            )
            tell_department(a, case, "dispatched", message, now)
        return made

    return run(actor, case_id, expected_version, body)


def case_call(
    *,
    actor: Actor,
    case_id: int,
    department_id: int | None = None,
    note: str = "",
    now: datetime | None = None,
    expected_version: int | None = None,
) -> list[Assignment]:
    """对口呼叫 (L2): the street calls the matching department directly."""
    return _dispatch(
        actor,
        case_id,
        expected_version,
        "call",
        Route.CALL,
        lead_id=department_id,
        co_ids=(),
        now=now_or(now),
        note=note,
    )


def case_hub_dispatch(
    *,
    actor: Actor,
    case_id: int,
    lead_department_id: int | None = None,
    co_department_ids: Sequence[int] = (),
    note: str = "",
    now: datetime | None = None,
    expected_version: int | None = None,
) -> list[Assignment]:
    """呼应办派单 (L3, and L2 re-routes): a lead first, co-handlers now or later (两次派单)."""
    return _dispatch(
        actor,
        case_id,
        expected_version,
        "hub_dispatch",
        Route.HUB,
        lead_id=lead_department_id,
        co_ids=co_department_ids,
        now=now_or(now),
        note=note,
    )


def case_leader_dispatch(
    *,
    actor: Actor,
    case_id: int,
    lead_department_id: int | None = None,
    co_department_ids: Sequence[int] = (),
    note: str = "",
    now: datetime | None = None,
    expected_version: int | None = None,
) -> list[Assignment]:
    """区领导逆向派单 (L4): top-down, on the emergency clock."""
    return _dispatch(
        actor,
        case_id,
        expected_version,
        "leader_dispatch",
        Route.LEADER,
        lead_id=lead_department_id,
        co_ids=co_department_ids,
        now=now_or(now),
        note=note,
    )


def case_add_co_handler(
    *,
    actor: Actor,
    case_id: int,
    department_ids: Sequence[int],
    note: str = "",
    now: datetime | None = None,
    expected_version: int | None = None,
) -> list[Assignment]:
    """The second dispatch: co-handling departments join the lead."""
    now = now_or(now)
    if not department_ids:
        raise InvalidInput(_("请选择协办部门"), field="department_ids")

    def body(case: Case) -> list[Assignment]:
        rules.enforce(rules.check_case(case.state, "add_co_handler", actor.role), case, {}, note)
        depts = [_department(case, d, None) for d in department_ids]
        one_live_assignment_per_department(case, depts, field="department_ids")
        made = [
            _new_assignment(case, d, AssignmentRole.CO, case.route, actor.unit.pk, now)
            for d in depts
        ]
        case_step(
            case,
            actor,
            "add_co_handler",
            now=now,
            reason=note,
            created=made,
            extra_after={
                "assignments": [
                    {"id": a.pk, "department": a.department_id, "role": a.role} for a in made
                ]
            },
        )
        for a in made:
            tell_department(
                a,
                case,
                "dispatched",
                format_lazy(gettext_lazy("增派协办：{title}，请按时报到"), title=case.title),
                now,
            )
        return made

    return run(actor, case_id, expected_version, body)


# --- one submit, two steps (rules.COMBINED_ACTIONS) ----------------------------------------------


def case_triage_and_call(
    *,
    actor: Actor,
    case_id: int,
    item_id: int,
    level: int | None = None,
    level_reason: str = "",
    department_id: int | None = None,
    note: str = "",
    now: datetime | None = None,
    expected_version: int | None = None,
) -> list[Assignment]:
    """研判并呼叫: triage an ordinary (L2) case and call its department in one transaction.
    Both happen or neither: if the call is refused (another level, no department, a year
    the calendar does not know…) the triage is rolled back with it."""
    now = now_or(now)
    with files_kept_only_on_success(), transaction.atomic():
        case = case_triage(
            actor=actor,
            case_id=case_id,
            item_id=item_id,
            level=level,
            level_reason=level_reason,
            now=now,
            expected_version=expected_version,
        )
        return case_call(
            actor=actor,
            case_id=case_id,
            department_id=department_id,
            note=note,
            now=now,
            expected_version=case.version,
        )


def case_triage_and_dispatch(
    *,
    actor: Actor,
    case_id: int,
    item_id: int,
    level: int | None = None,
    level_reason: str = "",
    lead_department_id: int | None = None,
    co_department_ids: Sequence[int] = (),
    note: str = "",
    now: datetime | None = None,
    expected_version: int | None = None,
) -> list[Assignment]:
    """研判并派单: the hub triages and dispatches (lead and co-handlers) in one transaction;
    both happen or neither."""
    now = now_or(now)
    with files_kept_only_on_success(), transaction.atomic():
        case = case_triage(
            actor=actor,
            case_id=case_id,
            item_id=item_id,
            level=level,
            level_reason=level_reason,
            now=now,
            expected_version=expected_version,
        )
        return case_hub_dispatch(
            actor=actor,
            case_id=case_id,
            lead_department_id=lead_department_id,
            co_department_ids=co_department_ids,
            note=note,
            now=now,
            expected_version=case.version,
        )
