"""回传 for the city's 12345 platform to pull: ``GET /hotline/replies?since=&until=&cursor=``."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.http import HttpRequest
from ninja import Field, Query, Router, Schema

from huying.core.api_types import ERRORS, Text
from huying.hotline.replies import reply_page
from huying.org.api_auth import acting

router = Router(tags=["12345 工单 hotline"])


class ReplyOut(Schema):
    ticket_number: str = Field(description="工单编号: the platform's own ticket number")
    case_number: str = Field(description="the case's number in Huying")
    state: str = Field(description="closed, archived, rejected, merged or split")
    state_label: str
    result: str = Field(description="办理结果: what was done, in the handlers' words")
    closed_at: dt.datetime = Field(description="办结时间")
    handlers: list[str] = Field(description="承办单位: the units that handled it, the lead first")
    satisfaction: str = Field(
        description="回访: satisfied, basic or dissatisfied; empty when nobody was called back"
    )
    satisfaction_label: str
    comment: str = Field(description="the resident's words at the follow-up, if any")


class ReplyPageOut(Schema):
    items: list[ReplyOut]
    next_cursor: str | None = Field(description="pass it as `cursor` for the next page; null: none")


@router.get(
    "/hotline/replies",
    response={200: ReplyPageOut, **ERRORS},
    summary="12345 工单办理结果回传（按办结日期）",
)
def replies(
    request: HttpRequest,
    since: dt.date = Query(..., description="first day (办结时间, local date), included"),
    until: dt.date = Query(..., description="last day, included; before `since`: 422"),
    cursor: Text | None = Query(None, description="`next_cursor` of the previous page"),
    limit: int = Query(100, ge=1, le=500),
) -> Any:
    """The 12345 tickets whose cases ended between `since` and `until` (closed, refused,
    merged or split; a ticket still being handled is not listed), in ticket order, for the
    hub and the administrator, in their scope. No resident's name or phone. A range upside
    down is a 422 with code `date_range_reversed`."""
    page = reply_page(since, until, actor=acting(request), cursor=cursor, limit=limit)
    items = [
        {
            "ticket_number": r.number,
            "case_number": r.case_number,
            "state": r.state,
            "state_label": r.state_label,
            "result": r.result,
            "closed_at": r.closed_at,
            "handlers": r.handlers,
            "satisfaction": r.satisfaction,
            "satisfaction_label": r.satisfaction_label,
            "comment": r.comment,
        }
        for r in page.items
    ]
    return {"items": items, "next_cursor": page.next_cursor}
