"""工单导入, the bulk path: a whole year's 12345 export (a million rows) in one go.

The file is read as a stream (CSV decoded incrementally once its encoding is known, XLSX in
openpyxl's read-only mode) and each row is checked by the same ``importing._check`` as the
ordinary import; a bad row goes to the error report and nothing of it is written.

On PostgreSQL the good rows are COPYed into a staging table and the rest is set-based. The
case numbers are taken from the day's counter in one block (``intake.allocate_case_numbers``)
between the staging and the writing, so that the counter is locked for one statement only
(``core.numbering``). Then, in one transaction (all or nothing): tickets already known are
updated by one ``UPDATE`` (unchanged ones counted), the new ones get their case ids from the
sequence, their first events are sealed in Python (the keyed hash covers the case id, so it
cannot be made in SQL: ``_Sealer`` copies one event the engine's ``prepare_event`` built and
checks itself against the engine once per ``CHUNK``), and the cases, events and tickets are
COPYed straight into their tables as they are sealed (each row written once). When the role
may, the foreign keys' triggers are off for those rows and ``_check_keys`` does their work
once for the file. The hotline ticket table is locked against other writers (SHARE ROW
EXCLUSIVE) meanwhile, so what was known when the rows were sorted is still true when they
are written.

Elsewhere (SQLite) the same rows are written in batches of ``BATCH`` with ``bulk_create``
(executemany), each batch in its own savepoint; an in-file duplicate is then found with a
dict of the numbers seen, which grows with the file (PostgreSQL finds them in the staging
table).

Like the ordinary import, new cases are placed where ``case_submit`` puts a report with no
point (the importer's territory): the hub triages them. Not done in bulk: the event
listeners (webhook deliveries) are not called for each submitted case; the event feed
(``/api/v1/events``) carries them.
"""

from __future__ import annotations

import codecs
import csv
import itertools
import json
import time
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from itertools import islice
from pathlib import Path
from typing import Any

from django.db import IntegrityError, connection, transaction
from django.db.models import NOT_PROVIDED, F, ForeignKey
from django.utils import timezone
from django.utils.translation import gettext as _
from openpyxl import load_workbook

from huying.cases.models import Case, CaseEvent, CaseState, Source, new_track_codes
from huying.cases.services.engine import event_payload, prepare_event, seal, who_of
from huying.cases.services.intake import (
    allocate_case_numbers,
    intake_place,
    new_case,
    submit_after,
)
from huying.cases.trailorder import hold_event_order
from huying.core.audit import canonical_json, chain_hash_text, jsonable
from huying.core.errors import InvalidInput
from huying.core.spreadsheets import iter_header_rows
from huying.hotline.importing import (
    CREATE,
    DEFAULT_MAPPING,
    ERROR,
    REQUIRED,
    UNCHANGED,
    UPDATE,
    Plan,
    PlannedRow,
    _check,
    _text,
)
from huying.hotline.models import HotlineTicket
from huying.org.actors import Actor
from huying.org.models import OrgUnit

#: Rows written per batch where there is no COPY, and rows hashed per round trip with it.
BATCH = 1000
CHUNK = 5000
#: Bytes read at a time while finding a CSV's encoding.
READ_SIZE = 1 << 20


@dataclass
class BulkResult:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    #: The refused rows, for ``importing.error_report``.
    bad: list[PlannedRow] = field(default_factory=list)
    #: Seconds spent reading and checking the file, building and sealing events in Python,
    #: and the rest (COPY and the set-based statements: the database's work).
    parse_seconds: float = 0.0
    build_seconds: float = 0.0
    total_seconds: float = 0.0

    @property
    def db_seconds(self) -> float:
        return self.total_seconds - self.parse_seconds - self.build_seconds

    def counts(self) -> dict[str, int]:
        return {
            CREATE: self.created,
            UPDATE: self.updated,
            UNCHANGED: self.unchanged,
            ERROR: len(self.bad),
        }

    def plan(self) -> Plan:
        """The refused rows as a plan, for ``importing.error_report``."""
        return Plan(sorted(self.bad, key=lambda r: r.line))


# --- reading, as a stream --------------------------------------------------------------------


def csv_encoding(path: Path) -> str:
    """UTF-8 (with or without a BOM) if the whole file decodes as such, else GB18030 (GBK
    and GB2312 too), as ``importing._decode`` decides; read in pieces, never whole."""
    with path.open("rb") as f:
        bom = f.read(3) == codecs.BOM_UTF8
        for encoding in ("utf-8", "gb18030"):
            f.seek(3 if bom else 0)
            decoder = codecs.getincrementaldecoder(encoding)()
            try:
                while chunk := f.read(READ_SIZE):
                    decoder.decode(chunk)
                decoder.decode(b"", final=True)
            except UnicodeDecodeError:
                continue
            return "utf-8-sig" if encoding == "utf-8" else encoding
    raise InvalidInput(_("无法识别文件编码，请另存为 UTF-8 或 GBK 编码的 CSV"), field="file")


def stream_rows(
    path: Path, mapping: Mapping[str, str] = DEFAULT_MAPPING
) -> Iterator[tuple[int, dict[str, Any]]]:
    """The file's rows as ``importing.read_rows`` gives them, one at a time and with no
    limit on their number. The header is checked at the first ``next``."""
    columns = list(mapping)
    required = [h for h, f in mapping.items() if f in REQUIRED]
    if path.name.lower().endswith(".xlsx"):
        try:
            book = load_workbook(path, read_only=True, data_only=True)
        except Exception:  # openpyxl raises many kinds for a file that is no workbook
            raise InvalidInput(_("文件不是有效的 XLSX 工作簿"), field="file") from None
        try:
            lines = book.worksheets[0].iter_rows(values_only=True)
            yield from iter_header_rows(lines, columns=columns, required=required)
        finally:
            book.close()
        return
    with path.open(encoding=csv_encoding(path), newline="") as f:
        yield from iter_header_rows(csv.reader(f), columns=columns, required=required)


def checked_rows(path: Path, mapping: Mapping[str, str] = DEFAULT_MAPPING) -> Iterator[PlannedRow]:
    """Each row checked as the ordinary import checks it (``importing._check``)."""
    header = {f: h for h, f in mapping.items()}
    for line, row in stream_rows(path, mapping):
        yield _check(line, {h: _text(v) for h, v in row.items()}, header)


class _Timed:
    """An iterator that adds the time spent producing each item to ``seconds``."""

    def __init__(self, items: Iterator[PlannedRow]) -> None:
        self.items, self.seconds = items, 0.0

    def __iter__(self) -> Iterator[PlannedRow]:
        while True:
            t0 = time.perf_counter()
            try:
                item = next(self.items)
            except StopIteration:
                self.seconds += time.perf_counter() - t0
                return
            self.seconds += time.perf_counter() - t0
            yield item


def _duplicate(row: PlannedRow, first_line: int, header: Mapping[str, str]) -> PlannedRow:
    row.errors.append((header["number"], _("工单编号与第 %(line)d 行重复") % {"line": first_line}))
    row.action = ERROR
    return row


def _elsewhere(row: PlannedRow, header: Mapping[str, str]) -> PlannedRow:
    """Another district's ticket (as ``importing`` refuses it): theirs to update."""
    row.errors.append((header["number"], _("该工单属于其他区，不能导入")))
    row.action = ERROR
    return row


# --- the cases, built once for either path ----------------------------------------------------


@dataclass
class _Intake:
    """What every new case of one import shares: who reports it, where, when."""

    actor: Actor
    place: OrgUnit
    chain: dict[str, OrgUnit]
    now: datetime

    def build(
        self, number: str, values: Mapping[str, Any], pk: int | None = None
    ) -> tuple[Case, CaseEvent]:
        """The case a ticket becomes and its first event, as ``case_submit`` writes them.
        With ``pk`` the event is sealed; without, seal it once the case has its id."""
        case = new_case(
            actor=self.actor,
            number=number,
            place=self.place,
            chain=self.chain,
            fields={
                "source": Source.HOTLINE,
                "title": values["title"],
                "description": values["content"],
                "reporter_name": values["caller"],
                "reporter_phone": values["phone"],
                "lat": None,
                "lng": None,
                "address": values["address"],
                "item": None,
                "submission_key": "",
            },
            now=self.now,
        )
        case.pk = pk
        event, updates = prepare_event(
            case,
            who=who_of(self.actor),
            action="submit",
            now=self.now,
            case_fields={},
            target=CaseState.SUBMITTED,
            after=submit_after(case, self.place),
        )
        for name, value in updates.items():
            setattr(case, name, value)
        return case, event


# --- the import ------------------------------------------------------------------------------


def bulk_import(
    path: Path,
    *,
    actor: Actor,
    mapping: Mapping[str, str] = DEFAULT_MAPPING,
    now: datetime | None = None,
    dry_run: bool = False,
) -> BulkResult:
    """Import the file at ``path`` (see the module's docstring). ``dry_run``: everything is
    done and then rolled back, so the counts are exact and nothing stays."""
    now = now or timezone.now()
    place, chain = intake_place(actor)
    intake = _Intake(actor, place, chain, now)
    result = BulkResult()
    started = time.perf_counter()
    rows = _Timed(checked_rows(path, mapping))
    header = {f: h for h, f in mapping.items()}
    if connection.vendor == "postgresql":
        _copy_import(rows, intake, header, result, dry_run)
    else:
        with transaction.atomic():
            _batched_import(rows, intake, header, result)
            if dry_run:
                transaction.set_rollback(True)
    result.parse_seconds = rows.seconds
    result.total_seconds = time.perf_counter() - started
    return result


# --- elsewhere: batches of bulk_create ---------------------------------------------------------


def _batched_import(
    rows: _Timed, intake: _Intake, header: Mapping[str, str], result: BulkResult
) -> None:
    seen: dict[str, int] = {}
    good: list[PlannedRow] = []
    for row in rows:
        if row.errors:
            result.bad.append(row)
        elif row.number in seen:
            result.bad.append(_duplicate(row, seen[row.number], header))
        else:
            seen[row.number] = row.line
            good.append(row)
            if len(good) == BATCH:
                _write_batch(good, intake, header, result)
                good = []
    if good:
        _write_batch(good, intake, header, result)


def _write_batch(
    rows: list[PlannedRow], intake: _Intake, header: Mapping[str, str], result: BulkResult
) -> None:
    now = intake.now
    district_id = intake.chain[OrgUnit.Kind.DISTRICT].pk
    with transaction.atomic():
        known = {
            t.number: t
            for t in HotlineTicket.objects.select_for_update()
            .filter(number__in=[r.number for r in rows])
            .annotate(district_id=F("case__district_id"))
        }
        changed, new = [], []
        for row in rows:
            ticket = known.get(row.number)
            if ticket is None:
                new.append(row)
            elif ticket.district_id != district_id:
                result.bad.append(_elsewhere(row, header))
            elif ticket.raw == row.raw:
                result.unchanged += 1
            else:
                ticket.raw, ticket.last_imported_at = row.raw, now
                ticket.due_at, ticket.received_at = row.values["due_at"], row.values["received_at"]
                changed.append(ticket)
        HotlineTicket.objects.bulk_update(
            changed, ["raw", "due_at", "received_at", "last_imported_at"], batch_size=BATCH
        )
        result.updated += len(changed)
        if not new:
            return
        t0 = time.perf_counter()
        numbers = allocate_case_numbers(intake.chain[OrgUnit.Kind.DISTRICT], now, len(new))
        built = [intake.build(n, row.values) for n, row in zip(numbers, new, strict=True)]
        result.build_seconds += time.perf_counter() - t0
        Case.objects.bulk_create([c for c, _e in built], batch_size=BATCH)
        t0 = time.perf_counter()
        for case, event in built:
            event.case_id = case.pk
            event.hash = case.trail_head = seal(event)
        result.build_seconds += time.perf_counter() - t0
        Case.objects.bulk_update([c for c, _e in built], ["trail_head"], batch_size=BATCH)
        hold_event_order()
        CaseEvent.objects.bulk_create([e for _c, e in built], batch_size=BATCH)
        HotlineTicket.objects.bulk_create(
            [
                HotlineTicket(
                    number=row.number,
                    case=case,
                    received_at=row.values["received_at"],
                    due_at=row.values["due_at"],
                    raw=row.raw,
                    first_imported_at=now,
                    last_imported_at=now,
                )
                for row, (case, _e) in zip(new, built, strict=True)
            ],
            batch_size=BATCH,
        )
        result.created += len(new)


# --- PostgreSQL: COPY and set-based statements --------------------------------------------------

_ROWS = "hotline_bulk_rows"
_NEW = "hotline_bulk_new"

#: What the sealing pass reads of each new row: the case's id, the ticket's number, the
#: texts (``_TEXTS``), then the ticket's own columns as COPY reads them back.
_READ = (
    "n.case_id, r.number, r.title, r.content, r.phone, r.caller, r.address,"
    " r.received_at::text, r.due_at::text, r.raw::text"
)
_TEXTS = ("title", "content", "phone", "caller", "address")
#: The columns that differ from one new row to the next, in the order the sealing pass
#: gives them; every other column is the same for all the new rows of an import.
_CASE_PER_ROW = (
    "id",
    "number",
    "track_code",
    "title",
    "description",
    "reporter_phone",
    "reporter_name",
    "address",
    "trail_head",
)
_EVENT_PER_ROW = ("case_id", "after", "changes", "hash")
_TICKET_PER_ROW = ("number", "case_id", "received_at", "due_at", "raw")
#: COPY's text format: these escaped (the backslash first), ``\N`` for NULL.
_COPY_ESCAPES = (("\\", "\\\\"), ("\t", "\\t"), ("\n", "\\n"), ("\r", "\\r"))


def _copy_import(
    rows: _Timed, intake: _Intake, header: Mapping[str, str], result: BulkResult, dry_run: bool
) -> None:
    """Two transactions: the file staged, then everything written. The case numbers are
    taken in between, on their own (``core.numbering``: the counter row of the day is locked
    for one statement, not while a million rows are written, or every intake of the district
    would wait for the import)."""
    with connection.cursor() as cursor:
        try:
            with transaction.atomic():
                # Session tables (dropped below): they outlive the first transaction.
                cursor.execute(f"DROP TABLE IF EXISTS {_ROWS}, {_NEW}")
                _stage(cursor, rows, result)
                _refuse_duplicates(cursor, header, result)
                cursor.execute(f"SELECT count(*) FROM {_ROWS} r WHERE {_FIRST} AND {_UNKNOWN}")
                expected = cursor.fetchone()[0]
            district = intake.chain[OrgUnit.Kind.DISTRICT]
            numbers = allocate_case_numbers(district, intake.now, expected) if expected else None
            with transaction.atomic():
                _write(cursor, intake, header, result, numbers, expected)
                if dry_run:
                    transaction.set_rollback(True)
        finally:
            if connection.is_usable() and not connection.needs_rollback:
                cursor.execute(f"DROP TABLE IF EXISTS {_ROWS}, {_NEW}")


#: A row's number is on no earlier line of the file / in no ticket yet.
_FIRST = f"NOT EXISTS (SELECT 1 FROM {_ROWS} o WHERE o.number = r.number AND o.line < r.line)"
_UNKNOWN = f"NOT EXISTS (SELECT 1 FROM {HotlineTicket._meta.db_table} t WHERE t.number = r.number)"


def _stage(cursor: Any, rows: _Timed, result: BulkResult) -> None:
    """The good rows COPYed into the staging table as they are read; the bad ones kept."""
    cursor.execute(
        f"CREATE TEMP TABLE {_ROWS} (line integer, number text, raw jsonb,"
        " received_at timestamptz, due_at timestamptz, title text, content text,"
        " phone text, caller text, address text)"
    )
    pg = cursor.cursor  # psycopg's own cursor, for COPY
    with pg.copy(
        f"COPY {_ROWS} (line, number, raw, received_at, due_at, title, content, phone,"
        " caller, address) FROM STDIN"
    ) as copy:
        for row in rows:
            if row.errors:
                result.bad.append(row)
                continue
            v = row.values
            copy.write_row(
                (
                    row.line,
                    row.number,
                    json.dumps(row.raw, ensure_ascii=False),
                    v["received_at"],
                    v["due_at"],
                    v["title"],
                    v["content"],
                    v["phone"],
                    v["caller"],
                    v["address"],
                )
            )
    cursor.execute(f"CREATE INDEX ON {_ROWS} (number, line)")
    cursor.execute(f"ANALYZE {_ROWS} (line, number)")


def _refuse_duplicates(cursor: Any, header: Mapping[str, str], result: BulkResult) -> None:
    """A number seen on an earlier line: refused, as ``plan_import`` refuses it."""
    cursor.execute(
        f"SELECT r.line, r.raw, f.first FROM {_ROWS} r JOIN (SELECT number, min(line) AS"
        f" first FROM {_ROWS} GROUP BY number HAVING count(*) > 1) f USING (number)"
        " WHERE r.line <> f.first ORDER BY r.line"
    )
    for line, raw, first in cursor.fetchall():
        raw = json.loads(raw) if isinstance(raw, str) else raw
        row = PlannedRow(line=line, action=ERROR, number=raw.get(header["number"], ""), raw=raw)
        result.bad.append(_duplicate(row, first, header))


def _refuse_elsewhere(
    cursor: Any, intake: _Intake, header: Mapping[str, str], result: BulkResult
) -> None:
    """A number another district's ticket has: refused, as ``importing`` refuses it, and
    its lines dropped from the staging table (the later ones were refused as duplicates)."""
    elsewhere = (
        f"FROM {HotlineTicket._meta.db_table} t JOIN {Case._meta.db_table} c ON c.id = t.case_id"
        " WHERE t.number = r.number AND c.district_id <> %s"
    )
    district = [intake.chain[OrgUnit.Kind.DISTRICT].pk]
    cursor.execute(
        f"SELECT r.line, r.raw FROM {_ROWS} r WHERE {_FIRST} AND EXISTS (SELECT 1 {elsewhere})"
        " ORDER BY r.line",
        district,
    )
    for line, raw in cursor.fetchall():
        raw = json.loads(raw) if isinstance(raw, str) else raw
        row = PlannedRow(line=line, action=ERROR, number=raw.get(header["number"], ""), raw=raw)
        result.bad.append(_elsewhere(row, header))
    cursor.execute(f"DELETE FROM {_ROWS} r WHERE EXISTS (SELECT 1 {elsewhere})", district)


def _write(
    cursor: Any,
    intake: _Intake,
    header: Mapping[str, str],
    result: BulkResult,
    numbers: Iterator[str] | None,
    expected: int,
) -> None:
    """Under a lock on the tickets (what was known is still true while this runs): the known
    tickets updated, the new ones written with their cases and first events."""
    tickets = HotlineTicket._meta.db_table
    # The joins of a million staged rows hash in memory rather than in batches on disk.
    cursor.execute("SET LOCAL work_mem = '256MB'")
    cursor.execute(f"LOCK TABLE {tickets} IN SHARE ROW EXCLUSIVE MODE")
    _refuse_elsewhere(cursor, intake, header, result)
    cursor.execute(f"SELECT count(*) FROM {_ROWS} r JOIN {tickets} t USING (number) WHERE {_FIRST}")
    known = cursor.fetchone()[0]
    cursor.execute(
        f"UPDATE {tickets} t SET raw = r.raw, received_at = r.received_at,"
        " due_at = r.due_at, last_imported_at = %s"
        f" FROM {_ROWS} r WHERE t.number = r.number AND t.raw <> r.raw AND {_FIRST}",
        [intake.now],
    )
    result.updated = cursor.rowcount
    result.unchanged = known - result.updated
    # The new tickets, each with its case's id from the sequence, in the file's order.
    cursor.execute(
        f"CREATE TEMP TABLE {_NEW} AS SELECT line,"
        f" nextval(pg_get_serial_sequence('{Case._meta.db_table}', 'id')) AS case_id,"
        " row_number() OVER (ORDER BY line) AS rank"
        f" FROM (SELECT r.line FROM {_ROWS} r WHERE {_FIRST} AND {_UNKNOWN} ORDER BY r.line) n"
    )
    created = cursor.rowcount
    if not created:
        return
    district = intake.chain[OrgUnit.Kind.DISTRICT]
    if numbers is None or created > expected:
        # Tickets gone since the count (deleted by hand): a second block, rarely.
        more = allocate_case_numbers(district, intake.now, created - expected)
        numbers = itertools.chain(numbers or iter(()), more)
    cursor.execute(f"CREATE UNIQUE INDEX ON {_NEW} (line)")
    cursor.execute(f"ANALYZE {_NEW} (line, case_id)")
    own_checks = _without_key_triggers(cursor)
    shared = _seal_and_copy(cursor, intake, numbers, result)
    if own_checks:
        _check_keys(cursor, shared)
        cursor.execute("SET LOCAL session_replication_role = origin")
    result.created = created


def _without_key_triggers(cursor: Any) -> bool:
    """The foreign keys' triggers off for the rows written next, if the role may (a
    superuser: ``session_replication_role``, as ``pg_restore --disable-triggers`` does): a
    trigger call per key per row, a million times five, is the largest single cost of the
    import. ``_check_keys`` then does their work for the whole file at once. Otherwise the
    triggers run, at commit."""
    cursor.execute("SELECT current_setting('is_superuser') = 'on'")
    if not cursor.fetchone()[0]:
        return False
    cursor.execute("SET LOCAL session_replication_role = replica")
    return True


def _check_keys(cursor: Any, shared: tuple[Case, CaseEvent, HotlineTicket]) -> None:
    """What the skipped triggers would have checked, set-based. The keys every new row
    shares (district, reporting user, …: a handful of rows) must exist and are locked
    against deletion (``FOR KEY SHARE``, as each trigger locks them) until the commit; the
    events' and tickets' case is per row, the id of a case written with them in the same
    line of the sealing pass: every one of those ids must have its case."""
    for obj, per_row in zip(shared, (_CASE_PER_ROW, _EVENT_PER_ROW, _TICKET_PER_ROW), strict=True):
        for f in obj._meta.concrete_fields:
            value = getattr(obj, f.attname)
            if not isinstance(f, ForeignKey) or f.column in per_row or value is None:
                continue
            target = f.target_field
            cursor.execute(
                f"SELECT 1 FROM {target.model._meta.db_table}"
                f" WHERE {connection.ops.quote_name(str(target.column))} = %s FOR KEY SHARE",
                [value],
            )
            if cursor.fetchone() is None:
                raise IntegrityError(f"{obj._meta.db_table}.{f.column} = {value}: no such row")
    cursor.execute(
        f"SELECT count(*) FROM {_NEW} n WHERE NOT EXISTS"
        f" (SELECT 1 FROM {Case._meta.db_table} c WHERE c.id = n.case_id)"
    )
    if missing := cursor.fetchone()[0]:
        raise IntegrityError(f"{missing} new rows without their case")


def _seal_and_copy(
    cursor: Any, intake: _Intake, numbers: Iterator[str], result: BulkResult
) -> tuple[Case, CaseEvent, HotlineTicket]:
    """Each new case's number and first event built and sealed in Python, and the case, the
    event and the ticket COPYed straight into their tables, ``CHUNK`` rows at a time. The
    first case, event and ticket built are returned: every new row shares their values but
    for its own columns (``_CASE_PER_ROW``, …)."""
    pg = cursor.cursor  # psycopg's own cursor, for COPY
    layouts: tuple[_Layout, _Layout, _Layout] | None = None
    shared: tuple[Case, CaseEvent, HotlineTicket] | None = None
    hold_event_order()  # the feed must not read past these ids before they commit
    with pg.connection.cursor(name="hotline_bulk_new_rows") as reader:
        reader.execute(f"SELECT {_READ} FROM {_NEW} n JOIN {_ROWS} r USING (line) ORDER BY n.rank")
        while batch := reader.fetchmany(CHUNK):
            t0 = time.perf_counter()
            codes = iter(new_track_codes(len(batch)))
            lines: tuple[list[str], list[str], list[str]] = ([], [], [])
            sealer: _Sealer | None = None
            for row, number in zip(batch, islice(numbers, len(batch)), strict=True):
                case_id, ticket_number, *texts = row[:7]
                values = dict(zip(_TEXTS, texts, strict=True))
                if sealer is None:  # the engine builds one of each chunk: the sealer must agree
                    case, event = intake.build(number, values, pk=case_id)
                    if shared is None:
                        ticket = HotlineTicket(
                            first_imported_at=intake.now, last_imported_at=intake.now
                        )
                        shared = (case, event, ticket)
                        layouts = _layouts(shared, cursor)
                    sealer = _Sealer(event)
                    hash_, after, changes = sealer.seal(case_id, number, values)
                    if (hash_, after, changes) != (event.hash, event.after, event.changes):
                        raise AssertionError("the bulk sealer and the engine disagree")
                else:
                    hash_, after, changes = sealer.seal(case_id, number, values)
                assert layouts is not None
                # In the order of _CASE_PER_ROW, _EVENT_PER_ROW, _TICKET_PER_ROW. The number,
                # the track code and the hash need no escaping (letters, digits, dashes).
                cases_text = "\t".join(map(_copy_text, texts))
                lines[0].append(
                    f"{case_id}\t{number}\t{next(codes)}\t{cases_text}\t{hash_}{layouts[0].shared}"
                )
                after_json = _json_text(json.dumps(after, ensure_ascii=False))
                changes_json = _json_text(json.dumps(changes, ensure_ascii=False))
                lines[1].append(
                    f"{case_id}\t{after_json}\t{changes_json}\t{hash_}{layouts[1].shared}"
                )
                received, due, raw = row[7:]
                lines[2].append(
                    f"{_copy_text(ticket_number)}\t{case_id}\t{_copy_text(received)}"
                    f"\t{_copy_text(due)}\t{_json_text(raw)}{layouts[2].shared}"
                )
            result.build_seconds += time.perf_counter() - t0
            assert layouts is not None
            for layout, table_lines in zip(layouts, lines, strict=True):
                with pg.copy(layout.copy) as copy:
                    copy.write("".join(table_lines))
    assert shared is not None
    return shared


@dataclass
class _Layout:
    """How the new rows of one table are COPYed (text format): the per-row columns first
    (``_CASE_PER_ROW``, …), then the columns every new row shares, whose text is made once."""

    copy: str
    #: The shared columns' text, each after a tab, and the line's end.
    shared: str


def _json_text(text: str) -> str:
    """JSON (``json.dumps``, or jsonb's ``::text``) holds no raw tab, newline or carriage
    return (in its strings they are escaped): only its backslashes need doubling."""
    return text.replace("\\", "\\\\") if "\\" in text else text


def _copy_text(value: Any) -> str:
    """``str.replace`` rather than ``str.translate``: a million 1.5 KB events of Chinese
    text, where ``translate`` looks up every character."""
    if value is None:
        return "\\N"
    text = str(value)
    for char, escaped in _COPY_ESCAPES:
        if char in text:
            text = text.replace(char, escaped)
    return text


def _layouts(
    shared: tuple[Case, CaseEvent, HotlineTicket], cursor: Any
) -> tuple[_Layout, _Layout, _Layout]:
    return (
        _layout(cursor, shared[0], _CASE_PER_ROW),
        _layout(cursor, shared[1], _EVENT_PER_ROW),
        _layout(cursor, shared[2], _TICKET_PER_ROW),
    )


def _layout(
    cursor: Any, obj: Case | CaseEvent | HotlineTicket, per_row: tuple[str, ...]
) -> _Layout:
    """The shared values are turned into text by the server (``::text`` of the column's
    type is what COPY reads back), so no Python formatting of a date or JSON can differ.
    Left out: the serial id and the columns with a database default."""
    model = type(obj)
    shared = [
        f
        for f in model._meta.concrete_fields
        if f.column not in per_row and not f.primary_key and f.db_default is NOT_PROVIDED
    ]
    cursor.execute(
        "SELECT " + ", ".join(f"%s::{f.db_type(connection)}::text" for f in shared),
        [f.get_db_prep_save(getattr(obj, f.attname), connection) for f in shared],
    )
    texts = cursor.fetchone()
    quote = connection.ops.quote_name
    columns = ", ".join(quote(str(c)) for c in (*per_row, *(f.column for f in shared)))
    return _Layout(
        copy=f"COPY {model._meta.db_table} ({columns}) FROM STDIN",
        shared="".join("\t" + _copy_text(t) for t in texts) + "\n",
    )


class _Sealer:
    """The first event of each new case, from one the engine built (``prepare_event``): all
    are alike but for the case's id, number and texts, so the payload is copied with those
    replaced and hashed without the engine's walk over every value (a million times)."""

    def __init__(self, event: CaseEvent) -> None:
        self.payload = jsonable(event_payload(event))
        self.prev, self.version = event.prev_hash, event.hash_version

    def seal(
        self, case_id: int, number: str, values: Mapping[str, str]
    ) -> tuple[str, dict[str, Any], dict[str, Any]]:
        """The hash, ``after`` and ``changes`` of the case's first event."""
        p = self.payload
        after = {**p["after"], "number": number, "title": values["title"]}
        changes = {
            **p["changes"],
            "case": {
                **p["changes"]["case"],
                "number": number,
                "title": values["title"],
                "description": values["content"],
                "reporter_name": values["caller"],
                "reporter_phone": values["phone"],
                "address": values["address"],
            },
        }
        payload = {**p, "case": case_id, "after": after, "changes": changes}
        return chain_hash_text(self.prev, canonical_json(payload), self.version), after, changes
