"""The one door every case write passes through.

Load the case from the actor's scope (404 when out of scope), look the action up in
``rules``, check guard and reason, compare-and-set the case's version (and the
assignment's), append one hash-chained event per change, and write notifications into the
outbox in the same transaction.

A concurrent change makes the compare-and-set fail. When the caller did not pin a version
the whole step is retried on fresh data, so two departments reporting in at once both
succeed, while two people verifying the same case cannot both win: the second finds the
state changed and gets a 409.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from datetime import datetime
from typing import Any, TypeVar

from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.db.models import Exists, OuterRef, QuerySet, Subquery
from django.urls import reverse
from django.utils import timezone
from django.utils.text import format_lazy
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, gettext_noop

from huying.cases import hooks, rules
from huying.cases.deadlines import ClockValues, clock_for
from huying.cases.models import (
    Assignment,
    AssignmentRole,
    AssignmentState,
    Attachment,
    Case,
    CaseEvent,
    CaseState,
    Route,
)
from huying.cases.replay import (
    ASSIGNMENT_FIELDS,
    CASE_FIELDS,
    assignment_row,
    case_row,
    recorded,
)
from huying.cases.selectors import assignments_actionable_by, cases_visible_to
from huying.cases.trailorder import (
    event_order_held,
    hold_event_order,
    read_holding_event_order,
)
from huying.catalogue.models import CatalogueItem, Level
from huying.catalogue.selectors import current_items_cached, item_cached
from huying.core.audit import GENESIS, HASH_VERSION, chain_hash, jsonable
from huying.core.errors import Conflict, InvalidInput, NotFound
from huying.core.files import FILES_PER_UPLOAD, CheckedFile, check_upload
from huying.core.i18n import join_list, site_text
from huying.core.middleware import current_request_id
from huying.core.notify import Notice, notify_each
from huying.core.rows import insert_one, update_where
from huying.core.workcalendar import WorkCalendar, load_calendar
from huying.org.actors import Actor
from huying.org.models import OrgUnit, Role
from huying.org.roles import DEPARTMENT_ROLES, HUB_ROLES, STREET_ROLES
from huying.org.selectors import hub_unit_ids, user_ids_with_roles

K = OrgUnit.Kind
A = AssignmentState
S = CaseState


T = TypeVar("T")


MAX_RETRIES = 3


@dataclass(frozen=True)
class Who:
    user_id: int | None
    role: str
    unit_id: int | None


def who_of(actor: Actor | None) -> Who:
    if actor is None:
        return Who(None, rules.SYSTEM, None)
    return Who(actor.user.pk, actor.role, actor.unit.pk)


def now_or(now: datetime | None) -> datetime:
    return now or timezone.now()


def run(
    actor: Actor | None, case_id: int, expected_version: int | None, body: Callable[[Case], T]
) -> T:
    """Load the case in scope and run one step in a transaction, retrying lost races."""

    def step() -> T:
        qs = Case.objects.all() if actor is None else cases_visible_to(actor)
        # The street comes along (what a write returns names it), not its polygon. A slice,
        # not ``first()``: one row at most, and ordering it was a third of this read's cost.
        case = next(
            iter(
                read_holding_event_order(
                    qs.select_related("street").defer("street__boundary")
                ).filter(pk=case_id)[:1]
            ),
            None,
        )
        if case is None:
            raise NotFound(_("事件不存在或无权查看"))
        if expected_version is not None and case.version != expected_version:
            raise Conflict(current_version=case.version)
        with event_order_held():
            return body(with_item(case))

    return retried(step, once=expected_version is not None)


def retried(step: Callable[[], T], *, once: bool = False) -> T:
    """``step`` in a transaction (its files kept only if it commits), tried again after a
    lost race unless the caller pinned a version (``once``)."""
    attempts = 1 if once else MAX_RETRIES
    for attempt in range(attempts):
        try:
            with files_kept_only_on_success(), transaction.atomic():
                return step()
        except Conflict:
            if attempt == attempts - 1:
                raise
    raise AssertionError("unreachable")


def with_item(case: Case) -> Case:
    if case.item_id is not None:
        case.item = item_cached(case.item_id)
    return case


#: The files ``store_files`` wrote during the current step.
_written: ContextVar[list[str] | None] = ContextVar("huying_step_files", default=None)


@contextmanager
def files_kept_only_on_success() -> Iterator[None]:
    """A refused or lost step leaves no file behind: storage is not transactional, so the
    files the step wrote (thumbnails too) are deleted when its transaction rolls back.

    Nested in another such block (a patrol finding wraps the report), the files are handed
    to the outer one on success: its transaction may still roll back."""
    outer = _written.get()
    written: list[str] = []
    token = _written.set(written)
    try:
        yield
    except BaseException:
        for name in written:
            default_storage.delete(name)
        raise
    finally:
        _written.reset(token)
    if outer is not None:
        outer.extend(written)


#: Why the steps in this block are taken, when someone above the actor decided them (a meeting's
#: decision, ``decided_by``): recorded on each event they append, so the trail says so.
_basis: ContextVar[dict[str, str] | None] = ContextVar("huying_step_basis", default=None)

#: What a basis's ``kind`` is called on the trail.
BASIS_LABELS = {"meeting": gettext_lazy("会议决定")}


@contextmanager
def decided_by(*, kind: str, ref: str, title: str) -> Iterator[None]:
    """Every event appended inside the block records it as decided by ``kind`` (a key of
    ``BASIS_LABELS``) ``title``, whose reference is ``ref``: the steps themselves still go
    through their rules, for the actor who carries them out."""
    if kind not in BASIS_LABELS:
        raise ValueError(f"unknown basis {kind!r}")
    token = _basis.set({"kind": kind, "ref": ref, "title": title})
    try:
        yield
    finally:
        _basis.reset(token)


def basis_of(event: CaseEvent) -> str:
    """What the trail shows of an event's basis, e.g. "会议决定 · 第1街道周例会（2026-03-09）";
    empty when the actor decided it."""
    basis = event.after.get("basis") if isinstance(event.after, dict) else None
    if not basis or basis.get("kind") not in BASIS_LABELS:
        return ""
    return f"{BASIS_LABELS[basis['kind']]} · {basis.get('title', '')}"


def known_assignments(case: Case) -> list[Assignment] | None:
    """The case's assignments as the step holds them, current, without a statement: read
    with the case in the step's first statement (``run_assignment``) and written since only
    through the one it acts on, whose object is among them. None when the step read none or
    wrote another (every assignment write is in the trail: ``append_event``'s changes)."""
    read = case.__dict__.get("_assignments_read")
    if read is None:
        return None
    rows, held = read
    return rows if case.__dict__.get("_assignments_written", set()) <= {held} else None


def current_round(case: Case) -> QuerySet[Assignment]:
    """The assignments of the case's current round (see ``Assignment.round``)."""
    return case.assignments.filter(round=case.reopen_count)


def snapshot(obj: Any, fields: Iterable[str]) -> dict[str, Any]:
    return {f: jsonable(getattr(obj, f)) for f in fields}


def append_event(
    case: Case,
    *,
    who: Who,
    action: str,
    now: datetime,
    case_fields: dict[str, Any],
    target: str | None,
    reason: str = "",
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
    assignment: Assignment | None = None,
    attachments: Sequence[dict[str, Any]] = (),
    assignment_changes: dict[str, dict[str, Any]] | None = None,
) -> CaseEvent:
    """Compare-and-set the case row and append the event that records the change.

    ``assignment_changes``: what this step already wrote to assignment rows (by id), so the
    event says it too (see ``huying.cases.replay``)."""
    from_state, version, head = case.state, case.version, case.trail_head
    if assignment_changes:
        case.__dict__.setdefault("_assignments_written", set()).update(
            int(pk) for pk in assignment_changes
        )
    event, updates = prepare_event(
        case,
        who=who,
        action=action,
        now=now,
        case_fields=case_fields,
        target=target,
        reason=reason,
        before=before,
        after=after,
        assignment=assignment,
        attachments=attachments,
        assignment_changes=assignment_changes,
    )
    if case._state.adding and case.pk is not None:
        # A new case that took its id before its row was written (``counter_next_and_id``):
        # its row is written once, sealed, and nobody else can have changed it.
        for name, value in updates.items():
            setattr(case, name, value)
        case.save(force_insert=True)
    else:
        # The head is part of the compare-and-set: a step that read the chain before a
        # re-key (``verify-trail --rekey``) must not append to the old head.
        won = update_where(
            Case, updates, pk=case.pk, version=version, state=from_state, trail_head=head
        )
        if won != 1:
            raise Conflict()
        for name, value in updates.items():
            setattr(case, name, value)
    hold_event_order()  # the feed must not read past this id before it commits
    insert_one(event)
    hooks.event_appended(event)  # webhook deliveries, in this transaction
    return event


def prepare_event(
    case: Case,
    *,
    who: Who,
    action: str,
    now: datetime,
    case_fields: dict[str, Any],
    target: str | None,
    reason: str = "",
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
    assignment: Assignment | None = None,
    attachments: Sequence[dict[str, Any]] = (),
    assignment_changes: dict[str, dict[str, Any]] | None = None,
) -> tuple[CaseEvent, dict[str, Any]]:
    """The sealed event that records a change and the case row's new values, written
    nowhere: ``append_event`` writes them with its compare-and-set; the demo builder
    (``huying.demo.bulk``) writes many at once. The case is not changed. With ``case.pk``
    unset the event is left unsealed (``seal`` it once the case row has its id)."""
    from_state = case.state
    to_state = target or from_state
    before = dict(before or {}) | snapshot(case, case_fields)
    after = dict(after or {}) | {k: jsonable(v) for k, v in case_fields.items()}
    if (basis := _basis.get()) is not None:
        after["basis"] = basis
    if to_state != from_state:
        before["state"], after["state"] = from_state, to_state
    seq = case.version + 1
    prev_hash = case.trail_head or GENESIS
    updates = {
        **case_fields,
        **_first_overdue(case, case_fields, now),
        "state": to_state,
        "version": seq,
        "trail_head": "",  # set below, once the event is sealed
        "updated_at": now,
    }
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
        reason=reason.strip(),  # the trail keeps what was meant, not stray whitespace
        before=before,
        after=after,
        attachments=list(attachments),
        request_id=current_request_id(),
        changes={
            "case": _case_changes(case, updates, first=seq == 1),
            "assignments": dict(assignment_changes or {}),
        },
        hash_version=HASH_VERSION,
        prev_hash=prev_hash,
    )
    if case.pk is not None:
        event.hash = seal(event)
        updates["trail_head"] = event.hash
    return event, updates


def _case_changes(case: Case, updates: dict[str, Any], *, first: bool) -> dict[str, Any]:
    """The replayed case fields this event sets; the first event of a case sets them all."""
    if not first:
        return recorded(updates, CASE_FIELDS)
    row = case_row(case)
    return row | recorded(updates, CASE_FIELDS)


def seal(event: CaseEvent) -> str:
    return chain_hash(event.prev_hash, event_payload(event), event.hash_version)


def _first_overdue(case: Case, case_fields: dict[str, Any], now: datetime) -> dict[str, Any]:
    """The first event that flags the case overdue stamps when (reopening keeps the stamp:
    the case was late once, as the trail says)."""
    if case_fields.get("overdue") is True and case.first_overdue_at is None:
        return {"first_overdue_at": now}
    return {}


def event_payload(event: CaseEvent) -> dict[str, Any]:
    """The fields an event's hash covers (also used by the trail verifier). The keyed
    scheme covers the recorded row changes and the scheme itself too."""
    payload = {
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
    if event.hash_version >= 2:
        payload |= {"changes": event.changes, "hash_version": event.hash_version}
    return payload


def case_step(
    case: Case,
    actor: Actor | None,
    action: str,
    *,
    now: datetime,
    reason: str = "",
    fields: dict[str, Any] | None = None,
    params: dict[str, Any] | None = None,
    extra_after: dict[str, Any] | None = None,
    files: Sequence[CheckedFile] = (),
    assignments: dict[Assignment, dict[str, Any]] | None = None,
    created: Sequence[Assignment] = (),
) -> CaseEvent:
    """One step on the case; its ``files`` are stored only once the rule has allowed it.
    ``assignments``: what the step changes on assignment rows (urging, supervising, pausing
    and resuming their clocks), written here, once the rule allowed the step, and recorded in
    the same event. ``created``: assignments the step has just made."""
    who = who_of(actor)
    rule = rules.check_case(case.state, action, who.role)
    rules.enforce(rule, case, params or {}, reason)
    target = case.suspended_from if rule.target == rules.RESTORE else rule.target
    attachments = store_files(case, files, actor, now)
    changes = {str(a.pk): assignment_row(a) for a in created}
    for a, values in (assignments or {}).items():
        changes[str(a.pk)] = write_assignment(a, values)
    return append_event(
        case,
        who=who,
        action=action,
        now=now,
        case_fields=fields or {},
        target=target,
        reason=reason,
        after=extra_after,
        attachments=attachments,
        assignment_changes=changes,
    )


def write_assignment(assignment: Assignment, values: dict[str, Any]) -> dict[str, Any]:
    """Compare-and-set one assignment row; returns the change as the event records it."""
    updates = {**values, "version": assignment.version + 1}
    won = Assignment.objects.filter(pk=assignment.pk, version=assignment.version).update(**updates)
    if won != 1:
        raise Conflict()
    for name, value in updates.items():
        setattr(assignment, name, value)
    return recorded(updates, ASSIGNMENT_FIELDS)


def assignment_step(
    case: Case,
    assignment: Assignment,
    actor: Actor | None,
    action: str,
    *,
    now: datetime,
    reason: str = "",
    fields: dict[str, Any] | Callable[[], dict[str, Any]] | None = None,
    case_fields: dict[str, Any] | None = None,
    params: dict[str, Any] | None = None,
    files: Sequence[CheckedFile] = (),
) -> CaseEvent:
    """``fields`` may be a function: new clock values are computed only once the rule has
    allowed the step (a refused step must not first do arithmetic on a clock it has not got).
    Likewise ``files`` are stored only then."""
    who = who_of(actor)
    rule = rules.check_assignment(assignment.state, action, who.role, case_state=case.state)
    rules.enforce(rule, assignment, params or {}, reason)
    fields = dict((fields() if callable(fields) else fields) or {})
    from_state = assignment.state
    to_state = assignment.return_from if rule.target == rules.RESTORE else rule.target or from_state
    if to_state not in rules.WORKING_STATES and assignment.extension_requested_until:
        # A pending extension lapses when the department stops working on the assignment
        # (fed back, asked to return, withdrawn): nothing is left for the hub to rule on.
        fields.setdefault("extension_requested_until", None)
    before = snapshot(assignment, fields) | {"assignment_state": from_state}
    updates = {**fields, "state": to_state, "version": assignment.version + 1}
    won = Assignment.objects.filter(
        pk=assignment.pk, version=assignment.version, state=from_state
    ).update(**updates)
    if won != 1:
        raise Conflict()
    for name, value in updates.items():
        setattr(assignment, name, value)
    attachments = store_files(case, files, actor, now)
    change = {str(assignment.pk): recorded(updates, ASSIGNMENT_FIELDS)}
    after = {k: jsonable(v) for k, v in fields.items()} | {
        "assignment_state": to_state,
        "department": assignment.department_id,
    }
    return append_event(
        case,
        who=who,
        action=rules.assignment_action(action),
        now=now,
        case_fields=case_fields or {},
        target=None,
        reason=reason,
        before=before,
        after=after,
        assignment=assignment,
        attachments=attachments,
        assignment_changes=change,
    )


def calendar() -> WorkCalendar:
    return load_calendar()


def hub_of(case: Case) -> list[int]:
    return hub_unit_ids(case.district_id)


def tell(
    unit_ids: list[int],
    roles: Iterable[str],
    case: Case,
    kind: str,
    message: Any,
    now: datetime,
    *,
    due_at: datetime | None = None,
) -> None:
    """Notify the people in ``roles`` at ``unit_ids``. ``message`` is lazy (``format_lazy``
    of a ``gettext_lazy`` text): it goes to other people, so it is written in the site's
    language, not in that of the person whose request sent it. ``due_at``: the deadline the
    message is about (an assignment's), else the case's."""
    ids = [u for u in unit_ids if u]
    if ids:
        tell_users(user_ids_with_roles(ids, list(roles)), case, kind, message, now, due_at=due_at)


def tell_users(
    user_ids: Iterable[int],
    case: Case,
    kind: str,
    message: Any,
    now: datetime,
    *,
    due_at: datetime | None = None,
) -> None:
    notify_each([notice(user_ids, case, kind, message, due_at=due_at)], now=now)


def notice(
    user_ids: Iterable[int],
    case: Case,
    kind: str,
    message: Any,
    *,
    due_at: datetime | None = None,
) -> Notice:
    """The notice itself: the case's number, title, deadline and page; urgent (no quiet
    hours) for an L4 case."""
    text = format_lazy(gettext_lazy("【{number}】{message}"), number=case.number, message=message)
    return Notice(
        recipient_ids=tuple(user_ids),
        kind=kind,
        subject=case.number,
        message=site_text(text),
        title=case.title,
        due_at=due_at or case.due_at,
        url=reverse("cases:detail", args=[case.pk]),
        urgent=case.level == Level.MAJOR,
    )


def tell_department(a: Assignment, case: Case, kind: str, message: Any, now: datetime) -> None:
    notify_each([department_notice(a, case, kind, message)], now=now)


def department_notice(a: Assignment, case: Case, kind: str, message: Any) -> Notice:
    """To the people of the assignment's department, about its deadline."""
    people = user_ids_with_roles([a.department_id], list(DEPARTMENT_ROLES))
    return notice(people, case, kind, message, due_at=a.due_at)


def tell_hub(
    case: Case, kind: str, message: Any, now: datetime, roles: Iterable[str] = HUB_ROLES
) -> None:
    tell(hub_of(case), roles, case, kind, message, now)


def tell_street(case: Case, kind: str, message: Any, now: datetime) -> None:
    notify_each([street_notice(case, kind, message)], now=now)


def street_notice(case: Case, kind: str, message: Any) -> Notice:
    """To the street's callers and leaders (nobody for a case with no street)."""
    people = user_ids_with_roles([case.street_id], list(STREET_ROLES)) if case.street_id else []
    return notice(people, case, kind, message)


def check_files(files: Sequence[UploadedFile]) -> list[CheckedFile]:
    if len(files) > FILES_PER_UPLOAD:
        raise InvalidInput(_("一次最多上传 %(n)d 个附件") % {"n": FILES_PER_UPLOAD}, field="files")
    return [check_upload(f) for f in files]


def store_files(
    case: Case, checked: Sequence[CheckedFile], actor: Actor | None, now: datetime
) -> list[dict[str, Any]]:
    """Write the checked files under generated names (``<uuid>.jpg``; the client's name is
    only data) with their thumbnails, remembered for ``files_kept_only_on_success``; the
    refs go into the step's event."""
    written = _written.get()
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
        att.file.save(f"{uuid.uuid4().hex}{c.extension}", c.content, save=False)
        if written is not None and att.file.name:
            written.append(att.file.name)
        if c.thumbnail is not None:
            thumb = default_storage.save(att.thumbnail_name, ContentFile(c.thumbnail))
            if written is not None:
                written.append(thumb)
        att.save()
        refs.append({"id": att.pk, "name": att.name, "sha256": att.sha256})
    return refs


def catalogue_item(item_id: int, district_id: int) -> CatalogueItem:
    """An item of the district's current published catalogue: an old version's item would
    bring its old limits, a draft's is not yet in force, and another district's would call
    that district's departments. From the remembered current items (no statement; another
    process sees a new version within HUYING_CATALOGUE_CACHE_SECONDS)."""
    item = next((i for i in current_items_cached(district_id) if i.pk == item_id), None)
    if item is None:
        raise InvalidInput(_("事项不存在或不在本区现行清单中"), field="item_id")
    return item


def clock(
    case: Case, stage: str, start: datetime, *, default_level: int = Level.GENERAL
) -> ClockValues:
    """A stage's deadline for this case, from its level and item (rules in ``deadlines``)."""
    return clock_for(start, stage, case.level or default_level, case.item, calendar())


def case_clock(case: Case, stage: str, now: datetime) -> dict[str, Any]:
    """The case's own clock columns (self-handling and verification run on the case)."""
    c = clock(case, stage, now, default_level=Level.SIMPLE)
    return {
        "due_at": c.due_at,
        "warn_at": c.warn_at,
        "clock_unit": c.unit,
        "paused_remaining": None,
    }


NO_CLOCK: dict[str, Any] = {
    "due_at": None,
    "warn_at": None,
    "clock_unit": "",
    "paused_remaining": None,
}


def run_assignment(
    actor: Actor | None,
    assignment_id: int,
    expected_version: int | None,
    body: Callable[[Case, Assignment], T],
) -> T:
    """``run`` for a step on an assignment. The assignment and its case are read in one
    statement (one snapshot: the case's compare-and-set then guards both); an assignment the
    actor may act on is on a case they may see (``assignments_actionable_by``)."""
    qs = Assignment.objects.all() if actor is None else assignments_actionable_by(actor)
    on_case = Assignment.objects.filter(pk=assignment_id).values("case_id")[:1]

    def step() -> T:
        # Every assignment of the case, the one acted on marked as the actor's to act on:
        # the response lists them all, and a step that writes only its own needs no other
        # read of them (``known_assignments``).
        rows = list(
            read_holding_event_order(
                Assignment.objects.select_related("case__street", "department")
                .defer("case__street__boundary", "department__boundary")
                .filter(case_id=Subquery(on_case))
                .annotate(actionable=Exists(qs.filter(pk=OuterRef("pk"))))
                .order_by("pk")
            )
        )
        assignment = next(
            (a for a in rows if a.pk == assignment_id and getattr(a, "actionable", False)), None
        )
        if assignment is None:
            raise NotFound(_("派单不存在或无权操作"))
        if expected_version is not None and assignment.version != expected_version:
            raise Conflict(current_version=assignment.version)
        case = assignment.case
        for a in rows:
            a.case = case
        case._assignments_read = (rows, assignment.pk)  # type: ignore[attr-defined]
        with event_order_held():
            return body(with_item(case), assignment)

    # The case's version is checked by the engine; a pinned version here is the assignment's.
    return retried(step, once=expected_version is not None)


def resume_clock(cal: WorkCalendar, now: datetime, clock: Any) -> tuple[datetime, datetime]:
    """New due and warn times after a pause: the same time left, the same warning margin."""
    remaining = clock.paused_remaining or 0
    margin = cal.remaining(clock.warn_at, clock.due_at, clock.clock_unit) if clock.warn_at else 0
    return (
        cal.resume(now, remaining, clock.clock_unit),
        cal.resume(now, max(0, remaining - margin), clock.clock_unit),
    )


# --- rules that span a case and its assignments (docs/lifecycle.md, "派单与事件") ---------


def one_live_assignment_per_department(case: Case, depts: Sequence[OrgUnit], *, field: str) -> None:
    """A department holds at most one live assignment per case: named twice in one
    dispatch, or already on the case (working, asking to return, or fed back)."""
    if len({d.pk for d in depts}) != len(depts):
        raise InvalidInput(_("同一部门不能重复派单"), field=field)
    live = set(
        current_round(case)
        .filter(state__in=rules.LIVE_ASSIGNMENT_STATES, department__in=depts)
        .values_list("department_id", flat=True)
    )
    if live:
        names = join_list(d.name for d in depts if d.pk in live)
        raise InvalidInput(
            _("该部门已在办理此事件：{departments}").format(departments=names), field=field
        )


def settle_round(case: Case, now: datetime) -> None:
    """What the round's assignments now mean for the case, after a department fed back or
    left it (its return upheld, or withdrawn by the hub). One rule for every way out:

    - the lead has left: the round ends with it. Co-handlers still working are withdrawn
      too (their work was planned around the lead) and the case goes back to 待派单 for a
      new dispatch, where they may be sent again; a co-handler that already fed back keeps
      its result;
    - every department still on the case has fed back: the calling street verifies;
    - otherwise the case stays with the departments.
    """
    if case.state != S.IN_PROGRESS:
        return
    known = known_assignments(case)
    if known is not None:
        staying = [
            a
            for a in known
            if a.round == case.reopen_count and a.state not in (A.RETURNED, A.WITHDRAWN)
        ]
    else:
        staying = list(current_round(case).exclude(state__in=[A.RETURNED, A.WITHDRAWN]))
    if not any(a.role == AssignmentRole.LEAD for a in staying):
        reason = gettext_noop("主办部门已退出本轮办理，待重新派单")
        for a in staying:
            if a.state in rules.LIVE_ASSIGNMENT_STATES - {A.RESULT_SUBMITTED}:
                assignment_step(case, a, None, "withdraw", now=now, reason=reason, fields=NO_CLOCK)
                tell_department(
                    a, case, "withdrawn", gettext_lazy("主办部门已退出，本次协办收回"), now
                )
        case_step(case, None, "reroute", now=now, reason=reason)
        message = format_lazy(gettext_lazy("主办部门已退出，待重新派单：{title}"), title=case.title)
        tell_hub(case, "reroute", message, now, roles=[Role.HUB_DISPATCHER])
        if case.route == Route.CALL:
            tell_street(case, "reroute", message, now)
        return
    if all(a.state == A.RESULT_SUBMITTED for a in staying):
        case_step(case, None, "results_in", now=now, fields=case_clock(case, "verification", now))
        tell_street(
            case,
            "verify",
            format_lazy(gettext_lazy("部门已办结，待核查：{title}"), title=case.title),
            now,
        )
