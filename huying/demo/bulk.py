"""The demo year's plain cases, written in bulk.

Most cases of a real year take the same short road: reported, triaged as L1, handled in the
grid, verified, followed up (satisfied or not, not reopened) and archived. Driving each of
them through the services costs seven round trips of loads, compare-and-sets and inserts
(≈ 45 SQL statements a case); the demo year has thousands. ``PlainWriter`` makes the same
rows without them: each step is checked against the rule table (``rules.check_case`` and
``rules.enforce``), its event is built by the engine's own ``prepare_event`` (the same
before/after snapshots, recorded row changes and, once the case row has its id, the same
keyed seal), the clocks by the engine's ``case_clock`` on the working-day calendar, the
notifications go to the same people with the same words, and the case number comes from the
real counter at the moment the case is reported, so numbering interleaves with the cases the
services write. The case row, its events and its notifications are inserted with a few
statements per simulated day; then whoever listens to the trails (``hooks.events_appended``:
the integrations' webhook outbox) hears of the events, each with the case as its step left
it, as if the services had appended them. In ``huying demo`` the year is built before any
subscription exists, so no delivery is made then; a subscription made first would get them.

What the daily deadline sweep would have done to such a case is done too: a clock past its
warning time at a sweep gets the due-soon notice (``warned_due_at`` and a notification, as
``sweep._warn``). A case a sweep would find overdue is not plain: ``PlainWriter.add``
refuses it and the simulation drives it through the services instead.

``drive_through_services`` runs the same ``PlainCase`` through the real services; the tests
compare the two row for row.
"""

from __future__ import annotations

import bisect
import copy
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from django.conf import settings
from django.core.files.uploadedfile import UploadedFile
from django.db.models import Model
from django.urls import reverse
from django.utils import translation
from django.utils.text import format_lazy

from huying.cases import hooks, rules
from huying.cases import services as case_services
from huying.cases.models import Case, CaseEvent, CaseState, Route, Tier
from huying.cases.reminders import parse_thresholds, reached, reminder_message
from huying.cases.services.engine import (
    NO_CLOCK,
    case_clock,
    check_files,
    prepare_event,
    seal,
    store_files,
    who_of,
)
from huying.cases.services.intake import allocate_case_number
from huying.catalogue.models import CatalogueItem, Level
from huying.core.audit import GENESIS
from huying.core.errors import PermissionDenied
from huying.core.files import CheckedFile
from huying.core.models import Notification
from huying.core.rows import insert_objects, update_column
from huying.core.workcalendar import load_calendar
from huying.org.actors import Actor
from huying.org.models import OrgUnit, Role
from huying.org.roles import STREET_ROLES
from huying.org.selectors import user_ids_with_roles

S = CaseState

# The services' notification texts (cases/services: intake, self_handling, closure, sweep),
# kept in variables so that makemessages does not list this module as a second source; the
# tests compare what both write.
_ENVELOPE = "【{number}】{message}"
_SUBMITTED = "新问题待研判：{title}"
_SELF_DONE = "自行处置完毕，待核查：{title}"
_FOLLOW_UP = "核查通过，请回访反映人：{title}"
_DUE_SOON = "即将到期，请抓紧处置/核查"

SELF_HANDLE_NOTE = "小事不出网格"
ARCHIVE_NOTE = "资料齐全，备案"


@dataclass
class PlainCase:
    """Everything a plain case's seven steps need: who, what, where and when."""

    reporter: Actor
    street_actor: Actor
    worker: Actor
    follow_up_by: Actor
    archive_by: Actor
    grid: OrgUnit
    district: OrgUnit
    street: OrgUnit
    community: OrgUnit
    item: CatalogueItem
    source: str
    title: str
    description: str
    address: str
    lat: float
    lng: float
    reporter_name: str
    reporter_phone: str
    result: str
    satisfaction: str
    satisfaction_note: str
    #: submit, triage, self_handle, complete_self, verify_pass, follow_up, archive; the
    #: steps after the year's end are not taken (only the archive may be left out).
    times: list[datetime]
    #: The photos sent with the report and with the grid worker's result.
    report_photos: list[UploadedFile] = field(default_factory=list)
    result_photos: list[UploadedFile] = field(default_factory=list)


@dataclass
class _Built:
    case: Case
    events: list[CaseEvent]
    #: The case as each event's step left it (for the trail's listeners).
    states: list[Case] = field(default_factory=list)
    #: (recipients, kind, template, its values, moment, the deadline then): rendered once
    #: the number is known.
    notices: list[tuple[list[int], str, str, dict[str, Any], datetime, datetime | None]] = field(
        default_factory=list
    )
    #: The (deadline, threshold) reminders (``cases.reminders``) its sweeps have sent.
    reminded: set[tuple[datetime, str]] = field(default_factory=set)
    #: (the event's index, its checked files, who sent them, when): stored once the case
    #: row has its id, their refs put in the event before it is sealed.
    files: list[tuple[int, list[CheckedFile], Actor, datetime]] = field(default_factory=list)


def _text(template: str, number: str, values: dict[str, Any]) -> str:
    """``engine.tell``'s words (call in the site's language)."""
    message = str(format_lazy(translation.gettext_lazy(template), **values))
    return str(format_lazy(translation.gettext_lazy(_ENVELOPE), number=number, message=message))


class PlainWriter:
    def __init__(self, *, sweeps: list[datetime], year_end: datetime) -> None:
        #: The moments the simulation sweeps deadlines, sorted.
        self.sweeps = sweeps
        self.year_end = year_end
        self.pending: list[_Built] = []
        self.cases = 0
        self.steps = 0
        self._recipients: dict[tuple[tuple[int, ...], tuple[str, ...]], list[int]] = {}
        self.calendar = load_calendar()
        self.thresholds = parse_thresholds(settings.HUYING_REMINDER_THRESHOLDS)

    # --- building one case in memory ----------------------------------------------------------

    def add(self, spec: PlainCase) -> bool:
        """Build the case (written by the next ``flush``), or False when a sweep would find
        it overdue or it is not followed up within the year: then it is not plain, and
        nothing was done."""
        built = self._build(spec, number="")
        if built is None:
            return False
        # Numbered only now, so that a refused case leaves no gap in the day's numbers.
        number = allocate_case_number(spec.district, spec.times[0])
        built.case.number = number
        first = built.events[0]
        first.after["number"] = first.changes["case"]["number"] = number
        self.pending.append(built)
        self.cases += 1
        self.steps += len(built.events)
        return True

    def _build(self, spec: PlainCase, *, number: str) -> _Built | None:
        times = [t for t in spec.times if t <= self.year_end]
        if len(times) < 6:  # still open at the year's end: the services leave it so
            return None
        t = iter(times)
        at = next(t)
        if spec.reporter.role not in rules.INTAKE_ROLES:
            raise PermissionDenied("当前角色不能上报问题")  # as case_submit
        # Checked before anything is built, as case_submit and case_complete_self check them.
        report_files, result_files = (
            check_files(spec.report_photos),
            check_files(spec.result_photos),
        )
        case = Case(
            number=number,
            reporter_id=None,
            source=spec.source,
            title=spec.title.strip(),
            description=spec.description.strip(),
            reporter_name=spec.reporter_name,
            reporter_phone=spec.reporter_phone,
            lat=spec.lat,
            lng=spec.lng,
            address=spec.address.strip(),
            item=None,
            submission_key="",
            district=spec.district,
            street=spec.street,
            community=spec.community,
            grid=spec.grid,
            territory_path=spec.grid.path,
            state=S.SUBMITTED,
            version=0,
            reported_at=at,
            updated_at=at,
        )
        built = _Built(case, [])
        title = case.title
        self._event(
            built, spec.reporter, "submit", at, target=S.SUBMITTED, check=False,
            after={"number": number, "title": title, "source": case.source,
                   "territory": spec.grid.pk},
        )  # fmt: skip
        self._tell(built, [case.street_id], STREET_ROLES, "submitted", _SUBMITTED, at, title=title)
        if report_files:
            built.files.append((0, report_files, spec.reporter, at))
        at = next(t)
        item = spec.item
        offered = hooks.suggestion(case.title, case.description, case.district_id)
        self._event(
            built,
            spec.street_actor,
            "triage",
            at,
            fields={"item": item, "level": item.default_level},
            after={"suggested": offered.record(item.code, item.default_level)},
        )
        at = handling_from = next(t)
        self._event(
            built, spec.street_actor, "self_handle", at, reason=SELF_HANDLE_NOTE,
            fields={"route": Route.SELF, "tier": Tier.GRID, **case_clock(case, "handling", at)},
        )  # fmt: skip
        at = next(t)
        if not self._swept(built, handling_from, at):
            return None
        verifying_from = at
        self._event(
            built, spec.worker, "complete_self", at, reason=spec.result,
            fields=case_clock(case, "verification", at),
        )  # fmt: skip
        if result_files:
            built.files.append((len(built.events) - 1, result_files, spec.worker, at))
        self._tell(built, [case.street_id], STREET_ROLES, "verify", _SELF_DONE, at, title=title)
        at = next(t)
        if not self._swept(built, verifying_from, at):
            return None
        self._event(built, spec.street_actor, "verify_pass", at, fields=dict(NO_CLOCK))
        if not rules.has_reporter(case):  # nobody to call back: closed as it passes
            self._event(built, None, "close_unreported", at, fields={"closed_at": at})
            next(t)  # the follow-up's moment passes unused
        else:
            self._tell(
                built, [case.community_id or case.street_id or 0],
                [Role.COMMUNITY_STAFF, *STREET_ROLES], "follow_up", _FOLLOW_UP, at, title=title,
            )  # fmt: skip
            at = next(t)
            self._event(
                built, spec.follow_up_by, "follow_up", at, reason=spec.satisfaction_note,
                fields={"satisfaction": spec.satisfaction, "closed_at": at},
            )  # fmt: skip
        for at in t:
            self._event(built, spec.archive_by, "archive", at, reason=ARCHIVE_NOTE)
        return built

    def _event(
        self,
        built: _Built,
        actor: Actor | None,
        action: str,
        at: datetime,
        *,
        reason: str = "",
        fields: dict[str, Any] | None = None,
        target: str | None = None,
        after: dict[str, Any] | None = None,
        check: bool = True,
    ) -> None:
        """One step as ``engine.case_step`` takes it (no files, no assignments)."""
        case, who = built.case, who_of(actor)
        if check:
            rule = rules.check_case(case.state, action, who.role)
            rules.enforce(rule, case, {}, reason)
            assert rule.target != rules.RESTORE
            target = rule.target
        event, updates = prepare_event(
            case, who=who, action=action, now=at, case_fields=fields or {}, target=target,
            reason=reason, after=after, assignment_changes={},
        )  # fmt: skip
        for name, value in updates.items():
            setattr(case, name, value)
        built.events.append(event)
        built.states.append(copy.copy(case))

    def _swept(self, built: _Built, since: datetime, until: datetime) -> bool:
        """The sweeps that saw the case's clock (set at ``since``, replaced at ``until``): a
        due-soon notice once the warning time has passed; False if one found it overdue.
        At the same moment the sweep runs before the step (it was queued first)."""
        case = built.case
        due, warn = case.due_at, case.warn_at
        assert due is not None and warn is not None
        first = bisect.bisect_right(self.sweeps, since)
        last = bisect.bisect_right(self.sweeps, until)
        for moment in self.sweeps[first:last]:
            if due < moment:
                return False
            if warn <= moment and case.warned_due_at != due:
                case.warned_due_at = due
                self._tell(built, [case.street_id], STREET_ROLES, "due_soon", _DUE_SOON, moment)
            self._remind(built, due, moment)
        return True

    def _remind(self, built: _Built, due: datetime, moment: datetime) -> None:
        """The sweep's 即将超期 reminder (``cases.reminders``): the tightest threshold reached,
        once per threshold and deadline. The keys are not written: the deadline is past
        before any real sweep runs, and its window never reaches it."""
        case = built.case
        unit = case.clock_unit or "minutes"
        left = self.calendar.remaining(moment, due, unit)
        hits = reached(self.thresholds, left=left, clock_unit=unit, calendar=self.calendar)
        if not hits or (due, hits[-1].code) in built.reminded:
            return
        built.reminded.update((due, t.code) for t in hits)
        text = reminder_message(hits[-1])
        self._tell(built, [case.street_id], STREET_ROLES, "reminder", "{text}", moment, text=text)

    def _tell(
        self,
        built: _Built,
        unit_ids: list[int | None],
        roles: Any,
        kind: str,
        template: str,
        at: datetime,
        **values: Any,
    ) -> None:
        """``engine.tell`` → ``core.notify.notify``, not yet written."""
        ids = tuple(sorted(u for u in unit_ids if u))
        if not ids:
            return
        key = (ids, tuple(sorted(str(r) for r in roles)))
        recipients = self._recipients.get(key)
        if recipients is None:
            recipients = sorted(set(user_ids_with_roles(list(ids), list(key[1]))))
            self._recipients[key] = recipients
        built.notices.append((recipients, kind, template, values, at, built.case.due_at))

    # --- writing ------------------------------------------------------------------------------

    def flush(self) -> None:
        """Insert the cases built since the last flush: the rows, then (with their ids) the
        sealed events, the chain heads and the notifications."""
        if not self.pending:
            return
        built, self.pending = self.pending, []
        Case.objects.bulk_create([b.case for b in built], batch_size=500)
        events: list[CaseEvent] = []
        for b in built:
            for index, checked, actor, at in b.files:
                b.events[index].attachments = store_files(b.case, checked, actor, at)
            prev = GENESIS
            for event in b.events:
                event.case_id = b.case.pk
                event.prev_hash = prev
                event.hash = prev = seal(event)
            b.case.trail_head = prev
            events += b.events
        update_column(Case, "trail_head", [(b.case.trail_head, b.case.pk) for b in built])
        insert_objects(events)
        # Their ids, for the trail's listeners (a webhook delivery names its event).
        ids = {
            (case_id, seq): pk
            for pk, case_id, seq in CaseEvent.objects.filter(
                case_id__in=[b.case.pk for b in built]
            ).values_list("pk", "case_id", "seq")
        }
        for event in events:
            event.pk = ids[event.case_id, event.seq]
            event._state.adding, event._state.db = False, CaseEvent.objects.db
        for b in built:
            for event, state in zip(b.events, b.states, strict=True):
                state.pk, state.number = b.case.pk, b.case.number
                event.case = state
        hooks.events_appended(events)
        notifications = []
        with translation.override(settings.LANGUAGE_CODE):
            for b in built:
                number = b.case.number
                url = reverse("cases:detail", args=[b.case.pk])
                for recipients, kind, template, values, at, due in b.notices:
                    message = _text(template, number, values)[:500]
                    notifications += [
                        Notification(
                            recipient_id=uid,
                            kind=kind,
                            subject=number,
                            message=message,
                            title=b.case.title,
                            due_at=due,
                            url=url,
                            urgent=b.case.level == Level.MAJOR,
                            created_at=at,
                        )
                        for uid in recipients
                    ]
        insert_objects(notifications)


def drive_through_services(spec: PlainCase, *, sweeps: Sequence[datetime] = ()) -> Case:
    """The same case through the services, step by step, with the deadline sweeps at
    ``sweeps`` in between (a sweep at a step's moment runs first): what the tests compare
    ``PlainWriter`` with."""
    from huying.cases.sweep import sweep_deadlines

    times = spec.times
    street = spec.street_actor
    pending = sorted(sweeps)

    def at(moment: datetime) -> datetime:
        while pending and pending[0] <= moment:
            sweep_deadlines(now=pending.pop(0))
        return moment

    cid = case_services.case_submit(
        actor=spec.reporter, title=spec.title, description=spec.description, source=spec.source,
        lat=spec.lat, lng=spec.lng, address=spec.address, reporter_name=spec.reporter_name,
        reporter_phone=spec.reporter_phone, files=spec.report_photos, now=at(times[0]),
    ).pk  # fmt: skip
    case_services.case_triage(actor=street, case_id=cid, item_id=spec.item.pk, now=at(times[1]))
    case_services.case_self_handle(
        actor=street, case_id=cid, note=SELF_HANDLE_NOTE, now=at(times[2])
    )
    case_services.case_complete_self(
        actor=spec.worker, case_id=cid, result=spec.result, files=spec.result_photos,
        now=at(times[3]),
    )  # fmt: skip
    verified = case_services.case_verify(actor=street, case_id=cid, passed=True, now=at(times[4]))
    if rules.has_reporter(verified):
        case_services.case_follow_up(
            actor=spec.follow_up_by, case_id=cid, satisfaction=spec.satisfaction,
            note=spec.satisfaction_note, now=at(times[5]),
        )  # fmt: skip
    if len(times) > 6:
        case_services.case_archive(
            actor=spec.archive_by, case_id=cid, note=ARCHIVE_NOTE, now=at(times[6])
        )
    return Case.objects.get(pk=cid)


def row_values(obj: Model, *, skip: tuple[str, ...] = ()) -> dict[str, Any]:
    """A row's column values by attname (for the tests' comparisons)."""
    return {
        f.attname: getattr(obj, f.attname)
        for f in obj._meta.concrete_fields
        if f.attname not in skip
    }
