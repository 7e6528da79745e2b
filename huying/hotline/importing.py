"""工单导入: 12345 exports (XLSX, or CSV in UTF-8 or GBK) read, checked row by row, then
imported as cases. The ticket number is the key: importing the same file again, or one that
overlaps the last, creates nothing twice and reports what changed."""

from __future__ import annotations

import csv
import datetime as dt
import io
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from huying.cases.models import Case, Source
from huying.cases.services.intake import case_submit, title_from
from huying.core import importplan
from huying.core.errors import DomainError, InvalidInput
from huying.core.importplan import CREATE, ERROR, UNCHANGED, UPDATE
from huying.core.spreadsheets import append_row, header_rows, sheet_rows, workbook_bytes
from huying.gazetteer.matching import Matcher
from huying.gazetteer.selectors import matcher
from huying.hotline.models import HotlineTicket
from huying.org.actors import Actor
from huying.org.services import PHONE_PATTERN

#: The common 12345 export's headers → what the import reads from them. A source platform
#: whose export names them otherwise keeps its own mapping (``HotlineSource.mapping``).
DEFAULT_MAPPING: dict[str, str] = {
    "工单编号": "number",
    "受理时间": "received_at",
    "诉求人": "caller",
    "联系电话": "phone",
    "诉求渠道": "channel",
    "诉求类型": "kind",
    "诉求内容": "content",
    "事发地址": "address",
    "所属区域": "area",
    "承办单位": "handler",
    "办理时限": "due_at",
    "紧急程度": "urgency",
}
#: The fields a mapping may name, in the order the mapping editor lists them.
FIELDS: dict[str, Any] = {
    "number": gettext_lazy("工单编号"),
    "received_at": gettext_lazy("受理时间"),
    "caller": gettext_lazy("诉求人"),
    "phone": gettext_lazy("联系电话"),
    "channel": gettext_lazy("诉求渠道"),
    "kind": gettext_lazy("诉求类型"),
    "content": gettext_lazy("诉求内容"),
    "address": gettext_lazy("事发地址"),
    "area": gettext_lazy("所属区域"),
    "handler": gettext_lazy("承办单位"),
    "due_at": gettext_lazy("办理时限"),
    "urgency": gettext_lazy("紧急程度"),
}
REQUIRED = ("number", "content")
#: 紧急程度 values that mark a ticket urgent (the hub's queue shows it; triage sets the level).
URGENT_WORDS = ("紧急", "特急", "加急", "急件", "特别紧急", "非常紧急")
#: How often ``run_import`` reports its progress (rows).
PROGRESS_EVERY = 50
MAX_ROWS = 5000
TITLE_LENGTH = 60
TIME_FORMATS = (
    "%Y-%m-%d %H:%M:%S",
    "%Y-%m-%dT%H:%M:%S",
    "%Y-%m-%d %H:%M",
    "%Y/%m/%d %H:%M:%S",
    "%Y/%m/%d %H:%M",
    "%Y-%m-%d",
    "%Y/%m/%d",
    "%Y年%m月%d日 %H:%M",
    "%Y年%m月%d日",
)


# --- reading -------------------------------------------------------------------------------


def read_rows(
    data: bytes, filename: str, mapping: Mapping[str, str] = DEFAULT_MAPPING
) -> list[tuple[int, dict[str, Any]]]:
    """The file's rows as (line number, {header: value}) for the mapped headers, blank lines
    skipped. XLSX by its name, anything else as CSV."""
    required = [h for h, f in mapping.items() if f in REQUIRED]
    if _is_xlsx(filename):
        return sheet_rows(
            io.BytesIO(data), columns=list(mapping), required=required, max_rows=MAX_ROWS
        )
    lines = csv.reader(io.StringIO(_decode(data)))
    try:
        return header_rows(lines, columns=list(mapping), required=required, max_rows=MAX_ROWS)
    except csv.Error:
        raise InvalidInput(_("文件不是有效的 CSV 表格"), field="file") from None


def read_headers(data: bytes, filename: str) -> list[str]:
    """The file's header line, blank cells left out: what the mapping editor offers to map."""
    if _is_xlsx(filename):
        from openpyxl import load_workbook

        try:
            book = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
        except Exception:  # a broken or foreign file: openpyxl raises many kinds
            raise InvalidInput(_("文件不是有效的 XLSX 工作簿"), field="file") from None
        try:
            first = next(book.worksheets[0].iter_rows(max_row=1, values_only=True), ())
        finally:
            book.close()
    else:
        try:
            first = next(csv.reader(io.StringIO(_decode(data))), [])
        except csv.Error:
            raise InvalidInput(_("文件不是有效的 CSV 表格"), field="file") from None
    headers = [_text(h) for h in first]
    return list(dict.fromkeys(h for h in headers if h))


def check_file_name(filename: str) -> None:
    """Only the two formats the platforms export."""
    if not filename.lower().endswith((".xlsx", ".csv")):
        raise InvalidInput(_("只能导入 XLSX 或 CSV 文件"), field="file")


def _is_xlsx(filename: str) -> bool:
    return filename.lower().endswith(".xlsx")


def check_mapping(mapping: Mapping[str, str]) -> dict[str, str]:
    """A mapping as a source keeps it (header → field, ignored headers left out), refused
    (422) when a required field has no column or a field has two."""
    kept = {str(h).strip(): f for h, f in mapping.items() if f and str(h).strip()}
    unknown = sorted({f for f in kept.values() if f not in FIELDS})
    if unknown:
        raise InvalidInput(_("未知的字段：%(fields)s") % {"fields": "、".join(unknown)})
    twice = [f for f in FIELDS if list(kept.values()).count(f) > 1]
    if twice:
        names = "、".join(str(FIELDS[f]) for f in twice)
        raise InvalidInput(_("同一字段只能对应一列：%(fields)s") % {"fields": names})
    missing = [f for f in REQUIRED if f not in kept.values()]
    if missing:
        names = "、".join(str(FIELDS[f]) for f in missing)
        raise InvalidInput(_("必须指定对应的列：%(fields)s") % {"fields": names})
    return kept


def _decode(data: bytes) -> str:
    """UTF-8 (with or without a BOM), else GB18030, which reads GBK and GB2312 too: a
    Chinese Excel saves CSV in GBK. Strict UTF-8 almost never accepts GBK text by chance."""
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    for encoding in ("utf-8", "gb18030"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise InvalidInput(_("无法识别文件编码，请另存为 UTF-8 或 GBK 编码的 CSV"), field="file")


# --- planning ------------------------------------------------------------------------------


@dataclass
class PlannedRow(importplan.PlannedRow):
    number: str = ""


#: The rows as :mod:`huying.core.importplan` plans them.
Plan = importplan.Plan[PlannedRow]


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))  # a ticket number Excel kept as a number
    if isinstance(value, dt.datetime):
        return value.strftime("%Y-%m-%d %H:%M:%S")
    return str(value).strip()


def _time(text: str) -> dt.datetime | None:
    for fmt in TIME_FORMATS:
        try:
            moment = dt.datetime.strptime(text, fmt)
        except ValueError:
            continue
        return timezone.make_aware(moment)
    return None


def plan_import(
    rows: Sequence[tuple[int, Mapping[str, Any]]], mapping: Mapping[str, str] = DEFAULT_MAPPING
) -> Plan:
    """What importing ``rows`` would do, row by row, with each bad field's message. Nothing
    is written."""
    header = {f: h for h, f in mapping.items()}
    planned: list[PlannedRow] = []
    for line, row in rows:
        raw = {h: _text(v) for h, v in row.items()}
        planned.append(_check(line, raw, header))
    seen: dict[str, int] = {}
    for p in planned:
        if not p.number:
            continue
        if p.number in seen:
            p.errors.append(
                (
                    header["number"],
                    _("工单编号与第 %(line)d 行重复") % {"line": seen[p.number]},
                )
            )
        else:
            seen[p.number] = p.line
    known = {
        t.number: t.raw
        for t in HotlineTicket.objects.filter(number__in=list(seen)).only("number", "raw")
    }
    for p in planned:
        if p.errors:
            p.action = ERROR
        elif p.number not in known:
            p.action = CREATE
        else:
            p.action = UNCHANGED if known[p.number] == p.raw else UPDATE
    return Plan(planned)


def _check(line: int, raw: dict[str, str], header: dict[str, str]) -> PlannedRow:
    def get(name: str) -> str:
        return raw.get(header.get(name, ""), "")

    row = PlannedRow(line=line, action=ERROR, number=get("number"), raw=raw)

    def bad(name: str, message: str) -> None:
        row.errors.append((header.get(name, name), message))

    if not row.number:
        bad("number", _("缺少工单编号"))
    elif len(row.number) > 64:
        bad("number", _("工单编号不能超过 64 个字符"))
    content = get("content")
    if not content:
        bad("content", _("诉求内容为空"))
    for name in ("received_at", "due_at"):
        text = get(name)
        moment = _time(text) if text else None
        if text and moment is None:
            bad(name, _("时间无法识别：%(value)s") % {"value": text})
        row.values[name] = moment
    phone = get("phone")
    if phone and (len(phone) > 32 or not PHONE_PATTERN.match(phone)):
        bad("phone", _("联系电话格式不正确：%(value)s") % {"value": phone})
    caller = get("caller")
    if len(caller) > 50:
        bad("caller", _("诉求人不能超过 50 个字符"))
    address = get("address")
    if len(address) > 200:
        bad("address", _("事发地址不能超过 200 个字符"))
    kind, urgency = get("kind"), get("urgency")
    if len(kind) > 50:
        bad("kind", _("诉求类型不能超过 50 个字符"))
    if len(urgency) > 20:
        bad("urgency", _("紧急程度不能超过 20 个字符"))
    title = title_from(content, limit=TITLE_LENGTH)
    row.values.update(title=title, content=content, phone=phone, caller=caller, address=address)
    row.values.update(kind=kind, urgency=urgency, urgent=is_urgent(urgency))
    return row


def is_urgent(urgency: str) -> bool:
    return urgency.replace(" ", "") in URGENT_WORDS


# --- importing -----------------------------------------------------------------------------


def run_import(
    plan: Plan,
    *,
    actor: Actor,
    now: dt.datetime | None = None,
    on_progress: Callable[[int], object] | None = None,
    every: int = PROGRESS_EVERY,
) -> Plan:
    """Import the rows planned to create or update, each in its own transaction: a row that
    fails leaves nothing of itself behind and is reported as an error; the others stand.
    New tickets become cases (source 12345) through intake, placed by their address in the
    importing hub's district's gazetteer (loaded once for the run); one it cannot place waits in the hub's 待定位. An
    update refreshes the ticket's row and deadline, never the case.
    ``on_progress(rows done)`` is called every ``every`` rows and once at the end."""
    now = now or timezone.now()
    gazetteer = matcher(reach=actor.reach)  # the hub's district's addresses only
    for done, row in enumerate(plan.rows, start=1):
        if row.action in (CREATE, UPDATE):
            _run_row(row, actor=actor, now=now, gazetteer=gazetteer)
        if on_progress is not None and done % every == 0:
            on_progress(done)
    if on_progress is not None:
        on_progress(len(plan.rows))
    return plan


def _run_row(row: PlannedRow, *, actor: Actor, now: dt.datetime, gazetteer: Matcher) -> None:
    try:
        with transaction.atomic():
            row.action = _import_row(row, actor=actor, now=now, gazetteer=gazetteer)
    except DomainError as exc:
        row.action, row.errors = ERROR, [("", exc.message)]
    except IntegrityError:
        row.action, row.errors = ERROR, [("", _("该工单正被同时导入，请稍后重试"))]


#: What a re-import refreshes on a ticket (never the case).
TICKET_FIELDS = ("raw", "due_at", "received_at", "kind", "urgency", "urgent")


def _import_row(
    row: PlannedRow, *, actor: Actor, now: dt.datetime, gazetteer: Matcher | None = None
) -> str:
    ticket = HotlineTicket.objects.select_for_update().filter(number=row.number).first()
    v = row.values
    if ticket is not None and actor.district_id not in (None, _district_of(ticket)):
        # Another district's ticket (12345 sent it there): theirs to update, not ours.
        raise InvalidInput(_("该工单属于其他区，不能导入"), field="number")
    if ticket is not None:  # planned as new but imported meanwhile: an update all the same
        if ticket.raw == row.raw:
            return UNCHANGED
        ticket.raw, ticket.due_at, ticket.received_at = row.raw, v["due_at"], v["received_at"]
        ticket.kind, ticket.urgency, ticket.urgent = v["kind"], v["urgency"], v["urgent"]
        ticket.last_imported_at = now
        ticket.save(update_fields=[*TICKET_FIELDS, "last_imported_at"])
        return UPDATE
    placed = gazetteer.locate(v["address"]) if gazetteer and v["address"] else None
    case = case_submit(
        actor=actor,
        title=v["title"],
        description=v["content"],
        source=Source.HOTLINE,
        address=v["address"],
        unit_id=(placed.grid_id or placed.community_id) if placed else None,
        lat=placed.lat if placed else None,
        lng=placed.lng if placed else None,
        reporter_name=v["caller"],
        reporter_phone=v["phone"],
        now=now,
    )
    save_ticket(
        HotlineTicket(
            number=row.number,
            case=case,
            received_at=v["received_at"],
            due_at=v["due_at"],
            raw=row.raw,
            kind=v["kind"],
            urgency=v["urgency"],
            urgent=v["urgent"],
            first_imported_at=now,
            last_imported_at=now,
        )
    )
    return CREATE


def _district_of(ticket: HotlineTicket) -> int:
    return Case.objects.filter(pk=ticket.case_id).values_list("district_id", flat=True).get()


def save_ticket(ticket: HotlineTicket) -> None:
    ticket.save(force_insert=True)


# --- the error report ----------------------------------------------------------------------


def error_report(plan: Plan) -> bytes:
    """The bad rows as an XLSX to fix and send again: each row's line and what is wrong with
    it, then the row as it came (every cell written as text)."""
    from openpyxl import Workbook

    book = Workbook(write_only=True)
    sheet = book.create_sheet(_("错误报告"))
    bad = [r for r in plan.rows if r.errors]
    columns = list(dict.fromkeys(h for r in plan.rows for h in r.raw))
    append_row(sheet, [_("行号"), _("错误"), *columns])
    for row in bad:
        message = "；".join(f"{c}：{m}" if c else m for c, m in row.errors)
        append_row(sheet, [str(row.line), message, *(row.raw.get(c, "") for c in columns)])
    return workbook_bytes(book)
