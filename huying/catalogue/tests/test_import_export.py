"""The catalogue as XLSX, out and back in: an export reads back into a new draft equal to
the version it came from; a file with any bad row is refused row by row (row, column,
reason) and writes nothing; the page checks first and imports on confirmation; admins only."""

from __future__ import annotations

import io
from datetime import datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from django.test import Client
from django.utils import translation
from openpyxl import Workbook, load_workbook

from huying.catalogue import xlsx as catalogue_xlsx
from huying.catalogue.attributes import AttributeSpec
from huying.catalogue.models import Catalogue, CatalogueClass, CatalogueItem, Level, LimitUnit
from huying.catalogue.selectors import current_catalogue
from huying.catalogue.services import _attributes_write
from huying.catalogue.xlsx import COLUMNS, catalogue_export, catalogue_import, error_report
from huying.conftest import World
from huying.core.errors import InvalidInput, PermissionDenied
from huying.core.models import ChangeLog
from huying.org.models import OrgUnit

pytestmark = pytest.mark.django_db

NOW = datetime(2026, 3, 10, 10, 0, tzinfo=ZoneInfo("Asia/Shanghai"))

#: A good row of the test district's departments (城管局, 水务局, 生态环境局, 交通局).
GOOD = {
    "类别编码": "B",
    "类别名称": "市政设施",
    "事项编码": "B1",
    "事项名称": "井盖缺失",
    "默认等级": "一般问题",
    "主办部门": "城管局",
    "协办部门": "",
    "报到时限": 1,
    "报到时限单位": "工作日",
    "办理时限": 5,
    "办理时限单位": "工作日",
    "处置标准": "",
    "结案条件": "",
    "关键词": "井盖",
    "近义词": "窨井盖、下水道盖",
}


def row(**changes: Any) -> dict[str, Any]:
    return {**GOOD, **changes}


def workbook(*rows: dict[str, Any], header: tuple[str, ...] = COLUMNS) -> io.BytesIO:
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(list(header))
    for r in rows:
        sheet.append([r.get(c) for c in header])
    out = io.BytesIO()
    book.save(out)
    out.seek(0)
    return out


def sheet_values(data: bytes, sheet: int = 0) -> list[tuple[Any, ...]]:
    book = load_workbook(io.BytesIO(data))
    return list(book.worksheets[sheet].iter_rows(values_only=True))


def counts() -> tuple[int, int, int, int]:
    return (
        Catalogue.objects.count(),
        CatalogueClass.objects.count(),
        CatalogueItem.objects.count(),
        ChangeLog.objects.count(),
    )


def run(file: io.BytesIO, *, world: World, dry_run: bool = False, **kwargs: Any) -> Any:
    return catalogue_import(
        actor=world.actor("admin"),
        district=world.district,
        file=file,
        now=NOW,
        dry_run=dry_run,
        **kwargs,
    )


def refusal(file: io.BytesIO, world: World) -> list[dict[str, Any]]:
    before = counts()
    with pytest.raises(InvalidInput) as refused:
        run(file, world=world)
    assert refused.value.status == 422
    assert counts() == before, "a refused file writes nothing"
    if refused.value.code != "import_rejected":
        return [{"row": 0, "column": "", "message": refused.value.message}]
    return refused.value.details["errors"]


def item_fields(item: CatalogueItem) -> dict[str, Any]:
    return {
        "class": (item.klass.code, item.klass.name),
        "code": item.code,
        "name": item.name,
        "default_level": item.default_level,
        "lead_department": item.lead_department_id,
        "co_departments": sorted(u.pk for u in item.co_departments.all()),
        "report_in": (item.report_in_limit, item.report_in_unit),
        "handle": (item.handle_limit, item.handle_unit),
        "handling_standard": item.handling_standard,
        "closing_condition": item.closing_condition,
        "keywords": item.keywords,
        "synonyms": item.synonyms,
        "attributes": [
            (a.code, a.datatype, a.required, a.description, a.order, a.values)
            for a in item.attributes.order_by("order", "code")
        ],
    }


def items_of(catalogue: Catalogue) -> list[dict[str, Any]]:
    """Every field of every item, in the version's order (class order, then item order)."""
    items = (
        CatalogueItem.objects.filter(klass__catalogue=catalogue)
        .select_related("klass")
        .prefetch_related("co_departments")
        .order_by("klass__order", "klass__code", "order", "code")
    )
    return [item_fields(i) for i in items]


def richer_world(world: World) -> Catalogue:
    """The test catalogue with every column filled somewhere (texts, keywords, synonyms, two
    co-handlers, a field unit), as a district's would be."""
    current = current_catalogue(world.district.pk)
    assert current is not None
    complex_item = world.items[Level.COMPLEX]
    CatalogueItem.objects.filter(pk=complex_item.pk).update(
        handling_standard="2 小时内到场核查。\n查明排污口，责令整改。",
        closing_condition="水质复测达标",
        keywords="排污,污水,黑水",
        synonyms="黑臭水体,臭水沟",
    )
    complex_item.co_departments.add(world.departments["cg_unit"])
    _attributes_write(
        complex_item,
        [
            AttributeSpec("depth", "number", "积水深度（厘米）", required=True, order=1),
            AttributeSpec(
                "smell",
                "singlevaluelist",
                "气味",
                order=2,
                values=(("none", "无"), ("bad", "有异味")),
            ),
        ],
    )
    return current


# --- round trip --------------------------------------------------------------------------


def test_an_export_reads_back_into_a_new_draft_equal_in_every_field(world: World) -> None:
    source = richer_world(world)
    data = catalogue_export(source)
    result = run(io.BytesIO(data), world=world, file_name=f"{source.name}-v{source.version}.xlsx")
    draft = result.catalogue
    assert draft is not None and draft.is_draft and not draft.is_current
    assert (draft.version, draft.name) == (2, source.name)
    assert items_of(draft) == items_of(source)
    assert [(c.code, c.name, c.items) for c in result.classes] == [("A", "综合执法", 4)]
    # Order is the file's order: classes 1, 2, … and items 1, 2, … within their class.
    assert list(draft.classes.values_list("order", flat=True)) == [1]
    assert list(
        CatalogueItem.objects.filter(klass__catalogue=draft)
        .order_by("order")
        .values_list("code", "order")
    ) == [("A1", 1), ("A2", 2), ("A3", 3), ("A4", 4)]
    [record] = ChangeLog.objects.filter(action="catalogue.import")
    assert record.username == "admin" and record.after == {
        "version": 2,
        "name": source.name,
        "file": f"{source.name}-v1.xlsx",
        "classes": 1,
        "items": 4,
    }
    # Exported again, the draft is the same file.
    assert sheet_values(catalogue_export(draft)) == sheet_values(data)


def test_the_export_is_one_sheet_of_items_in_chinese_whatever_the_language(world: World) -> None:
    source = richer_world(world)
    with translation.override("en"):
        data = catalogue_export(source)
    book = load_workbook(io.BytesIO(data))
    assert book.sheetnames == ["事项清单", "说明"]
    header, *rows = sheet_values(data)
    assert header == COLUMNS
    by_code = {r[2]: dict(zip(COLUMNS, r, strict=True)) for r in rows}
    complex_row = by_code["A3"]
    assert complex_row["默认等级"] == "复杂问题"
    assert complex_row["主办部门"] == "水务局"
    assert complex_row["协办部门"] == "城管执法一中队、生态环境局"  # by code: D-cg-1, D-hb
    assert complex_row["报到时限"] == 1 and complex_row["报到时限单位"] == "工作日"
    assert complex_row["关键词"] == "排污、污水、黑水"
    assert complex_row["近义词"] == "黑臭水体、臭水沟"
    assert complex_row["处置标准"] == "2 小时内到场核查。\n查明排污口，责令整改。"
    # The questions as the console writes them, in Chinese whatever the page's language.
    assert complex_row["填报项"] == (
        "depth | number | 必填 | 积水深度（厘米）\nsmell | singlevaluelist | 选填 | 气味 | none=无；bad=有异味"
    )
    major = by_code["A4"]
    assert (major["默认等级"], major["报到时限单位"]) == ("重难点/突发问题", "分钟（连续计时）")
    assert by_code["A1"]["主办部门"] is None  # 简单问题: the street handles it itself


def test_text_that_looks_like_a_formula_is_exported_as_text(world: World) -> None:
    item = world.items[Level.SIMPLE]
    CatalogueItem.objects.filter(pk=item.pk).update(handling_standard='=HYPERLINK("http://x")')
    book = load_workbook(io.BytesIO(catalogue_export(item.klass.catalogue)))
    cell = next(c for c in book.worksheets[0]["L"] if c.value and str(c.value).startswith("="))
    assert cell.data_type == "s"


def test_levels_and_units_are_read_in_their_other_spellings(world: World) -> None:
    file = workbook(
        row(事项编码="B1", 默认等级=2, 报到时限单位="个工作日", 办理时限单位="working_days"),
        row(事项编码="B2", 默认等级="L2", 报到时限单位="小时", 办理时限单位="天"),
        row(事项编码="B3", 默认等级="简单问题", 主办部门="", 报到时限="2", 报到时限单位="分钟"),
        row(事项编码="B4", 默认等级=" l3 ", 协办部门="水务局，D-hb", 办理时限单位="工作日"),
    )
    draft = run(file, world=world, name="他区清单").catalogue
    got = {i.code: i for i in CatalogueItem.objects.filter(klass__catalogue=draft)}
    assert got["B1"].default_level == got["B2"].default_level == Level.GENERAL
    assert (got["B1"].report_in_unit, got["B1"].handle_unit) == ("working_days", "working_days")
    assert (got["B2"].report_in_unit, got["B2"].handle_unit) == (
        LimitUnit.HOURS,
        LimitUnit.CALENDAR_DAYS,
    )
    assert (got["B3"].default_level, got["B3"].report_in_limit) == (Level.SIMPLE, 2)
    assert got["B3"].report_in_unit == LimitUnit.MINUTES
    assert {u.name for u in got["B4"].co_departments.all()} == {"水务局", "生态环境局"}
    assert got["B1"].synonyms == "窨井盖,下水道盖"
    assert got["B1"].synonym_list() == ["窨井盖", "下水道盖"]
    assert draft is not None and draft.name == "他区清单"


# --- bad rows ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("bad", "column", "message"),
    [
        ({"主办部门": "城建局"}, "主办部门", "部门「城建局」不存在"),
        ({"协办部门": "水务局、园林局"}, "协办部门", "部门「园林局」不存在"),
        ({"默认等级": "紧急"}, "默认等级", "默认等级「紧急」无效"),
        ({"默认等级": 5}, "默认等级", "默认等级「5」无效"),
        ({"报到时限单位": "周"}, "报到时限单位", "报到时限单位「周」无效"),
        ({"办理时限": "三天"}, "办理时限", "办理时限「三天」应为正整数"),
        ({"办理时限": 0}, "办理时限", "应为正整数"),
        ({"报到时限": 6}, "报到时限", "报到时限不能长于办理时限"),
        ({"办理时限": 300}, "办理时限", "办理时限不能超过250个工作日"),
        ({"事项名称": "  "}, "事项名称", "事项名称不能为空"),
        ({"事项名称": "长" * 101}, "事项名称", "不能超过100个字符"),
        ({"类别编码": ""}, "类别编码", "类别编码不能为空"),
        ({"主办部门": ""}, "主办部门", "一般问题须指定主办部门"),
        ({"默认等级": "复杂问题"}, "协办部门", "复杂问题须指定至少一个协办部门"),
        ({"协办部门": "城管局"}, "协办部门", "主办部门「城管局」不能同时作为协办部门"),
        ({"主办部门": "第1街道"}, "主办部门", "部门「第1街道」不存在"),
        ({"填报项": "depth | number | 必须 | 深度"}, "填报项", "第三栏应为“必填”或“选填”"),
        ({"填报项": "kind | singlevaluelist | 选填 | 类型"}, "填报项", "单选和多选须列出选项"),
        ({"填报项": "a | string | 选填 | 甲\na | text | 选填 | 乙"}, "填报项", "编码重复"),
    ],
)
def test_each_kind_of_bad_row_is_reported_on_its_row_and_column(
    world: World, bad: dict[str, Any], column: str, message: str
) -> None:
    errors = refusal(workbook(row(事项编码="B1"), row(事项编码="B2", **bad)), world)
    assert [(e["row"], e["column"]) for e in errors] == [(3, column)]
    assert message in errors[0]["message"]


def test_a_switched_off_department_is_named(world: World) -> None:
    OrgUnit.objects.filter(pk=world.departments["jt"].pk).update(is_active=False)
    errors = refusal(workbook(row(主办部门="交通局")), world)
    assert errors == [{"row": 2, "column": "主办部门", "message": "主办部门「交通局」已停用"}]


def test_rows_are_checked_against_each_other(world: World) -> None:
    errors = refusal(
        workbook(
            row(事项编码="B1"),
            row(事项编码="B1", 事项名称="井盖破损"),
            row(事项编码="B3", 类别名称="市政"),
        ),
        world,
    )
    assert [(e["row"], e["column"]) for e in errors] == [(3, "事项编码"), (4, "类别名称")]
    assert "事项编码 B1 与第 2 行重复" in errors[0]["message"]
    assert "类别编码 B 在第 2 行的名称是「市政设施」，本行是「市政」" in errors[1]["message"]


def test_every_problem_of_every_row_is_collected(world: World) -> None:
    errors = refusal(
        workbook(
            row(事项编码="B1", 默认等级="?", 报到时限单位="周"),
            row(事项编码="B2"),
            row(事项编码="B3", 主办部门="城建局", 办理时限=""),
        ),
        world,
    )
    assert [(e["row"], e["column"]) for e in errors] == [
        (2, "默认等级"),
        (2, "报到时限单位"),
        (4, "主办部门"),
        (4, "办理时限"),
    ]


def test_the_error_report_lists_the_refused_rows_as_they_were(world: World) -> None:
    file = workbook(row(事项编码="B1"), row(事项编码="B2", 主办部门="城建局"))
    report = error_report(file, world.district)
    assert report is not None
    header, *rows = sheet_values(report)
    assert header[:4] == ("行号", "列", "问题", "类别编码")
    assert len(rows) == 1
    assert rows[0][:2] == (3, "主办部门") and "城建局" in rows[0][2]
    assert rows[0][5:9] == ("B2", "井盖缺失", "一般问题", "城建局")
    assert error_report(workbook(row()), world.district) is None
    assert error_report(io.BytesIO(b"not xlsx"), world.district) is None


def test_a_file_that_is_not_xlsx_or_lacks_columns_is_refused_clearly(world: World) -> None:
    [error] = refusal(io.BytesIO("类别编码,事项编码\nA,A1\n".encode("gbk")), world)
    assert error["message"] == "文件不是有效的 XLSX 工作簿"
    [error] = refusal(workbook(row(), header=("类别编码", "事项编码", "事项名称")), world)
    assert error["message"].startswith("表头缺少列：类别名称、默认等级")
    [error] = refusal(workbook(), world)
    assert error["message"] == "文件中没有数据行"


def test_too_many_rows_are_refused(world: World, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(catalogue_xlsx, "MAX_ROWS", 3)
    rows = [row(事项编码=f"B{n}") for n in range(4)]
    [error] = refusal(workbook(*rows), world)
    assert error["message"] == "一次最多导入 3 行"
    run(workbook(*rows[:3]), world=world)  # the cap itself is fine


def test_a_second_draft_is_refused_until_the_first_is_published(world: World) -> None:
    run(workbook(row()), world=world)
    [error] = refusal(workbook(row()), world)
    assert error["message"] == "已有草稿版本 v2，请先修改并发布它，再导入新版本"


def test_a_dry_run_says_what_would_be_created_and_writes_nothing(world: World) -> None:
    before = counts()
    result = run(
        workbook(
            row(事项编码="B1"),
            row(事项编码="C1", 类别编码="C", 类别名称="环境"),
            row(事项编码="B2"),
        ),
        world=world,
        dry_run=True,
        file_name="他区清单 V7.xlsx",
    )
    assert counts() == before
    assert result.dry_run and result.catalogue is None
    assert (result.version, result.name, result.items) == (2, "他区清单", 3)
    assert [(c.code, c.name, c.items) for c in result.classes] == [
        ("B", "市政设施", 2),
        ("C", "环境", 1),
    ]


def test_only_an_admin_may_import(world: World) -> None:
    before = counts()
    for who in ("hub", "street", "dept_cg"):
        with pytest.raises(PermissionDenied):
            catalogue_import(
                actor=world.actor(who), district=world.district, file=workbook(row()), now=NOW
            )
    assert counts() == before


# --- the pages ---------------------------------------------------------------------------


def client_for(world: World, who: str) -> Client:
    client = Client()
    client.force_login(world.actor(who).user)
    return client


def upload(file: io.BytesIO, name: str = "他区清单-v3.xlsx") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, file.getvalue(), content_type=catalogue_xlsx.XLSX)


def test_the_version_page_downloads_its_xlsx(world: World) -> None:
    current = current_catalogue(world.district.pk)
    assert current is not None
    r = client_for(world, "admin").get(f"/manage/catalogue/{current.pk}/")
    assert f'href="/manage/catalogue/{current.pk}/export"' in r.content.decode()
    r = client_for(world, "admin").get(f"/manage/catalogue/{current.pk}/export")
    assert r.status_code == 200 and r["Content-Type"] == catalogue_xlsx.XLSX
    assert (
        "filename*=utf-8''%E6%B5%8B%E8%AF%95%E6%B8%85%E5%8D%95-v1.xlsx" in r["Content-Disposition"]
    )
    assert sheet_values(b"".join(r.streaming_content))[0] == COLUMNS  # type: ignore[attr-defined]


def test_the_page_checks_then_imports_on_confirmation(world: World) -> None:
    admin = client_for(world, "admin")
    assert (
        'action="/manage/catalogue/import#import"'
        in admin.get("/manage/catalogue/").content.decode()
    )
    before = counts()
    r = admin.post("/manage/catalogue/import", {"import-file": upload(workbook(row()))})
    html = r.content.decode()
    assert r.status_code == 200 and counts() == before
    assert "检查通过，尚未导入" in html and "将导入为草稿 v2「他区清单」：1 类 1 项" in html
    assert "确认导入为草稿 v2" in html
    token = r.context["token"]
    assert admin.post("/manage/catalogue/import/confirm", {"token": "other"}).status_code == 409
    assert counts() == before
    r = admin.post("/manage/catalogue/import/confirm", {"token": token})
    draft = Catalogue.objects.get(version=2)
    assert r.status_code == 302 and r["Location"] == f"/manage/catalogue/{draft.pk}/"
    assert draft.is_draft and draft.name == "他区清单"
    assert list(
        CatalogueItem.objects.filter(klass__catalogue=draft).values_list("code", "synonyms")
    ) == [("B1", "窨井盖,下水道盖")]
    page = admin.get(r["Location"]).content.decode()
    assert "已导入为草稿 v2「他区清单」：1 类 1 项，核对后发布" in page
    # The confirmation is used up; the versions page now points at the draft instead.
    assert admin.post("/manage/catalogue/import/confirm", {"token": token}).status_code == 409
    assert "一次只能有一个草稿" in admin.get("/manage/catalogue/").content.decode()


def test_the_page_lists_refused_rows_and_offers_them_as_xlsx(world: World) -> None:
    admin = client_for(world, "admin")
    assert admin.get("/manage/catalogue/import/errors.xlsx").status_code == 404
    before = counts()
    file = workbook(row(事项编码="B1"), row(事项编码="B2", 主办部门="城建局", 默认等级="紧急"))
    r = admin.post("/manage/catalogue/import", {"import-file": upload(file), "import-name": ""})
    html = r.content.decode()
    assert r.status_code == 422 and counts() == before
    assert "导入失败：共 2 处错误，未导入任何数据" in html
    assert "部门「城建局」不存在" in html and "默认等级「紧急」无效" in html
    assert '<td class="nowrap">主办部门</td>' in html
    assert 'href="/manage/catalogue/import/errors.xlsx"' in html
    assert "确认导入为草稿" not in html
    r = admin.get("/manage/catalogue/import/errors.xlsx")
    assert r.status_code == 200 and r["Content-Type"] == catalogue_xlsx.XLSX
    rows = sheet_values(b"".join(r.streaming_content))[1:]  # type: ignore[attr-defined]
    assert [(x[0], x[1]) for x in rows] == [(3, "默认等级"), (3, "主办部门")]


def test_the_page_refuses_a_file_that_is_not_xlsx_on_the_field(world: World) -> None:
    admin = client_for(world, "admin")
    bad = SimpleUploadedFile("清单.xlsx", b"\xd6\xd0\xce\xc4,csv", content_type="text/csv")
    r = admin.post("/manage/catalogue/import", {"import-file": bad})
    assert r.status_code == 422
    assert "文件不是有效的 XLSX 工作簿" in r.content.decode()
    assert admin.get("/manage/catalogue/import/errors.xlsx").status_code == 404


@pytest.mark.parametrize("who", ["street", "hub", "dept_cg", "leader"])
def test_the_xlsx_pages_are_404_for_other_roles(world: World, who: str) -> None:
    client = client_for(world, who)
    current = current_catalogue(world.district.pk)
    assert current is not None
    before = counts()
    assert client.get(f"/manage/catalogue/{current.pk}/export").status_code == 404
    assert (
        client.post(
            "/manage/catalogue/import", {"import-file": upload(workbook(row()))}
        ).status_code
        == 404
    )
    assert client.post("/manage/catalogue/import/confirm", {"token": "x"}).status_code == 404
    assert client.get("/manage/catalogue/import/errors.xlsx").status_code == 404
    assert counts() == before


# --- the commands ------------------------------------------------------------------------


def test_the_commands_export_and_import(world: World, tmp_path: Path) -> None:
    path = tmp_path / "清单.xlsx"
    out = io.StringIO()
    call_command("catalogue_export", str(path), stdout=out)
    assert "测试清单 v1" in out.getvalue() and "4 项 items" in out.getvalue()
    before = counts()
    out = io.StringIO()
    call_command("catalogue_import", str(path), "--dry-run", stdout=out)
    assert counts() == before
    assert "检查通过" in out.getvalue() and "v2「清单」" in out.getvalue()
    assert "A 综合执法: 4" in out.getvalue()
    out = io.StringIO()
    call_command("catalogue_import", str(path), "--name", "他区清单", stdout=out)
    draft = Catalogue.objects.get(version=2)
    assert draft.name == "他区清单" and draft.is_draft
    assert items_of(draft) == items_of(Catalogue.objects.get(version=1))
    [record] = ChangeLog.objects.filter(action="catalogue.import")
    assert record.username == ""  # the system
    out = io.StringIO()
    call_command("catalogue_export", str(path), "--version", "2", stdout=out)
    assert "他区清单 v2" in out.getvalue()
    with pytest.raises(CommandError, match="v9 不存在"):
        call_command("catalogue_export", str(path), "--version", "9")


def test_the_import_command_prints_the_errors_and_exits_1(world: World, tmp_path: Path) -> None:
    path = tmp_path / "bad.xlsx"
    path.write_bytes(workbook(row(事项编码="B1"), row(事项编码="B1", 主办部门="城建局")).getvalue())
    before = counts()
    with pytest.raises(CommandError) as refused:
        call_command("catalogue_import", str(path))
    assert refused.value.returncode == 1
    text = str(refused.value)
    assert "导入失败：共 2 处错误" in text
    assert "第 3 行 row 3 [事项编码]: 事项编码 B1 与第 2 行重复" in text
    assert "第 3 行 row 3 [主办部门]: 部门「城建局」不存在" in text
    assert counts() == before
    with pytest.raises(CommandError, match="无法打开文件"):
        call_command("catalogue_import", str(tmp_path / "missing.xlsx"))
