"""The grid ladder on the phone (390 px): an informant reports, the report waits with the
grid worker, who settles it on the spot; a street chief records what he fixed himself; a
merchant chief's report from his segment's QR code is raised by the grid worker to the
street, whose console (1400 px) has it to triage; the coverage page at 1400 px."""

from __future__ import annotations

import random
import re
from collections.abc import Callable
from typing import Any

import pytest
from playwright.sync_api import FilePayload, Page, expect

from huying.browser_tests.conftest import DESKTOP, PHONE, fits, shot
from huying.cases.models import Case, CaseState, Source, Tier
from huying.conftest import World
from huying.demo.photos import scene
from huying.roads import services as roads
from huying.roads.models import Duty, SegmentCase
from huying.roads.tests.test_services import NOW, line, make_road, make_segment

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_an_informant_reports_and_the_grid_worker_settles_it_on_the_phone(
    world: World, login: Callable[..., Page]
) -> None:
    informant = login("informant", viewport=PHONE, next_url="/m/report")
    informant.fill("#id_title", "人行道上堆放建筑垃圾")
    informant.get_by_role("button", name="提交").click()
    expect(informant.locator("[data-number]")).to_be_visible()
    case = Case.objects.get(title="人行道上堆放建筑垃圾")
    assert case.state == CaseState.AT_GRID
    shot(informant, "ladder-informant-receipt")

    worker = login("grid_worker", viewport=PHONE, next_url="/m/")
    task = worker.get_by_role("link", name=re.compile("人行道上堆放建筑垃圾")).first
    expect(task).to_be_visible()
    shot(worker, "ladder-worker-tasks")
    task.click()
    expect(worker).to_have_url(re.compile(rf"/m/c/{case.number}$"))
    settle = worker.locator("form[data-action=grid_settle]")
    expect(settle).to_be_visible()
    fits(worker)
    shot(worker, "ladder-worker-task")
    settle.locator("textarea").first.fill("已联系物业清运")
    settle.locator("button[type=submit]").click()
    expect(settle).to_have_count(0)  # done: nothing left to settle
    expect(worker).to_have_url(re.compile(rf"/m/c/{case.number}$"))
    case.refresh_from_db()
    assert (case.state, case.tier) == (CaseState.VERIFYING, Tier.GRID)
    shot(worker, "ladder-worker-settled")


def photo(*, fixed: bool, name: str) -> FilePayload:
    """A street scene as a phone's camera gives it: the problem, or the street put right."""
    upload = scene(random.Random(11), fixed=fixed, name=name)
    return FilePayload(name=name, mimeType="image/jpeg", buffer=upload.read())


def test_a_street_chief_records_what_he_fixed_himself_on_the_phone(
    world: World, login: Callable[..., Page], settings: Any, tmp_path: Any
) -> None:
    settings.MEDIA_ROOT = tmp_path
    chief = login("street_chief", viewport=PHONE, next_url="/m/")
    chief.get_by_role("link", name="我已自行解决：记录处置前后照片").click()
    expect(chief).to_have_url(re.compile(r"/m/fixed$"))
    chief.fill("#id_title", "人行道井盖松动")
    chief.fill("#id_description", "兴隆大街 18 号门前井盖一踩就响")
    chief.set_input_files("#id_before", photo(fixed=False, name="处置前.jpg"))
    chief.set_input_files("#id_after", photo(fixed=True, name="处置后.jpg"))
    expect(chief.locator("[data-previews=before] img")).to_have_count(1)
    expect(chief.locator("[data-previews=after] img")).to_have_count(1)
    chief.fill("#id_result", "已用垫片垫稳井盖，踩踏无异响")
    chief.locator("#pick-map").click()
    expect(chief.locator("#place")).to_contain_text("位于：")
    fits(chief)
    shot(chief, "ladder-chief-self-fix-form")

    chief.get_by_role("button", name="提交").click()
    expect(chief.locator("[data-number]")).to_be_visible()
    case = Case.objects.get(title="人行道井盖松动")
    expect(chief.locator("[data-number]")).to_have_text(case.number)
    expect(chief.get_by_role("heading", name="街长已自行解决")).to_be_visible()
    expect(chief.locator("[data-closed]")).to_contain_text("已在网格办结")
    expect(chief.locator(".photos img")).to_have_count(2)
    assert (case.state, case.tier, case.source) == (
        CaseState.CLOSED,
        Tier.GRID,
        Source.STREET_CHIEF,
    )
    assert [e.action for e in case.events.order_by("seq")] == ["submit", "self_fixed"]
    assert case.attachments.count() == 2
    fits(chief)
    shot(chief, "ladder-chief-self-fix-receipt")


def test_a_fix_without_the_photo_after_is_refused_next_to_that_field(
    world: World, login: Callable[..., Page], settings: Any, tmp_path: Any
) -> None:
    """The browser asks for both photos itself; one that does not (the attribute removed
    here) gets the service's words next to the field, from the page's script."""
    settings.MEDIA_ROOT = tmp_path
    chief = login("street_chief", viewport=PHONE, next_url="/m/fixed")
    chief.fill("#id_title", "人行道井盖松动")
    chief.set_input_files("#id_before", photo(fixed=False, name="处置前.jpg"))
    chief.fill("#id_result", "已垫稳")
    chief.evaluate("document.getElementById('id_after').removeAttribute('required')")
    chief.get_by_role("button", name="提交").click()
    expect(chief.locator("#id_after + .errorlist")).to_have_text("请上传处置后的照片")
    expect(chief).to_have_url(re.compile(r"/m/fixed$"))
    assert not Case.objects.exists()


def test_a_merchant_chiefs_report_is_raised_to_the_street(
    world: World, login: Callable[..., Page], settings: Any, tmp_path: Any
) -> None:
    settings.MEDIA_ROOT = tmp_path
    # In the chief's own grid (the first), which has a grid worker.
    segment = make_segment(world, make_road(world), line=line((104.002, 30.605), (104.008, 30.605)))
    roads.person_add(
        actor=world.actor("street"),
        segment=segment,
        duty=Duty.MERCHANT_CHIEF,
        user_id=world.actor("street_chief").user.pk,
        shop_name="老王五金店",
        now=NOW,
    )
    # The chief scans his segment's board and reports what he cannot fix himself.
    chief = login("street_chief", viewport=PHONE, next_url=f"/m/report?segment={segment.pk}")
    expect(chief.locator("[data-preset=segment]")).to_contain_text("XL-01")
    chief.fill("#id_title", "路边排水沟堵塞，雨天积水")
    chief.set_input_files("#id_photos", photo(fixed=False, name="积水.jpg"))
    chief.get_by_role("button", name="提交").click()
    expect(chief.locator("[data-number]")).to_be_visible()
    case = Case.objects.get(title="路边排水沟堵塞，雨天积水")
    assert (case.state, case.source) == (CaseState.AT_GRID, Source.STREET_CHIEF)
    assert SegmentCase.objects.get(case=case).segment == segment

    # It waits with the grid worker, who cannot settle it on the spot and raises it.
    worker = login("grid_worker", viewport=PHONE, next_url="/m/")
    worker.get_by_role("link", name=re.compile("路边排水沟堵塞")).first.click()
    expect(worker).to_have_url(re.compile(rf"/m/c/{case.number}$"))
    worker.locator("summary", has_text="上报街道").click()
    raise_form = worker.locator("form[data-action=raise_to_street]")
    expect(raise_form).to_be_visible()
    raise_form.locator("textarea").first.fill("需疏通管网，网格处置不了")
    raise_form.locator("button[type=submit]").click()
    expect(raise_form).to_have_count(0)
    expect(worker.get_by_text("需疏通管网，网格处置不了")).to_be_visible()  # in the trail
    case.refresh_from_db()
    assert case.state == CaseState.SUBMITTED
    fits(worker)
    shot(worker, "ladder-chief-raised-phone")

    # The street has it to triage, on its console.
    street = login("street", viewport=DESKTOP, next_url="/")
    row = street.locator("#q-triage tr", has_text="路边排水沟堵塞，雨天积水")
    expect(row.get_by_role("link", name=case.number)).to_be_visible()
    fits(street)
    shot(street, "ladder-chief-raised-street")


def test_the_informants_page_and_the_coverage_page(
    world: World, login: Callable[..., Page]
) -> None:
    worker = login("grid_worker", viewport=PHONE, next_url="/m/informants/")
    worker.fill("#id_name", "王大姐")
    worker.fill("#id_phone", "13900001111")
    worker.get_by_role("button", name="登记", exact=True).click()
    expect(worker.get_by_text("已登记信息员：王大姐")).to_be_visible()
    fits(worker)
    shot(worker, "ladder-my-informants")

    centre = login("grid_centre", next_url="/reports/coverage/")
    expect(centre.get_by_role("heading", name="网格覆盖", exact=True)).to_be_visible()
    centre.get_by_role("link", name=world.communities[0].name).click()
    expect(centre.get_by_role("row", name=re.compile(world.grids[0].name))).to_be_visible()
    shot(centre, "ladder-coverage")
