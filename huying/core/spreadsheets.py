"""Reading the XLSX files people fill in and upload (a template's first sheet, one header
row): one place for what a broken file, a missing column or a huge file answers."""

from __future__ import annotations

from collections.abc import Sequence
from typing import IO, Any
from zipfile import BadZipFile

from django.utils.translation import gettext as _
from openpyxl import load_workbook
from openpyxl.utils.exceptions import InvalidFileException

from huying.core.errors import InvalidInput


def sheet_rows(
    file: IO[bytes], *, columns: Sequence[str], required: Sequence[str], max_rows: int
) -> list[tuple[int, dict[str, Any]]]:
    """The first sheet's rows under its header as (line number, {column: value}) for the
    ``columns`` present, blank lines skipped. Refused (422, ``field="file"``): a file that is
    not an XLSX workbook, a header without one of ``required``, more than ``max_rows`` rows."""
    try:
        workbook = load_workbook(file, read_only=True, data_only=True)
    except (BadZipFile, InvalidFileException, KeyError, OSError, ValueError):
        raise InvalidInput(_("文件不是有效的 XLSX 工作簿"), field="file") from None
    try:
        lines = workbook.worksheets[0].iter_rows(values_only=True)
        header = next(lines, None) or ()
        names = [str(h).strip() if h is not None else "" for h in header]
        missing = [c for c in required if c not in names]
        if missing:
            raise InvalidInput(
                _("表头缺少列：%(columns)s") % {"columns": "、".join(missing)}, field="file"
            )
        at = {c: names.index(c) for c in columns if c in names}
        rows = []
        for number, values in enumerate(lines, start=2):
            if all(v is None or str(v).strip() == "" for v in values):
                continue  # blank lines between blocks of rows are harmless
            rows.append(
                (number, {c: values[i] if i < len(values) else None for c, i in at.items()})
            )
            if len(rows) > max_rows:
                raise InvalidInput(_("一次最多导入 %(max)d 行") % {"max": max_rows}, field="file")
        return rows
    finally:
        workbook.close()
