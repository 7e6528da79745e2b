"""社区工作准入 in a real browser: the public page of the certificates a community no longer
issues (1400 and 390 px, no sign-in), the hub's figures of tasks sent to communities with the
drill-down to the refused ones, and the community flagging a task off the lists.

Screenshots: ``access-certificates-{1400,390}px.png``, ``access-figures-1400px.png``,
``access-refused-1400px.png``, ``access-flag-390px.png``, ``access-send-1400px.png``,
``access-send-refused-1400px.png``, ``access-applications-1400px.png``, ``access-lists-1400px.png``;
the hub's own draft changes and its ruling on a flag: ``access-draft-{1400,390}px.png``,
``access-resolve-1400px.png``, ``access-resolved-390px.png``, ``access-admission-390px.png``."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from playwright.sync_api import Browser, Page, expect

from huying.access import services
from huying.access.models import CommunityTask, ListKind
from huying.access.selectors import current_items
from huying.browser_tests.conftest import DESKTOP, PHONE, fits, shot
from huying.conftest import MONDAY_10AM, World
from huying.demo.access import build_lists

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.mark.parametrize("viewport", [DESKTOP, PHONE], ids=["desk", "phone"])
def test_anyone_reads_what_to_do_instead_of_a_certificate(
    world: World, browser: Browser, live_server: Any, viewport: Any
) -> None:
    build_lists(now=MONDAY_10AM)
    context = browser.new_context(viewport=viewport, locale="zh-CN")
    page = context.new_page()
    path = "/m/certificates" if viewport == PHONE else "/access/certificates/"
    page.goto(f"{live_server.url}{path}")
    expect(page.locator("h1")).to_have_text("社区不再出具的证明")
    expect(page.locator("section.certificate")).to_have_count(20)
    card = page.locator("section.certificate", has_text="无犯罪记录证明")
    expect(card).to_contain_text("到户籍地或居住地公安派出所申请开具")
    fits(page)
    shot(page, "access-certificates")
    context.close()


def test_the_hub_reads_the_gate_and_the_community_flags(
    world: World, login: Callable[..., Page]
) -> None:
    build_lists(now=MONDAY_10AM)
    duty = current_items(ListKind.DUTY).first()
    assert duty is not None
    community = world.communities[0]
    for who, item, title in (
        ("dept_cg", duty, "组织居民议事协商"),
        ("dept_cg", None, "报送辖区商户经营情况台账"),
        ("dept_sw", None, "统计辖区电动自行车数量"),
        ("street", duty, "开展社区民主协商"),
    ):
        services.task_send(
            actor=world.actor(who),
            recipient_id=community.pk,
            title=title,
            basis="区里通知",
            item_id=item.pk if item else None,
        )
    page = login("hub", next_url="/access/")
    table = page.locator("table")
    expect(table.locator("tbody tr", has_text="城管局")).to_contain_text("2")
    expect(table.locator("tfoot")).to_contain_text("4")
    fits(page)
    shot(page, "access-figures")
    page.locator("tbody tr", has_text="城管局").locator("td a").first.click()
    expect(page.locator("section.task")).to_have_count(1)
    expect(page.locator("section.task")).to_contain_text("未引用准入清单事项")
    shot(page, "access-refused")

    phone = login("community", viewport=PHONE, next_url="/access/tasks/")
    task = phone.locator("section.task", has_text="组织居民议事协商")
    task.locator("summary").click()
    task.locator("textarea").fill("实为部门自身的台账报送，未随事拨付经费")
    task.locator("button[type=submit]").click()
    expect(phone.locator(".messages")).to_contain_text("已标记为清单外任务")
    flagged = CommunityTask.objects.get(title="组织居民议事协商")
    assert flagged.flag_reason == "实为部门自身的台账报送，未随事拨付经费"
    expect(phone.locator("section.task", has_text="组织居民议事协商")).to_contain_text("社区已标记")
    fits(phone)
    shot(phone, "access-flag")


def test_a_department_sends_a_task_and_the_gate_refuses_one_off_the_lists(
    world: World, login: Callable[..., Page]
) -> None:
    build_lists(now=MONDAY_10AM)
    page = login("dept_cg", next_url="/access/tasks/new")
    page.select_option("#id_recipient_id", label="第1社区")
    page.select_option("#id_item_id", label="XZ01 协助开展人口普查")
    page.fill("#id_title", "入户核对常住人口")
    page.fill("#id_basis", "区人口普查领导小组通知")
    fits(page)
    shot(page, "access-send")
    page.click("main button[type=submit]")
    expect(page.locator(".messages")).to_contain_text("任务已送达第1社区")
    page.goto(page.url.split("/access/")[0] + "/access/tasks/new")
    page.select_option("#id_recipient_id", label="第1社区")
    page.fill("#id_title", "报送辖区商户经营情况台账")
    page.fill("#id_basis", "局办公室通知")
    page.click("main button[type=submit]")
    expect(page.locator(".messages")).to_contain_text("任务被拒收：未引用准入清单事项")
    expect(page.locator("section.task")).to_have_count(1)
    expect(page.locator("section.task")).to_contain_text("门口拒收")
    shot(page, "access-send-refused")
    assert CommunityTask.objects.filter(state="refused").count() == 1


def test_the_hub_reviews_an_application_into_the_draft_and_publishes_it(
    world: World, login: Callable[..., Page]
) -> None:
    build_lists(now=MONDAY_10AM)
    services.application_submit(
        actor=world.actor("dept_cg"),
        kind=ListKind.ASSIST,
        title="协助开展食品安全宣传",
        legal_basis="《中华人民共和国食品安全法》第十条",
        funding="市场监管局每年拨付 2 万元",
        staffing="市场监管所联络员 1 名",
    )
    page = login("hub", next_url="/access/applications/")
    card = page.locator("section.application", has_text="协助开展食品安全宣传")
    fits(page)
    shot(page, "access-applications")
    card.locator("button[value='1']").click()
    expect(page.locator(".messages")).to_contain_text("已审核")
    page.goto(page.url.split("/access/")[0] + "/access/lists/?kind=assist")
    expect(page.locator("main")).to_contain_text("XZ35 协助开展食品安全宣传")
    page.get_by_role("button", name="发布此版").click()
    expect(page.locator(".messages")).to_contain_text("已发布第 2 版")
    expect(page.locator("tbody tr")).to_have_count(35)
    shot(page, "access-lists")


@pytest.mark.parametrize("viewport", [DESKTOP, PHONE], ids=["desk", "phone"])
def test_the_hub_adds_and_withdraws_an_item_in_the_draft(
    world: World, login: Callable[..., Page], viewport: Any
) -> None:
    build_lists(now=MONDAY_10AM)
    page = login("hub", viewport=viewport, next_url="/access/lists/?kind=admission")
    expect(page.locator("tbody tr")).to_have_count(26)
    page.locator("#draft-edit summary", has_text="加入事项").click()
    page.fill("#item-admission-title", "社区议事厅建设")
    page.fill("#item-admission-legal_basis", "区社区工作事项准入联席会议核准（准入第 27 号）")
    page.select_option("#item-admission-department_id", index=1)
    page.fill("#item-admission-funding", "民政局按项目核拨")
    page.fill("#item-admission-staffing", "民政局专人指导")
    page.get_by_role("button", name="加入草稿").click()
    expect(page.locator(".messages")).to_contain_text("ZR27 社区议事厅建设")
    page.locator("#draft-edit summary", has_text="退出事项").click()
    page.select_option("#withdraw-admission-code", value="ZR01")
    page.fill("#withdraw-admission-reason", "创建活动已取消")
    page.get_by_role("button", name="从草稿中退出").click()
    expect(page.locator(".messages")).to_contain_text("ZR01")
    expect(page.locator("main")).to_contain_text("新增：ZR27 社区议事厅建设")
    expect(page.locator("main")).to_contain_text("退出：ZR01")
    fits(page)
    shot(page, "access-draft")
    if viewport == PHONE:
        shot(page, "access-admission")


def test_the_hub_upholds_a_flag_and_the_community_sees_it_withdrawn(
    world: World, login: Callable[..., Page]
) -> None:
    build_lists(now=MONDAY_10AM)
    duty = current_items(ListKind.DUTY).first()
    assert duty is not None
    task = services.task_send(
        actor=world.actor("dept_cg"),
        recipient_id=world.communities[0].pk,
        title="统计辖区门店招牌",
        basis="城管局通知",
        item_id=duty.pk,
    )
    services.task_flag(actor=world.actor("community"), task_id=task.pk, reason="不在清单内")
    page = login("hub", next_url="/access/tasks/?only=flagged")
    card = page.locator("section.task", has_text="统计辖区门店招牌")
    card.locator("summary", has_text="核查标记").click()
    card.locator("textarea").fill("属于城管局自身的普查工作，未随事拨付经费")
    fits(page)
    shot(page, "access-resolve")
    card.get_by_role("button", name="认定摊派并撤回").click()
    expect(page.locator(".messages")).to_contain_text("已核查")
    expect(page.locator("section.task", has_text="统计辖区门店招牌")).to_contain_text(
        "认定摊派，已撤回"
    )
    page.goto(page.url.split("/access/")[0] + "/access/")
    expect(page.locator("tbody tr", has_text="城管局").locator("td").nth(3)).to_have_text("1")
    phone = login("community", viewport=PHONE, next_url="/access/tasks/")
    seen = phone.locator("section.task", has_text="统计辖区门店招牌")
    expect(seen).to_contain_text("属于城管局自身的普查工作")
    fits(phone)
    shot(phone, "access-resolved")
