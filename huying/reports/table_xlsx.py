"""A ``tabulate.Table`` as an XLSX workbook: the same rows, values and order as the page.

A title row (the table, its period and grouping, when it was generated), then the Chinese
headers (frozen), the rows, the total in bold. Counts are numbers; rates are numbers with
a percent format (0.0%); scores and 吹哨率 are numbers; "—" where the page shows it.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from io import BytesIO
from typing import Any

from django.utils import timezone
from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter

from huying.cases.xlsx import CONTENT_TYPE
from huying.core.spreadsheets import append_row
from huying.reports.tabulate import COUNT, PER_MILLE, RANK, RATE, SCORE, Row, Table

__all__ = ["CONTENT_TYPE", "workbook"]

FORMATS = {RATE: "0.0%", PER_MILLE: "0.0", SCORE: "0.00", COUNT: "0", RANK: "0"}
HEADER_ROW = 2


def _width(text: str) -> float:
    """Columns wide enough for their Chinese text (a CJK character is about two units)."""
    return sum(2 if ord(ch) > 0x2E80 else 1 for ch in text) + 2


def workbook(table: Table, *, generated_at: datetime) -> bytes:
    wb = Workbook()
    ws = wb.active
    assert ws is not None
    ws.title = table.title[:31]
    at = timezone.localtime(generated_at)
    title = _("%(title)s · %(subtitle)s（生成时间：%(at)s）") % {
        "title": table.title,
        "subtitle": table.subtitle,
        "at": f"{at:%Y-%m-%d %H:%M}",
    }
    append_row(ws, [title])
    ncols = len(table.columns) + 1
    ws.merge_cells(start_row=1, start_column=1, end_row=1, end_column=ncols)
    ws.cell(1, 1).font = Font(bold=True, size=13)
    headers = [table.label_header, *(str(c.header) for c in table.columns)]
    append_row(ws, headers)
    bold = Font(bold=True)
    fill = PatternFill("solid", fgColor="F3F4F6")
    for i in range(1, ncols + 1):
        cell = ws.cell(HEADER_ROW, i)
        cell.font, cell.fill = bold, fill
        cell.alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)
    rows: list[tuple[Row, bool]] = [(r, False) for r in table.rows]
    if table.total is not None:
        rows.append((table.total, True))
    for row, is_total in rows:
        append_row(
            ws,
            [
                row.label,
                *(
                    _value(c.kind, cell.value, cell.text)
                    for c, cell in zip(table.columns, row.cells, strict=True)
                ),
            ],
        )
        r = ws.max_row
        for i, column in enumerate(table.columns, start=2):
            cell = ws.cell(r, i)
            if isinstance(cell.value, int | float):
                cell.number_format = FORMATS[column.kind]
            else:
                cell.alignment = Alignment(horizontal="right")
            if is_total:
                cell.font = bold
        if is_total:
            ws.cell(r, 1).font = bold
    if table.note:
        ws.append([])
        append_row(ws, [table.note])
    ws.freeze_panes = ws.cell(HEADER_ROW + 1, 2)
    labels = [r.label for r, _total in rows]
    ws.column_dimensions["A"].width = min(40, max(_width(t) for t in [headers[0], *labels]))
    for i in range(2, ncols + 1):
        texts = [headers[i - 1], *(r.cells[i - 2].text for r, _total in rows)]
        ws.column_dimensions[get_column_letter(i)].width = min(30, max(map(_width, texts)))
    out = BytesIO()
    wb.save(out)
    return out.getvalue()


def _value(kind: str, value: Any, text: str) -> Any:
    """A number as a number (rates as fractions, shown in percent); otherwise the page's
    text ("—", or why a row is not ranked)."""
    if value is None:
        return text
    if isinstance(value, Decimal):
        return float(value)
    return value
