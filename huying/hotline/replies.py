"""回传: what the district answers the city's 12345 platform for the tickets of a period, in
the platform's shape: 工单编号, 办理结果, 办结时间, 承办单位, 回访情况.

Only tickets whose case has ended (``Case.closed_at`` set: closed after the follow-up, closed
with nobody to call back, refused, merged into another case or split) are answered, by the
day it ended: a ticket still being handled has no result to send, and the platform keeps
its own clock for it. A case reopened after it was answered ends again later and is then
answered again with its new result.

Only the ticket's own public fields leave: never the resident's name or phone. The resident's
comment at the follow-up (回访) is part of the answer the platform asks for.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from dataclasses import dataclass

from django.conf import settings
from django.db.models import QuerySet
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from huying.cases.models import (
    Assignment,
    AssignmentRole,
    AssignmentState,
    CaseEvent,
    CaseState,
    Satisfaction,
)
from huying.cases.selectors import cases_visible_to, decode_cursor, encode_cursor
from huying.core.errors import InvalidInput, PermissionDenied
from huying.core.spreadsheets import append_row, workbook_bytes
from huying.hotline.models import HotlineTicket
from huying.org.actors import Actor
from huying.org.models import Role
from huying.org.roles import HUB_ROLES

#: Who may read the replies (a page, the XLSX, the API): the hub, which answers the
#: platform, and the administrator.
REPLY_ROLES = frozenset({*HUB_ROLES, Role.ADMIN})
CURSOR_PREFIX = "hl"
#: Tickets read per query when a whole period is written out.
PAGE = 500
#: The events whose words are a result: a case handled in its own territory, or ended
#: without being handled.
RESULT_ACTIONS = ("complete_self", "reject", "merge", "split", "follow_up", "close_unreported")

COLUMNS = (
    gettext_lazy("工单编号"),
    gettext_lazy("办理结果"),
    gettext_lazy("办结时间"),
    gettext_lazy("承办单位"),
    gettext_lazy("回访情况"),
    gettext_lazy("办理状态"),
    gettext_lazy("本区事件编号"),
)


@dataclass(frozen=True)
class Reply:
    ticket_id: int
    number: str  # 工单编号
    case_number: str
    state: str
    state_label: str
    result: str  # 办理结果
    closed_at: dt.datetime  # 办结时间
    handlers: list[str]  # 承办单位, the lead first
    satisfaction: str  # "" when nobody was called back
    satisfaction_label: str
    comment: str  # the resident's words at the follow-up

    @property
    def visit(self) -> str:
        """回访情况 as one cell: the rating and the comment."""
        if not self.satisfaction:
            return _("未回访") if self.state in (CaseState.CLOSED, CaseState.ARCHIVED) else ""
        if self.comment:
            return f"{self.satisfaction_label}：{self.comment}"
        return self.satisfaction_label

    def cells(self) -> list[str]:
        return [
            self.number,
            self.result,
            timezone.localtime(self.closed_at).strftime("%Y-%m-%d %H:%M:%S"),
            "、".join(self.handlers),
            self.visit,
            self.state_label,
            self.case_number,
        ]


@dataclass(frozen=True)
class ReplyPage:
    items: list[Reply]
    next_cursor: str | None


def period(since: dt.date, until: dt.date) -> tuple[dt.datetime, dt.datetime]:
    """The days ``since`` to ``until`` (both included) as a half-open span of local time;
    an upside-down range is refused."""
    if since > until:
        raise InvalidInput(
            _("起始日期不能晚于截止日期"),
            code="date_range_reversed",
            field="since",
            since=since.isoformat(),
            until=until.isoformat(),
        )
    start = timezone.make_aware(dt.datetime.combine(since, dt.time.min))
    end = timezone.make_aware(dt.datetime.combine(until + dt.timedelta(days=1), dt.time.min))
    return start, end


def tickets_answered(
    since: dt.date, until: dt.date, *, actor: Actor | None = None
) -> QuerySet[HotlineTicket]:
    """The tickets whose case ended in the period, in the holder's scope (``actor`` None:
    the whole database, for the command line), in ticket id order."""
    if actor is not None and actor.role not in REPLY_ROLES:
        raise PermissionDenied(_("仅呼应办可导出12345回传结果"))
    start, end = period(since, until)
    qs = HotlineTicket.objects.filter(case__closed_at__gte=start, case__closed_at__lt=end)
    if actor is not None:
        qs = qs.filter(case__in=cases_visible_to(actor))
    return qs.select_related("case", "case__master").order_by("pk")


def reply_page(
    since: dt.date,
    until: dt.date,
    *,
    actor: Actor | None,
    cursor: str | None = None,
    limit: int = 100,
) -> ReplyPage:
    """One page of replies after ``cursor``, in a fixed number of queries."""
    qs = tickets_answered(since, until, actor=actor)
    if cursor:
        qs = qs.filter(pk__gt=decode_cursor(cursor, prefix=CURSOR_PREFIX))
    tickets = list(qs[: limit + 1])
    more = len(tickets) > limit
    tickets = tickets[:limit]
    items = replies_of(tickets)
    next_cursor = encode_cursor(tickets[-1].pk, prefix=CURSOR_PREFIX) if more else None
    return ReplyPage(items, next_cursor)


def all_replies(since: dt.date, until: dt.date, *, actor: Actor | None) -> Iterator[Reply]:
    """Every reply of the period, read a page at a time."""
    cursor = None
    while True:
        page = reply_page(since, until, actor=actor, cursor=cursor, limit=PAGE)
        yield from page.items
        if page.next_cursor is None:
            return
        cursor = page.next_cursor


def replies_of(tickets: list[HotlineTicket]) -> list[Reply]:
    """The replies of these tickets (cases loaded with them): their assignments of the last
    round and the events that say how each ended, in two queries."""
    cases = {t.case_id: t.case for t in tickets}
    assignments: dict[int, list[Assignment]] = {}
    for a in (
        Assignment.objects.filter(case_id__in=cases, state=AssignmentState.RESULT_SUBMITTED)
        .select_related("department")
        .order_by("pk")
    ):
        if a.round == cases[a.case_id].reopen_count:
            assignments.setdefault(a.case_id, []).append(a)
    last: dict[tuple[int, str], CaseEvent] = {}
    for e in (
        CaseEvent.objects.filter(case_id__in=cases, action__in=RESULT_ACTIONS)
        .select_related("actor_unit")
        .order_by("case_id", "seq")
    ):
        last[(e.case_id, e.action)] = e
    replies = []
    for t in tickets:
        case = t.case
        assert case.closed_at is not None
        done = sorted(
            assignments.get(case.pk, []), key=lambda a: (a.role != AssignmentRole.LEAD, a.pk)
        )
        ended = {a: ev for a in _ENDINGS if (ev := last.get((case.pk, a))) is not None}
        result, handlers = _result(case.state, done, ended)
        if case.state == CaseState.MERGED and case.master is not None:
            result = _("已合并至 %(number)s 一并办理") % {"number": case.master.number}
        follow_up = last.get((case.pk, "follow_up"))
        replies.append(
            Reply(
                ticket_id=t.pk,
                number=t.number,
                case_number=case.number,
                state=case.state,
                state_label=str(case.get_state_display()),
                result=result,
                closed_at=case.closed_at,
                handlers=handlers,
                satisfaction=case.satisfaction,
                satisfaction_label=str(Satisfaction(case.satisfaction).label)
                if case.satisfaction
                else "",
                comment=follow_up.reason if follow_up and case.satisfaction else "",
            )
        )
    return replies


_ENDINGS = ("complete_self", "reject", "split")


def _result(
    state: str, done: list[Assignment], ended: dict[str, CaseEvent]
) -> tuple[str, list[str]]:
    """办理结果 and 承办单位: the departments' results when it was dispatched, else the words
    of the unit that handled it in its territory, or that refused it."""
    if done:
        names = list(dict.fromkeys(a.department.name for a in done))
        if len(done) == 1:
            return done[0].result_text, names
        return "；".join(
            f"{a.department.name}：{a.result_text.rstrip('。；;')}" for a in done
        ), names
    for action in _ENDINGS:
        e = ended.get(action)
        if e is not None:
            unit = [e.actor_unit.name] if e.actor_unit else []
            if action == "complete_self":
                return e.reason, unit
            return f"{CaseState(state).label}：{e.reason}" if e.reason else str(
                CaseState(state).label
            ), unit
    return "", []


# --- XLSX ------------------------------------------------------------------------------------


def replies_workbook(replies: Iterator[Reply] | list[Reply]) -> bytes:
    """The replies as the platform's sheet (write-only: a year of tickets stays small), in
    the site's language whoever downloads it: the file is for the platform, whose columns
    are Chinese. Replies read lazily are labelled in it too."""
    from openpyxl import Workbook

    with translation.override(settings.LANGUAGE_CODE):
        book = Workbook(write_only=True)
        sheet = book.create_sheet(_("办理结果回传"))
        append_row(sheet, [str(c) for c in COLUMNS])
        for reply in replies:
            append_row(sheet, reply.cells())
    return workbook_bytes(book)


def replies_filename(since: dt.date, until: dt.date) -> str:
    return f"12345-replies-{since:%Y%m%d}-{until:%Y%m%d}.xlsx"
