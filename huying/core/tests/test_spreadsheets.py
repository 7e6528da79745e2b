"""Rows written to XLSX keep people's text as text, on both kinds of worksheet."""

from __future__ import annotations

import io

import pytest
from openpyxl import Workbook, load_workbook

from huying.core.spreadsheets import append_row

# The database plays no part here: CI runs these in the SQLite run only.
pytestmark = pytest.mark.once


@pytest.mark.parametrize("write_only", [False, True])
def test_a_formula_typed_by_someone_stays_text_and_bad_characters_go(write_only: bool) -> None:
    book = Workbook(write_only=write_only)
    sheet = book.create_sheet() if write_only else book.active
    assert sheet is not None
    append_row(sheet, ["=1+1", "响应\x01\x07\x1b部门", 42, None, "-2+3"])
    out = io.BytesIO()
    book.save(out)
    read = load_workbook(io.BytesIO(out.getvalue())).worksheets[0]
    cells = next(iter(read.iter_rows()))
    assert [c.value for c in cells] == ["=1+1", "响应部门", 42, None, "-2+3"]
    assert cells[0].data_type == "s" and cells[2].data_type == "n"
