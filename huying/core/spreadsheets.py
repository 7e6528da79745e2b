"""XLSX in and out. Reading the files people fill in and upload (a template's first sheet,
one header row): one place for what a broken file, a missing column or a huge file answers.
Writing rows whose text came from people: one place that keeps it text."""

from __future__ import annotations

import io
from collections.abc import Iterable, Iterator, Sequence
from typing import IO, Any, NoReturn
from zipfile import BadZipFile

from django.utils.translation import gettext as _
from openpyxl import Workbook, load_workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import Cell
from openpyxl.styles import Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.utils.exceptions import InvalidFileException
from openpyxl.worksheet._write_only import WriteOnlyWorksheet
from openpyxl.worksheet.worksheet import Worksheet

from huying.core.errors import DomainError, InvalidInput
from huying.core.input_text import printable

#: Row errors listed in full when a file is refused; beyond this the count still says how many.
MAX_ERRORS_LISTED = 200


def sheet_rows(
    file: IO[bytes], *, columns: Sequence[str], required: Sequence[str], max_rows: int
) -> list[tuple[int, dict[str, Any]]]:
    """The first sheet's rows under its header (``header_rows``). Refused (422,
    ``field="file"``) besides: a file that is not an XLSX workbook."""
    try:
        workbook = load_workbook(file, read_only=True, data_only=True)
    except (BadZipFile, InvalidFileException, KeyError, OSError, ValueError):
        raise InvalidInput(_("文件不是有效的 XLSX 工作簿"), field="file") from None
    try:
        lines = workbook.worksheets[0].iter_rows(values_only=True)
        return header_rows(lines, columns=columns, required=required, max_rows=max_rows)
    finally:
        workbook.close()


def header_rows(
    lines: Iterable[Sequence[Any]],
    *,
    columns: Sequence[str],
    required: Sequence[str],
    max_rows: int,
) -> list[tuple[int, dict[str, Any]]]:
    """A table's rows under its first line, the header, as (line number, {column: value}) for
    the ``columns`` present (a short row's missing cells are None), blank lines skipped; the
    same for a workbook's sheet and a CSV file. Refused (422, ``field="file"``): a header
    without one of ``required``, more than ``max_rows`` rows."""
    rows = []
    for row in iter_header_rows(lines, columns=columns, required=required):
        rows.append(row)
        if len(rows) > max_rows:
            raise InvalidInput(_("一次最多导入 %(max)d 行") % {"max": max_rows}, field="file")
    return rows


def iter_header_rows(
    lines: Iterable[Sequence[Any]], *, columns: Sequence[str], required: Sequence[str]
) -> Iterator[tuple[int, dict[str, Any]]]:
    """``header_rows`` one row at a time and with no limit, for a file read as a stream (a
    bulk import). The header is checked before the first row is yielded."""
    lines = iter(lines)
    header = next(lines, None) or ()
    names = [str(h).strip() if h is not None else "" for h in header]
    missing = [c for c in required if c not in names]
    if missing:
        raise InvalidInput(
            _("表头缺少列：%(columns)s") % {"columns": "、".join(missing)}, field="file"
        )
    at = {c: names.index(c) for c in columns if c in names}

    def rows() -> Iterator[tuple[int, dict[str, Any]]]:
        for number, values in enumerate(lines, start=2):
            if all(v is None or str(v).strip() == "" for v in values):
                continue  # blank lines between blocks of rows are harmless
            yield number, {c: values[i] if i < len(values) else None for c, i in at.items()}

    return rows()


def refuse_rows(errors: list[dict[str, Any]]) -> NoReturn:
    """Refuse a whole file for its bad rows (``{"row": n, "message": …}``, with ``"column"``
    where the import knows it): nothing of it is imported, and the page lists the rows
    (``row_errors``)."""
    raise InvalidInput(
        _("导入失败：共 %(count)d 处错误，未导入任何数据") % {"count": len(errors)},
        code="import_rejected",
        errors=errors[:MAX_ERRORS_LISTED],
        error_count=len(errors),
    )


def row_errors(exc: DomainError) -> dict[str, Any] | None:
    """The refused rows of ``refuse_rows`` as the import pages show them, or None."""
    if exc.code != "import_rejected":
        return None
    rows = exc.details.get("errors", [])
    return {
        "rows": rows,
        "count": exc.details.get("error_count", 0),
        "columns": any(e.get("column") for e in rows),  # the errors say which column
    }


def append_row(sheet: Worksheet | WriteOnlyWorksheet, values: Iterable[Any]) -> None:
    """Append a row whose text may come from people. Text stays text: a title typed as
    ``=HYPERLINK("http://…"&A1,"点击")`` is written as those characters, never as a live
    formula; and characters an XLSX file cannot carry (C0 controls but tab and newlines)
    are dropped, so one such title does not break every export that lists it."""
    cells = [_text_safe(sheet, v) for v in values]
    sheet.append(cells)
    if isinstance(sheet, Worksheet):
        for cell in sheet[sheet.max_row]:
            if cell.data_type == "f":
                cell.data_type = "s"


def _text_safe(sheet: Worksheet | WriteOnlyWorksheet, value: Any) -> Any:
    if isinstance(value, Cell):  # a cell made by the caller (styled, or a date)
        if isinstance(value.value, str):
            value.value = printable(value.value)
            if value.data_type == "f":
                value.data_type = "s"
        return value
    if not isinstance(value, str):
        return value
    value = printable(value)
    if value.startswith("=") and isinstance(sheet, WriteOnlyWorksheet):
        cell = WriteOnlyCell(sheet, value=value)
        cell.data_type = "s"
        return cell
    return value


# --- import templates ----------------------------------------------------------------------


def template_sheet(
    book: Workbook, *, title: str, columns: Sequence[str], widths: Sequence[int]
) -> Worksheet:
    """An import template's first sheet (what ``sheet_rows`` reads): its header row styled
    and frozen, each column as wide as given."""
    sheet = book.active
    assert sheet is not None
    sheet.title = title
    sheet.append(list(columns))
    bold, fill = Font(bold=True), PatternFill("solid", fgColor="FDE2E2")
    for cell in sheet[1]:
        cell.font, cell.fill = bold, fill
    for i, width in enumerate(widths, start=1):
        sheet.column_dimensions[get_column_letter(i)].width = width
    sheet.freeze_panes = "A2"
    return sheet


def guide_sheet(book: Workbook, lines: Sequence[str]) -> None:
    """The template's 说明 sheet: how to fill it in, the first line as a title."""
    guide = book.create_sheet("说明")
    for line in lines:
        guide.append([line])
    guide["A1"].font = Font(bold=True, size=13)
    guide.column_dimensions["A"].width = 110


def workbook_bytes(book: Workbook) -> bytes:
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()
