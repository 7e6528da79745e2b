"""The event feed (``GET /api/v1/events``): the trail's events in id order, in the holder's
scope, so that another system can keep a copy in sync by polling. Webhooks send the same
item.

The cursor is opaque to clients: today the base64 of ``ev:<event id>``. Event ids only
grow, and a page never goes past an id whose transaction may still commit
(``huying.cases.trailorder``), so a poller that always passes back ``next_cursor`` sees every
event in its scope exactly once, in order.

An item is the event's public part: what happened to which case, when, and in which role.
Never the reporter's name or phone, nor free text (titles, descriptions, reasons, notes:
anyone may have written a name or a number into them): a holder who may read those reads
them on the case (``GET /cases/{id}``). People's names only for a holder the case API shows
them to (not a resident), and never a resident's, whoever holds the token.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db.models import QuerySet

from huying.cases.models import CaseEvent
from huying.cases.rules import action_label
from huying.cases.selectors import cases_visible_to, decode_cursor, encode_cursor
from huying.cases.trailorder import settled_event_horizon
from huying.core.audit import jsonable
from huying.org.actors import Actor
from huying.org.roles import REPORTER_ROLES

#: The cursor's kind: a case list's mark is not an event feed's.
CURSOR_PREFIX = "ev"

#: What an event's ``after`` may show another system: states, levels, items, departments,
#: case numbers and scores. Every other key (a title, a suggestion's words, …) stays home.
PUBLIC_DATA = frozenset(
    {
        "state",
        "level",
        "item",
        "route",
        "tier",
        "satisfaction",
        "assignment_state",
        "department",
        "assignments",
        "master_number",
        "children",
        "split_from",
        "systemic_number",
        "rating",
        "revision",
        "total",
        "effective_total",
        "overdue",
        "supervised",
        "due_at",
    }
)


def shows_names(actor: Actor) -> bool:
    """Whether the holder sees who acted: as on the case's timeline, staff do and residents
    do not."""
    return not actor.is_reporter


def event_item(event: CaseEvent, *, number: str, names: bool) -> dict[str, Any]:
    """The public part of one event (see the module's docstring). ``names``: the holder sees
    staff names (a resident who acted is never named)."""
    staff = names and event.actor_role not in REPORTER_ROLES
    after = event.after or {}
    return {
        "id": event.pk,
        "cursor": encode_cursor(event.pk, prefix=CURSOR_PREFIX),
        "case_id": event.case_id,
        "case_number": number,
        "seq": event.seq,
        "action": event.action,
        "action_label": str(action_label(event.action)),
        "at": jsonable(event.at),
        "from_state": event.from_state,
        "to_state": event.to_state,
        "assignment_id": event.assignment_id,
        "department_id": after.get("department"),
        "actor_role": event.actor_role,
        "actor_unit_id": event.actor_unit_id,
        "actor_unit": event.actor_unit.name if names and event.actor_unit else None,
        "actor": (event.actor.get_full_name() or event.actor.get_username())
        if staff and event.actor
        else None,
        "data": {k: jsonable(v) for k, v in after.items() if k in PUBLIC_DATA},
    }


@dataclass(frozen=True)
class FeedPage:
    items: list[dict[str, Any]]
    next_cursor: str | None
    has_more: bool


def events_visible_to(actor: Actor) -> QuerySet[CaseEvent]:
    """Events of the cases the holder may see: the case list's own scope selector."""
    return CaseEvent.objects.filter(case__in=cases_visible_to(actor))


def event_feed(actor: Actor, *, after: str | None, limit: int) -> FeedPage:
    """One page after ``after`` (None: from the first event), in a fixed number of queries
    whatever its size. ``next_cursor`` is what to pass as ``after`` next time: the last
    item's, or ``after`` itself when nothing new has come."""
    last = decode_cursor(after, prefix=CURSOR_PREFIX, field="after") if after else 0
    horizon = settled_event_horizon()
    qs = events_visible_to(actor).filter(pk__gt=last)
    if horizon is not None:
        qs = qs.filter(pk__lte=horizon)
    names = shows_names(actor)
    related = ["case", "actor", "actor_unit"] if names else ["case"]
    rows = list(
        qs.select_related(*related)
        .only(  # never a grid's polygon, nor the before/after of every field
            "id",
            "case_id",
            "case__number",
            "seq",
            "action",
            "at",
            "from_state",
            "to_state",
            "assignment_id",
            "actor_role",
            "actor_unit_id",
            "actor_id",
            "after",
            *(
                ["actor__username", "actor__first_name", "actor__last_name", "actor_unit__name"]
                if names
                else []
            ),
        )
        .order_by("pk")[: limit + 1]
    )
    has_more = len(rows) > limit
    rows = rows[:limit]
    items = [event_item(e, number=e.case.number, names=names) for e in rows]
    next_cursor = items[-1]["cursor"] if items else after
    return FeedPage(items=items, next_cursor=next_cursor, has_more=has_more)
