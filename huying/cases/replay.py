"""What a case's events say its rows are: replaying ``CaseEvent.changes``.

The hash chain proves the events were not edited; it says nothing about the case and
assignment rows, which a direct ``UPDATE`` can change without touching an event. Every step
records what it did to the rows (``changes``), so folding a case's events gives the values
its rows must hold, and any difference is a write that went around the engine.

Not replayed: ``version`` and ``trail_head`` (checked against the chain itself),
``updated_at`` (a cache of the last event's time) and ``warned_due_at`` (the sweep's mark
that a due-soon notice went out: a notification, not a change to the case).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.db import models

from huying.cases.models import Assignment, Case, CaseEvent
from huying.core.audit import jsonable

CASE_FIELDS = (
    "number",
    "source",
    "title",
    "description",
    "reporter",
    "reporter_name",
    "reporter_phone",
    "lat",
    "lng",
    "address",
    "district",
    "street",
    "community",
    "grid",
    "territory_path",
    "submission_key",
    "reported_at",
    "split_from",
    "item",
    "level",
    "state",
    "route",
    "tier",
    "master",
    "systemic",
    "suspended_from",
    "urge_count",
    "supervised",
    "rework_count",
    "reopen_count",
    "satisfaction",
    "closed_at",
    "first_overdue_at",
    "due_at",
    "warn_at",
    "clock_unit",
    "paused_remaining",
    "overdue",
    "swept_due_at",
)

ASSIGNMENT_FIELDS = (
    "case",
    "department",
    "department_path",
    "role",
    "route",
    "caller",
    "round",
    "state",
    "version",
    "dispatched_at",
    "report_in_due_at",
    "reported_in_at",
    "handle_due_at",
    "result_at",
    "result_text",
    "return_reason",
    "return_upheld",
    "return_from",
    "extension_requested_until",
    "extension_reason",
    "extension_count",
    "urge_count",
    "supervised",
    "rework_count",
    "due_at",
    "warn_at",
    "clock_unit",
    "paused_remaining",
    "overdue",
    "swept_due_at",
)


#: Replayed fields added after ``changes`` was: a first event recorded before one of them
#: existed left it out, and the case then held this value.
ADDED_LATER: dict[str, Any] = {"systemic": None}


def _attnames(model: type[models.Model], names: tuple[str, ...]) -> dict[str, str]:
    return {n: model._meta.get_field(n).attname for n in names}  # type: ignore[union-attr]


CASE_ATTNAMES = _attnames(Case, CASE_FIELDS)
ASSIGNMENT_ATTNAMES = _attnames(Assignment, ASSIGNMENT_FIELDS)


def case_row(case: Case) -> dict[str, Any]:
    """Every replayed field of a case, as an event records it."""
    return {n: jsonable(getattr(case, a)) for n, a in CASE_ATTNAMES.items()}


def assignment_row(assignment: Assignment) -> dict[str, Any]:
    return {n: jsonable(getattr(assignment, a)) for n, a in ASSIGNMENT_ATTNAMES.items()}


def recorded(values: dict[str, Any], names: tuple[str, ...]) -> dict[str, Any]:
    """The replayed ones among a step's field values, as JSON will read them back."""
    return {k: jsonable(v) for k, v in values.items() if k in names}


@dataclass(frozen=True)
class Mismatch:
    case_number: str
    row: str  # "case" or "assignment <id>"
    field: str
    row_value: Any
    implied: Any


@dataclass
class Replayed:
    """The fold of a case's events: the values they imply, and how complete that is."""

    case: dict[str, Any] = field(default_factory=dict)
    assignments: dict[int, dict[str, Any]] = field(default_factory=dict)
    #: The case's first event recorded the whole row (else its trail predates ``changes``).
    complete: bool = False
    #: Assignments whose creating event recorded the whole row.
    complete_assignments: set[int] = field(default_factory=set)


def replay(events: list[CaseEvent]) -> Replayed:
    out = Replayed()
    for i, event in enumerate(events):
        changes = event.changes or {}
        case_changes = changes.get("case")
        if case_changes is None:
            # Before ``changes``: the state is still known (every event says where it went),
            # and so is an assignment's state after its own steps and at dispatch.
            out.case["state"] = event.to_state
            if event.assignment_id is not None and "assignment_state" in event.after:
                out.assignments.setdefault(event.assignment_id, {})["state"] = event.after[
                    "assignment_state"
                ]
            for made in event.after.get("assignments", []):
                if isinstance(made, dict):
                    out.assignments.setdefault(made["id"], {})["state"] = "awaiting_report_in"
            continue
        if i == 0:
            case_changes = ADDED_LATER | case_changes
            out.complete = set(CASE_FIELDS) <= set(case_changes)
        out.case.update(case_changes)
        for key, values in (changes.get("assignments") or {}).items():
            pk = int(key)
            if set(ASSIGNMENT_FIELDS) <= set(values):
                out.complete_assignments.add(pk)
            out.assignments.setdefault(pk, {}).update(values)
    return out


def compare(case: Case, assignments: list[Assignment], replayed: Replayed) -> list[Mismatch]:
    """Rows against what the events imply. Fields the events never recorded (a trail from
    before ``changes``) are not compared: ``replayed.complete`` tells whether any were left."""
    found: list[Mismatch] = []
    row = case_row(case)
    for name, implied in replayed.case.items():
        if name in row and row[name] != implied:
            found.append(Mismatch(case.number, "case", name, row[name], implied))
    seen: set[int] = set()
    for a in assignments:
        seen.add(a.pk)
        label = f"assignment {a.pk}"
        implied_row = replayed.assignments.get(a.pk)
        if implied_row is None:
            if replayed.complete:
                found.append(Mismatch(case.number, label, "*", "exists", "no event made it"))
            continue
        values = assignment_row(a)
        for name, implied in implied_row.items():
            if name in values and values[name] != implied:
                found.append(Mismatch(case.number, label, name, values[name], implied))
    for pk in sorted(set(replayed.assignments) - seen):
        found.append(Mismatch(case.number, f"assignment {pk}", "*", "missing", "made by an event"))
    return found
