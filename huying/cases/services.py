"""Every write to a case goes through here.

Each public function is one door: it loads the case from the actor's scope (404 when out of
scope), looks the action up in ``rules``, checks guard and reason, writes with a
compare-and-set on the case's version (and the assignment's), appends one hash-chained
event per change, and writes notifications into the outbox in the same transaction.

A concurrent change makes the compare-and-set fail. When the caller did not pin a version
the whole step is retried on fresh data, so two departments reporting in at once both
succeed, while two people verifying the same case cannot both win: the second finds the
state changed and gets a 409.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, TypeVar

from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from huying.cases import rules
from huying.cases.deadlines import clock_for, next_tier
from huying.cases.models import (
    Assignment,
    AssignmentRole,
    AssignmentState,
    Attachment,
    Case,
    CaseEvent,
    CaseState,
    Route,
    Satisfaction,
    Source,
    Tier,
)
from huying.cases.selectors import assignments_actionable_by, cases_visible_to
from huying.catalogue.models import CatalogueItem, Level
from huying.core.audit import GENESIS, chain_hash, jsonable
from huying.core.errors import Conflict, InvalidInput, NotFound, PermissionDenied
from huying.core.files import CheckedFile, check_upload
from huying.core.middleware import current_request_id
from huying.core.notify import notify
from huying.core.numbering import counter_next
from huying.core.workcalendar import WorkCalendar, load_calendar
from huying.org.actors import Actor
from huying.org.models import OrgUnit, Role
from huying.org.roles import DEPARTMENT_ROLES, HUB_ROLES, STREET_ROLES
from huying.org.selectors import ancestors, grid_at, user_ids_with_roles

K = OrgUnit.Kind
S = CaseState
A = AssignmentState
T = TypeVar("T")

#: Source channel when the reporter does not name one.
DEFAULT_SOURCE = {
    Role.RESIDENT: Source.RESIDENT,
    Role.GRID_WORKER: Source.GRID_PATROL,
    Role.GRID_LEADER: Source.GRID_PATROL,
    Role.COMMUNITY_STAFF: Source.GRID_PATROL,
    Role.STREET_CALLER: Source.INSPECTION,
    Role.STREET_LEADER: Source.INSPECTION,
    Role.HUB_DISPATCHER: Source.HOTLINE,
    Role.HUB_SUPERVISOR: Source.INSPECTION,
    Role.DISTRICT_LEADER: Source.LEADER,
    Role.ADMIN: Source.API,
}

MAX_RETRIES = 3


# --- the engine ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Who:
    user_id: int | None
    role: str
    unit_id: int | None


def _who(actor: Actor | None) -> _Who:
    if actor is None:
        return _Who(None, rules.SYSTEM, None)
    return _Who(actor.user.pk, actor.role, actor.unit.pk)


def _now(now: datetime | None) -> datetime:
    return now or timezone.now()


def _run(
    actor: Actor | None, case_id: int, expected_version: int | None, body: Callable[[Case], T]
) -> T:
    """Load the case in scope and run one step in a transaction, retrying lost races."""
    attempts = 1 if expected_version is not None else MAX_RETRIES
    for attempt in range(attempts):
        try:
            with transaction.atomic():
                qs = Case.objects.all() if actor is None else cases_visible_to(actor)
                case = qs.select_related("item").filter(pk=case_id).first()
                if case is None:
                    raise NotFound("事件不存在或无权查看")
                if expected_version is not None and case.version != expected_version:
                    raise Conflict(current_version=case.version)
                return body(case)
        except Conflict:
            if attempt == attempts - 1:
                raise
    raise AssertionError("unreachable")


def _snapshot(obj: Any, fields: Iterable[str]) -> dict[str, Any]:
    return {f: jsonable(getattr(obj, f)) for f in fields}


def _append_event(
    case: Case,
    *,
    who: _Who,
    action: str,
    now: datetime,
    case_fields: dict[str, Any],
    target: str | None,
    reason: str = "",
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
    assignment: Assignment | None = None,
    attachments: Sequence[dict[str, Any]] = (),
) -> CaseEvent:
    """Compare-and-set the case row and append the event that records the change."""
    from_state = case.state
    to_state = target or from_state
    before = dict(before or {}) | _snapshot(case, case_fields)
    after = dict(after or {}) | {k: jsonable(v) for k, v in case_fields.items()}
    if to_state != from_state:
        before["state"], after["state"] = from_state, to_state
    seq = case.version + 1
    prev_hash = case.trail_head or GENESIS
    event = CaseEvent(
        case=case,
        seq=seq,
        assignment=assignment,
        action=action,
        actor_id=who.user_id,
        actor_role=who.role,
        actor_unit_id=who.unit_id,
        at=now,
        from_state=from_state,
        to_state=to_state,
        reason=reason,
        before=before,
        after=after,
        attachments=list(attachments),
        request_id=current_request_id(),
        prev_hash=prev_hash,
    )
    event.hash = chain_hash(prev_hash, event_payload(event))
    updates = {
        **case_fields,
        "state": to_state,
        "version": seq,
        "trail_head": event.hash,
        "updated_at": now,
    }
    won = Case.objects.filter(pk=case.pk, version=case.version, state=from_state).update(**updates)
    if won != 1:
        raise Conflict()
    for name, value in updates.items():
        setattr(case, name, value)
    event.save(force_insert=True)
    return event


def event_payload(event: CaseEvent) -> dict[str, Any]:
    """The fields an event's hash covers (also used by the trail verifier)."""
    return {
        "case": event.case_id,
        "seq": event.seq,
        "assignment": event.assignment_id,
        "action": event.action,
        "actor": event.actor_id,
        "actor_role": event.actor_role,
        "actor_unit": event.actor_unit_id,
        "at": event.at,
        "from_state": event.from_state,
        "to_state": event.to_state,
        "reason": event.reason,
        "before": event.before,
        "after": event.after,
        "attachments": event.attachments,
        "request_id": event.request_id,
    }


def _case_step(
    case: Case,
    actor: Actor | None,
    action: str,
    *,
    now: datetime,
    reason: str = "",
    fields: dict[str, Any] | None = None,
    params: dict[str, Any] | None = None,
    extra_after: dict[str, Any] | None = None,
    attachments: Sequence[dict[str, Any]] = (),
) -> CaseEvent:
    who = _who(actor)
    rule = rules.check_case(case.state, action, who.role)
    rules.enforce(rule, case, params or {}, reason)
    target = case.suspended_from if rule.target == rules.RESTORE else rule.target
    return _append_event(
        case,
        who=who,
        action=action,
        now=now,
        case_fields=fields or {},
        target=target,
        reason=reason,
        after=extra_after,
        attachments=attachments,
    )


def _assignment_step(
    case: Case,
    assignment: Assignment,
    actor: Actor | None,
    action: str,
    *,
    now: datetime,
    reason: str = "",
    fields: dict[str, Any] | None = None,
    case_fields: dict[str, Any] | None = None,
    params: dict[str, Any] | None = None,
    attachments: Sequence[dict[str, Any]] = (),
) -> CaseEvent:
    who = _who(actor)
    rule = rules.check_assignment(assignment.state, action, who.role)
    rules.enforce(rule, assignment, params or {}, reason)
    fields = dict(fields or {})
    from_state = assignment.state
    to_state = rule.target or from_state
    before = _snapshot(assignment, fields) | {"assignment_state": from_state}
    updates = {**fields, "state": to_state, "version": assignment.version + 1}
    won = Assignment.objects.filter(
        pk=assignment.pk, version=assignment.version, state=from_state
    ).update(**updates)
    if won != 1:
        raise Conflict()
    for name, value in updates.items():
        setattr(assignment, name, value)
    after = {k: jsonable(v) for k, v in fields.items()} | {
        "assignment_state": to_state,
        "department": assignment.department_id,
    }
    return _append_event(
        case,
        who=who,
        action=f"assignment.{action}",
        now=now,
        case_fields=case_fields or {},
        target=None,
        reason=reason,
        before=before,
        after=after,
        assignment=assignment,
        attachments=attachments,
    )


def _calendar() -> WorkCalendar:
    return load_calendar()


# --- notifications: who must act next -----------------------------------------------------------


def _hub_of(case: Case) -> list[int]:
    return list(
        OrgUnit.objects.filter(kind=K.HUB, path__startswith=f"/{case.district_id}/").values_list(
            "pk", flat=True
        )
    )


def _tell(
    unit_ids: list[int], roles: Iterable[str], case: Case, kind: str, message: str, now: datetime
) -> None:
    ids = [u for u in unit_ids if u]
    if ids:
        notify(
            recipient_ids=user_ids_with_roles(ids, list(roles)),
            kind=kind,
            subject=case.number,
            message=f"【{case.number}】{message}",
            now=now,
        )


def _tell_department(a: Assignment, case: Case, kind: str, message: str, now: datetime) -> None:
    _tell([a.department_id], DEPARTMENT_ROLES, case, kind, message, now)


def _tell_hub(
    case: Case, kind: str, message: str, now: datetime, roles: Iterable[str] = HUB_ROLES
) -> None:
    _tell(_hub_of(case), roles, case, kind, message, now)


def _tell_street(case: Case, kind: str, message: str, now: datetime) -> None:
    _tell([case.street_id] if case.street_id else [], STREET_ROLES, case, kind, message, now)


# --- attachments -------------------------------------------------------------------------------


def _check_files(files: Sequence[UploadedFile]) -> list[CheckedFile]:
    if len(files) > 9:
        raise InvalidInput("一次最多上传 9 个附件", field="files")
    return [check_upload(f) for f in files]


def _store_files(
    case: Case, checked: list[CheckedFile], actor: Actor | None, now: datetime
) -> list[dict[str, Any]]:
    refs = []
    for c in checked:
        att = Attachment(
            case=case,
            name=c.name,
            content_type=c.content_type,
            size=c.size,
            sha256=c.sha256,
            uploaded_by_id=actor.user.pk if actor else None,
            uploaded_at=now,
        )
        att.file.save(c.name, c.upload, save=False)
        att.save()
        refs.append({"id": att.pk, "name": att.name, "sha256": att.sha256})
    return refs


# --- 问题收集 intake ------------------------------------------------------------------------------


def _territory(
    *, actor: Actor, lat: float | None, lng: float | None, unit_id: int | None
) -> OrgUnit:
    if lat is not None and lng is not None:
        grid = grid_at(lat, lng)
        if grid is not None:
            return grid
    if unit_id is not None:
        unit = OrgUnit.objects.filter(
            pk=unit_id, kind__in=[K.DISTRICT, K.STREET, K.COMMUNITY, K.GRID]
        ).first()
        if unit is None:
            raise InvalidInput("所属网格/社区不存在", field="unit_id")
        return unit
    if actor.unit.kind in {K.DISTRICT, K.STREET, K.COMMUNITY, K.GRID}:
        return actor.unit
    return ancestors(actor.unit)[0]


def _validate_intake(title: str, lat: float | None, lng: float | None) -> str:
    title = (title or "").strip()
    if not title:
        raise InvalidInput("请填写问题标题", field="title")
    if len(title) > 200:
        raise InvalidInput("标题不能超过 200 字", field="title")
    if (lat is None) != (lng is None):
        raise InvalidInput("经纬度须同时提供", field="lat")
    if lat is not None and lng is not None and not (-90 <= lat <= 90 and -180 <= lng <= 180):
        raise InvalidInput("经纬度超出范围", field="lat")
    return title


def allocate_case_number(district: OrgUnit, now: datetime) -> str:
    day = timezone.localtime(now).strftime("%Y%m%d")
    prefix = district.abbr or district.code
    return f"{prefix}-{day}-{counter_next(f'case:{prefix}:{day}'):05d}"


def case_submit(
    *,
    actor: Actor,
    title: str,
    description: str = "",
    source: str | None = None,
    lat: float | None = None,
    lng: float | None = None,
    address: str = "",
    reporter_name: str = "",
    reporter_phone: str = "",
    unit_id: int | None = None,
    files: Sequence[UploadedFile] = (),
    now: datetime | None = None,
) -> Case:
    """问题收集: capture a problem once, in the grid its point falls in."""
    now = _now(now)
    if actor.role not in rules.INTAKE_ROLES:
        raise PermissionDenied("当前角色不能上报问题")
    title = _validate_intake(title, lat, lng)
    if source is not None and source not in Source.values:
        raise InvalidInput("来源渠道无效", field="source")
    checked = _check_files(files)
    place = _territory(actor=actor, lat=lat, lng=lng, unit_id=unit_id)
    chain = {u.kind: u for u in ancestors(place)}
    number = allocate_case_number(chain[K.DISTRICT], now)  # outside the transaction, on purpose
    user_name = actor.user.get_full_name() if actor.role == Role.RESIDENT else ""
    with transaction.atomic():
        case = Case(
            number=number,
            source=source or DEFAULT_SOURCE.get(Role(actor.role), Source.API),
            title=title,
            description=description.strip(),
            reporter_id=actor.user.pk if actor.role == Role.RESIDENT else None,
            reporter_name=reporter_name or user_name,
            reporter_phone=reporter_phone,
            lat=lat,
            lng=lng,
            address=address.strip(),
            district=chain[K.DISTRICT],
            street=chain.get(K.STREET),
            community=chain.get(K.COMMUNITY),
            grid=chain.get(K.GRID),
            territory_path=place.path,
            state=S.SUBMITTED,
            version=0,
            reported_at=now,
            updated_at=now,
        )
        case.save(force_insert=True)
        refs = _store_files(case, checked, actor, now)
        _append_event(
            case,
            who=_who(actor),
            action="submit",
            now=now,
            case_fields={},
            target=S.SUBMITTED,
            after={"number": number, "title": title, "source": case.source, "territory": place.pk},
            attachments=refs,
        )
        _tell_street(case, "submitted", f"新问题待研判：{title}", now)
    return case


# --- 集中研判 triage -----------------------------------------------------------------------------


def _item(item_id: int) -> CatalogueItem:
    item = CatalogueItem.objects.select_related("lead_department").filter(pk=item_id).first()
    if item is None:
        raise InvalidInput("事项不存在", field="item_id")
    return item


def case_triage(
    *,
    actor: Actor,
    case_id: int,
    item_id: int,
    level: int | None = None,
    level_reason: str = "",
    now: datetime | None = None,
    expected_version: int | None = None,
) -> Case:
    """集中研判: confirm the item and level; a level other than the item's needs a reason."""
    now = _now(now)
    item = _item(item_id)
    chosen = level if level is not None else item.default_level
    if chosen not in Level.values:
        raise InvalidInput("等级无效", field="level")
    if chosen != item.default_level and not level_reason.strip():
        raise InvalidInput("调整事项默认等级须说明理由", field="level_reason")

    def body(case: Case) -> Case:
        _case_step(
            case,
            actor,
            "triage",
            now=now,
            reason=level_reason.strip(),
            fields={"item": item, "level": chosen},
        )
        if chosen >= Level.COMPLEX:
            _tell_hub(case, "triaged", f"{Level(chosen).label}待派单：{case.title}", now)
        return case

    return _run(actor, case_id, expected_version, body)


def case_reject(
    *,
    actor: Actor,
    case_id: int,
    reason: str,
    now: datetime | None = None,
    expected_version: int | None = None,
) -> Case:
    now = _now(now)

    def body(case: Case) -> Case:
        _case_step(case, actor, "reject", now=now, reason=reason.strip(), fields={"closed_at": now})
        return case

    return _run(actor, case_id, expected_version, body)


def case_merge(
    *,
    actor: Actor,
    case_id: int,
    master_id: int,
    reason: str = "",
    now: datetime | None = None,
    expected_version: int | None = None,
) -> Case:
    """Duplicates point at one master case; the master carries the work."""
    now = _now(now)
    if master_id == case_id:
        raise InvalidInput("不能合并到自身", field="master_id")
    master = cases_visible_to(actor).filter(pk=master_id).first()
    if master is None:
        raise NotFound("主事件不存在或无权查看")
    if master.state in {S.REJECTED, S.MERGED}:
        raise InvalidInput("主事件已不予受理或已被合并", field="master_id")

    def body(case: Case) -> Case:
        _case_step(
            case,
            actor,
            "merge",
            now=now,
            reason=reason.strip(),
            fields={"master": master, "closed_at": now},
            extra_after={"master_number": master.number},
        )
        return case

    return _run(actor, case_id, expected_version, body)


def case_split(
    *,
    actor: Actor,
    case_id: int,
    parts: Sequence[dict[str, str]],
    reason: str,
    now: datetime | None = None,
    expected_version: int | None = None,
) -> list[Case]:
    """One report that holds several problems becomes several cases, each traced to it."""
    now = _now(now)
    if len(parts) < 2:
        raise InvalidInput("拆分至少需要两个子问题", field="parts")
    titles = [_validate_intake(p.get("title", ""), None, None) for p in parts]

    def body(case: Case) -> list[Case]:
        rule = rules.check_case(case.state, "split", actor.role)
        rules.enforce(rule, case, {}, reason)
        children = []
        for title, part in zip(titles, parts, strict=True):
            child = Case(
                number=allocate_case_number(case.district, now),
                source=case.source,
                title=title,
                description=part.get("description", "").strip(),
                reporter_id=case.reporter_id,
                reporter_name=case.reporter_name,
                reporter_phone=case.reporter_phone,
                lat=case.lat,
                lng=case.lng,
                address=case.address,
                district_id=case.district_id,
                street_id=case.street_id,
                community_id=case.community_id,
                grid_id=case.grid_id,
                territory_path=case.territory_path,
                split_from=case,
                state=S.SUBMITTED,
                version=0,
                reported_at=now,
                updated_at=now,
            )
            child.save(force_insert=True)
            _append_event(
                child,
                who=_who(actor),
                action="submit",
                now=now,
                case_fields={},
                target=S.SUBMITTED,
                reason=reason.strip(),
                after={"number": child.number, "title": title, "split_from": case.number},
            )
            children.append(child)
        _case_step(
            case,
            actor,
            "split",
            now=now,
            reason=reason.strip(),
            extra_after={"children": [c.number for c in children]},
        )
        return children

    return _run(actor, case_id, expected_version, body)


# --- 分级呼叫 / 派单调度 call and dispatch -----------------------------------------------------


def _department(unit_id: int | None, fallback: OrgUnit | None) -> OrgUnit:
    if unit_id is None:
        if fallback is None:
            raise InvalidInput("请指定承办部门", field="department_id")
        return fallback
    unit = OrgUnit.objects.filter(
        pk=unit_id, kind__in=[K.DEPARTMENT, K.FIELD_UNIT], is_active=True
    ).first()
    if unit is None:
        raise InvalidInput("承办部门不存在", field="department_id")
    return unit


def _new_assignment(
    case: Case, dept: OrgUnit, role: str, route: str, caller_id: int, now: datetime
) -> Assignment:
    cal = _calendar()
    level = case.level or Level.GENERAL
    report_in = clock_for(now, "report_in", level, case.item, cal)
    handling = clock_for(now, "handling", level, case.item, cal)
    return Assignment.objects.create(
        case=case,
        department=dept,
        department_path=dept.path,
        role=role,
        route=route,
        caller_id=caller_id,
        state=A.AWAITING_REPORT_IN,
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
        lead = _department(lead_id, case.item.lead_department if case.item else None)
        co = [_department(d, None) for d in co_ids]
        if lead.pk in {c.pk for c in co}:
            raise InvalidInput("主办部门不能同时为协办部门", field="co_department_ids")
        made = [_new_assignment(case, lead, AssignmentRole.LEAD, route, actor.unit.pk, now)]
        made += [_new_assignment(case, d, AssignmentRole.CO, route, actor.unit.pk, now) for d in co]
        _case_step(
            case,
            actor,
            action,
            now=now,
            reason=note,
            fields={"route": route, "tier": "", **_NO_CLOCK},
            extra_after={
                "assignments": [
                    {"id": a.pk, "department": a.department_id, "role": a.role} for a in made
                ]
            },
        )
        for a in made:
            role = AssignmentRole(a.role).label
            _tell_department(
                a,
                case,
                "dispatched",
                f"{Route(route).label}（{role}）：{case.title}，请按时报到",
                now,
            )
        return made

    return _run(actor, case_id, expected_version, body)


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
        now=_now(now),
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
        now=_now(now),
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
        now=_now(now),
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
    now = _now(now)
    if not department_ids:
        raise InvalidInput("请选择协办部门", field="department_ids")

    def body(case: Case) -> list[Assignment]:
        rules.enforce(rules.check_case(case.state, "add_co_handler", actor.role), case, {}, note)
        active = set(
            case.assignments.filter(
                state__in=rules.ACTIVE_ASSIGNMENT_STATES | {A.RESULT_SUBMITTED, A.RETURN_REQUESTED}
            ).values_list("department_id", flat=True)
        )
        depts = [_department(d, None) for d in department_ids]
        if any(d.pk in active for d in depts):
            raise InvalidInput("该部门已在办理此事件", field="department_ids")
        made = [
            _new_assignment(case, d, AssignmentRole.CO, case.route, actor.unit.pk, now)
            for d in depts
        ]
        _case_step(
            case,
            actor,
            "add_co_handler",
            now=now,
            reason=note,
            extra_after={
                "assignments": [
                    {"id": a.pk, "department": a.department_id, "role": a.role} for a in made
                ]
            },
        )
        for a in made:
            _tell_department(a, case, "dispatched", f"增派协办：{case.title}，请按时报到", now)
        return made

    return _run(actor, case_id, expected_version, body)


# --- 自行处置 self-handling (L1) ----------------------------------------------------------------


def _case_clock(case: Case, stage: str, now: datetime) -> dict[str, Any]:
    c = clock_for(now, stage, case.level or Level.SIMPLE, case.item, _calendar())
    return {
        "due_at": c.due_at,
        "warn_at": c.warn_at,
        "clock_unit": c.unit,
        "paused_remaining": None,
    }


_NO_CLOCK: dict[str, Any] = {
    "due_at": None,
    "warn_at": None,
    "clock_unit": "",
    "paused_remaining": None,
}


def case_self_handle(
    *,
    actor: Actor,
    case_id: int,
    note: str = "",
    now: datetime | None = None,
    expected_version: int | None = None,
) -> Case:
    """小事不出网格: the case starts with the smallest unit that holds it."""
    now = _now(now)

    def body(case: Case) -> Case:
        tier = Tier.GRID if case.grid_id else Tier.COMMUNITY if case.community_id else Tier.STREET
        _case_step(
            case,
            actor,
            "self_handle",
            now=now,
            reason=note,
            fields={"route": Route.SELF, "tier": tier, **_case_clock(case, "handling", now)},
        )
        return case

    return _run(actor, case_id, expected_version, body)


def case_complete_self(
    *,
    actor: Actor,
    case_id: int,
    result: str,
    files: Sequence[UploadedFile] = (),
    now: datetime | None = None,
    expected_version: int | None = None,
) -> Case:
    now = _now(now)
    if not result.strip():
        raise InvalidInput("请填写处置结果", field="result")
    checked = _check_files(files)

    def body(case: Case) -> Case:
        refs = _store_files(case, checked, actor, now)
        _case_step(
            case,
            actor,
            "complete_self",
            now=now,
            reason=result.strip(),
            attachments=refs,
            fields=_case_clock(case, "verification", now),
        )
        _tell_street(case, "verify", f"自行处置完毕，待核查：{case.title}", now)
        return case

    return _run(actor, case_id, expected_version, body)


def case_escalate(
    *,
    actor: Actor | None,
    case_id: int,
    reason: str = "",
    now: datetime | None = None,
    expected_version: int | None = None,
) -> Case:
    """A self-handled case moves up one tier (grid → community → street → hub)."""
    now = _now(now)

    def body(case: Case) -> Case:
        _escalate(case, actor, reason=reason, now=now, overdue=False)
        return case

    return _run(actor, case_id, expected_version, body)


def _escalate(
    case: Case, actor: Actor | None, *, reason: str, now: datetime, overdue: bool
) -> None:
    marks: dict[str, Any] = {"overdue": True, "swept_due_at": case.due_at} if overdue else {}
    upper = next_tier(case.tier)
    if upper == Tier.HUB or upper is None:
        _case_step(
            case,
            actor,
            "escalate_to_hub",
            now=now,
            reason=reason,
            fields={"tier": Tier.HUB, "level": Level.COMPLEX, "route": "", **_NO_CLOCK, **marks},
        )
        _tell_hub(case, "escalated", f"街道上报呼应办：{case.title}", now)
        return
    _case_step(
        case,
        actor,
        "escalate",
        now=now,
        reason=reason,
        fields={"tier": upper, **_case_clock(case, "handling", now), **marks},
    )
    _tell_street(case, "escalated", f"问题上报至{Tier(upper).label}：{case.title}", now)


# --- 全程跟踪 tracking: the department's side ---------------------------------------------------


def _assignment_in(case: Case, actor: Actor | None, assignment_id: int) -> Assignment:
    qs = Assignment.objects.all() if actor is None else assignments_actionable_by(actor)
    assignment = qs.filter(pk=assignment_id, case_id=case.pk).first()
    if assignment is None:
        raise NotFound("派单不存在或无权操作")
    return assignment


def _run_assignment(
    actor: Actor | None,
    assignment_id: int,
    expected_version: int | None,
    body: Callable[[Case, Assignment], T],
) -> T:
    qs = Assignment.objects.all() if actor is None else assignments_actionable_by(actor)
    case_id = qs.filter(pk=assignment_id).values_list("case_id", flat=True).first()
    if case_id is None:
        raise NotFound("派单不存在或无权操作")

    def step(case: Case) -> T:
        assignment = _assignment_in(case, actor, assignment_id)
        if expected_version is not None and assignment.version != expected_version:
            raise Conflict(current_version=assignment.version)
        return body(case, assignment)

    # The case's version is checked by the engine; a pinned version here is the assignment's.
    return _run(actor, case_id, None, step)


def _handling_clock(case: Case, a: Assignment) -> dict[str, Any]:
    """After report-in the handling deadline (set at dispatch) becomes the live clock."""
    unit = clock_for(
        a.dispatched_at, "handling", case.level or Level.GENERAL, case.item, _calendar()
    ).unit
    due = a.handle_due_at
    warn = _calendar().warn_at(a.dispatched_at, due, unit) if due else None
    return {"due_at": due, "warn_at": warn, "clock_unit": unit, "paused_remaining": None}


def _resume_clock(cal: WorkCalendar, now: datetime, clock: Any) -> tuple[datetime, datetime]:
    """New due and warn times after a pause: the same time left, the same warning margin."""
    remaining = clock.paused_remaining or 0
    margin = cal.remaining(clock.warn_at, clock.due_at, clock.clock_unit) if clock.warn_at else 0
    return (
        cal.resume(now, remaining, clock.clock_unit),
        cal.resume(now, max(0, remaining - margin), clock.clock_unit),
    )


def assignment_report_in(
    *,
    actor: Actor,
    assignment_id: int,
    note: str = "",
    now: datetime | None = None,
    expected_version: int | None = None,
) -> Assignment:
    """报到: the department acknowledges and shows up; timed against the report-in limit."""
    now = _now(now)

    def body(case: Case, a: Assignment) -> Assignment:
        _assignment_step(
            case,
            a,
            actor,
            "report_in",
            now=now,
            reason=note,
            fields={"reported_in_at": now, **_handling_clock(case, a)},
        )
        return a

    return _run_assignment(actor, assignment_id, expected_version, body)


def assignment_accept(
    *,
    actor: Actor,
    assignment_id: int,
    note: str = "",
    now: datetime | None = None,
    expected_version: int | None = None,
) -> Assignment:
    now = _now(now)

    def body(case: Case, a: Assignment) -> Assignment:
        _assignment_step(case, a, actor, "accept", now=now, reason=note)
        return a

    return _run_assignment(actor, assignment_id, expected_version, body)


def assignment_request_return(
    *,
    actor: Actor,
    assignment_id: int,
    reason: str,
    now: datetime | None = None,
    expected_version: int | None = None,
) -> Assignment:
    """退回: the department says the call was misrouted; the clock stops while the hub rules."""
    now = _now(now)

    def body(case: Case, a: Assignment) -> Assignment:
        remaining = _calendar().remaining(now, a.due_at, a.clock_unit) if a.due_at else None
        _assignment_step(
            case,
            a,
            actor,
            "request_return",
            now=now,
            reason=reason.strip(),
            fields={
                "return_reason": reason.strip()[:500],
                "return_from": a.state,
                "paused_remaining": remaining,
            },
        )
        _tell_hub(
            case,
            "return_requested",
            f"部门申请退回：{reason.strip()[:60]}",
            now,
            roles=[Role.HUB_DISPATCHER],
        )
        return a

    return _run_assignment(actor, assignment_id, expected_version, body)


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
    now = _now(now)

    def body(case: Case, a: Assignment) -> Assignment:
        if uphold:
            _assignment_step(
                case,
                a,
                actor,
                "uphold_return",
                now=now,
                reason=reason.strip(),
                fields={"return_upheld": True, **_NO_CLOCK},
            )
            if a.role == AssignmentRole.LEAD:
                _case_step(case, None, "reroute", now=now, reason="主办部门退回，重新派单")
                _tell_hub(
                    case,
                    "reroute",
                    f"退回成立，待重新派单：{case.title}",
                    now,
                    roles=[Role.HUB_DISPATCHER],
                )
            else:
                _maybe_results_in(case, now)
        else:
            fields: dict[str, Any] = {"return_upheld": False, "paused_remaining": None}
            if a.paused_remaining is not None and a.due_at is not None:
                due, warn = _resume_clock(_calendar(), now, a)
                fields |= {"due_at": due, "warn_at": warn}
                fields[
                    "report_in_due_at" if a.return_from == A.AWAITING_REPORT_IN else "handle_due_at"
                ] = due
            _assignment_step(
                case, a, actor, "refuse_return", now=now, reason=reason.strip(), fields=fields
            )
            _tell_department(
                a,
                case,
                "return_refused",
                f"退回申请未获同意，请继续办理：{reason.strip()[:60]}",
                now,
            )
        return a

    return _run_assignment(actor, assignment_id, expected_version, body)


def assignment_request_extension(
    *,
    actor: Actor,
    assignment_id: int,
    until: datetime,
    reason: str,
    now: datetime | None = None,
    expected_version: int | None = None,
) -> Assignment:
    now = _now(now)

    def body(case: Case, a: Assignment) -> Assignment:
        if a.handle_due_at and until <= a.handle_due_at:
            raise InvalidInput("延期后的时限须晚于当前办理时限", field="until")
        _assignment_step(
            case,
            a,
            actor,
            "request_extension",
            now=now,
            reason=reason.strip(),
            fields={"extension_requested_until": until, "extension_reason": reason.strip()[:500]},
        )
        _tell_hub(
            case,
            "extension_requested",
            f"部门申请延期至 {timezone.localtime(until):%Y-%m-%d %H:%M}",
            now,
            roles=[Role.HUB_DISPATCHER],
        )
        return a

    return _run_assignment(actor, assignment_id, expected_version, body)


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
    now = _now(now)

    def body(case: Case, a: Assignment) -> Assignment:
        if approve:
            until = a.extension_requested_until
            fields = {
                "handle_due_at": until,
                "due_at": until,
                "extension_requested_until": None,
                "extension_count": a.extension_count + 1,
            }
            if until is not None:
                fields["warn_at"] = _calendar().warn_at(a.dispatched_at, until, a.clock_unit)
            _assignment_step(
                case, a, actor, "approve_extension", now=now, reason=reason.strip(), fields=fields
            )
            _tell_department(a, case, "extension_approved", "延期申请已批准", now)
        else:
            _assignment_step(
                case,
                a,
                actor,
                "deny_extension",
                now=now,
                reason=reason.strip(),
                fields={"extension_requested_until": None},
            )
            _tell_department(
                a, case, "extension_denied", f"延期申请未批准：{reason.strip()[:60]}", now
            )
        return a

    return _run_assignment(actor, assignment_id, expected_version, body)


def assignment_post_progress(
    *,
    actor: Actor,
    assignment_id: int,
    note: str,
    files: Sequence[UploadedFile] = (),
    now: datetime | None = None,
    expected_version: int | None = None,
) -> Assignment:
    now = _now(now)
    if not note.strip():
        raise InvalidInput("请填写进展情况", field="note")
    checked = _check_files(files)

    def body(case: Case, a: Assignment) -> Assignment:
        refs = _store_files(case, checked, actor, now)
        _assignment_step(
            case, a, actor, "post_progress", now=now, reason=note.strip(), attachments=refs
        )
        return a

    return _run_assignment(actor, assignment_id, expected_version, body)


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
    now = _now(now)
    if not result.strip():
        raise InvalidInput("请填写办理结果", field="result")
    checked = _check_files(files)

    def body(case: Case, a: Assignment) -> Assignment:
        refs = _store_files(case, checked, actor, now)
        _assignment_step(
            case,
            a,
            actor,
            "submit_result",
            now=now,
            reason=result.strip(),
            attachments=refs,
            fields={"result_at": now, "result_text": result.strip(), **_NO_CLOCK},
        )
        _maybe_results_in(case, now)
        return a

    return _run_assignment(actor, assignment_id, expected_version, body)


def assignment_withdraw(
    *,
    actor: Actor,
    assignment_id: int,
    reason: str,
    now: datetime | None = None,
    expected_version: int | None = None,
) -> Assignment:
    now = _now(now)

    def body(case: Case, a: Assignment) -> Assignment:
        _assignment_step(
            case, a, actor, "withdraw", now=now, reason=reason.strip(), fields=dict(_NO_CLOCK)
        )
        _maybe_results_in(case, now)
        return a

    return _run_assignment(actor, assignment_id, expected_version, body)


def _maybe_results_in(case: Case, now: datetime) -> None:
    """All departments still on the case have fed back: the calling street verifies."""
    if case.state != S.IN_PROGRESS:
        return
    states = set(
        case.assignments.exclude(state__in=[A.RETURNED, A.WITHDRAWN]).values_list(
            "state", flat=True
        )
    )
    if states == {A.RESULT_SUBMITTED}:
        _case_step(case, None, "results_in", now=now, fields=_case_clock(case, "verification", now))
        _tell_street(case, "verify", f"部门已办结，待核查：{case.title}", now)


# --- supervision: urging, supervision, suspension ----------------------------------------------


def _active_assignments(case: Case) -> list[Assignment]:
    return list(case.assignments.filter(state__in=rules.ACTIVE_ASSIGNMENT_STATES))


def case_urge(
    *,
    actor: Actor,
    case_id: int,
    note: str = "",
    now: datetime | None = None,
    expected_version: int | None = None,
) -> Case:
    """催办: a recorded nudge to whoever holds the case now."""
    now = _now(now)

    def body(case: Case) -> Case:
        active = _active_assignments(case)
        _case_step(
            case,
            actor,
            "urge",
            now=now,
            reason=note,
            fields={"urge_count": case.urge_count + 1},
            extra_after={"assignments": [a.pk for a in active]},
        )
        Assignment.objects.filter(pk__in=[a.pk for a in active]).update(
            urge_count=F("urge_count") + 1, version=F("version") + 1
        )
        for a in active:
            _tell_department(a, case, "urged", f"催办：{note or case.title}", now)
        if case.route == Route.SELF:
            _tell_street(case, "urged", f"催办：{note or case.title}", now)
        return case

    return _run(actor, case_id, expected_version, body)


def case_supervise(
    *,
    actor: Actor | None,
    case_id: int,
    note: str = "",
    now: datetime | None = None,
    expected_version: int | None = None,
) -> Case:
    """督办: the hub puts the case under supervision; it stays flagged until closed."""
    now = _now(now)

    def body(case: Case) -> Case:
        _supervise(case, actor, note, now)
        return case

    return _run(actor, case_id, expected_version, body)


def _supervise(case: Case, actor: Actor | None, note: str, now: datetime) -> None:
    active = _active_assignments(case)
    _case_step(
        case,
        actor,
        "supervise",
        now=now,
        reason=note,
        fields={"supervised": True},
        extra_after={"assignments": [a.pk for a in active]},
    )
    Assignment.objects.filter(pk__in=[a.pk for a in active]).update(
        supervised=True, version=F("version") + 1
    )
    for a in active:
        _tell(
            [a.department_id],
            [Role.DEPT_LEADER, Role.DEPT_HANDLER],
            case,
            "supervised",
            f"督办：{note or case.title}",
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
    now = _now(now)

    def body(case: Case) -> Case:
        cal = _calendar()
        remaining = cal.remaining(now, case.due_at, case.clock_unit) if case.due_at else None
        for a in _active_assignments(case):
            if a.due_at and a.paused_remaining is None:
                Assignment.objects.filter(pk=a.pk).update(
                    paused_remaining=cal.remaining(now, a.due_at, a.clock_unit),
                    version=F("version") + 1,
                )
        _case_step(
            case,
            actor,
            "suspend",
            now=now,
            reason=reason.strip(),
            fields={"suspended_from": case.state, "paused_remaining": remaining},
        )
        return case

    return _run(actor, case_id, expected_version, body)


def case_resume(
    *,
    actor: Actor,
    case_id: int,
    note: str = "",
    now: datetime | None = None,
    expected_version: int | None = None,
) -> Case:
    """Clocks restart with the time they had left when the case was suspended."""
    now = _now(now)

    def body(case: Case) -> Case:
        cal = _calendar()
        for a in _active_assignments(case):
            if a.paused_remaining is None or a.due_at is None:
                continue
            due, warn = _resume_clock(cal, now, a)
            moved: dict[str, Any] = {"due_at": due, "warn_at": warn, "paused_remaining": None}
            if a.state == A.AWAITING_REPORT_IN:
                moved["report_in_due_at"] = due
                if a.handle_due_at:  # the handling limit moves by the same amount
                    moved["handle_due_at"] = a.handle_due_at + (due - a.due_at)
            else:
                moved["handle_due_at"] = due
            Assignment.objects.filter(pk=a.pk).update(**moved, version=F("version") + 1)
        fields: dict[str, Any] = {"suspended_from": "", "paused_remaining": None}
        if case.paused_remaining is not None and case.due_at is not None:
            fields["due_at"], fields["warn_at"] = _resume_clock(cal, now, case)
        _case_step(case, actor, "resume", now=now, reason=note, fields=fields)
        return case

    return _run(actor, case_id, expected_version, body)


# --- 结案备案 closure ---------------------------------------------------------------------------


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
    now = _now(now)
    checked = _check_files(files)

    def body(case: Case) -> Case:
        refs = _store_files(case, checked, actor, now)
        if passed:
            _case_step(
                case,
                actor,
                "verify_pass",
                now=now,
                reason=reason.strip(),
                attachments=refs,
                fields=dict(_NO_CLOCK),
            )
            _tell(
                [case.community_id or case.street_id or 0],
                [Role.COMMUNITY_STAFF, *STREET_ROLES],
                case,
                "follow_up",
                f"核查通过，请回访反映人：{case.title}",
                now,
            )
            return case
        if case.route == Route.SELF:
            _case_step(
                case,
                actor,
                "rework_self",
                now=now,
                reason=reason.strip(),
                attachments=refs,
                fields={
                    "rework_count": case.rework_count + 1,
                    **_case_clock(case, "handling", now),
                },
            )
            return case
        done = list(case.assignments.filter(state=A.RESULT_SUBMITTED))
        _case_step(
            case,
            actor,
            "rework",
            now=now,
            reason=reason.strip(),
            attachments=refs,
            fields={"rework_count": case.rework_count + 1, **_NO_CLOCK},
        )
        cal = _calendar()
        for a in done:
            handling = clock_for(now, "handling", case.level or Level.GENERAL, case.item, cal)
            _assignment_step(
                case,
                a,
                None,
                "rework",
                now=now,
                reason=reason.strip(),
                fields={
                    "rework_count": a.rework_count + 1,
                    "handle_due_at": handling.due_at,
                    "due_at": handling.due_at,
                    "warn_at": handling.warn_at,
                    "clock_unit": handling.unit,
                    "result_at": None,
                },
            )
            _tell_department(a, case, "rework", f"核查未通过，请返工：{reason.strip()[:60]}", now)
        return case

    return _run(actor, case_id, expected_version, body)


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
    now = _now(now)
    if satisfaction not in Satisfaction.values:
        raise InvalidInput("满意度无效", field="satisfaction")

    def body(case: Case) -> Case:
        _case_step(
            case,
            actor,
            "follow_up",
            now=now,
            reason=note.strip(),
            fields={"satisfaction": satisfaction, "closed_at": now},
        )
        return case

    return _run(actor, case_id, expected_version, body)


def case_reopen(
    *,
    actor: Actor,
    case_id: int,
    reason: str,
    now: datetime | None = None,
    expected_version: int | None = None,
) -> Case:
    now = _now(now)

    def body(case: Case) -> Case:
        _case_step(
            case,
            actor,
            "reopen",
            now=now,
            reason=reason.strip(),
            fields={
                "reopen_count": case.reopen_count + 1,
                "closed_at": None,
                "route": "",
                "tier": "",
            },
        )
        _tell_hub(
            case,
            "reopened",
            f"群众不满意，事件重启：{case.title}",
            now,
            roles=[Role.HUB_DISPATCHER],
        )
        _tell_street(case, "reopened", f"群众不满意，事件重启：{case.title}", now)
        return case

    return _run(actor, case_id, expected_version, body)


def case_archive(
    *,
    actor: Actor | None,
    case_id: int,
    note: str = "",
    now: datetime | None = None,
    expected_version: int | None = None,
) -> Case:
    now = _now(now)

    def body(case: Case) -> Case:
        _case_step(case, actor, "archive", now=now, reason=note)
        return case

    return _run(actor, case_id, expected_version, body)


def case_attach(
    *,
    actor: Actor,
    case_id: int,
    files: Sequence[UploadedFile],
    note: str = "",
    now: datetime | None = None,
    expected_version: int | None = None,
) -> Case:
    """补充材料: photos or documents added to an open case, recorded in its trail."""
    now = _now(now)
    if not files:
        raise InvalidInput("请选择要上传的文件", field="files")
    checked = _check_files(files)

    def body(case: Case) -> Case:
        rules.enforce(rules.check_case(case.state, "attach", actor.role), case, {}, note)
        refs = _store_files(case, checked, actor, now)
        _case_step(case, actor, "attach", now=now, reason=note.strip(), attachments=refs)
        return case

    return _run(actor, case_id, expected_version, body)
