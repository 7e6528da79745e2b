"""Photos in a real browser: a resident's photo sent from the phone page shows as a
thumbnail on their case page and on the street's case page, and opens the full image —
all through the scope-checked /files/ view (there is no /media/ route)."""

from __future__ import annotations

import random
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Page, expect

from huying.browser_tests.conftest import DESKTOP, PHONE, fits, shot
from huying.cases.models import Attachment, Case
from huying.conftest import World
from huying.demo.photos import scene

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def thumbnails_loaded(page: Page) -> list[str]:
    """The thumbnails on the page, each checked to have loaded as a real image."""
    images = page.locator(".photos img")
    expect(images.first).to_be_visible()
    sources = []
    for i in range(images.count()):
        img = images.nth(i)
        img.scroll_into_view_if_needed()
        page.wait_for_function(
            "img => img.complete && img.naturalWidth > 0", arg=img.element_handle()
        )
        sources.append(img.get_attribute("src") or "")
    return sources


def test_a_photo_from_the_phone_shows_on_both_case_pages(
    world: World,
    live_server: Any,
    login: Callable[..., Page],
    settings: Any,
    tmp_path: Path,
) -> None:
    settings.MEDIA_ROOT = tmp_path
    photo = tmp_path / "现场.jpg"
    photo.write_bytes(scene(random.Random(7), fixed=False, name="现场.jpg").read())

    resident = login("resident", viewport=PHONE, next_url="/m/report")
    resident.fill("#id_title", "人行道上堆满垃圾")
    resident.fill("#id_address", "第1社区 3 栋门口")
    lat, lng = world.point_in(0)
    resident.evaluate(
        "([lat, lng]) => { document.querySelector('[name=lat]').value = lat;"
        " document.querySelector('[name=lng]').value = lng; }",
        [lat, lng],
    )
    resident.set_input_files("#id_photos", str(photo))
    expect(resident.locator("#photo-previews img")).to_have_count(1)
    resident.click("button[type=submit]")
    resident.wait_for_url(re.compile(r"/m/c/"))
    case = Case.objects.get()
    att = Attachment.objects.get(case=case)
    assert att.name.endswith(".jpg") and (tmp_path / (att.file.name or "")).is_file()
    assert thumbnails_loaded(resident) == [f"/files/{att.pk}/thumbnail"]
    fits(resident)
    shot(resident, "phone-case-photo")

    street = login("street", viewport=DESKTOP, next_url=f"/cases/{case.pk}/")
    assert thumbnails_loaded(street) == [f"/files/{att.pk}/thumbnail"]
    shot(street, "case-detail-photo")
    with street.context.expect_page() as opened:
        street.locator(".photos a").first.click()
    full = opened.value
    full.wait_for_load_state()
    assert full.url.endswith(f"/files/{att.pk}")
    assert full.evaluate("() => document.images[0].naturalWidth") > 0
    assert "/media/" not in street.content()
