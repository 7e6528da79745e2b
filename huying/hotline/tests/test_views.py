"""The 工单导入 pages: the hub's only; a bad file says why in Chinese and keeps nothing; the
preview, the confirmation, the progress and the result; the mapping editor."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from huying.cases.models import Case, Source
from huying.conftest import World
from huying.hotline import services
from huying.hotline.models import HotlineImport, HotlineSource, HotlineTicket, ImportState
from huying.hotline.tests.test_importing import ROWS, csv_bytes, xlsx_bytes
from huying.hotline.tests.test_jobs import OTHER_HEADER, OTHER_MAPPING, other_csv, stored_files


@pytest.fixture
def media(settings: Any, tmp_path: Path) -> Path:
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
    settings.MEDIA_ROOT = tmp_path
    return tmp_path


def login(world: World, name: str) -> Client:
    return world.client(name)


def upload(client: Client, data: bytes, name: str = "tickets.csv", **extra: Any) -> Any:
    return client.post(
        "/hotline/imports/", {"file": SimpleUploadedFile(name, data), **extra}, follow=False
    )


def text(response: Any) -> str:
    return re.sub(r"\s+", " ", response.content.decode())


@pytest.mark.parametrize("name", ["street", "street_leader", "dept_cg", "dept_cg_leader"])
def test_for_street_and_department_users_the_pages_do_not_exist(
    world: World, media: Path, name: str
) -> None:
    record, _plan = services.hotline_import_check(
        actor=world.actor("hub"), data=csv_bytes(ROWS, "gbk"), file_name="t.csv", source=None
    )
    source = HotlineSource.objects.create(name="区平台", code="area", mapping=OTHER_MAPPING)
    client = login(world, name)
    pages = [
        client.get("/hotline/imports/"),
        upload(client, csv_bytes(ROWS, "gbk")),
        client.get(f"/hotline/imports/{record.pk}/"),
        client.post(f"/hotline/imports/{record.pk}/confirm/"),
        client.get(f"/hotline/imports/{record.pk}/errors.xlsx"),
        client.get("/hotline/sources/"),
        client.post("/hotline/sources/", {"name": "x", "code": "x"}),
        client.get(f"/hotline/sources/{source.pk}/"),
        client.post(f"/hotline/sources/{source.pk}/", {"header": ["a"], "h0": "number"}),
    ]
    assert [p.status_code for p in pages] == [404] * len(pages)
    assert HotlineImport.objects.get().state == ImportState.CHECKED
    assert not HotlineTicket.objects.exists()
    assert HotlineSource.objects.get().mapping == OTHER_MAPPING
    assert "/hotline/imports/" not in text(client.get("/"))  # no link in the navigation


def test_the_hubs_navigation_links_the_page(world: World) -> None:
    page = text(login(world, "hub_sup").get("/"))
    assert 'href="/hotline/imports/"' in page and "12345工单" in page
    assert login(world, "hub_sup").get("/hotline/imports/").status_code == 200


@pytest.mark.parametrize(
    ("name", "data", "message"),
    [
        ("tickets.pdf", b"%PDF-1.4", "只能导入 XLSX 或 CSV 文件"),
        ("tickets.csv", b"\xff\xfe\x00\x81\x30" * 20, "无法识别文件编码"),
        (
            "tickets.csv",
            "工单编号,受理时间\r\nGD1,2026-12-01\r\n".encode("gbk"),
            "表头缺少列：诉求内容",
        ),
        ("tickets.xlsx", b"PK\x03\x04 broken", "文件不是有效的 XLSX 工作簿"),
        ("tickets.csv", b"", "文件是空的"),
    ],
)
def test_a_bad_file_gets_a_chinese_error_and_nothing_is_written(
    world: World, media: Path, name: str, data: bytes, message: str
) -> None:
    response = upload(login(world, "hub"), data, name)
    assert response.status_code == 422
    page = text(response)
    assert message in page
    assert "文件未能读取，什么也没有导入" in page
    assert not HotlineImport.objects.exists()
    assert not HotlineTicket.objects.exists()
    assert stored_files(media) == []


def test_a_file_too_big_is_refused_before_it_is_read(
    world: World, media: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(services, "MAX_UPLOAD_BYTES", 1024 * 1024)
    big = csv_bytes(ROWS, "gbk") + b"," * (1024 * 1024)
    response = upload(login(world, "hub"), big)
    assert response.status_code == 422
    assert "文件不能超过 1 MB，请分成几个文件导入" in text(response)
    assert not HotlineImport.objects.exists()
    assert stored_files(media) == []


def test_preview_confirm_progress_and_result(
    world: World, media: Path, django_capture_on_commit_callbacks: Any
) -> None:
    client = login(world, "hub")
    bad = ["GD7", "", "", "", "", "", "", ""]
    response = upload(client, xlsx_bytes([*ROWS, bad]), "export.xlsx")
    assert response.status_code == 302
    record = HotlineImport.objects.get()
    assert response["Location"] == f"/hotline/imports/{record.pk}/"

    preview = text(client.get(response["Location"]))
    assert "试导入结果（尚未导入）" in preview
    assert "确认导入（新建 2，更新 0）" in preview
    assert "诉求内容：诉求内容为空" in preview  # the bad row's error, listed first
    assert preview.index("GD7") < preview.index("GD2026120001")
    assert not HotlineTicket.objects.exists()  # the preview writes nothing

    report = client.get(f"/hotline/imports/{record.pk}/errors.xlsx")
    assert report.status_code == 200
    assert "attachment" in report["Content-Disposition"]

    with django_capture_on_commit_callbacks(execute=True):
        confirmed = client.post(f"/hotline/imports/{record.pk}/confirm/")
    assert confirmed.status_code == 302
    record.refresh_from_db()
    assert record.state == ImportState.DONE
    assert HotlineTicket.objects.count() == 2

    done = text(client.get(f"/hotline/imports/{record.pk}/"))
    assert "导入完成" in done
    for case in Case.objects.filter(source=Source.HOTLINE):
        assert f'href="/cases/{case.pk}/"' in done
    assert f'href="/hotline/imports/{record.pk}/errors.xlsx"' in done

    listed = text(client.get("/hotline/imports/"))
    assert "export.xlsx" in listed and "已完成" in listed

    again = client.post(f"/hotline/imports/{record.pk}/confirm/")
    assert again.status_code == 422
    assert "已确认导入" in text(again)
    assert HotlineTicket.objects.count() == 2


def test_the_progress_fragment_polls_while_the_job_runs(world: World, media: Path) -> None:
    record, _plan = services.hotline_import_check(
        actor=world.actor("hub"), data=csv_bytes(ROWS, "gbk"), file_name="t.csv", source=None
    )
    HotlineImport.objects.filter(pk=record.pk).update(state=ImportState.RUNNING, done=1)
    client = login(world, "hub")
    fragment = client.get(f"/hotline/imports/{record.pk}/", headers={"HX-Request": "true"})
    body = text(fragment)
    assert body.lstrip().startswith('<div id="import-progress"')
    assert 'data-hx-trigger="every 1s"' in body
    assert '已处理 <strong class="num">1</strong> / <span class="num">2</span> 行' in body
    HotlineImport.objects.filter(pk=record.pk).update(
        state=ImportState.DONE, counts={"create": 2, "update": 0, "unchanged": 0, "error": 0}
    )
    finished = text(client.get(f"/hotline/imports/{record.pk}/", headers={"HX-Request": "true"}))
    assert "导入完成" in finished and "every 1s" not in finished


def test_the_chosen_sources_mapping_reads_the_file(world: World, media: Path) -> None:
    source = HotlineSource.objects.create(name="区平台", code="area", mapping=OTHER_MAPPING)
    client = login(world, "hub")
    data = other_csv([["QX1", "楼道灯坏了", "路灯", "特急", ""]])
    refused = upload(client, data)
    assert refused.status_code == 422 and "表头缺少列：工单编号、诉求内容" in text(refused)
    assert 'href="/hotline/sources/"' in text(refused)  # where to map the columns
    wrong = upload(client, csv_bytes(ROWS, "gbk"), source=str(source.pk))
    assert wrong.status_code == 422 and "表头缺少列：单号、来电内容" in text(wrong)
    assert f'href="/hotline/sources/{source.pk}/"' in text(wrong)  # that source's editor
    response = upload(client, data, source=str(source.pk))
    assert response.status_code == 302
    preview = text(client.get(response["Location"]))
    assert "确认导入（新建 1，更新 0）" in preview
    assert '<span class="badge overdue">特急</span>' in preview


def test_the_mapping_editor_lists_a_samples_headers_and_saves_a_checked_mapping(
    world: World, media: Path
) -> None:
    client = login(world, "hub")
    created = client.post("/hotline/sources/", {"name": "市平台", "code": "city", "notes": ""})
    source = HotlineSource.objects.get(code="city")
    assert created["Location"] == f"/hotline/sources/{source.pk}/"

    sample = client.post(
        f"/hotline/sources/{source.pk}/",
        {"sample": "1", "file": SimpleUploadedFile("s.csv", other_csv([]))},
    )
    page = text(sample)
    for header in OTHER_HEADER:
        assert f'name="header" value="{header}"' in page
    assert not stored_files(media)  # a sample is read, never kept

    headers = {"header": OTHER_HEADER}
    twice = client.post(
        f"/hotline/sources/{source.pk}/",
        {**headers, "save": "1", "h0": "number", "h1": "content", "h4": "content"},
    )
    assert twice.status_code == 422
    assert "同一字段只能对应一列：诉求内容" in text(twice)
    missing = client.post(
        f"/hotline/sources/{source.pk}/", {**headers, "save": "1", "h1": "content"}
    )
    assert missing.status_code == 422 and "必须指定对应的列：工单编号" in text(missing)
    source.refresh_from_db()
    assert source.mapping == services.mapping_of(None)  # unchanged: the default

    fields = {"h0": "number", "h1": "content", "h2": "kind", "h3": "urgency", "h4": "address"}
    saved = client.post(f"/hotline/sources/{source.pk}/", {**headers, "save": "1", **fields})
    assert saved.status_code == 302
    source.refresh_from_db()
    assert source.mapping == OTHER_MAPPING


def test_a_source_code_is_unique(world: World) -> None:
    client = login(world, "hub")
    client.post("/hotline/sources/", {"name": "市平台", "code": "city"})
    again = client.post("/hotline/sources/", {"name": "另一个", "code": "city"})
    assert again.status_code == 422 and "已有同编码的来源" in text(again)
    assert HotlineSource.objects.count() == 1


@pytest.fixture
def superuser(world: World, django_user_model: Any) -> Client:
    user = django_user_model.objects.create_superuser("root", "root@example.cn", "x")
    client = Client()
    client.force_login(user)
    return client


def test_the_admin_edits_a_source_with_the_same_checks(world: World, superuser: Client) -> None:
    source = HotlineSource.objects.create(name="区平台", code="area", mapping=OTHER_MAPPING)
    url = f"/admin/hotline/hotlinesource/{source.pk}/change/"
    assert superuser.get(url).status_code == 200
    form = {"name": "区平台", "code": "area", "notes": ""}
    twice = superuser.post(url, {**form, "mapping": '{"单号": "number", "地点": "number"}'})
    assert twice.status_code == 200 and "同一字段只能对应一列" in text(twice)
    source.refresh_from_db()
    assert source.mapping == OTHER_MAPPING
    saved = superuser.post(url, {**form, "mapping": '{"编号": "number", "内容": "content"}'})
    assert saved.status_code == 302
    source.refresh_from_db()
    assert source.mapping == {"编号": "number", "内容": "content"}
    for page in ("hotlineticket", "hotlineimport"):
        assert superuser.get(f"/admin/hotline/{page}/").status_code == 200
