"""Writes of 会商与联合执法. Each is one transaction: bad input, a case outside the organiser's
scope or a step the case rules refuse changes nothing. What a meeting decides on a case is
carried out through the case services (``huying.cases.services``) for the organiser, so the
rules table still decides who may do what, and lands on the case's trail as 会议决定."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import date, datetime, time
from typing import Any

from django.conf import settings
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.db.models import F, Max
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from huying.cases import services as case_services
from huying.cases.models import Case, CaseState
from huying.cases.rules import ENDED_CASE_STATES, OPEN_CASE_STATES
from huying.cases.selectors import cases_visible_to
from huying.coordination import rules
from huying.coordination.agenda import draft_agenda
from huying.coordination.models import (
    AgendaItem,
    AgendaKind,
    Decision,
    DecisionKind,
    JointOperation,
    Meeting,
    MeetingKind,
    OperationPhoto,
)
from huying.coordination.selectors import meeting_get, operation_get
from huying.core.errors import InvalidInput, NotFound, PermissionDenied
from huying.core.files import FILES_PER_UPLOAD, CheckedFile, check_upload
from huying.core.i18n import join_list
from huying.org.actors import Actor, under
from huying.org.models import OrgUnit, Role

K = OrgUnit.Kind
#: One joint operation settles at most this many cases (a street's month of one problem).
MAX_LINKED = 100


def _text(value: str, field: str, *, label: str, limit: int, required: bool = True) -> str:
    value = (value or "").strip()
    if required and not value:
        raise InvalidInput(_("请填写{label}").format(label=label), field=field)
    if len(value) > limit:
        raise InvalidInput(
            _("{label}不能超过 {limit} 字").format(label=label, limit=limit), field=field
        )
    return value


def _stationed_units(actor: Actor, unit_ids: Sequence[int], field: str) -> list[OrgUnit]:
    """Departments and their field units (派出所, 执法大队, 市场监管所 …) of the actor's
    district, from the org tree."""
    ids = sorted(set(unit_ids))
    units = list(
        OrgUnit.objects.filter(
            under("path", actor.reach),
            pk__in=ids,
            kind__in=[K.DEPARTMENT, K.FIELD_UNIT],
            is_active=True,
        )
    )
    if len(units) != len(ids):
        raise InvalidInput(_("所选单位不是区级部门或派驻机构"), field=field)
    return units


def _cases_in_scope(actor: Actor, case_ids: Sequence[int]) -> list[Case]:
    ids = sorted(set(case_ids))
    if len(ids) > MAX_LINKED:
        raise InvalidInput(_("最多关联 %(max)d 个事件") % {"max": MAX_LINKED}, field="case_ids")
    cases = list(cases_visible_to(actor).filter(pk__in=ids).order_by("pk"))
    if len(cases) != len(ids):
        raise NotFound(_("事件不存在或无权查看"))
    for case in cases:
        if case.state in ENDED_CASE_STATES:
            raise InvalidInput(
                _("事件 {number} 已不予受理、已被合并或已拆分").format(number=case.number),
                field="case_ids",
            )
    return cases


# --- joint operations (一联合) -------------------------------------------------------------------


def operation_create(
    *,
    actor: Actor,
    title: str,
    problem: str,
    held_on: date,
    place: str,
    unit_ids: Sequence[int],
    participants: str = "",
    results: str = "",
    lat: float | None = None,
    lng: float | None = None,
    case_ids: Sequence[int] = (),
    files: Sequence[UploadedFile] = (),
    now: datetime | None = None,
) -> JointOperation:
    """Record a joint operation organised by the actor's street or the hub, with the
    stationed units that took part; the cases it settled get it on their trails."""
    now = now or timezone.now()
    if actor.role not in rules.OPERATION_ROLES:
        raise PermissionDenied(_("只有街道和呼应办可以组织联合执法"))
    values = {
        "title": _text(title, "title", label=_("行动名称"), limit=200),
        "problem": _text(problem, "problem", label=_("针对问题"), limit=2000),
        "place": _text(place, "place", label=_("地点"), limit=200),
        "participants": _text(
            participants, "participants", label=_("参与人员"), limit=2000, required=False
        ),
        "results": _text(results, "results", label=_("行动结果"), limit=4000, required=False),
    }
    if held_on > timezone.localdate(now):
        raise InvalidInput(_("行动日期不能晚于今天"), field="held_on")
    if (lat is None) != (lng is None):
        raise InvalidInput(_("经纬度须同时提供"), field="lat")
    if lat is not None and lng is not None and not (-90 <= lat <= 90 and -180 <= lng <= 180):
        raise InvalidInput(_("经纬度超出范围"), field="lat")
    units = _stationed_units(actor, unit_ids, "unit_ids")
    if not units:
        raise InvalidInput(_("请选择参与的驻街执法单位"), field="unit_ids")
    checked = _checked(files)
    saved: list[str] = []
    try:
        with transaction.atomic():
            cases = _cases_in_scope(actor, case_ids)
            op = JointOperation.objects.create(
                organiser=actor.unit,
                held_on=held_on,
                lat=lat,
                lng=lng,
                created_by=actor.user,
                created_at=now,
                **values,
            )
            op.units.set(units)
            _store(op, checked, saved)
            _link(actor, op, cases, now)
    except BaseException:
        _forget(saved)
        raise
    return op


def operation_add_photos(
    *, actor: Actor, operation_id: int, files: Sequence[UploadedFile]
) -> JointOperation:
    """Photos (or PDFs) of the operation's results, added after it was recorded: its
    organiser only, as for linking cases; a file that is not a photo or PDF refuses the
    whole upload, and nothing is stored."""
    if not files:
        raise InvalidInput(_("请选择要上传的照片"), field="files")
    checked = _checked(files)
    saved: list[str] = []
    try:
        with transaction.atomic():
            op = operation_get(actor, operation_id)
            JointOperation.objects.select_for_update().filter(pk=op.pk).first()
            if op.organiser_id != actor.unit.pk or actor.role not in rules.OPERATION_ROLES:
                raise PermissionDenied(_("只有组织单位可以上传照片"))
            _store(op, checked, saved)
    except BaseException:
        _forget(saved)
        raise
    return op


def _checked(files: Sequence[UploadedFile]) -> list[CheckedFile]:
    if len(files) > FILES_PER_UPLOAD:
        raise InvalidInput(_("一次最多上传 %(n)d 个附件") % {"n": FILES_PER_UPLOAD}, field="files")
    return [check_upload(f) for f in files]


def _store(op: JointOperation, checked: Sequence[CheckedFile], saved: list[str]) -> None:
    """Write the checked files under generated names (the client's name is only data),
    noting each in ``saved`` so that a refused write can take them away again."""
    for c in checked:
        name = default_storage.save(
            f"coordination/{op.pk}/{uuid.uuid4().hex}{c.extension}", c.content
        )
        saved.append(name)
        OperationPhoto.objects.create(
            operation=op,
            file=name,
            name=c.name,
            content_type=c.content_type,
            size=c.size,
            sha256=c.sha256,
        )


def _forget(saved: Sequence[str]) -> None:
    for name in saved:  # storage is not transactional: a refused record leaves no file
        default_storage.delete(name)


def operation_link_cases(
    *, actor: Actor, operation_id: int, case_ids: Sequence[int], now: datetime | None = None
) -> JointOperation:
    """Link more cases the operation settled (its organiser only); a case already linked is
    left as it is."""
    now = now or timezone.now()
    if not case_ids:
        raise InvalidInput(_("请选择事件"), field="case_ids")
    with transaction.atomic():
        op = operation_get(actor, operation_id)
        JointOperation.objects.select_for_update().filter(pk=op.pk).first()
        if op.organiser_id != actor.unit.pk or actor.role not in rules.OPERATION_ROLES:
            raise PermissionDenied(_("只有组织单位可以关联事件"))
        linked = set(op.cases.values_list("pk", flat=True))
        _link(actor, op, [c for c in _cases_in_scope(actor, case_ids) if c.pk not in linked], now)
    return op


def _link(actor: Actor, op: JointOperation, cases: list[Case], now: datetime) -> None:
    with translation.override(settings.LANGUAGE_CODE):  # stored: the site's language
        units = join_list(u.name for u in op.units.order_by("code"))
        reason = _("{title}（{day}，{units}）：{results}").format(
            title=op.title,
            day=f"{op.held_on:%Y-%m-%d}",
            units=units,
            results=op.results or op.problem,
        )
    for case in cases:
        case_services.case_note(
            actor=actor,
            case_id=case.pk,
            action="joint_operation.link",
            reason=reason,
            after={"operation": op.pk, "title": op.title},
            now=now,
        )
    op.cases.add(*cases)


# --- meetings (周例会、月度会、季联席会) --------------------------------------------------------------


def _organised(actor: Actor, meeting: Meeting) -> None:
    """Only the organiser edits a meeting and takes its decisions."""
    if meeting.organiser_id != actor.unit.pk or not rules.may_hold(actor.role, meeting.kind):
        raise PermissionDenied(_("只有会议的组织单位可以修改会议和作出决定"))


def _organiser_unit(actor: Actor, kind: str) -> OrgUnit:
    if kind not in MeetingKind.values:
        raise InvalidInput(_("会议类型无效"), field="kind")
    if not rules.may_hold(actor.role, kind):
        raise PermissionDenied(_("当前角色不能召开{kind}").format(kind=MeetingKind(kind).label))
    return actor.unit


def meeting_create(
    *,
    actor: Actor,
    kind: str,
    held_on: date,
    place: str = "",
    chair: str = "",
    attendee_ids: Sequence[int] = (),
    attendee_names: str = "",
    now: datetime | None = None,
) -> Meeting:
    """Open a meeting of the actor's unit with its agenda drafted from the data in the
    actor's scope (``agenda.draft_agenda``)."""
    now = now or timezone.now()
    organiser = _organiser_unit(actor, kind)
    values = {
        "place": _text(place, "place", label=_("地点"), limit=200, required=False),
        "chair": _text(chair, "chair", label=_("主持人"), limit=100, required=False),
        "attendee_names": _text(
            attendee_names, "attendee_names", label=_("参会人员"), limit=2000, required=False
        ),
    }
    attendees = list(
        OrgUnit.objects.filter(under("path", actor.reach), pk__in=set(attendee_ids), is_active=True)
    )
    if len(attendees) != len(set(attendee_ids)):
        raise InvalidInput(_("参会单位不存在"), field="attendee_ids")
    with transaction.atomic():
        meeting = Meeting.objects.create(
            kind=kind,
            organiser=organiser,
            held_on=held_on,
            created_by=actor.user,
            created_at=now,
            **values,
        )
        meeting.attendees.set(attendees)
        with translation.override(settings.LANGUAGE_CODE):  # stored: the site's language
            drafts = draft_agenda(actor, meeting, now=now)
        AgendaItem.objects.bulk_create(
            AgendaItem(
                meeting=meeting,
                position=i,
                kind=d.kind,
                text=d.text[:300],
                case_id=d.case_id,
                department_id=d.department_id,
            )
            for i, d in enumerate(drafts, start=1)
        )
    return meeting


def _locked(actor: Actor, meeting_id: int) -> Meeting:
    """The meeting in the actor's scope, locked for the edit, and theirs to edit."""
    meeting = meeting_get(actor, meeting_id)
    meeting = Meeting.objects.select_for_update().select_related("organiser").get(pk=meeting.pk)
    _organised(actor, meeting)
    return meeting


def _touch(meeting: Meeting) -> None:
    Meeting.objects.filter(pk=meeting.pk).update(version=F("version") + 1)


def agenda_add(
    *, actor: Actor, meeting_id: int, text: str, case_id: int | None = None
) -> AgendaItem:
    """A free-text item, or a case of the organiser's scope, at the end of the agenda."""
    text = _text(text, "text", label=_("议题"), limit=300, required=case_id is None)
    with transaction.atomic():
        meeting = _locked(actor, meeting_id)
        case = None
        if case_id is not None:
            case = _cases_in_scope(actor, [case_id])[0]
            if meeting.items.filter(case=case).exists():
                raise InvalidInput(
                    _("事件 {number} 已在议程中").format(number=case.number), field="case_id"
                )
            text = text or f"{case.number}“{case.title}”"
        last = meeting.items.aggregate(m=Max("position"))["m"] or 0
        item = AgendaItem.objects.create(
            meeting=meeting, position=last + 1, kind=AgendaKind.FREE, text=text, case=case
        )
        _touch(meeting)
    return item


def agenda_remove(*, actor: Actor, meeting_id: int, item_id: int) -> None:
    with transaction.atomic():
        meeting = _locked(actor, meeting_id)
        if not meeting.items.filter(pk=item_id).delete()[0]:
            raise NotFound(_("议题不存在"))
        _touch(meeting)


def agenda_move(*, actor: Actor, meeting_id: int, item_id: int, offset: int) -> None:
    """Move an item ``offset`` places (−1 up, +1 down); at either end it stays."""
    if offset not in (-1, 1):
        raise InvalidInput(_("只能上移或下移一位"), field="offset")
    with transaction.atomic():
        meeting = _locked(actor, meeting_id)
        items = list(meeting.items.order_by("position", "pk"))
        index = next((i for i, it in enumerate(items) if it.pk == item_id), None)
        if index is None:
            raise NotFound(_("议题不存在"))
        other = index + offset
        if 0 <= other < len(items):
            items[index], items[other] = items[other], items[index]
        for position, item in enumerate(items, start=1):
            item.position = position
        AgendaItem.objects.bulk_update(items, ["position"])
        _touch(meeting)


def meeting_summarise(*, actor: Actor, meeting_id: int, summary: str) -> Meeting:
    summary = _text(summary, "summary", label=_("会议纪要"), limit=8000, required=False)
    with transaction.atomic():
        meeting = _locked(actor, meeting_id)
        meeting.summary = summary
        meeting.save(update_fields=["summary"])
        _touch(meeting)
    return meeting


def meeting_decide(
    *,
    actor: Actor,
    meeting_id: int,
    case_id: int,
    kind: str,
    lead_id: int | None = None,
    co_ids: Sequence[int] = (),
    deadline: date | None = None,
    reason: str = "",
    now: datetime | None = None,
) -> Decision:
    """Decide on a case of the organiser's scope and carry it out:

    - ``assign``: a case waiting for dispatch goes to ``lead`` (the street's 对口呼叫, the
      hub's 派单 with ``co_ids``, the leader's 逆向派单); one already with departments gets
      ``co_ids`` as co-handlers (增派协办);
    - ``deadline``: the meeting sets the date it must be settled by (on the trail, and
      followed up at the next meeting);
    - ``escalate``: a case handled by the street moves up a tier (上报上一级 / 上报呼应办);
    - ``unsolvable``: 挂账 with the reason.

    The trail gets the decision (会议决定) and the step it takes, marked as the meeting's."""
    now = now or timezone.now()
    if kind not in DecisionKind.values:
        raise InvalidInput(_("决定类型无效"), field="kind")
    reason = _text(
        reason, "reason", label=_("理由"), limit=1000, required=kind == DecisionKind.UNSOLVABLE
    )
    if kind == DecisionKind.ASSIGN and lead_id is None and not co_ids:
        raise InvalidInput(_("请指定主办或协办部门"), field="lead_id")
    if kind == DecisionKind.DEADLINE and deadline is None:
        raise InvalidInput(_("请指定办结期限"), field="deadline")
    units = _stationed_units(actor, [*([lead_id] if lead_id else []), *co_ids], "co_ids")
    co = [u for u in units if u.pk != lead_id]
    lead = next((u for u in units if u.pk == lead_id), None)
    if lead is not None and lead.pk in set(co_ids):
        raise InvalidInput(_("主办部门不能同时为协办部门"), field="co_ids")
    with transaction.atomic():
        meeting = _locked(actor, meeting_id)
        if deadline is not None and deadline < meeting.held_on:
            raise InvalidInput(_("办结期限不能早于会议日期"), field="deadline")
        case = _cases_in_scope(actor, [case_id])[0]
        if case.state not in OPEN_CASE_STATES:
            raise InvalidInput(
                _("事件 {number} 已办结，不再作决定").format(number=case.number), field="case_id"
            )
        decision = Decision.objects.create(
            meeting=meeting,
            case=case,
            kind=kind,
            lead=lead,
            deadline=deadline,
            reason=reason,
            decided_by=actor.user,
            decided_at=now,
        )
        decision.co_handlers.set(co)
        with translation.override(settings.LANGUAGE_CODE):  # stored: the site's language
            text, title = _decision_text(decision, co), meeting.title
        case_services.case_note(
            actor=actor,
            case_id=case.pk,
            action="meeting.decide",
            reason=text,
            after={
                "meeting": meeting.pk,
                "decision": kind,
                "deadline": deadline.isoformat() if deadline else None,
            },
            open_only=True,
            now=now,
        )
        with case_services.decided_by(kind="meeting", ref=str(meeting.pk), title=title):
            _carry_out(actor, case.pk, decision, co, now)
        _touch(meeting)
    return decision


def _decision_text(decision: Decision, co: list[OrgUnit]) -> str:
    parts = [decision.meeting.title, str(DecisionKind(decision.kind).label)]
    if decision.lead is not None:
        parts.append(_("主办：{name}").format(name=decision.lead.name))
    if co:
        parts.append(_("协办：{names}").format(names=join_list(u.name for u in co)))
    if decision.deadline is not None:
        parts.append(_("限 {day} 前办结").format(day=f"{decision.deadline:%Y-%m-%d}"))
    if decision.reason:
        parts.append(decision.reason)
    return pgettext("clause separator", "；").join(parts)


def _carry_out(
    actor: Actor, case_id: int, decision: Decision, co: list[OrgUnit], now: datetime
) -> None:
    """The decision through the case services, as the organiser: whatever the rules table
    refuses to the organiser's role refuses the decision (and rolls it back)."""
    kind, note = decision.kind, decision.reason
    if kind == DecisionKind.DEADLINE:
        _set_deadline(actor, case_id, decision, now)
        return
    if kind == DecisionKind.ESCALATE:
        case_services.case_escalate(actor=actor, case_id=case_id, reason=note, now=now)
        return
    if kind == DecisionKind.UNSOLVABLE:
        case_services.case_suspend(actor=actor, case_id=case_id, reason=note, now=now)
        return
    state = Case.objects.values_list("state", flat=True).get(pk=case_id)
    co_ids = [u.pk for u in co]
    lead_id = decision.lead_id
    dispatch: dict[str, Any] = {"actor": actor, "case_id": case_id, "note": note, "now": now}
    if state == CaseState.IN_PROGRESS:
        if lead_id is not None or not co_ids:
            raise InvalidInput(_("事件已有主办部门，只能增派协办"), field="lead_id")
        case_services.case_add_co_handler(
            actor=actor, case_id=case_id, department_ids=co_ids, note=note, now=now
        )
    elif actor.role == Role.HUB_DISPATCHER:
        case_services.case_hub_dispatch(
            lead_department_id=lead_id,
            co_department_ids=co_ids,
            **dispatch,
        )
    elif actor.role == Role.DISTRICT_LEADER:
        case_services.case_leader_dispatch(
            lead_department_id=lead_id,
            co_department_ids=co_ids,
            **dispatch,
        )
    else:
        case_services.case_call(department_id=lead_id, **dispatch)
        if co_ids:
            case_services.case_add_co_handler(
                actor=actor, case_id=case_id, department_ids=co_ids, note=note, now=now
            )
    if decision.deadline is not None:  # assigned with a date to settle it by
        _set_deadline(actor, case_id, decision, now)


def _set_deadline(actor: Actor, case_id: int, decision: Decision, now: datetime) -> None:
    """The meeting's date is a day: the case is due by the end of it."""
    assert decision.deadline is not None
    until = timezone.make_aware(datetime.combine(decision.deadline, time(23, 59, 59)))
    reason = decision.reason or _("会议决定的办结期限")
    case_services.case_set_deadline(
        actor=actor, case_id=case_id, until=until, reason=reason, now=now
    )
