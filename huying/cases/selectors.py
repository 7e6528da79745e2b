"""Reads of cases. Every read starts from ``cases_visible_to(actor)``: out of scope is absent."""

from __future__ import annotations

import base64
import binascii
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.core.cache import cache
from django.db.models import Case as SqlCase
from django.db.models import Exists, F, OuterRef, Prefetch, Q, QuerySet, Subquery, When
from django.db.models.functions import Coalesce
from django.http import QueryDict
from django.utils.translation import gettext as _

from huying.cases.hooks import case_restriction
from huying.cases.models import Assignment, Attachment, Case, CaseEvent, CaseState
from huying.cases.rules import ACTIVE_ASSIGNMENT_STATES
from huying.catalogue.selectors import search_terms_with_catalogue
from huying.core.api_types import MAX_ID
from huying.core.errors import InvalidInput, NotFound
from huying.org.actors import Actor, in_district, under
from huying.org.models import DataScope, OrgUnit
from huying.org.roles import DEPARTMENT_ROLES


def cases_visible_to(actor: Actor) -> QuerySet[Case]:
    """The scope selector: a role at a node sees that node and below; departments see the
    cases assigned to them; residents see their own; the district's roles its district's."""
    qs = Case.objects.all()
    if actor.scope == DataScope.ALL:
        return qs.filter(in_district(actor))
    if actor.scope == DataScope.SELF:
        return qs.filter(reporter_id=actor.user.id)
    if actor.role in DEPARTMENT_ROLES:
        mine = Assignment.objects.filter(case_id=OuterRef("pk"))
        if actor.scope == DataScope.NODE_ONLY:
            mine = mine.filter(department_id=actor.unit.pk)
        else:
            mine = mine.filter(department_path__startswith=actor.unit.path)
        return qs.filter(Exists(mine))
    if actor.scope == DataScope.NODE_ONLY:
        return qs.filter(territory_path=actor.unit.path)
    return qs.filter(territory_path__startswith=actor.unit.path)


def own_street_cases(actor: Actor) -> QuerySet[Case]:
    """The cases of the actor's own street (its unit) that it sees. With the default scope
    of a role placed at a street (itself and below) that is every case whose street it is,
    filtered by the street alone (``case_street_state``, without the table); a grant
    narrowed to the node, or to the person's own reports, keeps ``cases_visible_to``."""
    if actor.unit.kind == OrgUnit.Kind.STREET and actor.scope == DataScope.NODE_AND_BELOW:
        return Case.objects.filter(street_id=actor.unit.pk)
    return cases_visible_to(actor).filter(street_id=actor.unit.pk)


def assignments_actionable_by(actor: Actor) -> QuerySet[Assignment]:
    """Assignments an actor may act on: a department's own (and its units'), or all for roles
    that see all (their district's departments')."""
    qs = Assignment.objects.all()
    if actor.scope == DataScope.ALL:
        return qs.filter(under("department_path", actor.reach))
    if actor.role in DEPARTMENT_ROLES:
        if actor.scope == DataScope.NODE_ONLY:
            return qs.filter(department_id=actor.unit.pk)
        return qs.filter(department_path__startswith=actor.unit.path)
    return qs.filter(case__in=cases_visible_to(actor))


#: Joins a case row needs for display: the item's and street's names, never a grid polygon.
ROW_JOINS = ("item", "street")


def _assignment_rows() -> QuerySet[Assignment]:
    return Assignment.objects.select_related("department").defer("department__boundary")


def assignments_prefetch() -> Prefetch[Any]:
    """A case's assignments as every case read shows them: with the department's name."""
    return Prefetch("assignments", queryset=_assignment_rows().order_by("pk"))


def assignments_known(case: Case, assignments: list[Assignment]) -> None:
    """Give ``case`` the assignments a step already holds (current, with their departments)
    as ``assignments_prefetch`` would have read them, without reading them again."""
    held = _assignment_rows().filter(case=case)
    held._result_cache = sorted(assignments, key=lambda a: a.pk)
    held._prefetch_done = True  # type: ignore[attr-defined]
    case.__dict__.setdefault("_prefetched_objects_cache", {})["assignments"] = held


def case_get(actor: Actor, *, case_id: int | None = None, number: str | None = None) -> Case:
    qs = cases_visible_to(actor).select_related(*ROW_JOINS)
    try:
        if number is not None:
            return qs.get(number=number)
        if case_id is None:
            raise Case.DoesNotExist
        return qs.get(pk=case_id)
    except Case.DoesNotExist:
        raise NotFound(_("事件不存在或无权查看")) from None


def case_detail(actor: Actor, *, case_id: int) -> Case:
    """A case with its assignments and its whole timeline, in a fixed number of queries.
    The cases it names (merged into, split from, its 系统性问题) come as their numbers
    (``master_number``, ``split_from_number``, ``systemic_number`` and ``systemic_title``):
    three more whole case rows were most of the statement's columns, for four strings."""
    events = (
        CaseEvent.objects.select_related("actor", "actor_unit")
        .defer("actor_unit__boundary")
        .order_by("seq")
    )
    qs = (
        cases_visible_to(actor)
        .select_related(*ROW_JOINS)
        .defer("street__boundary")
        .annotate(
            master_number=F("master__number"),
            split_from_number=F("split_from__number"),
            systemic_number=F("systemic__number"),
            systemic_title=F("systemic__title"),
        )
        .prefetch_related(
            assignments_prefetch(), Prefetch("events", queryset=events), "attachments"
        )
    )
    try:
        return qs.get(pk=case_id)
    except Case.DoesNotExist:
        raise NotFound(_("事件不存在或无权查看")) from None


#: States in which the person who reported is shown the handler's result (text and photos):
#: once the street has checked it.
RESULT_SHOWN_STATES = frozenset({CaseState.FOLLOW_UP, CaseState.CLOSED, CaseState.ARCHIVED})
#: The trail actions that carry the result of the work (a chief's own fix is its own result).
RESULT_ACTIONS = ("assignment.submit_result", "complete_self", "self_fixed")


def reporter_attachments(case: Case) -> QuerySet[Attachment]:
    """The files the person who reported may see: the report's own, those they added later
    and, once the result is shown, the result's photos. Never the staff's working material
    (progress notes, verification evidence, documents added by staff)."""
    actions = ["submit", *RESULT_ACTIONS] if case.state in RESULT_SHOWN_STATES else ["submit"]
    carried = CaseEvent.objects.filter(case=case, action__in=actions)
    ids = {ref["id"] for refs in carried.values_list("attachments", flat=True) for ref in refs}
    shown = Q(pk__in=ids)
    if case.reporter_id is not None:
        shown |= Q(uploaded_by_id=case.reporter_id)
    return Attachment.objects.filter(shown, case=case).order_by("pk")


def attachment_get(actor: Actor, attachment_id: int) -> Attachment:
    """An attachment of a case in scope; a resident only the ones ``reporter_attachments``
    shows. Anything else is absent (404), as an out-of-scope case is."""
    att = (
        Attachment.objects.select_related("case")
        .filter(pk=attachment_id, case__in=cases_visible_to(actor))
        .first()
    )
    if att is None or (
        actor.is_reporter and not reporter_attachments(att.case).filter(pk=att.pk).exists()
    ):
        raise NotFound(_("附件不存在或无权查看"))
    return att


def tracked_attachment(case_id: int, attachment_id: int) -> Attachment:
    """An attachment for someone who proved on the tracking page (number and phone) that
    they reported case ``case_id``: what its reporter would see."""
    case = Case.objects.filter(pk=case_id).first()
    att = reporter_attachments(case).filter(pk=attachment_id).first() if case else None
    if att is None:
        raise NotFound(_("附件不存在或无权查看"))
    return att


@dataclass(frozen=True)
class CaseFilters:
    state: str | None = None
    level: int | None = None
    item_id: int | None = None
    street_id: int | None = None
    department_id: int | None = None
    source: str | None = None
    overdue: bool | None = None
    due_soon: bool | None = None
    text: str | None = None
    reported_from: datetime | None = None
    reported_to: datetime | None = None
    #: A restriction a higher app registered (``hooks.case_restriction``: the cases behind
    #: one number of an indicator table), as its query string so an export job can store it.
    drill: str | None = None


def clock_overdue(now: datetime) -> Q:
    """A running clock (case or assignment) past its deadline; a paused one is never late.

    Due exactly at ``now`` is not yet overdue, as in ``deadlines.clock_state``."""
    return Q(due_at__lt=now, paused_remaining__isnull=True)


def clock_due_soon(now: datetime) -> Q:
    """A running clock with ≥ 80 % of its limit used (past ``warn_at``), not yet overdue."""
    return Q(warn_at__lte=now, due_at__gte=now, paused_remaining__isnull=True)


def _live_assignments(clock: Q) -> QuerySet[Any]:
    """The ids of the cases with a live assignment whose clock matches ``clock``: one small
    set read once from the partial index ``asg_due`` (PostgreSQL hashes it and probes it per
    case; a correlated ``EXISTS`` under the ``OR`` was one index probe per open case,
    ≈ 0.3 s over the 200 000 open cases of ten million)."""
    return Assignment.objects.filter(clock, state__in=ACTIVE_ASSIGNMENT_STATES).values("case_id")


def currently_overdue(now: datetime) -> Q:
    """The case's own clock, or one of its live assignments', is overdue."""
    return clock_overdue(now) | Q(pk__in=_live_assignments(clock_overdue(now)))


def overdue_case_ids(now: datetime) -> QuerySet[Any]:
    """The ids of the cases ``currently_overdue`` matches, as two small sets read from the
    partial indexes on running clocks (``case_due``, ``asg_due``). For reads that want a few
    of them in some order (the overdue board): ``currently_overdue``'s ``OR EXISTS`` makes
    PostgreSQL test every open case in scope instead (≈ 0.3 s at ten million cases)."""
    return _clock_case_ids(clock_overdue(now))


def due_soon_case_ids(now: datetime) -> QuerySet[Any]:
    """The ids of the cases ``currently_due_soon`` matches, read as ``overdue_case_ids``."""
    return _clock_case_ids(clock_due_soon(now))


def _clock_case_ids(clock: Q) -> QuerySet[Any]:
    return Case.objects.filter(clock).values("pk").union(_live_assignments(clock))


def with_running_clock(cases: QuerySet[Case]) -> QuerySet[Case]:
    """Each case's ``clock_due``: the deadline that runs now, whoever holds it. A called case
    waits on its departments, so its own clock is off and theirs run: the earliest of its live
    assignments' then, the case's own while it is the street's or a grid's. Paused clocks
    (挂账) run nowhere. For the few rows a page shows: one subquery per row."""
    live = Assignment.objects.filter(
        case_id=OuterRef("pk"), state__in=ACTIVE_ASSIGNMENT_STATES, paused_remaining__isnull=True
    ).order_by("due_at")
    own = SqlCase(When(paused_remaining__isnull=True, then=F("due_at")))
    return cases.annotate(clock_due=Coalesce(own, Subquery(live.values("due_at")[:1])))


def currently_due_soon(now: datetime) -> Q:
    return clock_due_soon(now) | Q(pk__in=_live_assignments(clock_due_soon(now)))


#: A query's words beyond this many add little and cost a scan each.
MAX_TERMS = 6


def _contains(term: str) -> Q:
    return Q(title__icontains=term) | Q(description__icontains=term) | Q(address__icontains=term)


def text_match(text: str) -> Q:
    """The case number, the phrase as typed, or every one of its words (Chinese segmented by
    jieba, the catalogue's vocabulary included) somewhere in title, description or address."""
    match = Q(number=text) | _contains(text)
    terms = search_terms_with_catalogue(text)[:MAX_TERMS]
    if len(terms) > 1:
        every = Q()
        for term in terms:
            every &= _contains(term)
        match |= every
    return match


#: A case number as the intake allocates it: the district's letters (or code), the day and a
#: serial (``JJ-20261207-00001``; the bench's have eight digits).
CASE_NUMBER = re.compile(r"[0-9A-Za-z]+-\d{8}-\d{5,}")


def _text_filtered(qs: QuerySet[Case], text: str) -> QuerySet[Case]:
    """A case number names one case: the list is that case where ``qs`` holds it, else empty
    (out of scope is absent), read through the unique index; typed in lower case too. Only a
    number-shaped text no case has (a 12345 ticket's number quoted in a report, a typo) is
    searched as words: ``text_match``'s ``ILIKE`` reads the whole table when little matches
    (8–23 s at 10 M cases). Whether the case exists is asked outside the reader's scope, so
    that a number out of scope does not fall to that scan either."""
    if CASE_NUMBER.fullmatch(text):
        numbers = {text, text.upper()}
        if Case.objects.filter(number__in=numbers).exists():
            return qs.filter(number__in=numbers)
    return qs.filter(text_match(text))


def case_list(actor: Actor, filters: CaseFilters, *, now: datetime) -> QuerySet[Case]:
    qs = cases_visible_to(actor)
    f = filters
    if f.state:
        qs = qs.filter(state=f.state)
    if f.level:
        qs = qs.filter(level=f.level)
    if f.item_id:
        qs = qs.filter(item_id=f.item_id)
    if f.street_id:
        qs = qs.filter(street_id=f.street_id)
    if f.source:
        qs = qs.filter(source=f.source)
    if f.department_id:
        qs = qs.filter(
            Exists(Assignment.objects.filter(case_id=OuterRef("pk"), department_id=f.department_id))
        )
    # The clocks as the ids of their two small sets, sorted once read (below), not
    # ``currently_overdue``'s OR: a list read backwards by id tested every case of the
    # history against it until a page was full, and the map (its 20 000 points) or a deep
    # page never filled it (0.5 s at 1 M). Not in a department's scope, itself a join over
    # the department's assignments: the planner then hashed all of them (55 000 at 1 M) for
    # every page; its lists keep the OR and the walk by id.
    by_sets = actor.role not in DEPARTMENT_ROLES
    if f.overdue is True:
        qs = qs.filter(Q(pk__in=overdue_case_ids(now)) if by_sets else currently_overdue(now))
    elif f.overdue is False:
        qs = qs.exclude(currently_overdue(now))
    if f.due_soon:
        qs = qs.filter(Q(pk__in=due_soon_case_ids(now)) if by_sets else currently_due_soon(now))
    if f.text and f.text.strip():
        qs = _text_filtered(qs, f.text.strip())
    if f.reported_from:
        qs = qs.filter(reported_at__gte=f.reported_from)
    if f.reported_to:
        qs = qs.filter(reported_at__lt=f.reported_to)
    if f.drill:
        restriction = case_restriction(QueryDict(f.drill))
        if restriction is not None:
            qs = qs.filter(pk__in=restriction.cases(actor).values("pk"))
    newest_first: Any = "-id"
    if (f.overdue is True or f.due_soon) and by_sets:
        # The clock sets are small (open cases, a few thousand at ten million): sorted once
        # read. Ordered by the primary key's index, PostgreSQL merged them with a walk back
        # through the history from the cursor, and recent clocks run out below a deep cursor
        # (0.3 s at 1 M). ``id + 0`` is the same order without that index.
        newest_first = (F("id") + 0).desc()
    return qs.select_related(*ROW_JOINS).order_by(newest_first)


def case_points(
    actor: Actor, filters: CaseFilters, *, now: datetime, limit: int
) -> tuple[Sequence[Mapping[str, Any]], bool]:
    """The map's points: ``case_list``'s located cases, the ``limit`` most recent, as plain
    rows (no model instances); and whether more matched than were returned."""
    qs = case_list(actor, filters, now=now).filter(lat__isnull=False, lng__isnull=False)
    rows = list(qs.values("id", "number", "title", "state", "lat", "lng")[: limit + 1])
    return rows[:limit], len(rows) > limit


#: How long the public front page's figures are kept: counting ten million cases takes a
#: second or two, and a visitor does not need the figures to the minute.
PUBLIC_FIGURES_SECONDS = 300


def public_figures() -> dict[str, int]:
    """The front page's 受理事件 and 已结案 counts, recounted at most every
    ``PUBLIC_FIGURES_SECONDS`` (the two counts took 1.7 s per visit at 10 M)."""

    def count() -> dict[str, int]:
        closed = Case.objects.filter(state__in=[CaseState.CLOSED, CaseState.ARCHIVED])
        return {"total": Case.objects.count(), "closed": closed.count()}

    figures: dict[str, int] = (
        cache.get_or_set("cases:public-figures", count, PUBLIC_FIGURES_SECONDS) or count()
    )
    return figures


def grids_visible_to(actor: Actor) -> QuerySet[OrgUnit]:
    """The grids a role may draw on its map: those in its territory; for a department, the
    grids its cases lie in; every grid for roles that see all; none for a resident."""
    qs = OrgUnit.objects.filter(kind=OrgUnit.Kind.GRID, is_active=True, boundary__isnull=False)
    if actor.scope == DataScope.ALL:
        return qs.filter(under("path", actor.reach))
    if actor.scope == DataScope.SELF:
        return qs.none()
    if actor.role in DEPARTMENT_ROLES:
        return qs.filter(pk__in=cases_visible_to(actor).values("grid_id"))
    if actor.scope == DataScope.NODE_ONLY:
        return qs.filter(path=actor.unit.path)
    return qs.filter(path__startswith=actor.unit.path)


def case_with_assignments(actor: Actor, *, case_id: int) -> Case:
    """What a write returns: the case row and its assignments (not the whole timeline)."""
    try:
        return (
            cases_visible_to(actor)
            .select_related(*ROW_JOINS)
            .prefetch_related(assignments_prefetch())
            .get(pk=case_id)
        )
    except Case.DoesNotExist:
        raise NotFound(_("事件不存在或无权查看")) from None


# --- keyset pagination ---------------------------------------------------------------------------


def encode_cursor(last_id: int, *, prefix: str = "id") -> str:
    """An opaque page mark over a row id; ``prefix`` names the list it belongs to, so that one
    list's mark is not taken by another."""
    return base64.urlsafe_b64encode(f"{prefix}:{last_id}".encode()).decode().rstrip("=")


def decode_cursor(cursor: str, *, prefix: str = "id", field: str = "cursor") -> int:
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
        kind, _sep, value = raw.partition(":")
        if kind != prefix or not value.isdigit() or not 0 <= int(value) <= MAX_ID:
            raise ValueError(raw)
        return int(value)
    except (ValueError, binascii.Error, UnicodeDecodeError):
        raise InvalidInput(_("分页游标无效"), field=field) from None


def keyset_page(
    qs: QuerySet[Any], *, cursor: str | None, limit: int
) -> tuple[list[Any], str | None]:
    """One page of a queryset ordered by -id, and the cursor for the next one."""
    if cursor:
        qs = qs.filter(id__lt=decode_cursor(cursor))
    rows = list(qs[: limit + 1])
    next_cursor = encode_cursor(rows[limit - 1].id) if len(rows) > limit else None
    return rows[:limit], next_cursor
