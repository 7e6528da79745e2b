"""地址库导入: rows checked one by one, imported once per key however often sent; and the
matcher built from what was imported."""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command
from openpyxl import Workbook, load_workbook

from huying.conftest import World
from huying.gazetteer import selectors
from huying.gazetteer.importing import COLUMNS, Plan, error_report, plan_import, read_rows, template
from huying.gazetteer.importing import run_import as write
from huying.gazetteer.models import Entry


def xlsx(rows: list[list[Any]], header: list[str] | None = None) -> bytes:
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(header or list(COLUMNS))
    for row in rows:
        sheet.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def imported(rows: list[list[Any]]) -> Plan:
    return write(plan_import(read_rows(xlsx(rows))))


def gazetteer(world: World) -> list[list[Any]]:
    g = [grid.code for grid in world.grids]
    return [
        ["道路", "锦华路", "", 1, 99, "单", "", g[0], "", ""],
        ["道路", "锦华路", "", 2, 98, "双", "", g[1], "", ""],
        [
            "小区",
            "锦华苑",
            "锦华小区、锦华花园",
            None,
            None,
            "",
            "",
            world.grids[0].name,
            30.605,
            104.005,
        ],
        ["地标", "东门码头", "", None, None, "", world.communities[1].code, "", "", ""],
    ]


def test_import_creates_entries_with_their_places(world: World) -> None:
    plan = imported(gazetteer(world))
    assert plan.counts() == {"create": 4, "update": 0, "unchanged": 0, "error": 0}
    odd = Entry.objects.get(name="锦华路", parity=Entry.Parity.ODD)
    assert (odd.number_from, odd.number_to, odd.grid_id) == (1, 99, world.grids[0].pk)
    assert odd.community_id == world.communities[0].pk  # the grid's community
    compound = Entry.objects.get(name="锦华苑")
    assert compound.aliases == ["锦华小区", "锦华花园"]
    assert (compound.lat, compound.lng) == (30.605, 104.005)
    landmark = Entry.objects.get(name="东门码头")
    assert (landmark.grid_id, landmark.community_id) == (None, world.communities[1].pk)


def test_reimporting_changes_nothing_and_an_edit_updates(world: World) -> None:
    imported(gazetteer(world))
    assert imported(gazetteer(world)).counts() == {
        "create": 0,
        "update": 0,
        "unchanged": 4,
        "error": 0,
    }
    rows = gazetteer(world)
    rows[2][2] = "锦华小区"
    rows[2][7] = world.grids[1].code
    plan = imported(rows)
    assert plan.counts() == {"create": 0, "update": 1, "unchanged": 3, "error": 0}
    assert Entry.objects.count() == 4
    compound = Entry.objects.get(name="锦华苑")
    assert compound.aliases == ["锦华小区"] and compound.grid_id == world.grids[1].pk


@pytest.mark.parametrize(
    ("row", "column", "message"),
    [
        (["街巷", "锦华路", "", 1, 9, "", "", "G", "", ""], "类型", "类型应为"),
        (["道路", "", "", 1, 9, "", "", "G", "", ""], "名称", "名称为空"),
        (["道路", "锦华路", "", "一", 9, "", "", "G", "", ""], "起始门牌", "正整数"),
        (["道路", "锦华路", "", 9, 1, "", "", "G", "", ""], "终止门牌", "不能小于"),
        (["道路", "锦华路", "", 1, None, "", "", "G", "", ""], "终止门牌", "同时填写"),
        (["道路", "锦华路", "", 1, 9, "隔号", "", "G", "", ""], "单双号", "单双号应为"),
        (["小区", "锦华苑", "", 1, 9, "", "", "G", "", ""], "起始门牌", "只有道路"),
        (["小区", "锦华苑", "", None, None, "", "", "没有的网格", "", ""], "网格", "没有此单位"),
        (["小区", "锦华苑", "", None, None, "", "", "", "", ""], "网格", "请填写网格或社区"),
        (["小区", "锦华苑", "", None, None, "", "C1", "G", "", ""], "网格", "不属于所填社区"),
        (["地标", "塔", "", None, None, "", "", "G", 30.6, ""], "纬度", "同时填写"),
        (["地标", "塔", "", None, None, "", "", "G", 95, 104], "纬度", "超出范围"),
    ],
)
def test_a_bad_row_is_reported_and_not_imported(
    world: World, row: list[Any], column: str, message: str
) -> None:
    row = [
        world.grids[0].code if v == "G" else world.communities[1].code if v == "C1" else v
        for v in row
    ]
    good = ["地标", "东门码头", "", None, None, "", "", world.grids[2].code, "", ""]
    plan = imported([good, row])
    assert plan.counts()["create"] == 1 and plan.counts()["error"] == 1
    [bad] = [r for r in plan.rows if r.errors]
    assert bad.line == 3
    assert any(c == column and message in m for c, m in bad.errors), bad.errors
    assert list(Entry.objects.values_list("name", flat=True)) == ["东门码头"]


def test_a_name_two_units_share_needs_the_code(world: World) -> None:
    world.grids[2].name = world.grids[0].name
    world.grids[2].save(update_fields=["name"])
    plan = imported([["小区", "锦华苑", "", None, None, "", "", world.grids[0].name, "", ""]])
    assert "请填编码" in plan.rows[0].errors[0][1]


def test_duplicate_rows_and_overlapping_ranges_in_two_grids(world: World) -> None:
    g = [grid.code for grid in world.grids]
    plan = imported(
        [
            ["道路", "东大街", "", 1, 100, "全", "", g[0], "", ""],
            ["道路", "东大街", "", 1, 100, "", "", g[0], "", ""],  # the same key again
            ["道路", "东大街", "", 90, 200, "双", "", g[1], "", ""],  # overlaps 90–100 even
            ["道路", "东大街", "", 101, 199, "单", "", g[1], "", ""],  # next to it: fine
        ]
    )
    assert [r.action for r in plan.rows] == ["create", "error", "error", "create"]
    assert "与第 2 行重复" in plan.rows[1].errors[0][1]
    assert "重叠" in plan.rows[2].errors[0][1]
    # Against what is kept: even 102–110 in another grid overlaps nothing of the odd range…
    later = imported([["道路", "东大街", "", 102, 110, "双", "", g[2], "", ""]])
    assert later.counts()["create"] == 1
    # …but 50–60 does overlap the kept 1–100 (both sides).
    clash = imported([["道路", "东大街", "", 50, 60, "单", "", g[2], "", ""]])
    assert "地址库中已有的" in clash.rows[0].errors[0][1]


def test_the_error_report_carries_each_bad_row_as_it_came(world: World) -> None:
    plan = imported([["街巷", "锦华路", "别名", 1, 9, "", "", "x", "", ""]])
    book = load_workbook(io.BytesIO(error_report(plan)))
    sheet = book.worksheets[0]
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][:3] == ("行号", "错误", "类型")
    assert rows[1][0] == "2" and "类型" in str(rows[1][1]) and rows[1][2] == "街巷"


def test_the_template_reads_back_as_a_gazetteer(world: World) -> None:
    rows = read_rows(template())
    assert [line for line, _ in rows] == [2, 3]
    assert rows[1][1]["名称"] == "锦华苑"


def test_the_command_imports_and_writes_the_errors(world: World, tmp_path: Path) -> None:
    path = tmp_path / "地址库.xlsx"
    path.write_bytes(xlsx([*gazetteer(world), ["街巷", "x", "", None, None, "", "", "", "", ""]]))
    out = io.StringIO()
    call_command("gazetteer_import", str(path), "--dry-run", stdout=out)
    assert "将新建 create: 4" in out.getvalue() and not Entry.objects.exists()
    errors = tmp_path / "errors.xlsx"
    call_command("gazetteer_import", str(path), "--errors", str(errors), stdout=out)
    assert Entry.objects.count() == 4 and errors.exists()
    assert "第 6 行 类型" in out.getvalue()


def test_the_matcher_reads_the_imported_gazetteer(world: World) -> None:
    imported(gazetteer(world))
    m = selectors.matcher()
    placed = m.locate("锦城区第1街道锦华路 ３３ 号")  # the district's and a street's names first
    assert placed is not None and placed.grid_id == world.grids[0].pk
    assert m.locate("锦华路34号").grid_id == world.grids[1].pk  # type: ignore[union-attr]
    花园 = m.locate("锦华花园2栋")
    assert 花园 is not None and (花园.lat, 花园.lng) == (30.605, 104.005)
    码头 = m.locate("东门码头")
    assert 码头 is not None and (码头.grid_id, 码头.community_id) == (None, world.communities[1].pk)
    assert m.locate("锦华路100号") is None
