"""工单导入 as the hub's job, without HTTP: the platforms' saved mappings, the check that keeps
the file, the worker's import with its progress, 诉求类型 and 紧急程度 on the cases."""

from __future__ import annotations

import io
import re
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from django.core.files.storage import default_storage
from django.core.management import call_command
from django.test import Client, TestCase
from django.utils import timezone
from openpyxl import load_workbook

from huying.cases import hooks, queues
from huying.cases import services as case_services
from huying.cases.models import Case, Source
from huying.conftest import World
from huying.core.errors import InvalidInput, PermissionDenied
from huying.core.models import ChangeLog
from huying.hotline import importing, services
from huying.hotline.importing import check_mapping, plan_import, read_rows, run_import
from huying.hotline.models import HotlineImport, HotlineSource, HotlineTicket, ImportState
from huying.hotline.tasks import hotline_import_start
from huying.hotline.tests.test_importing import HEADER, ROWS, csv_bytes
from huying.org.actors import Actor

#: Another platform's export: its own names for the columns.
OTHER_HEADER = ["单号", "来电内容", "问题分类", "急缓", "地点"]


def other_csv(rows: list[list[str]]) -> bytes:
    lines = [",".join(OTHER_HEADER)] + [",".join(r) for r in rows]
    return ("\r\n".join(lines) + "\r\n").encode("gbk")


OTHER_MAPPING = {
    "单号": "number",
    "来电内容": "content",
    "问题分类": "kind",
    "急缓": "urgency",
    "地点": "address",
}


@pytest.fixture
def immediate_tasks(settings: Any, tmp_path: Path) -> Path:
    """Tasks run as they are enqueued; uploads and reports go to a scratch media root."""
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
    settings.MEDIA_ROOT = tmp_path
    return tmp_path


def start(actor: Actor, record: HotlineImport) -> HotlineImport:
    """Confirm, with the commit's callbacks run: the job is queued on commit."""
    with TestCase.captureOnCommitCallbacks(execute=True):
        hotline_import_start(actor=actor, import_id=record.pk)
    record.refresh_from_db()
    return record


def stored_files(root: Path) -> list[Path]:
    return [p for p in root.rglob("*") if p.is_file()]


# --- mappings ------------------------------------------------------------------------------


def test_a_mapping_needs_the_required_fields_once_each() -> None:
    assert check_mapping({"单号": "number", "内容": "content", "备注": ""}) == {
        "单号": "number",
        "内容": "content",
    }
    with pytest.raises(InvalidInput, match="必须指定对应的列：诉求内容"):
        check_mapping({"单号": "number"})
    with pytest.raises(InvalidInput, match="同一字段只能对应一列：工单编号"):
        check_mapping({"单号": "number", "编号": "number", "内容": "content"})
    with pytest.raises(InvalidInput, match="未知的字段"):
        check_mapping({"单号": "number", "内容": "content", "x": "salary"})


def test_a_source_keeps_its_mapping_and_the_change_is_logged(world: World) -> None:
    hub = world.actor("hub")
    source = services.hotline_source_create(actor=hub, name="市12345平台", code="city")
    assert source.mapping == importing.DEFAULT_MAPPING  # until its own is saved
    services.hotline_source_map(actor=hub, source_id=source.pk, mapping=OTHER_MAPPING)
    source.refresh_from_db()
    assert source.mapping == OTHER_MAPPING
    log = ChangeLog.objects.filter(object_type="hotline.hotlinesource").order_by("id")
    assert [r.action for r in log] == ["hotline.source.create", "hotline.source.update"]
    assert log.last().after == {"mapping": OTHER_MAPPING}  # type: ignore[union-attr]

    with pytest.raises(InvalidInput, match="同一字段"):
        services.hotline_source_map(
            actor=hub, source_id=source.pk, mapping={**OTHER_MAPPING, "地点": "content"}
        )
    source.refresh_from_db()
    assert source.mapping == OTHER_MAPPING  # a refused mapping changes nothing


@pytest.mark.parametrize("name", ["street", "dept_cg", "leader", "admin"])
def test_only_the_hub_keeps_sources(world: World, name: str) -> None:
    with pytest.raises(PermissionDenied):
        services.hotline_source_create(actor=world.actor(name), name="x", code="x")
    assert not HotlineSource.objects.exists()


def test_a_source_with_other_headers_reads_by_its_mapping(world: World, tmp_path: Path) -> None:
    source = HotlineSource.objects.create(name="区平台", code="area", mapping=OTHER_MAPPING)
    data = other_csv([["QX001", "楼道灯坏了一个月", "路灯不亮", "特急", "锦城路 1 号"]])
    with pytest.raises(InvalidInput, match="表头缺少列"):
        read_rows(data, "x.csv")  # the common headers are not there
    mapping = services.mapping_of(source)
    plan = run_import(
        plan_import(read_rows(data, "x.csv", mapping), mapping), actor=world.actor("hub")
    )
    assert plan.counts()["create"] == 1
    ticket = HotlineTicket.objects.select_related("case").get(number="QX001")
    assert (ticket.kind, ticket.urgency, ticket.urgent) == ("路灯不亮", "特急", True)
    assert ticket.case.address == "锦城路 1 号"

    path = tmp_path / "area.csv"
    path.write_bytes(other_csv([["QX002", "噪音扰民", "", "一般", ""]]))
    out = io.StringIO()
    call_command("hotline_import", str(path), "--as", "hub", "--source", "area", stdout=out)
    assert "create: 1" in out.getvalue()
    assert HotlineTicket.objects.get(number="QX002").urgent is False


# --- progress ------------------------------------------------------------------------------


def test_run_import_reports_progress_every_n_rows_and_at_the_end(world: World) -> None:
    rows = [[f"GD{n}", "", "", "", "", f"问题 {n}", "", ""] for n in range(5)]
    plan = plan_import(read_rows(csv_bytes(rows, "utf-8"), "x.csv"))
    seen: list[int] = []
    run_import(plan, actor=world.actor("hub"), on_progress=seen.append, every=2)
    assert seen == [2, 4, 5]


# --- 诉求类型 and 紧急程度 ------------------------------------------------------------------


def test_urgency_marks_the_case_in_the_hubs_queue_and_kind_feeds_the_suggestion(
    world: World,
) -> None:
    data = other_csv(
        [
            ["U1", "门口这个问题好几天了", "路灯不亮", "特急", ""],
            ["U2", "门口这个问题好几天了", "", "一般", ""],
        ]
    )
    source = HotlineSource.objects.create(name="区平台", code="area", mapping=OTHER_MAPPING)
    mapping = services.mapping_of(source)
    run_import(plan_import(read_rows(data, "x.csv", mapping), mapping), actor=world.actor("hub"))
    urgent = HotlineTicket.objects.get(number="U1").case
    calm = HotlineTicket.objects.get(number="U2").case
    assert urgent.level is None and urgent.item_id is None  # triage decides, not the import

    home = queues.home_for(world.actor("hub"), timezone.now())
    [triage] = [q for q in home.queues if q.key == "triage"]
    marks = {c.pk: c.marks for c in triage.rows}
    assert marks[urgent.pk] == ["12345特急"]
    assert marks[calm.pk] == []

    lamp = world.items[2]  # 路灯不亮
    suggested = hooks.case_suggestion(urgent)
    assert suggested.items and suggested.items[0].item == lamp
    assert all(s.item != lamp for s in hooks.case_suggestion(calm).items)


def test_urgent_tickets_come_first_in_the_waiting_queues_whatever_their_turn(
    world: World,
) -> None:
    """Before triage a case has no level: a 特急 ticket that came last waits first, in the
    hub's triage queue and (once triaged) its dispatch queue; the rest keep their turn."""
    rows = [["C1", "路灯不亮", "", "一般", ""], ["C2", "井盖松动", "", "", ""]]
    rows.append(["C3", "燃气味很重", "", "特急", ""])
    source = HotlineSource.objects.create(name="区平台", code="area", mapping=OTHER_MAPPING)
    mapping = services.mapping_of(source)
    data = other_csv(rows)
    run_import(plan_import(read_rows(data, "x.csv", mapping), mapping), actor=world.actor("hub"))
    number = dict(HotlineTicket.objects.values_list("case_id", "number"))

    def queue(key: str) -> list[str]:
        home = queues.home_for(world.actor("hub"), timezone.now())
        [found] = [q for q in home.queues if q.key == key]
        return [number[c.pk] for c in found.rows]

    assert queue("triage") == ["C3", "C1", "C2"]
    for ticket in HotlineTicket.objects.order_by("number"):
        case_services.case_triage(
            actor=world.actor("hub"), case_id=ticket.case_id, item_id=world.items[2].pk
        )
    assert queue("dispatch") == ["C3", "C1", "C2"]


def test_the_case_page_shows_the_tickets_number_kind_and_urgency(world: World) -> None:
    source = HotlineSource.objects.create(name="区平台", code="area", mapping=OTHER_MAPPING)
    mapping = services.mapping_of(source)
    data = other_csv([["U7", "井盖缺失，差点绊倒", "市政设施", "特急", ""]])
    run_import(plan_import(read_rows(data, "x.csv", mapping), mapping), actor=world.actor("hub"))
    case = HotlineTicket.objects.get(number="U7").case
    client = Client()
    client.force_login(world.actor("hub").user)
    page = client.get(f"/cases/{case.pk}/")
    assert page.status_code == 200
    facts = re.sub(r"\s+", " ", page.content.decode())
    assert "补充信息" in facts
    for shown in ("<dt>12345工单编号</dt><dd>U7</dd>", "<dd>市政设施</dd>", "<dd>特急</dd>"):
        assert shown in facts


def test_a_reimport_refreshes_kind_and_urgency_on_the_ticket_only(world: World) -> None:
    source = HotlineSource.objects.create(name="区平台", code="area", mapping=OTHER_MAPPING)
    mapping = services.mapping_of(source)

    def load(urgency: str) -> importing.Plan:
        data = other_csv([["U1", "井盖缺失", "市政设施", urgency, ""]])
        rows = read_rows(data, "x.csv", mapping)
        return run_import(plan_import(rows, mapping), actor=world.actor("hub"))

    load("一般")
    case = HotlineTicket.objects.get(number="U1").case
    assert load("紧急").counts()["update"] == 1
    ticket = HotlineTicket.objects.select_related("case").get(number="U1")
    assert (ticket.urgency, ticket.urgent) == ("紧急", True)
    assert ticket.case.version == case.version


# --- the job -------------------------------------------------------------------------------


def checked(world: World, data: bytes, name: str = "tickets.csv", **kw: Any) -> HotlineImport:
    record, _plan = services.hotline_import_check(
        actor=world.actor("hub"), data=data, file_name=name, source=kw.get("source")
    )
    return record


def test_the_check_keeps_the_file_and_its_counts_and_imports_nothing(
    world: World, immediate_tasks: Path
) -> None:
    record = checked(world, csv_bytes([*ROWS, ["GD7", "", "", "", "", "", "", ""]], "gbk"))
    assert record.state == ImportState.CHECKED
    assert record.counts == {"create": 2, "update": 0, "unchanged": 0, "error": 1}
    assert record.total == 3
    assert default_storage.exists(str(record.file.name))
    assert not HotlineTicket.objects.exists()
    report = services.error_report_of(record)
    assert report is not None
    lines = list(load_workbook(io.BytesIO(report)).worksheets[0].iter_rows(values_only=True))
    assert [line[0] for line in lines[1:]] == ["4"]


@pytest.mark.parametrize(
    ("name", "data", "message"),
    [
        ("tickets.txt", csv_bytes(ROWS, "utf-8"), "只能导入 XLSX 或 CSV 文件"),
        ("tickets.csv", b"\xff\xfe\x00\x81\x30" * 20, "无法识别文件编码"),
        ("tickets.csv", "工单编号,受理时间\r\nGD1,2026-12-01\r\n".encode(), "表头缺少列：诉求内容"),
        ("tickets.xlsx", b"not a workbook", "文件不是有效的 XLSX 工作簿"),
        ("tickets.csv", (",".join(HEADER) + "\r\n").encode(), "文件中没有工单"),
    ],
)
def test_a_file_that_cannot_be_read_is_refused_and_nothing_is_kept(
    world: World, immediate_tasks: Path, name: str, data: bytes, message: str
) -> None:
    with pytest.raises(InvalidInput, match=message):
        checked(world, data, name)
    assert not HotlineImport.objects.exists()
    assert stored_files(immediate_tasks) == []


def test_a_file_too_big_is_refused(
    world: World, immediate_tasks: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(services, "MAX_UPLOAD_BYTES", 100)
    with pytest.raises(InvalidInput, match="文件不能超过"):
        checked(world, csv_bytes(ROWS, "gbk"))
    assert not HotlineImport.objects.exists()


def test_the_job_imports_end_to_end_and_a_reimport_creates_nothing_twice(
    world: World, immediate_tasks: Path
) -> None:
    hub = world.actor("hub")
    data = csv_bytes([*ROWS, ["GD7", "", "", "", "", "", "", ""]], "gbk")
    record = start(hub, checked(world, data))
    assert record.state == ImportState.DONE
    assert record.counts == {"create": 2, "update": 0, "unchanged": 0, "error": 1}
    assert (record.done, record.total) == (3, 3)
    tickets = HotlineTicket.objects.order_by("number")
    assert sorted(record.created_cases) == sorted(t.case_id for t in tickets)
    assert not record.file  # the upload (callers' phones) is gone once read
    assert record.report and default_storage.exists(str(record.report.name))
    assert stored_files(immediate_tasks) == [Path(default_storage.path(str(record.report.name)))]

    again = start(hub, checked(world, data))
    assert again.counts == {"create": 0, "update": 0, "unchanged": 2, "error": 1}
    assert again.created_cases == []
    assert HotlineTicket.objects.count() == 2
    assert Case.objects.filter(source=Source.HOTLINE).count() == 2


def test_progress_is_written_while_the_job_runs(
    world: World, immediate_tasks: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    rows = [[f"GD{n}", "", "", "", "", f"问题 {n}", "", ""] for n in range(5)]
    record = checked(world, csv_bytes(rows, "utf-8"))
    seen: list[tuple[str, int, int]] = []
    real = importing.run_import

    def watched(plan: importing.Plan, **kw: Any) -> importing.Plan:
        report = kw.pop("on_progress")

        def spy(done: int) -> None:
            report(done)
            job = HotlineImport.objects.get(pk=record.pk)
            seen.append((job.state, job.done, job.total))

        return real(plan, on_progress=spy, every=2, **kw)

    monkeypatch.setattr(importing, "run_import", watched)
    start(world.actor("hub"), record)
    assert seen == [("running", 2, 5), ("running", 4, 5), ("running", 5, 5)]


def test_only_the_uploader_confirms_and_only_once(world: World, immediate_tasks: Path) -> None:
    record = checked(world, csv_bytes(ROWS, "gbk"))
    with pytest.raises(PermissionDenied):
        hotline_import_start(actor=world.actor("hub_sup"), import_id=record.pk)
    with pytest.raises(PermissionDenied):
        hotline_import_start(actor=world.actor("street"), import_id=record.pk)
    assert not HotlineTicket.objects.exists()
    start(world.actor("hub"), record)
    with pytest.raises(InvalidInput, match="已确认导入"):
        hotline_import_start(actor=world.actor("hub"), import_id=record.pk)
    assert HotlineTicket.objects.count() == 2


def test_a_job_run_twice_imports_once(world: World, immediate_tasks: Path) -> None:
    record = start(world.actor("hub"), checked(world, csv_bytes(ROWS, "gbk")))
    HotlineImport.objects.filter(pk=record.pk).update(counts={})
    services.hotline_import_run(import_id=record.pk)  # claimed already: does nothing
    assert HotlineImport.objects.get(pk=record.pk).counts == {}


def test_the_sweep_fails_lost_jobs_and_drops_unconfirmed_files(
    world: World, immediate_tasks: Path
) -> None:
    now = timezone.now()
    lost = checked(world, csv_bytes(ROWS, "gbk"))
    HotlineImport.objects.filter(pk=lost.pk).update(
        state=ImportState.RUNNING, confirmed_at=now - timedelta(hours=3)
    )
    waiting = checked(world, csv_bytes(ROWS, "gbk"))
    HotlineImport.objects.filter(pk=waiting.pk).update(created_at=now - timedelta(days=2))
    fresh = checked(world, csv_bytes(ROWS, "gbk"))
    swept = services.hotline_import_sweep(now=now)
    assert (swept.stalled, swept.abandoned) == (1, 1)
    assert HotlineImport.objects.get(pk=lost.pk).state == ImportState.FAILED
    assert not HotlineImport.objects.filter(pk=waiting.pk).exists()
    assert not default_storage.exists(str(waiting.file.name))
    assert HotlineImport.objects.get(pk=fresh.pk).state == ImportState.CHECKED
