"""The weekly 三陪同 compliance table as a workbook."""

from __future__ import annotations

import tempfile
from typing import IO

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from openpyxl import Workbook
from openpyxl.styles import Font, PatternFill
from openpyxl.utils import get_column_letter

from huying.core.spreadsheets import append_row
from huying.grid.selectors import Compliance

CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
COLUMNS = (
    (gettext_lazy("周（自）"), 12),
    (gettext_lazy("网格员"), 14),
    (gettext_lazy("网格"), 18),
    (gettext_lazy("巡查次数"), 10),
    (gettext_lazy("街道干部陪同"), 14),
    (gettext_lazy("每周目标"), 10),
    (gettext_lazy("差额"), 8),
)


def compliance_workbook(table: Compliance) -> IO[bytes]:
    wb = Workbook()
    ws = wb.active
    assert ws is not None
    ws.title = _("三陪同")
    for i, (_header, width) in enumerate(COLUMNS, start=1):
        ws.column_dimensions[get_column_letter(i)].width = width
    append_row(
        ws,
        [
            _("{street} 网格员巡查街道干部陪同情况（{first} 起 {weeks} 周）").format(
                street=table.street.name, first=f"{table.weeks[0]:%Y-%m-%d}", weeks=len(table.weeks)
            )
        ],
    )
    ws.cell(row=1, column=1).font = Font(bold=True, size=13)
    append_row(ws, [str(header) for header, _width in COLUMNS])
    for cell in ws[2]:
        cell.font, cell.fill = Font(bold=True), PatternFill("solid", fgColor="F3F4F6")
    ws.freeze_panes = "A3"
    for row in table.rows:
        append_row(
            ws,
            [
                row.week,
                row.worker,
                row.grid,
                row.patrols,
                row.accompanied,
                row.target,
                row.shortfall,
            ],
        )
        ws.cell(row=ws.max_row, column=1).number_format = "yyyy-mm-dd"
    out = tempfile.TemporaryFile()  # noqa: SIM115 - the download closes it
    wb.save(out)
    out.seek(0)
    return out
