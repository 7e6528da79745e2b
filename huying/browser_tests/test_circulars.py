"""The monthly circular page in a real browser: the hub asks for a month, the worker (run at
once here) makes it, and the list offers its Word and PDF files. Screenshot:
``artifacts/screenshots/circulars-1400px.png``."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Page, expect

from huying.browser_tests.conftest import shot
from huying.conftest import World
from huying.reports.circular import services
from huying.reports.models import Circular

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_the_hub_generates_and_downloads_a_circular(
    world: World,
    login: Callable[..., Page],
    settings: Any,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    settings.MEDIA_ROOT = tmp_path
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
    # The real renderers are tested in test_circular_builder; here the page is what counts.
    monkeypatch.setattr(services, "render_docx", lambda doc: b"PK docx")
    monkeypatch.setattr(services, "render_pdf", lambda doc: b"%PDF-1.7 circular")
    page = login("hub", next_url="/reports/circulars/")
    expect(page.locator("h1")).to_have_text("月度通报")
    expect(page.locator(".empty")).to_contain_text("还没有生成过通报")
    page.fill("#id_year", "2026")
    page.select_option("#id_month", "3")
    with page.expect_navigation():
        page.get_by_role("button", name="生成", exact=True).click()
    circular = Circular.objects.get()
    expect(page.locator(".messages")).to_contain_text(circular.doc_number)
    row = page.locator("#circular-rows tbody tr").first
    expect(row).to_contain_text("2026年3月")
    expect(row).to_contain_text("现行")
    shot(page, "circulars")
    with page.expect_download() as download:
        row.get_by_role("link", name="PDF").click()
    assert download.value.suggested_filename.endswith("2026年3月“街道呼·部门应”工作通报.pdf")
