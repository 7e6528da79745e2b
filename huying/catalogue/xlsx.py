"""The catalogue (综合性事项清单) as an XLSX workbook, out and back in.

Districts keep their catalogue in Excel, and an evaluation of the triage suggestion loads
another district's. ``catalogue_export`` writes a version as one sheet, 事项清单, one row per
item, with its class on every row; ``catalogue_import`` reads that sheet into a *new draft
version* (the next version number), to be checked on its page and published like any draft.

The column names, level names and unit names are Chinese whatever the page's language: they
are the file format. An import is all or nothing: every row is checked with the rules of
``services.catalogue_item_create`` (and the class rules), every problem is reported with its
row and column, and a file with a single problem writes nothing. A dry run checks and says
what would be created.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import PurePath
from typing import IO, Any

from django.db import transaction
from django.db.models import QuerySet
from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from openpyxl import Workbook
from openpyxl.styles import Alignment, Font
from openpyxl.worksheet.datavalidation import DataValidation

from huying.catalogue.attributes import (
    AttributeSpec,
    attribute_lines,
    attribute_specs_checked,
    parse_attribute_lines,
)
from huying.catalogue.models import (
    UNIT_WORDS,
    Catalogue,
    CatalogueClass,
    CatalogueItem,
    ItemAttribute,
    Level,
    LimitUnit,
)
from huying.catalogue.selectors import attribute_specs, items_by_class
from huying.catalogue.services import (
    DEPARTMENT_KINDS,
    _clean_item,
    _require_manager,
    _require_text,
    attribute_row,
    district_versions,
    next_version,
)
from huying.core.changelog import change_record
from huying.core.errors import InvalidInput
from huying.core.i18n import site_text
from huying.core.spreadsheets import (
    append_row,
    guide_sheet,
    refuse_rows,
    sheet_rows,
    template_sheet,
    workbook_bytes,
)
from huying.org.actors import Actor, under
from huying.org.models import OrgUnit

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
SHEET = "事项清单"
COLUMNS = (
    "类别编码",
    "类别名称",
    "事项编码",
    "事项名称",
    "默认等级",
    "主办部门",
    "协办部门",
    "报到时限",
    "报到时限单位",
    "办理时限",
    "办理时限单位",
    "处置标准",
    "结案条件",
    "关键词",
    "近义词",
    "填报项",
)
#: Columns a file must have (the others may be left out: empty for every row).
REQUIRED = (
    "类别编码",
    "类别名称",
    "事项编码",
    "事项名称",
    "默认等级",
    "报到时限",
    "报到时限单位",
    "办理时限",
    "办理时限单位",
)
WIDTHS = (10, 14, 10, 24, 14, 16, 24, 9, 16, 9, 16, 40, 30, 30, 24, 50)
#: A district's catalogue has a few hundred items; more rows is not a catalogue.
MAX_ROWS = 2000
#: Co-handlers in one cell: 顿号 as written, or commas, semicolons, line breaks.
_NAME_SEPARATORS = re.compile(r"[、,，;；\r\n]+")
#: What a service refusal's ``field`` is called in the file.
FIELD_COLUMNS = {
    "name": "事项名称",
    "default_level": "默认等级",
    "lead_department": "主办部门",
    "co_departments": "协办部门",
    "report_in_limit": "报到时限",
    "report_in_unit": "报到时限单位",
    "handle_limit": "办理时限",
    "handle_unit": "办理时限单位",
    "keywords": "关键词",
    "synonyms": "近义词",
    "attributes": "填报项",
}
#: The name of an imported draft when none is given and the file's name says nothing.
DEFAULT_NAME = gettext_lazy("导入的事项清单")


def _chinese(label: Any) -> str:
    """A choice label as the file writes it: the Chinese source text, whatever the page's
    language."""
    with translation.override(None):
        return str(label)


def level_names() -> dict[int, str]:
    return {level.value: _chinese(level.label) for level in Level}


def unit_names() -> dict[str, str]:
    return {unit.value: _chinese(unit.label) for unit in LimitUnit}


# --- export --------------------------------------------------------------------------------


def catalogue_export(catalogue: Catalogue) -> bytes:
    """``catalogue`` (any version) as an XLSX workbook that ``catalogue_import`` reads back."""
    levels, units = level_names(), unit_names()
    book = Workbook()
    sheet = template_sheet(book, title=SHEET, columns=COLUMNS, widths=WIDTHS)
    count = 0
    for klass, items in items_by_class(catalogue):
        for item in items:
            count += 1
            lead = item.lead_department
            append_row(
                sheet,
                [
                    klass.code,
                    klass.name,
                    item.code,
                    item.name,
                    levels[item.default_level],
                    lead.name if lead else "",
                    "、".join(u.name for u in item.co_departments.all()),
                    item.report_in_limit,
                    units[item.report_in_unit],
                    item.handle_limit,
                    units[item.handle_unit],
                    item.handling_standard,
                    item.closing_condition,
                    "、".join(item.keyword_list()),
                    "、".join(item.synonym_list()),
                    _attribute_text(item),
                ],
            )
    last = max(count + 1, 200)  # room for rows added in Excel
    _choices(sheet, "E", levels.values(), last)
    _choices(sheet, "I", units.values(), last)
    _choices(sheet, "K", units.values(), last)
    wrap = Alignment(wrap_text=True, vertical="top")
    for row in sheet.iter_rows(min_row=2, min_col=12, max_col=len(COLUMNS)):
        for cell in row:
            cell.alignment = wrap
    guide_sheet(book, _guide(catalogue))
    book.properties.title = f"{catalogue.name} v{catalogue.version}"
    return workbook_bytes(book)


def _attribute_text(item: CatalogueItem) -> str:
    """The item's questions as the console writes them, one a line, in Chinese (the file
    format, whatever the page's language)."""
    with translation.override(None):
        return attribute_lines(attribute_specs(item))


def _choices(sheet: Any, column: str, values: Iterable[str], last: int) -> None:
    """A drop-down list on a column (Excel still accepts typed values: the import checks)."""
    check = DataValidation(
        type="list", formula1='"' + ",".join(values) + '"', allow_blank=True, showErrorMessage=False
    )
    check.add(f"{column}2:{column}{last}")
    sheet.add_data_validation(check)


def export_filename(catalogue: Catalogue) -> str:
    """``锦城区综合性事项清单-v1.xlsx``: the import takes the draft's name back from it."""
    name = re.sub(r'[\\/:*?"<>|\s]+', "_", catalogue.name).strip("_") or "catalogue"
    return f"{name}-v{catalogue.version}.xlsx"


def _guide(catalogue: Catalogue) -> list[str]:
    levels, units = level_names(), unit_names()
    return [
        "综合性事项清单导入导出说明",
        "",
        f"本文件导出自：{catalogue.name} v{catalogue.version}",
        "",
        "1. 「事项清单」工作表每行一个事项，同一类别的事项写在一起；类别编码相同的行属于同一类别，"
        "类别名称须一致。类别和事项按行的先后排序。",
        "2. 事项编码在整份清单内唯一，最长 16 个字符；类别编码最长 16 个字符，类别名称最长 50 个字符，"
        "事项名称最长 100 个字符。",
        "3. 默认等级填：" + "、".join(levels.values()) + "（也可填 1–4 或 L1–L4）。",
        "4. 主办部门、协办部门填区级部门或派驻机构的名称（也可填部门编码），须是本区已有、在用的部门；"
        "多个协办部门用顿号（、）分隔。一般及以上等级须有主办部门，复杂问题须有至少一个协办部门，"
        "主办部门不能同时是协办部门。",
        "5. 时限填正整数；时限单位填：" + "、".join(units.values()) + "。"
        "报到时限不能长于办理时限（计时方式相同时比较）。",
        "6. 关键词、近义词用顿号、逗号或空格分隔，各自总长不超过 300 个字符；用于受理时匹配事项。",
        "7. 填报项是事项要求上报人回答的问题（Open311 的 attributes），每行一个："
        "编码 | 类型 | 必填或选填 | 说明 | 选项；类型填 string、number、datetime、text、"
        "singlevaluelist 或 multivaluelist，后两种须有选项（键=名称，用分号分隔）。没有就留空。",
        f"8. 一次最多 {MAX_ROWS} 行。导入时整份文件逐行检查，有任何一处错误都不导入，"
        "并列出每处错误的行号、列和原因；可以先“检查”，不写入。",
        "9. 导入生成一个新的草稿版本（版本号顺延），不影响现行清单；在清单页面核对后发布。",
    ]


# --- import --------------------------------------------------------------------------------


@dataclass(frozen=True)
class ClassSummary:
    code: str
    name: str
    items: int


@dataclass
class ImportResult:
    """What an import created, or (dry run) would create."""

    name: str
    version: int
    classes: list[ClassSummary]
    dry_run: bool
    catalogue: Catalogue | None = None

    @property
    def items(self) -> int:
        return sum(c.items for c in self.classes)


@dataclass
class _ItemPlan:
    line: int
    code: str
    columns: dict[str, Any]
    co: list[OrgUnit]
    attributes: list[AttributeSpec]


@dataclass
class _ClassPlan:
    line: int
    code: str
    name: str
    items: list[_ItemPlan] = field(default_factory=list)


def catalogue_import(
    *,
    actor: Actor | None,
    district: OrgUnit,
    file: IO[bytes],
    now: datetime,
    dry_run: bool = False,
    name: str = "",
    file_name: str = "",
) -> ImportResult:
    """Read an exported (or hand-made) catalogue workbook into a new draft version of
    ``district`` (its departments only), all or nothing. ``name`` is the draft's name; without
    one it comes from ``file_name`` (the export's ``名称-vN.xlsx``). ``actor`` None is the
    system (the command)."""
    if actor is not None:
        _require_manager(actor, district.pk)
    if district.kind != OrgUnit.Kind.DISTRICT:
        raise InvalidInput(_("事项清单须属于一个区"), field="district")
    name = _draft_name(name, file_name)
    versions = Catalogue.objects.filter(district=district)
    _refuse_second_draft(versions)
    plans, errors = _checked(_read(file), district)
    if errors:
        refuse_rows(errors)
    summary = [ClassSummary(p.code, p.name, len(p.items)) for p in plans]
    if dry_run:
        return ImportResult(name, next_version(versions), summary, dry_run=True)
    catalogue = _write(
        plans, district=district, name=name, actor=actor, now=now, file_name=file_name
    )
    return ImportResult(name, catalogue.version, summary, dry_run=False, catalogue=catalogue)


def _draft_name(name: str, file_name: str) -> str:
    if (name or "").strip():
        return _require_text(name, field="name", label=_("清单名称"), max_length=100)
    stem = PurePath(file_name or "").stem
    stem = re.sub(r"[-_\s]*v\d+$", "", stem, flags=re.IGNORECASE).strip(" -_")
    return stem[:100] or site_text(DEFAULT_NAME)


def _refuse_second_draft(versions: QuerySet[Catalogue]) -> None:
    """One draft at a time per district (as ``catalogue_draft_create``): publish it first."""
    draft = versions.filter(published_at__isnull=True).order_by("version").first()
    if draft is not None:
        raise InvalidInput(
            _("已有草稿版本 v{version}，请先修改并发布它，再导入新版本").format(
                version=draft.version
            ),
            field="catalogue",
        )


def _read(file: IO[bytes]) -> list[tuple[int, dict[str, Any]]]:
    rows = sheet_rows(file, columns=COLUMNS, required=REQUIRED, max_rows=MAX_ROWS)
    if not rows:
        raise InvalidInput(_("文件中没有数据行"), field="file")
    return rows


def _text(value: Any) -> str:
    """A cell as text: an integral number typed into a code or name cell reads as ``12``."""
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value).strip()


def _whole_number(value: Any) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, float):
        return int(value) if value.is_integer() else None
    text = _text(value)
    return int(text) if re.fullmatch(r"[0-9]{1,9}", text) else None


def _key(text: str) -> str:
    """Spacing and parenthesis width do not matter in a level or unit name."""
    return re.sub(r"\s+", "", text).replace("(", "（").replace(")", "）").lower()


def _level_lookup() -> dict[str, int]:
    lookup: dict[str, int] = {}
    for value, label in level_names().items():
        for key in (label, str(value), f"L{value}"):
            lookup[_key(key)] = value
    return lookup


def _unit_lookup() -> dict[str, str]:
    lookup: dict[str, str] = {}
    for value, label in unit_names().items():
        short = re.sub(r"（.*?）", "", label)
        for key in (label, short, value, _chinese(UNIT_WORDS[value])):
            lookup.setdefault(_key(key), value)
    return lookup


class _Departments:
    """The district's departments and field units by name or code, switched-off ones too
    (the item rules then say which is switched off)."""

    def __init__(self, district: OrgUnit) -> None:
        self.by_name: dict[str, list[OrgUnit]] = {}
        self.by_code: dict[str, OrgUnit] = {}
        units = (
            OrgUnit.objects.filter(under("path", district.path), kind__in=DEPARTMENT_KINDS)
            .defer("boundary")
            .order_by("pk")
        )
        for unit in units:
            self.by_name.setdefault(unit.name, []).append(unit)
            self.by_code[unit.code] = unit

    def find(self, text: str) -> tuple[OrgUnit | None, str]:
        """The unit named ``text``, or None and why not."""
        found = self.by_name.get(text, [])
        if len(found) > 1:
            active = [u for u in found if u.is_active]
            found = active if len(active) == 1 else found
        if len(found) == 1:
            return found[0], ""
        if len(found) > 1:
            return None, _("部门名称「{name}」对应多个部门，请改填部门编码").format(name=text)
        if text in self.by_code:
            return self.by_code[text], ""
        return None, _("部门「{name}」不存在：须是本区的区级部门或派驻机构").format(name=text)


def _checked(
    rows: Sequence[tuple[int, dict[str, Any]]], district: OrgUnit
) -> tuple[list[_ClassPlan], list[dict[str, Any]]]:
    """Every row checked: the classes and items to create, and every problem as
    ``{"row", "column", "message"}``."""
    checker = _Checker(district)
    errors: list[dict[str, Any]] = []
    for line, cells in rows:
        problems = checker.row(line, {c: _text(v) for c, v in cells.items()}, cells)
        errors.extend({"row": line, "column": c, "message": m} for c, m in problems)
    return list(checker.classes.values()), errors


class _Checker:
    """The rows' rules, row after row: a class's name is the one it had in its first row,
    an item code is used once."""

    def __init__(self, district: OrgUnit) -> None:
        self.district_id = district.pk
        self.levels, self.units = _level_lookup(), _unit_lookup()
        self.departments = _Departments(district)
        self.level_hint = "、".join(level_names().values())
        self.unit_hint = "、".join(unit_names().values())
        self.classes: dict[str, _ClassPlan] = {}
        self.item_lines: dict[str, int] = {}

    def row(self, line: int, text: dict[str, str], cells: dict[str, Any]) -> list[tuple[str, str]]:
        problems: list[tuple[str, str]] = []

        def fail(column: str, message: str) -> None:
            problems.append((column, message))

        def required(column: str, max_length: int) -> str:
            try:
                return _require_text(
                    text.get(column, ""), field="", label=column, max_length=max_length
                )
            except InvalidInput as exc:
                fail(column, exc.message)
                return ""

        klass = self._class(line, required("类别编码", 16), required("类别名称", 50), fail)
        code = required("事项编码", 16)
        if code:
            earlier = self.item_lines.setdefault(code, line)
            if earlier != line:
                fail(
                    "事项编码",
                    _("事项编码 {code} 与第 {line} 行重复").format(code=code, line=earlier),
                )
        name = required("事项名称", 100)
        level = self.levels.get(_key(text.get("默认等级", "")))
        if level is None:
            fail(
                "默认等级",
                _("默认等级「{value}」无效，应为：{choices}（或 1–4、L1–L4）").format(
                    value=text.get("默认等级", ""), choices=self.level_hint
                ),
            )
        lead: OrgUnit | None = None
        if text.get("主办部门"):
            lead, why = self.departments.find(text["主办部门"])
            if lead is None:
                fail("主办部门", why)
        co: list[OrgUnit] = []
        for co_name in _NAME_SEPARATORS.split(text.get("协办部门", "")):
            if co_name.strip():
                unit, why = self.departments.find(co_name.strip())
                if unit is None:
                    fail("协办部门", why)
                else:
                    co.append(unit)
        limits: dict[str, Any] = {}
        for column, unit_column, key in (
            ("报到时限", "报到时限单位", "report_in"),
            ("办理时限", "办理时限单位", "handle"),
        ):
            number = _whole_number(cells.get(column))
            if number is None or number <= 0:
                fail(
                    column,
                    _("{column}「{value}」应为正整数").format(
                        column=column, value=text.get(column, "")
                    ),
                )
            unit_value = self.units.get(_key(text.get(unit_column, "")))
            if unit_value is None:
                fail(
                    unit_column,
                    _("{column}「{value}」无效，应为：{choices}").format(
                        column=unit_column, value=text.get(unit_column, ""), choices=self.unit_hint
                    ),
                )
            limits[f"{key}_limit"], limits[f"{key}_unit"] = number, unit_value
        if problems:
            return problems
        assert klass is not None and level is not None
        try:  # the rules of catalogue_item_create, on a row whose every cell reads
            columns, co_list = _clean_item(
                district_id=self.district_id,
                name=name,
                default_level=level,
                lead_department=lead,
                co_departments=co,
                handling_standard=text.get("处置标准", ""),
                closing_condition=text.get("结案条件", ""),
                keywords=text.get("关键词", ""),
                synonyms=text.get("近义词", ""),
                order=len(klass.items) + 1,
                **limits,
            )
            attributes = attribute_specs_checked(parse_attribute_lines(text.get("填报项", "")))
        except InvalidInput as exc:
            fail(FIELD_COLUMNS.get(exc.details.get("field", ""), ""), exc.message)
        else:
            klass.items.append(_ItemPlan(line, code, columns, co_list, attributes))
        return problems

    def _class(self, line: int, code: str, name: str, fail: Any) -> _ClassPlan | None:
        """The row's class, first seen here or on an earlier row under the same name."""
        if not code or not name:
            return None
        klass = self.classes.setdefault(code, _ClassPlan(line, code, name))
        if klass.name != name:
            fail(
                "类别名称",
                _(
                    "类别编码 {code} 在第 {line} 行的名称是「{name}」，本行是「{other}」，"
                    "同一类别的名称须一致"
                ).format(code=code, line=klass.line, name=klass.name, other=name),
            )
            return None
        return klass


@transaction.atomic
def _write(
    plans: list[_ClassPlan],
    *,
    district: OrgUnit,
    name: str,
    actor: Actor | None,
    now: datetime,
    file_name: str,
) -> Catalogue:
    # Serialise with drafting (see catalogue_draft_create), then check again under the lock.
    versions = district_versions(district.pk)
    _refuse_second_draft(versions)
    catalogue = Catalogue.objects.create(
        district=district, version=next_version(versions), name=name
    )
    items: list[CatalogueItem] = []
    co_lists: list[list[OrgUnit]] = []
    for order, plan in enumerate(plans, start=1):
        klass = CatalogueClass.objects.create(
            catalogue=catalogue, code=plan.code, name=plan.name, order=order
        )
        for item in plan.items:
            items.append(CatalogueItem(klass=klass, code=item.code, **item.columns))
            co_lists.append(item.co)
    CatalogueItem.objects.bulk_create(items)
    through = CatalogueItem.co_departments.through
    through.objects.bulk_create(
        through(catalogueitem_id=item.pk, orgunit_id=unit.pk)
        for item, co in zip(items, co_lists, strict=True)
        for unit in co
    )
    ItemAttribute.objects.bulk_create(
        attribute_row(item, spec)
        for item, plan in zip(items, (p for c in plans for p in c.items), strict=True)
        for spec in plan.attributes
    )
    change_record(
        actor=actor,
        action="catalogue.import",
        obj=catalogue,
        now=now,
        after={
            "version": catalogue.version,
            "name": catalogue.name,
            "file": file_name,
            "classes": len(plans),
            "items": len(items),
        },
    )
    return catalogue


# --- the refused rows, for the person to correct ----------------------------------------------


def error_report(file: IO[bytes], district: OrgUnit) -> bytes | None:
    """The refused rows of a file (for ``district``) as an XLSX workbook: row number, column
    and problem, then the row as it was; None when the file is not refused row by row (not
    XLSX, no rows …)."""
    try:
        rows = _read(file)
    except InvalidInput:
        return None
    _, errors = _checked(rows, district)
    if not errors:
        return None
    by_line = dict(rows)
    book = Workbook()
    head = ("行号", "列", "问题", *COLUMNS)
    sheet = template_sheet(book, title="错误", columns=head, widths=(8, 14, 50, *WIDTHS))
    for error in errors:
        cells = by_line[error["row"]]
        append_row(
            sheet,
            [
                error["row"],
                error["column"],
                error["message"],
                *(cells.get(c) for c in COLUMNS),
            ],
        )
    for cell in sheet["C"][1:]:
        cell.font = Font(color="B42318")
    return workbook_bytes(book)
