"""The case list as an XLSX workbook: exactly the rows the list shows the acting role.

Rows are read as plain dicts (``values()``) with only the joins a row needs, a chunk of
``CHUNK_SIZE`` per query, and written by openpyxl's write-only workbook, which keeps rows
on disk rather than in memory: memory stays flat and queries grow by one per chunk.
Datetimes are real Excel datetimes in the district's local time (Excel has no zones).
"""

from __future__ import annotations

import tempfile
from collections.abc import Callable, Iterable, Iterator
from dataclasses import asdict, dataclass, fields
from datetime import datetime
from typing import IO, Any

from django.db.models import OuterRef, QuerySet, Subquery
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet._write_only import WriteOnlyWorksheet

from huying.cases.models import (
    Assignment,
    AssignmentRole,
    Case,
    CaseState,
    Route,
    Satisfaction,
    Source,
)
from huying.cases.recurrence import Recurrence
from huying.cases.selectors import CaseFilters
from huying.catalogue.models import Level
from huying.core.spreadsheets import append_row

#: At most this many rows are written inside the request; more become a background job.
SYNC_LIMIT = 2000
#: Rows fetched per database round trip.
CHUNK_SIZE = 1000
#: A background export reports its progress every this many rows.
PROGRESS_EVERY = 500

DATETIME_FORMAT = "yyyy-mm-dd hh:mm"
CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _choice(choices: Any) -> Callable[[Any], str]:
    """A choice's label in the active language (looked up when a row is written)."""
    labels = dict(choices)
    return lambda value: str(labels.get(value, "")) if value not in (None, "") else ""


def _yes(value: Any) -> str:
    return _("是") if value else _("否")


@dataclass(frozen=True)
class Column:
    header: Any  # lazy: written in the language active when the workbook is made
    key: str  # a key of the ``values()`` row
    width: float
    show: Callable[[Any], Any] | None = None
    is_datetime: bool = False


COLUMNS: tuple[Column, ...] = (
    Column(gettext_lazy("编号"), "number", 20),
    Column(gettext_lazy("标题"), "title", 36),
    Column(gettext_lazy("事项"), "item__name", 22),
    Column(gettext_lazy("等级"), "level", 14, _choice(Level.choices)),
    Column(gettext_lazy("状态"), "state", 11, _choice(CaseState.choices)),
    Column(gettext_lazy("处置方式"), "route", 15, _choice(Route.choices)),
    Column(gettext_lazy("街道"), "street__name", 14),
    Column(gettext_lazy("社区"), "community__name", 16),
    Column(gettext_lazy("地址"), "address", 30),
    Column(gettext_lazy("来源"), "source", 12, _choice(Source.choices)),
    Column(gettext_lazy("主办部门"), "lead_department", 26),
    Column(gettext_lazy("上报时间"), "reported_at", 17, is_datetime=True),
    Column(gettext_lazy("时限"), "due_at", 17, is_datetime=True),
    Column(gettext_lazy("曾超期"), "overdue", 8, _yes),
    Column(gettext_lazy("结案时间"), "closed_at", 17, is_datetime=True),
    Column(gettext_lazy("满意度"), "satisfaction", 10, _choice(Satisfaction.choices)),
    Column(gettext_lazy("催办次数"), "urge_count", 9),
    Column(gettext_lazy("督办"), "supervised", 6, _yes),
)
HEADERS = [c.header for c in COLUMNS]  # lazy; str() each when writing


def export_rows(cases: QuerySet[Case]) -> QuerySet[Any]:
    """The list's cases as dicts holding only what the columns show, newest first.

    ``cases`` must already be the acting role's scoped, filtered list."""
    lead = (
        Assignment.objects.filter(case_id=OuterRef("pk"), role=AssignmentRole.LEAD)
        .order_by("-round", "-pk")
        .values("department__name")[:1]
    )
    keys = [c.key for c in COLUMNS if c.key != "lead_department"]
    return (
        cases.annotate(lead_department=Subquery(lead))
        .values("id", *keys, "lead_department")
        .order_by("-id")
    )


def _local(value: datetime | None) -> datetime | None:
    if value is None:
        return None
    local = timezone.localtime(value, timezone.get_default_timezone())
    return local.replace(tzinfo=None, microsecond=0)


def write_workbook(
    rows: Iterable[dict[str, Any]],
    out: IO[bytes],
    *,
    on_progress: Callable[[int], None] | None = None,
    every: int | None = None,
) -> int:
    """Write ``rows`` as a one-sheet workbook to ``out``; returns how many were written.

    ``on_progress(n)`` is called after every ``every`` (default ``PROGRESS_EVERY``) rows."""
    every = every or PROGRESS_EVERY
    wb = Workbook(write_only=True)
    ws: WriteOnlyWorksheet = wb.create_sheet(_("事件"))
    # Sheet layout must be set before the first row: write-only sheets stream as they go.
    for i, col in enumerate(COLUMNS, start=1):
        ws.column_dimensions[get_column_letter(i)].width = col.width
    ws.freeze_panes = "A2"
    bold = Font(bold=True)
    fill = PatternFill("solid", fgColor="F3F4F6")
    centre = Alignment(horizontal="center", vertical="center")
    header = []
    for title in HEADERS:
        cell = WriteOnlyCell(ws, value=str(title))
        cell.font, cell.fill, cell.alignment = bold, fill, centre
        header.append(cell)
    ws.append(header)

    def when(value: datetime | None) -> Any:
        if value is None:
            return None
        cell = WriteOnlyCell(ws, value=_local(value))
        cell.number_format = DATETIME_FORMAT
        return cell

    n = 0
    for row in rows:
        values: list[Any] = []
        for col in COLUMNS:
            value = row[col.key]
            if col.is_datetime:
                values.append(when(value))
            elif col.show is not None:
                values.append(col.show(value))
            else:
                values.append(value)
        append_row(ws, values)
        n += 1
        if on_progress is not None and n % every == 0:
            on_progress(n)
    ws.auto_filter.ref = f"A1:{get_column_letter(len(COLUMNS))}{n + 1}"
    wb.save(out)
    return n


def iterate(rows: QuerySet[Any], *, chunk_size: int | None = None) -> Iterator[dict[str, Any]]:
    """``export_rows`` one chunk at a time, each chunk a complete query (keyset on id).

    Not ``.iterator()``: its cursor stays open while the caller writes progress, and on
    SQLite (WAL) a connection still reading an older snapshot may not write ("database is
    locked" as soon as anyone else has written). Between chunks no cursor is open."""
    size = chunk_size or CHUNK_SIZE
    page = rows
    while True:
        chunk = list(page[:size])
        yield from chunk
        if len(chunk) < size:
            return
        page = rows.filter(id__lt=chunk[-1]["id"])


# --- filters as data ---------------------------------------------------------------------------


def filters_to_json(filters: CaseFilters) -> dict[str, Any]:
    """A job's filters, stored: only those set; datetimes as ISO 8601 with their offset."""
    out: dict[str, Any] = {}
    for key, value in asdict(filters).items():
        if value is None:
            continue
        out[key] = value.isoformat() if isinstance(value, datetime) else value
    return out


def filters_from_json(data: dict[str, Any]) -> CaseFilters:
    known = {f.name: f for f in fields(CaseFilters)}
    kwargs: dict[str, Any] = {}
    for key, value in data.items():
        if key not in known:
            raise ValueError(f"unknown filter {key!r}")
        if key in ("reported_from", "reported_to") and value is not None:
            value = datetime.fromisoformat(value)
        kwargs[key] = value
    return CaseFilters(**kwargs)


# --- 反复发生预警 ----------------------------------------------------------------------------------

RECURRENCE_COLUMNS = (
    (gettext_lazy("事项"), 22),
    (gettext_lazy("街道"), 14),
    (gettext_lazy("社区"), 16),
    (gettext_lazy("网格/地点"), 26),
    (gettext_lazy("次数"), 7),
    (gettext_lazy("首次上报"), 17),
    (gettext_lazy("最近上报"), 17),
    (gettext_lazy("事件编号"), 44),
    (gettext_lazy("系统性问题"), 20),
)


def recurrence_workbook(warnings: Iterable[Recurrence], *, title: str) -> IO[bytes]:
    """The weekly warning list as a one-sheet workbook (its title row above the header),
    in a temporary file the download closes. Names and numbers go through ``append_row``:
    the item and place names are typed by people."""
    wb = Workbook()
    ws = wb.active
    assert ws is not None
    ws.title = _("预警清单")
    for i, (_header, width) in enumerate(RECURRENCE_COLUMNS, start=1):
        ws.column_dimensions[get_column_letter(i)].width = width
    append_row(ws, [title])
    ws.cell(row=1, column=1).font = Font(bold=True, size=13)
    append_row(ws, [str(header) for header, _width in RECURRENCE_COLUMNS])
    for cell in ws[2]:
        cell.font, cell.fill = Font(bold=True), PatternFill("solid", fgColor="F3F4F6")
    ws.freeze_panes = "A3"
    for w in warnings:
        append_row(
            ws,
            [
                w.item_name,
                w.street_name or "",
                w.community_name or "",
                w.place,
                w.count,
                _local(w.first_at),
                _local(w.last_at),
                "、".join(c.number for c in w.cases),
                "、".join(number for _pk, number in w.systemic),
            ],
        )
        for column in (6, 7):
            ws.cell(row=ws.max_row, column=column).number_format = DATETIME_FORMAT
    out = tempfile.TemporaryFile()  # noqa: SIM115 - the download closes it
    wb.save(out)
    out.seek(0)
    return out
