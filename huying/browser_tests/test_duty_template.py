"""The district's duty template: the admin finds it from the back office's grids page, rewords
and reorders a line at 1400 px and reads it at 390 px; the grid's duty list, with its copies
marked as the template's and left as they were, as the community edits it at both widths."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from playwright.sync_api import Page, expect

from huying.browser_tests.conftest import PHONE, fits, shot
from huying.conftest import World
from huying.grid import duties
from huying.grid.models import DutyTemplate, GridDuty

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

LINES = ("矛盾纠纷排查", "消防通道、楼道堆物检查", "独居老人、困难家庭走访")


def test_the_admin_keeps_the_template_and_the_grid_keeps_its_copies(
    world: World, login: Callable[..., Page]
) -> None:
    admin = world.actor("admin")
    duties.template_add(actor=admin, item_id=world.items[1].pk)
    for text in LINES:
        duties.template_add(actor=admin, text=text)
    duties.duties_copy(district=world.district)
    grid = world.grids[0]
    community = world.actor("community")
    own = GridDuty.objects.get(grid=grid, text="矛盾纠纷排查")
    duties.duty_update(
        actor=community, grid_id=grid.pk, duty_id=own.pk, version=0, text="矛盾纠纷每日排查"
    )
    duties.duty_add(actor=community, grid_id=grid.pk, text="门前三包落实情况")

    page = login("admin", next_url="/manage/org/grids/")
    page.get_by_role("link", name="网格职责模板").click()
    expect(page.get_by_role("heading", name="网格职责模板", exact=True)).to_be_visible()
    expect(page.get_by_text("已复制到网格的职责不随之改变")).to_be_visible()
    line = page.get_by_label("第 3 项的职责")
    line.fill("消防通道、楼道堆物每周检查")
    line.locator("xpath=ancestor::form").get_by_role("button", name="保存").click()
    expect(page.get_by_text("模板已保存；已复制到网格的职责不变")).to_be_visible()
    page.get_by_label("第 3 项的职责").locator("xpath=ancestor::form").get_by_role(
        "button", name="上移"
    ).click()
    expect(page.get_by_text("已调整顺序")).to_be_visible()
    expect(page.get_by_label("第 2 项的职责")).to_have_value("消防通道、楼道堆物每周检查")
    # The reworded line differs from every grid's copy now; the next from the one grid's.
    expect(page.get_by_text("其中 4 个网格的这一项与模板现在的文字不同")).to_be_visible()
    expect(page.get_by_text("其中 1 个网格的这一项与模板现在的文字不同")).to_be_visible()
    fits(page)
    shot(page, "duty-template")
    assert list(DutyTemplate.objects.values_list("text", flat=True)) == [
        "占道经营",
        "消防通道、楼道堆物每周检查",
        "矛盾纠纷排查",
        "独居老人、困难家庭走访",
    ]

    phone = login("admin", viewport=PHONE, next_url="/grids/duty-template/")
    expect(phone.get_by_label("第 2 项的职责")).to_have_value("消防通道、楼道堆物每周检查")
    fits(phone)
    shot(phone, "duty-template")

    # The grid's list: its copies as copied (the template's rewording did not reach it).
    desk = login("community", next_url=f"/grids/{grid.pk}/")
    expect(desk.get_by_role("heading", name="网格职责清单")).to_be_visible()
    expect(desk.get_by_text("区里修改或删除模板，不会改动本清单")).to_be_visible()
    texts = [desk.get_by_label("职责", exact=True).nth(i).input_value() for i in range(5)]
    assert texts == [
        "占道经营",
        "矛盾纠纷每日排查",
        "消防通道、楼道堆物检查",
        "独居老人、困难家庭走访",
        "门前三包落实情况",
    ]
    fits(desk)
    shot(desk, "grid-duties")

    phone = login("community", viewport=PHONE, next_url=f"/grids/{grid.pk}/")
    expect(phone.get_by_label("职责", exact=True).nth(4)).to_have_value("门前三包落实情况")
    fits(phone)
    shot(phone, "grid-duties")
