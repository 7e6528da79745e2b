"""The event feed for other systems: ``GET /events?after=<cursor>``."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.http import HttpRequest
from ninja import Field, Query, Router, Schema, Status

from huying.core.api_types import ERRORS, Text
from huying.integrations.feed import event_feed
from huying.integrations.sink import sink_receive
from huying.org.api_auth import acting

router = Router(tags=["对接 integrations"])


class FeedEventOut(Schema):
    id: int = Field(description="the event's id: grows with every event appended")
    cursor: str = Field(description="this event's place in the feed, for `after`")
    case_id: int
    case_number: str
    seq: int = Field(description="the event's place in its case's trail, from 1")
    action: str
    action_label: str
    at: datetime
    from_state: str
    to_state: str
    assignment_id: int | None
    department_id: int | None = Field(description="the department an assignment or rating concerns")
    actor_role: str
    actor_unit_id: int | None
    actor_unit: str | None = Field(description="null for a resident holder")
    actor: str | None = Field(
        description="the staff member who acted; null for a resident holder, and never a "
        "resident's name"
    )
    data: dict[str, Any] = Field(
        description="the event's public values: states, level, item, departments, scores; "
        "no free text"
    )


class FeedPageOut(Schema):
    items: list[FeedEventOut]
    next_cursor: str | None = Field(
        description="pass it as `after` next time: the last item's cursor, or `after` "
        "itself when nothing new has come (null: no event yet)"
    )
    has_more: bool = Field(description="more events are there now: ask again at once")


@router.get("/events", response={200: FeedPageOut, **ERRORS}, summary="事件轨迹订阅（按游标轮询）")
def events(
    request: HttpRequest,
    after: Text | None = Query(
        None, description="a cursor the feed gave (`next_cursor` or an item's `cursor`)"
    ),
    limit: int = Query(100, ge=1, le=500),
) -> Any:
    """The trail's events after `after`, oldest first, of the cases the caller may see:
    poll it and pass back `next_cursor` to keep a copy in sync. No event is skipped or
    repeated, even when several commit at once."""
    page = event_feed(acting(request), after=after, limit=limit)
    return {"items": page.items, "next_cursor": page.next_cursor, "has_more": page.has_more}


@router.post(
    "/webhooks/demo-sink", auth=None, response={204: None, **ERRORS}, include_in_schema=False
)
def demo_sink(request: HttpRequest) -> Any:
    """The demo's own receiver of its webhooks (``huying.integrations.sink``); 404 outside
    the demo."""
    sink_receive(headers=request.headers, body=request.body)
    return Status(204, None)
