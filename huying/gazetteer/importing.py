"""地址库导入: the gazetteer from an XLSX, row by row. Each row is an entry found by its key
(kind, name and, for a road, its number range and side), so importing the same file again
changes nothing and an edited file updates what it edits. Bad rows are reported with their
line and reason (an XLSX to fix and send again, as the 12345 import does); the good rows
are imported."""

from __future__ import annotations

import datetime as dt
import io
import math
import re
from collections import defaultdict
from collections.abc import Mapping, Sequence
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from huying.core import importplan
from huying.core.importplan import CREATE, ERROR, UNCHANGED, UPDATE, PlannedRow
from huying.core.spreadsheets import (
    append_row,
    guide_sheet,
    sheet_rows,
    template_sheet,
    workbook_bytes,
)
from huying.gazetteer.models import Entry, entry_key
from huying.org.actors import under
from huying.org.models import OrgUnit

K = OrgUnit.Kind

COLUMNS: dict[str, str] = {
    "类型": "kind",
    "名称": "name",
    "别名": "aliases",
    "起始门牌": "number_from",
    "终止门牌": "number_to",
    "单双号": "parity",
    "社区": "community",
    "网格": "grid",
    "纬度": "lat",
    "经度": "lng",
}
REQUIRED = ("类型", "名称")
MAX_ROWS = 20_000
KINDS = {
    "道路": Entry.Kind.ROAD,
    "道路门牌": Entry.Kind.ROAD,
    "门牌": Entry.Kind.ROAD,
    "小区": Entry.Kind.COMPOUND,
    "院落": Entry.Kind.COMPOUND,
    "地标": Entry.Kind.LANDMARK,
}
PARITIES = {
    "": Entry.Parity.ALL,
    "全": Entry.Parity.ALL,
    "单双": Entry.Parity.ALL,
    "单": Entry.Parity.ODD,
    "单号": Entry.Parity.ODD,
    "双": Entry.Parity.EVEN,
    "双号": Entry.Parity.EVEN,
}
_ALIAS_SPLIT = re.compile(r"[、,，;；/|]")

#: What a re-import compares to tell an update from no change.
COMPARED = ("aliases", "community_id", "grid_id", "lat", "lng")

#: The rows as :mod:`huying.core.importplan` plans them.
Plan = importplan.Plan[PlannedRow]


def read_rows(data: bytes) -> list[tuple[int, dict[str, Any]]]:
    return sheet_rows(io.BytesIO(data), columns=list(COLUMNS), required=REQUIRED, max_rows=MAX_ROWS)


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


class _Units:
    """Communities and grids of the district (``reach``: its path prefix; "" every district)
    by code and by name, loaded once for the whole file."""

    def __init__(self, reach: str) -> None:
        self.by_code: dict[tuple[str, str], OrgUnit] = {}
        self.by_name: dict[tuple[str, str], list[OrgUnit]] = defaultdict(list)
        units = OrgUnit.objects.filter(
            under("path", reach), kind__in=[K.COMMUNITY, K.GRID], is_active=True
        ).only("id", "kind", "code", "name", "parent_id", "path")
        for unit in units:
            self.by_code[unit.kind, unit.code] = unit
            self.by_name[unit.kind, unit.name].append(unit)

    def find(self, kind: str, text: str) -> OrgUnit | str:
        """The unit named by code or by a name only it has; else why not (a message)."""
        unit = self.by_code.get((kind, text))
        if unit is not None:
            return unit
        named = self.by_name.get((kind, text), [])
        if len(named) == 1:
            return named[0]
        if named:
            return _("有 %(count)d 个同名单位，请填编码：%(value)s") % {
                "count": len(named),
                "value": text,
            }
        return _("没有此单位：%(value)s") % {"value": text}


def plan_import(rows: Sequence[tuple[int, Mapping[str, Any]]], *, reach: str = "") -> Plan:
    """What importing ``rows`` would do, row by row, with each bad cell's message; a row
    places into the district of ``reach`` (an administrator's; "" any, the command's).
    Nothing is written."""
    units = _Units(reach)
    planned = [_check(line, {h: _text(v) for h, v in row.items()}, units) for line, row in rows]
    first: dict[str, int] = {}
    for p in planned:
        key = p.values.get("key")
        if key is None:
            continue
        if key in first:
            p.errors.append(("名称", _("与第 %(line)d 行重复") % {"line": first[key]}))
        else:
            first[key] = p.line
    _check_overlaps([p for p in planned if not p.errors], reach)
    known = {e.key: e for e in Entry.objects.filter(key__in=list(first))}
    for p in planned:
        if p.errors:
            p.action = ERROR
        elif (entry := known.get(p.values["key"])) is None:
            p.action = CREATE
        else:
            same = all(getattr(entry, f) == p.values[f] for f in COMPARED)
            p.action = UNCHANGED if same else UPDATE
    return Plan(planned)


def _check(line: int, raw: dict[str, str], units: _Units) -> PlannedRow:
    row = PlannedRow(line=line, raw=raw)

    def bad(column: str, message: str) -> None:
        row.errors.append((column, message))

    kind = KINDS.get(raw.get("类型", ""))
    if kind is None:
        allowed = "、".join(("道路", "小区", "地标"))
        bad(
            "类型",
            _("类型应为 %(allowed)s 之一：%(value)s")
            % {"allowed": allowed, "value": raw.get("类型", "")},
        )
    name = raw.get("名称", "")
    if not name:
        bad("名称", _("名称为空"))
    elif len(name) > 100:
        bad("名称", _("名称不能超过 100 个字符"))
    aliases = [a.strip() for a in _ALIAS_SPLIT.split(raw.get("别名", "")) if a.strip()]
    numbers: dict[str, int | None] = {}
    for column in ("起始门牌", "终止门牌"):
        text = raw.get(column, "")
        numbers[column] = int(text) if text.isdigit() and int(text) > 0 else None
        if text and numbers[column] is None:
            bad(column, _("门牌号应为正整数：%(value)s") % {"value": text})
    low, high = numbers["起始门牌"], numbers["终止门牌"]
    parity = PARITIES.get(raw.get("单双号", ""))
    if parity is None:
        allowed = "、".join(("单", "双", "全"))
        bad(
            "单双号",
            _("单双号应为 %(allowed)s 之一：%(value)s")
            % {"allowed": allowed, "value": raw.get("单双号", "")},
        )
    if kind == Entry.Kind.ROAD:
        if (low is None) != (high is None) and not row.errors:
            bad("终止门牌", _("起始门牌和终止门牌须同时填写"))
        elif low is not None and high is not None and low > high:
            bad("终止门牌", _("终止门牌不能小于起始门牌"))
    elif low is not None or high is not None:
        bad("起始门牌", _("只有道路才填门牌范围"))
    grid, community = _place(raw, units, bad)
    lat, lng = _point(raw, bad)
    place = grid or community  # one of them, or the row has an error
    if row.errors or kind is None or parity is None or place is None:
        return row
    if kind != Entry.Kind.ROAD:
        parity = Entry.Parity.ALL
    row.values = {
        "kind": kind,
        "name": name,
        "aliases": aliases,
        "number_from": low,
        "number_to": high,
        "parity": parity,
        "grid_id": grid.pk if grid else None,
        "community_id": community.pk if community else None,
        "lat": lat,
        "lng": lng,
        "key": entry_key(place.district_id, kind, name, low, high, parity),
    }
    return row


def _place(raw: dict[str, str], units: _Units, bad: Any) -> tuple[OrgUnit | None, OrgUnit | None]:
    grid = community = None
    if text := raw.get("网格", ""):
        found = units.find(K.GRID, text)
        if isinstance(found, str):
            bad("网格", found)
        else:
            grid = found
    if text := raw.get("社区", ""):
        found = units.find(K.COMMUNITY, text)
        if isinstance(found, str):
            bad("社区", found)
        else:
            community = found
    if grid is not None:
        if community is not None and grid.parent_id != community.pk:
            bad("网格", _("网格不属于所填社区"))
        community = community or OrgUnit(pk=grid.parent_id)
    elif community is None and not raw.get("网格") and not raw.get("社区"):
        bad("网格", _("请填写网格或社区"))
    return grid, community


def _point(raw: dict[str, str], bad: Any) -> tuple[float | None, float | None]:
    lat_text, lng_text = raw.get("纬度", ""), raw.get("经度", "")
    if not lat_text and not lng_text:
        return None, None
    try:
        lat, lng = float(lat_text), float(lng_text)
    except ValueError:
        bad("纬度", _("经纬度须同时填写且为数字"))
        return None, None
    if not (math.isfinite(lat) and math.isfinite(lng) and -90 <= lat <= 90 and -180 <= lng <= 180):
        bad("纬度", _("经纬度超出范围"))
        return None, None
    return lat, lng


def _check_overlaps(rows: list[PlannedRow], reach: str) -> None:
    """Two ranges of one road in two grids may not both hold a number (a matcher asked for
    it would have no answer). The file's ranges are checked against each other and against
    the ranges already kept that it does not replace."""
    roads = [r for r in rows if r.values["kind"] == Entry.Kind.ROAD]
    names = {r.values["name"] for r in roads}
    keys = {r.values["key"] for r in roads}
    kept = Entry.objects.filter(
        under("community__path", reach), kind=Entry.Kind.ROAD, name__in=names
    ).exclude(key__in=keys)
    ranges: dict[str, list[tuple[str, dict[str, Any]]]] = defaultdict(list)
    for entry in kept.values("name", "number_from", "number_to", "parity", "grid_id"):
        ranges[entry["name"]].append((_("地址库中已有的"), dict(entry)))
    for r in roads:
        for where, other in ranges[r.values["name"]]:
            if other["grid_id"] != r.values["grid_id"] and _overlap(r.values, other):
                r.errors.append(
                    (
                        "起始门牌",
                        _("与%(where)s %(low)s–%(high)s 号重叠，且不在同一网格")
                        % {
                            "where": where,
                            "low": other["number_from"] or 1,
                            "high": other["number_to"] or "∞",
                        },
                    )
                )
                break
        else:
            ranges[r.values["name"]].append((_("第 %(line)d 行") % {"line": r.line}, r.values))


def _overlap(a: Mapping[str, Any], b: Mapping[str, Any]) -> bool:
    low = max(a["number_from"] or 1, b["number_from"] or 1)
    high = min(a["number_to"] or 10**9, b["number_to"] or 10**9)
    sides = {a["parity"], b["parity"]}
    # One odd and one even share no number.
    return low <= high and (Entry.Parity.ALL in sides or len(sides) == 1)


def run_import(plan: Plan, *, now: dt.datetime | None = None) -> Plan:
    """Write the rows planned to create or update, all in one transaction: a gazetteer
    half-imported would place addresses by half of it."""
    now = now or timezone.now()
    with transaction.atomic():
        known = {
            e.key: e
            for e in Entry.objects.select_for_update().filter(
                key__in=[r.values["key"] for r in plan.rows if r.action in (CREATE, UPDATE)]
            )
        }
        for row in plan.rows:
            if row.action not in (CREATE, UPDATE):
                continue
            entry = known.get(row.values["key"]) or Entry(updated_at=now)
            for name, value in row.values.items():
                setattr(entry, name, value)
            entry.updated_at = now
            entry.save()
    return plan


# --- the error report and the template -------------------------------------------------------


def error_report(plan: Plan) -> bytes:
    """The bad rows as an XLSX to fix and send again: line, what is wrong, the row as it came."""
    from openpyxl import Workbook

    book = Workbook(write_only=True)
    sheet = book.create_sheet(_("错误报告"))
    append_row(sheet, [_("行号"), _("错误"), *COLUMNS])
    for row in plan.rows:
        if not row.errors:
            continue
        message = "；".join(f"{c}：{m}" if c else m for c, m in row.errors)
        append_row(sheet, [str(row.line), message, *(row.raw.get(c, "") for c in COLUMNS)])
    return workbook_bytes(book)


def template() -> bytes:
    """An empty gazetteer to fill in: the columns, two example rows and how to fill it."""
    from openpyxl import Workbook

    book = Workbook()
    sheet = template_sheet(
        book,
        title=_("地址库"),
        columns=list(COLUMNS),
        widths=[10, 20, 24, 10, 10, 8, 16, 20, 12, 12],
    )
    sheet.append(["道路", "锦华路", "", 1, 99, "单", "", "510199001001001", "", ""])
    sheet.append(
        ["小区", "锦华苑", "锦华小区", None, None, "", "", "510199001001001", 30.61, 104.01]
    )
    # The file is Chinese whatever the page's language: its headers and words are the data.
    guide_sheet(
        book,
        [
            "地址库填写说明",
            "类型：道路（门牌范围）、小区 或 地标。",
            "道路填起始门牌、终止门牌和单双号（单、双 或 全）；同一道路的不同段可各占一行。",
            "别名：其他叫法，用顿号分隔。",
            "网格、社区：填编码或名称（重名时须填编码）；跨网格的小区只填社区。",
            "纬度、经度：可不填；填写时用 WGS-84 坐标。",
            "再次导入同一文件不会重复建立：按 类型+名称（道路再加门牌范围和单双号）更新。",
        ],
    )
    return workbook_bytes(book)
