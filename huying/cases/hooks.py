"""What the apps above cases plug into it.

They may import cases; cases may not import them (core ← org ← catalogue ← cases ← grid ←
evaluation ← reports). Where a case page needs a higher app's part, cases names the shape of
it here and that app registers the real thing in its ``AppConfig.ready``:

- the indicator tables' drill-down (evaluation) narrows the case list to the cases behind
  one number, on the page and in a background export alike;
- a field worker's patrol (grid) joins the phone pages: the open patrol on the task page,
  and a report filed as one of its findings;
- the triage suggestion (triage) with the learned model blended in: what the triage form
  preselects and what the trail records beside the decision. Without it, the catalogue's
  cold-start scorer answers;
- whatever must happen with each event appended to a trail, in its transaction (the
  integrations' webhook outbox).
- more ways to reach a case's reporter than its own name and phone (open311: the e-mail a
  client passed), shown to the staff on the case page beside them;
- what else the report said, asked by the door it came through (open311: the answers to the
  service's attributes; roads: the segment a board's QR code named), shown on the case page
  under its description;
- what a link to the phone report page may preset (roads: a board's QR code names its road
  segment), recorded with the case it files;
- more words for the triage suggestion to read than the case's title and description (the
  hotline: the 12345 ticket's 诉求类型), and marks beside a case in the workbench's queues
  (the hotline: 紧急 when the ticket's 紧急程度 says so);
- a street's cases counted per community and per grid without reading its history (reports:
  the rollups), for the street home's breakdowns. Without it, the home counts them live.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol

from django.db import models
from django.db.models import QuerySet

from huying.cases.models import Case, CaseEvent
from huying.catalogue.selectors import current_items_cached
from huying.catalogue.suggest import Suggestion
from huying.catalogue.suggest import suggest as cold_start
from huying.org.actors import Actor
from huying.org.models import OrgUnit


class CaseRestriction(Protocol):
    """A set of cases named by the case list's query parameters, beyond its own filters."""

    def params(self) -> dict[str, str]:
        """The parameters that name it, for the filter form to carry."""
        ...

    def query(self) -> str:
        """The same as a query string: how a page links to it and an export job keeps it."""
        ...

    def cases(self, actor: Actor) -> QuerySet[Case]: ...

    def caption(self, actor: Actor, *, narrowed: bool = False) -> str:
        """The banner above the list; ``narrowed``: the list's own filters narrow it."""
        ...

    def back_url(self) -> str:
        """The page the list was opened from."""
        ...


@dataclass(frozen=True)
class Preset:
    """What one preset puts on the report form: a line above it and the fields' first values."""

    caption: str
    initial: Mapping[str, Any]


class ReportPreset(Protocol):
    """A query parameter of the report page's link (``param=value``), carried through the form
    in a hidden field."""

    param: str

    def resolve(self, value: str) -> Preset | None:
        """None when the value names nothing (a stale QR code): the form opens without it."""
        ...

    def attach(self, case: Case, value: str) -> None:
        """Record it with the filed case, in the transaction that files it."""
        ...


@dataclass(frozen=True)
class UnitTotals:
    """A street's cases per unit as counted up to ``as_of``: for each unit id (None: the cases
    in no such unit), how many were reported (a split case's parts are not new reports, as
    the indicators count them) and how many were ever overdue. ``by_unit`` is keyed by the
    case's foreign key (``"community"``, ``"grid"``)."""

    by_unit: Mapping[str, Mapping[int | None, tuple[int, int]]]
    as_of: datetime


RestrictionParser = Callable[[Mapping[str, Any]], CaseRestriction | None]
OpenPatrol = Callable[[Actor], models.Model | None]
PatrolFinding = Callable[..., Case]
#: ``suggest(title, description, district_id)`` over the district's current catalogue.
Suggester = Callable[[str, str, int], Suggestion]
EventListener = Callable[[CaseEvent], object]
#: The same for many events at once (a bulk writer's), in the order they were appended.
EventsListener = Callable[[Sequence[CaseEvent]], object]
#: (label, value) pairs: how else the reporter of a case may be reached.
ReporterContacts = Callable[[Case], list[tuple[str, str]]]
#: Words about a case besides its own text (empty: none).
SuggestionContext = Callable[[Case], str]
#: {case id: [short labels]} for some of the cases.
CaseMarks = Callable[[Sequence[Case]], Mapping[int, list[str]]]
#: (question, answer) pairs: what the report said beyond its text.
ReportDetails = Callable[[Case], list[tuple[str, str]]]
#: A boolean expression over a case row (``OuterRef("pk")`` is the case): true when the case
#: is urgent by what another door knows of it (a 12345 ticket marked 特急).
Urgency = Callable[[], Any]
#: ``totals(street)``: None when there are none to read yet (the rollups never counted).
StreetTotals = Callable[[OrgUnit], UnitTotals | None]

_restriction: RestrictionParser | None = None
_open_patrol: OpenPatrol | None = None
_patrol_finding: PatrolFinding | None = None
_suggester: Suggester | None = None
_event_listeners: list[EventListener] = []
_events_listeners: dict[EventListener, EventsListener] = {}
_reporter_contacts: ReporterContacts | None = None
_suggestion_contexts: list[SuggestionContext] = []
_case_marks: list[CaseMarks] = []
_report_details: list[ReportDetails] = []
_urgencies: list[Urgency] = []
_report_presets: list[ReportPreset] = []
_street_totals: StreetTotals | None = None


def register_restriction(parse: RestrictionParser) -> None:
    """``parse`` reads a query: None when it names no restriction, ``InvalidInput`` when it
    names one badly."""
    global _restriction
    _restriction = parse


def case_restriction(params: Mapping[str, Any]) -> CaseRestriction | None:
    return _restriction(params) if _restriction is not None else None


def register_patrols(*, open_patrol: OpenPatrol, report_finding: PatrolFinding) -> None:
    """``report_finding(actor=, patrol_id=, title=, …)`` takes ``case_submit``'s arguments."""
    global _open_patrol, _patrol_finding
    _open_patrol, _patrol_finding = open_patrol, report_finding


def open_patrol(actor: Actor) -> models.Model | None:
    return _open_patrol(actor) if _open_patrol is not None else None


def patrol_finding(*, actor: Actor, patrol_id: int, **report: Any) -> Case:
    if _patrol_finding is None:
        raise LookupError("no app has registered patrols (huying.grid)")
    return _patrol_finding(actor=actor, patrol_id=patrol_id, **report)


def register_suggester(suggest: Suggester) -> None:
    """``suggest(title, description, district_id)`` over the district's current catalogue."""
    global _suggester
    _suggester = suggest


def suggestion(title: str, description: str, district_id: int) -> Suggestion:
    if _suggester is not None:
        return _suggester(title, description, district_id)
    return cold_start(title, description, items=current_items_cached(district_id))


def register_suggestion_context(context: SuggestionContext) -> None:
    if context not in _suggestion_contexts:
        _suggestion_contexts.append(context)


def case_suggestion(case: Case) -> Suggestion:
    """The suggestion for a case: its title, and its description with what the apps know
    about it besides (a 12345 ticket's 诉求类型). Still a suggestion: triage decides."""
    extra = [text for context in _suggestion_contexts if (text := context(case))]
    description = "\n".join([case.description, *extra]) if extra else case.description
    return suggestion(case.title, description, case.district_id)


def register_case_marks(marks: CaseMarks) -> None:
    if marks not in _case_marks:
        _case_marks.append(marks)


def mark_cases(cases: Sequence[Case]) -> None:
    """Set ``case.marks`` (a list of short labels, maybe empty) on each of ``cases``."""
    found: dict[int, list[str]] = {}
    for marks in _case_marks:
        for case_id, labels in marks(cases).items():
            found.setdefault(case_id, []).extend(labels)
    for case in cases:
        case.marks = found.get(case.pk, [])  # type: ignore[attr-defined]


def register_urgency(urgency: Urgency) -> None:
    if urgency not in _urgencies:
        _urgencies.append(urgency)


def urgent_first() -> list[Any]:
    """Orderings that put the cases the apps call urgent first (empty: none registered).
    Before triage a case has no level of its own: this is how a waiting queue knows."""
    return [urgency().desc() for urgency in _urgencies]


def register_event_listener(listen: EventListener, *, many: EventsListener | None = None) -> None:
    """``listen(event)`` runs in the transaction that appends the event, right after it is
    written (``event.case`` is the case as the step left it): what it writes commits or rolls
    back with the event. ``many(events)``, if given, does the same for a bulk writer's events
    at once (``events_appended``). Registered once per listener, however often an app is
    readied."""
    if listen not in _event_listeners:
        _event_listeners.append(listen)
    if many is not None:
        _events_listeners[listen] = many


def event_appended(event: CaseEvent) -> None:
    for listen in _event_listeners:
        listen(event)


def events_appended(events: Sequence[CaseEvent]) -> None:
    """What a bulk writer (the demo's ``PlainWriter``) calls once its events are written,
    each with its ``case`` as that step left it: every listener hears of them as if the
    services had appended them one by one."""
    if not events:
        return
    for listen in _event_listeners:
        many = _events_listeners.get(listen)
        if many is not None:
            many(events)
        else:
            for event in events:
                listen(event)


def register_reporter_contacts(contacts: ReporterContacts) -> None:
    global _reporter_contacts
    _reporter_contacts = contacts


def reporter_contacts(case: Case) -> list[tuple[str, str]]:
    return _reporter_contacts(case) if _reporter_contacts is not None else []


def register_report_details(details: ReportDetails) -> None:
    if details not in _report_details:
        _report_details.append(details)


def report_details(case: Case) -> list[tuple[str, str]]:
    """Every door's details of the report, in the order the apps registered them."""
    return [pair for details in _report_details for pair in details(case)]


def register_report_preset(preset: ReportPreset) -> None:
    if all(p.param != preset.param for p in _report_presets):
        _report_presets.append(preset)


@dataclass(frozen=True)
class ActivePreset:
    param: str
    value: str
    preset: Preset


def report_presets(params: Mapping[str, Any]) -> list[ActivePreset]:
    """The presets ``params`` (the page's query, or the form's post) name and that resolve."""
    found = []
    for preset in _report_presets:
        value = str(params.get(preset.param) or "").strip()
        if value and (resolved := preset.resolve(value)) is not None:
            found.append(ActivePreset(preset.param, value, resolved))
    return found


def attach_report_presets(case: Case, active: Sequence[ActivePreset]) -> None:
    by_param = {p.param: p for p in _report_presets}
    for item in active:
        by_param[item.param].attach(case, item.value)


def register_street_totals(totals: StreetTotals) -> None:
    global _street_totals
    _street_totals = totals


def street_totals(street: OrgUnit) -> UnitTotals | None:
    """The street's totals per community and grid, or None: count them live."""
    return _street_totals(street) if _street_totals is not None else None
