"""向社区摊派情况 as an XLSX workbook: the page's rows, numbers and order (per sender: sent,
refused at the gate, flagged, upheld), then the total in bold. The page's export and the
API's download are this one function."""

from __future__ import annotations

from io import BytesIO

from django.http import HttpResponse
from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.styles import Font

from huying.access.selectors import SenderFigures
from huying.cases.xlsx import CONTENT_TYPE
from huying.core.spreadsheets import append_row
from huying.core.web import file_download

__all__ = ["CONTENT_TYPE", "figures_response", "figures_workbook"]


def figures_workbook(rows: list[SenderFigures], month: str) -> bytes:
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = month
    append_row(sheet, [_("向社区摊派情况（%(month)s）") % {"month": month}])
    sheet.cell(1, 1).font = Font(bold=True, size=13)
    append_row(sheet, [_("派发单位"), _("派发"), _("门口拒收"), _("被社区标记"), _("认定摊派")])
    for cell in sheet[2]:
        cell.font = Font(bold=True)
    for r in rows:
        append_row(sheet, [r.sender.name, r.sent, r.refused, r.flagged, r.upheld])
    if rows:
        append_row(
            sheet,
            [
                _("合计"),
                sum(r.sent for r in rows),
                sum(r.refused for r in rows),
                sum(r.flagged for r in rows),
                sum(r.upheld for r in rows),
            ],
        )
        for cell in sheet[sheet.max_row]:
            cell.font = Font(bold=True)
    sheet.column_dimensions["A"].width = 30
    sheet.freeze_panes = "A3"
    out = BytesIO()
    book.save(out)
    return out.getvalue()


def figures_response(rows: list[SenderFigures], month: str) -> HttpResponse:
    return file_download(
        BytesIO(figures_workbook(rows, month)),
        filename=_("向社区摊派情况-{month}.xlsx").format(month=month),
        content_type=CONTENT_TYPE,
    )
