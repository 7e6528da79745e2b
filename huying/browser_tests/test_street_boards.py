"""街长公示栏 in a real browser: a road's board read by anyone (1400 and 390 px), printed as
an A3 PDF with the road's name and a QR image per segment, and the QR's link opening the
phone report with the segment preset, the case filed recording it. The keepers' map too.

Screenshots: ``street-board-{1400,390}px.png``, ``street-board-pdf-0px.png`` (the PDF's
page, rendered by pdftoppm when poppler-utils is there), ``segment-report-390px.png``,
``roads-keeper-1400px.png``."""

from __future__ import annotations

import shutil
import subprocess
from collections.abc import Callable
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
from playwright.sync_api import Browser, Page, expect

from huying.browser_tests.conftest import DESKTOP, PHONE, SCREENSHOTS, fits, shot
from huying.cases.models import Case
from huying.conftest import World
from huying.roads import services
from huying.roads.board import qr_data_uri
from huying.roads.models import Duty, Road, SegmentCase
from huying.roads.tests.test_services import NOW, line

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def road(world: World, settings: Any, live_server: Any) -> Road:
    settings.HUYING_BASE_URL = live_server.url  # the address printed boards point at
    street = world.actor("street")
    road = services.road_create(
        actor=street, street_id=world.streets[0].pk, name="兴隆大街", now=NOW
    )
    for code, name, points, shop in (
        ("XL-01", "石油大街至振兴路段", ((104.002, 30.605), (104.0095, 30.605)), "老王五金店"),
        ("XL-02", "振兴路至惠宾街段", ((104.0105, 30.605), (104.018, 30.6065)), "兴隆早餐铺"),
    ):
        segment = services.segment_create(
            actor=street,
            road=road,
            code=code,
            name=name,
            line=line(*points),
            patrol_range=f"{name}两侧人行道及门前",
            duties="每天早晚巡查；劝导占道经营；能处理的及时处理，不能处理的拍照报网格员。",
            now=NOW,
        )
        staff: tuple[tuple[str, str, dict[str, Any]], ...] = (
            (Duty.GRID_WORKER, "grid_worker", {"public_phone": "0427-2800001"}),
            (Duty.PARTY_CHIEF, "street_chief", {"public_phone": "0427-2800002"}),
            (
                Duty.MERCHANT_CHIEF,
                "street_chief",
                {"shop_name": shop, "public_phone": "0427-2800003"},
            ),
        )
        for duty, who, extra in staff:
            services.person_add(
                actor=street,
                segment=segment,
                duty=duty,
                user_id=world.actor(who).user.pk,
                now=NOW,
                **extra,
            )
        services.person_add(
            actor=street,
            segment=segment,
            duty=Duty.ENFORCEMENT,
            name="李队长",
            unit_id=world.departments["cg_unit"].pk,
            public_phone="0427-2812345",
            now=NOW,
        )
    return road


def test_anyone_reads_the_board_and_prints_it(
    road: Road, browser: Browser, live_server: Any, tmp_path: Path
) -> None:
    for viewport in (DESKTOP, PHONE):
        context = browser.new_context(viewport=viewport, locale="zh-CN")
        page = context.new_page()
        page.goto(f"{live_server}/roads/{road.pk}/")  # no sign-in
        expect(page.locator("h1")).to_have_text("兴隆大街街长公示栏")
        expect(page.locator(".segment")).to_have_count(2)
        expect(page.locator("#seg-" + str(road.segments.get(code="XL-01").pk))).to_contain_text(
            "老王五金店"
        )
        expect(page.locator(".legend")).to_contain_text("党员街长")
        expect(page.locator(".qr img")).to_have_count(2)
        fits(page)
        shot(page, "street-board")
        if viewport == DESKTOP:
            response = page.request.get(f"{live_server}/roads/{road.pk}/board.pdf")
            assert response.ok and response.headers["content-type"] == "application/pdf"
            pdf = tmp_path / "board.pdf"
            pdf.write_bytes(response.body())
        context.close()
    assert pdf.read_bytes().startswith(b"%PDF")
    if shutil.which("pdftotext") is None:  # poppler-utils absent: the bytes must do
        assert pdf.read_bytes().count(b"/Subtype /Image") >= 2
        return
    text = subprocess.run(
        ["pdftotext", "-layout", str(pdf), "-"], capture_output=True, text=True, check=True
    ).stdout
    assert "兴隆大街街长公示栏" in text and "老王五金店" in text and "0427-2800002" in text
    images = subprocess.run(
        ["pdfimages", "-list", str(pdf)], capture_output=True, text=True, check=True
    ).stdout.splitlines()[2:]
    assert len(images) >= 2  # a QR code per segment
    pages = subprocess.run(["pdfinfo", str(pdf)], capture_output=True, text=True).stdout
    assert "841.89 x 1190.55 pts (A3)" in pages or "842 x 1191" in pages
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    subprocess.run(
        [
            "pdftoppm",
            "-png",
            "-r",
            "60",
            "-singlefile",
            str(pdf),
            str(SCREENSHOTS / "street-board-pdf-0px"),
        ],
        check=True,
    )


def test_the_qr_code_opens_the_phone_report_with_the_segment_preset(
    road: Road, browser: Browser, live_server: Any, login: Callable[..., Page]
) -> None:
    segment = road.segments.get(code="XL-02")
    context = browser.new_context(viewport=DESKTOP, locale="zh-CN")
    board = context.new_page()
    board.goto(f"{live_server}/roads/{road.pk}/")
    card = board.locator(f"#seg-{segment.pk}")
    url = card.locator(".qr .url a").get_attribute("href") or ""
    # The picture is the QR code of exactly that link.
    assert card.locator(".qr img").get_attribute("src") == qr_data_uri(url)
    assert url.startswith(str(live_server)) and url.endswith(f"?segment={segment.pk}")
    context.close()
    target = urlsplit(url)
    page = login("resident", viewport=PHONE, next_url=f"{target.path}?{target.query}")
    expect(page.locator(".preset")).to_have_text("责任路段：兴隆大街 振兴路至惠宾街段（XL-02）")
    expect(page.locator("#id_address")).to_have_value("兴隆大街 振兴路至惠宾街段")
    page.fill("#id_title", "门前占道经营")
    fits(page)
    shot(page, "segment-report")
    with page.expect_navigation():
        page.get_by_role("button", name="提交").click()
    case = Case.objects.get(title="门前占道经营")
    assert SegmentCase.objects.get(case=case).segment == segment


def test_the_street_keeps_its_segments_on_a_map(road: Road, login: Callable[..., Page]) -> None:
    page = login("street", next_url=f"/roads/edit/{road.pk}/")
    expect(page.locator("h1")).to_have_text("兴隆大街")
    expect(page.locator("#road-map .leaflet-interactive")).to_have_count(2 + 2 * 4)
    expect(page.locator(".segment-card")).to_have_count(2)
    shot(page, "roads-keeper")
