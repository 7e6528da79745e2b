"""工单导入, the bulk path: the same rows, the same refusals and the same cases as the
ordinary import, written in bulk (COPY and set-based statements on PostgreSQL, batches of
bulk_create elsewhere), with trails that verify."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.core.management import call_command
from django.db import IntegrityError, connection, transaction
from django.utils import timezone
from openpyxl import load_workbook

from huying.cases.models import Case, CaseEvent, CaseState, Source
from huying.cases.queues import hub_home
from huying.cases.replay import compare, replay
from huying.cases.trail import verify_case
from huying.conftest import World
from huying.core.errors import InvalidInput
from huying.hotline import bulk
from huying.hotline.bulk import bulk_import, csv_encoding
from huying.hotline.importing import plan_import, read_rows, run_import
from huying.hotline.models import HotlineTicket
from huying.hotline.tests.test_importing import HEADER, ROWS, csv_bytes, xlsx_bytes

postgres_only = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="COPY and the set-based path are PostgreSQL's"
)


def write(tmp_path: Path, data: bytes, name: str = "tickets.csv") -> Path:
    path = tmp_path / name
    path.write_bytes(data)
    return path


def many(count: int, start: int = 1) -> list[list[str]]:
    return [
        [
            f"GD{n:08d}",
            "2026-12-01 09:15:00",
            f"居民{n}",
            "13800138000",
            "投诉",
            f"第 {n} 号楼下垃圾无人清理",
            f"锦城路 {n} 号",
            "2026-12-04 18:00",
        ]
        for n in range(start, start + count)
    ]


def trails_intact(cases: list[Case]) -> None:
    for case in cases:
        events = list(case.events.order_by("seq"))
        assert verify_case(case, events) == []
        assert compare(case, [], replay(events)) == []


@pytest.mark.parametrize("encoding", ["gbk", "utf-8-sig", "utf-8"])
def test_encoding_is_found_reading_in_pieces(
    tmp_path: Path, encoding: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(bulk, "READ_SIZE", 7)  # a character split between two pieces
    path = write(tmp_path, csv_bytes(ROWS, encoding))
    assert csv_encoding(path) == {"gbk": "gb18030"}.get(encoding, "utf-8-sig")
    rows = list(bulk.stream_rows(path))
    assert rows == read_rows(csv_bytes(ROWS, encoding), "x.csv")


def test_xlsx_streams_as_read_rows_reads_it(tmp_path: Path) -> None:
    data = xlsx_bytes([["GD9", "2026-12-01", "", "", "", "内容", "", ""]])
    assert list(bulk.stream_rows(write(tmp_path, data, "t.xlsx"))) == read_rows(data, "t.xlsx")


def test_a_file_missing_a_required_column_is_refused_whole(world: World, tmp_path: Path) -> None:
    path = write(tmp_path, "工单编号,受理时间\r\nGD1,2026-12-01\r\n".encode("gbk"))
    with pytest.raises(InvalidInput):
        bulk_import(path, actor=world.actor("hub"))
    assert not HotlineTicket.objects.exists()


def test_bulk_makes_the_cases_the_ordinary_import_makes(world: World, tmp_path: Path) -> None:
    result = bulk_import(write(tmp_path, csv_bytes(ROWS, "gbk")), actor=world.actor("hub"))
    assert result.counts() == {"create": 2, "update": 0, "unchanged": 0, "error": 0}
    bulk_tickets = list(HotlineTicket.objects.select_related("case").order_by("number"))
    HotlineTicket.objects.all().delete()
    ordinary = run_import(
        plan_import([(n + 100, r) for n, r in read_rows(csv_bytes(ROWS, "gbk"), "x.csv")]),
        actor=world.actor("hub"),
    )
    assert ordinary.counts()["create"] == 2
    for ticket in bulk_tickets:
        case = ticket.case
        other = Case.objects.exclude(pk=case.pk).get(title=case.title, source=Source.HOTLINE)
        skip = {"id", "number", "track_code", "trail_head", "reported_at", "updated_at"}
        for f in Case._meta.concrete_fields:
            if f.attname not in skip:
                assert getattr(case, f.attname) == getattr(other, f.attname), f.attname
        mine, theirs = case.events.get(), other.events.get()
        assert (mine.action, mine.actor_id, mine.actor_role, mine.before) == (
            theirs.action,
            theirs.actor_id,
            theirs.actor_role,
            theirs.before,
        )
        assert mine.after | {"number": ""} == theirs.after | {"number": ""}
        assert ticket.raw["诉求类型"] in ("投诉", "求助")
    trails_intact([t.case for t in bulk_tickets])


def test_reimport_updates_and_refuses_like_plan_import(world: World, tmp_path: Path) -> None:
    actor = world.actor("hub")
    bulk_import(write(tmp_path, csv_bytes(ROWS, "gbk")), actor=actor)
    changed = [*ROWS[0][:6], "锦城路 20 号", ROWS[0][7]]
    bad = ["", "2026-13-45", "", "12345", "", "", "", ""]
    rows = [changed, ROWS[1], *many(3), bad, many(1)[0]]
    data = csv_bytes(rows, "gbk")
    plan = plan_import(read_rows(data, "x.csv"))
    result = bulk_import(write(tmp_path, data, "again.csv"), actor=actor)
    assert (
        result.counts()
        == plan.counts()
        == {
            "create": 3,
            "update": 1,
            "unchanged": 1,
            "error": 2,
        }
    )
    assert [(r.line, r.errors) for r in result.plan().rows] == [
        (r.line, r.errors) for r in plan.rows if r.errors
    ]
    assert HotlineTicket.objects.get(number=ROWS[0][0]).raw["事发地址"] == "锦城路 20 号"
    assert HotlineTicket.objects.count() == Case.objects.filter(source=Source.HOTLINE).count() == 5
    again = bulk_import(write(tmp_path, data, "third.csv"), actor=actor)
    assert again.counts() == {"create": 0, "update": 0, "unchanged": 5, "error": 2}


def test_numbers_are_unique_and_continue_the_days_counter(world: World, tmp_path: Path) -> None:
    actor = world.actor("hub")
    result = bulk_import(write(tmp_path, csv_bytes(many(30), "gbk")), actor=actor)
    assert result.created == 30
    after = run_import(plan_import(read_rows(csv_bytes(many(1, 99), "gbk"), "x.csv")), actor=actor)
    assert after.counts()["create"] == 1
    numbers = list(Case.objects.filter(source=Source.HOTLINE).values_list("number", flat=True))
    assert len(set(numbers)) == 31
    serials = sorted(int(n.rsplit("-", 1)[1]) for n in numbers)
    assert serials == list(range(serials[0], serials[0] + 31))  # one block, then the next


def test_bulk_cases_wait_in_the_hubs_triage_queue_with_sound_trails(
    world: World, tmp_path: Path
) -> None:
    actor = world.actor("hub")
    bulk_import(write(tmp_path, csv_bytes(many(12), "gbk")), actor=actor)
    cases = list(Case.objects.filter(source=Source.HOTLINE))
    assert {c.state for c in cases} == {CaseState.SUBMITTED}
    assert CaseEvent.objects.filter(case__in=cases).count() == 12
    trails_intact(cases)
    triage = next(q for q in hub_home(actor, timezone.now()).queues if q.key == "triage")
    assert triage.count >= 12
    assert {c.pk for c in triage.rows} <= {c.pk for c in cases} | set(
        Case.objects.exclude(source=Source.HOTLINE).values_list("pk", flat=True)
    )
    assert {c.pk for c in cases} & {c.pk for c in triage.rows}


def test_dry_run_counts_and_leaves_nothing(world: World, tmp_path: Path) -> None:
    path = write(tmp_path, csv_bytes(many(5), "gbk"))
    result = bulk_import(path, actor=world.actor("hub"), dry_run=True)
    assert result.created == 5
    assert not HotlineTicket.objects.exists() and not Case.objects.exists()


def test_a_failure_while_writing_leaves_nothing(
    world: World, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(*args: object, **kwargs: object) -> None:
        raise RuntimeError("disk full")

    monkeypatch.setattr(bulk.HotlineTicket.objects, "bulk_create", broken)
    monkeypatch.setattr(bulk, "_check_keys", broken)  # PostgreSQL: after every row is written
    with pytest.raises(RuntimeError):
        bulk_import(write(tmp_path, csv_bytes(many(3), "gbk")), actor=world.actor("hub"))
    assert not Case.objects.exists() and not CaseEvent.objects.exists()


@postgres_only
def test_copy_path_with_more_rows_than_a_chunk(
    world: World, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(bulk, "CHUNK", 7)
    result = bulk_import(write(tmp_path, csv_bytes(many(40), "gbk")), actor=world.actor("hub"))
    assert result.created == 40
    cases = list(Case.objects.filter(source=Source.HOTLINE).order_by("pk"))
    assert [c.hotline_ticket.number for c in cases] == [f"GD{n:08d}" for n in range(1, 41)]
    trails_intact(cases)
    assert result.db_seconds >= 0


def test_texts_with_tabs_newlines_and_backslashes_arrive_as_written(
    world: World, tmp_path: Path
) -> None:
    """COPY's text format escapes these four; the rows must not care."""
    row = many(1)[0]
    row[5] = "第一行\t楼道\\N 号\r\n第二行 C:\\路灯\\"
    row[2] = "\\N"
    path = write(tmp_path, xlsx_bytes([row]), "tickets.xlsx")
    assert bulk_import(path, actor=world.actor("hub")).created == 1
    case = HotlineTicket.objects.get(number=row[0]).case
    assert (case.description, case.reporter_name) == (row[5], row[2])
    assert case.events.get().changes["case"]["description"] == row[5]
    trails_intact([case])


@postgres_only
def test_without_the_right_to_skip_the_key_triggers_the_same_cases_are_made(
    world: World, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(bulk, "_without_key_triggers", lambda cursor: False)
    result = bulk_import(write(tmp_path, csv_bytes(many(9), "gbk")), actor=world.actor("hub"))
    assert result.created == 9
    trails_intact(list(Case.objects.filter(source=Source.HOTLINE)))


@postgres_only
def test_the_key_triggers_are_back_on_once_the_rows_are_written(
    world: World, tmp_path: Path
) -> None:
    bulk_import(write(tmp_path, csv_bytes(many(3), "gbk")), actor=world.actor("hub"))
    with connection.cursor() as cursor:
        cursor.execute("SHOW session_replication_role")
        assert cursor.fetchone()[0] == "origin"
    case = Case.objects.filter(source=Source.HOTLINE).get(hotline_ticket__number="GD00000001")
    case.district_id = 10**9
    with pytest.raises(IntegrityError), transaction.atomic():
        case.save(update_fields=["district"])
        with connection.cursor() as cursor:
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")


@postgres_only
def test_a_shared_key_with_no_row_refuses_the_whole_import(
    world: World, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """With the triggers off, the import's own check stands in for them."""
    seal_and_copy = bulk._seal_and_copy

    def gone(*args: object, **kwargs: object) -> tuple[Case, CaseEvent, HotlineTicket]:
        case, event, ticket = seal_and_copy(*args, **kwargs)  # type: ignore[arg-type]
        with connection.cursor() as cursor:  # as if the hub's unit went meanwhile
            cursor.execute("UPDATE cases_case SET district_id = %s", [10**9])
        case.district_id = 10**9
        return case, event, ticket

    monkeypatch.setattr(bulk, "_seal_and_copy", gone)
    with pytest.raises(IntegrityError):
        bulk_import(write(tmp_path, csv_bytes(many(3), "gbk")), actor=world.actor("hub"))
    assert not Case.objects.filter(source=Source.HOTLINE).exists()
    assert not HotlineTicket.objects.exists()


def test_command_bulk_writes_the_error_report(world: World, tmp_path: Path) -> None:
    bad = ["GD1", "", "", "bad-phone", "", "", "", ""]
    path = write(tmp_path, csv_bytes([*ROWS, bad], "gbk"))
    out = tmp_path / "errors.xlsx"
    call_command("hotline_import", str(path), "--as", "hub", "--bulk", "--errors", str(out))
    sheet = load_workbook(out).active
    assert sheet is not None
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[1][0] == "4" and "联系电话" in str(rows[1][1])
    assert HotlineTicket.objects.count() == 2
    assert HEADER[0] in rows[0]


def test_track_codes_made_in_bulk_are_like_those_made_one_at_a_time() -> None:
    from huying.cases.models import TRACK_CODE_ALPHABET, TRACK_CODE_LENGTH, new_track_codes

    codes = new_track_codes(2000)
    assert len(codes) == 2000
    assert all(len(c) == TRACK_CODE_LENGTH and set(c) <= set(TRACK_CODE_ALPHABET) for c in codes)
    assert len(set(codes)) > 1990
    assert set("".join(codes)) == set(TRACK_CODE_ALPHABET)  # every letter drawn


def test_a_file_of_bad_rows_only_writes_nothing(world: World, tmp_path: Path) -> None:
    bad = [["", "", "", "", "", "内容", "", ""], ["GD5", "", "", "", "", "", "", ""]]
    result = bulk_import(write(tmp_path, csv_bytes(bad, "gbk")), actor=world.actor("hub"))
    assert result.counts() == {"create": 0, "update": 0, "unchanged": 0, "error": 2}
    assert not HotlineTicket.objects.exists() and not Case.objects.exists()
