"""The grid page (duty list, edits, change log), the phone's checklist and companions, the
patrol page with its track, and the 三陪同 table with its XLSX export."""

from __future__ import annotations

import time

import pytest

from huying.cases.tests.test_console import login
from huying.cases.tests.test_documents import body, sheet_rows
from huying.conftest import World
from huying.grid import duties, services
from huying.grid.models import DutyTemplate, GridDuty, Patrol

pytestmark = pytest.mark.django_db


def test_the_grid_page_lists_and_edits_duties(world: World) -> None:
    grid = world.grids[0]
    duties.duty_add(actor=world.actor("community"), grid_id=grid.pk, text="门前三包")
    page = login(world, "grid_worker").get(f"/grids/{grid.pk}/").content.decode()
    assert "门前三包" in page and "新增职责" not in page  # a grid worker reads, does not edit
    leader = login(world, "grid_leader")
    assert "新增职责" in leader.get(f"/grids/{grid.pk}/").content.decode()
    leader.post(f"/grids/{grid.pk}/duties/add", {"text": "消防通道"})
    duty = GridDuty.objects.get(text="门前三包")
    leader.post(
        f"/grids/{grid.pk}/duties/{duty.pk}", {"op": "save", "version": 0, "text": "门前三包责任"}
    )
    leader.post(f"/grids/{grid.pk}/duties/{duty.pk}", {"op": "down"})
    page = leader.get(f"/grids/{grid.pk}/").content.decode()
    assert page.index("消防通道") < page.index("门前三包责任")
    assert "门前三包 → 门前三包责任" in page and "调整顺序" in page
    stale = leader.post(
        f"/grids/{grid.pk}/duties/{duty.pk}",
        {"op": "save", "version": 0, "text": "又改"},
        follow=True,
    )
    assert "已被他人修改" in stale.content.decode()
    assert login(world, "street_b").get(f"/grids/{grid.pk}/").status_code == 404
    assert login(world, "resident").get(f"/grids/{grid.pk}/").status_code == 404


def test_the_phone_ticks_duties_adds_a_companion_and_the_patrol_page_shows_them(
    world: World,
) -> None:
    duties.duty_add(actor=world.actor("community"), grid_id=world.grids[0].pk, text="门前三包")
    phone = login(world, "grid_worker")
    phone.post("/m/patrol/start", {})
    patrol = Patrol.objects.get()
    line = patrol.checklist.get()
    page = phone.get("/m/patrol/").content.decode()
    assert "门前三包" in page and "测试street（第1街道）" in page
    phone.post(
        f"/m/patrol/{patrol.pk}/checklist", {f"done-{line.pk}": "on", f"note-{line.pk}": "已劝离"}
    )
    phone.post(f"/m/patrol/{patrol.pk}/companions", {"user_id": world.actor("street").user.pk})
    refused = phone.post(
        f"/m/patrol/{patrol.pk}/companions",
        {"user_id": world.actor("resident").user.pk},
        follow=True,
    ).content.decode()
    assert "不是工作人员" in refused
    now = time.time()
    services.patrol_track(
        actor=world.actor("grid_worker"),
        patrol_id=patrol.pk,
        points=[
            {"lat": 30.605 + i * 1e-4, "lng": 104.005 + (i % 2) * 2e-4, "at": now - 50 + i}
            for i in range(10)
        ],
    )
    phone.post(f"/m/patrol/{patrol.pk}/end", {"note": "完成"})
    detail = login(world, "community").get(f"/grids/patrols/{patrol.pk}/").content.decode()
    assert "已劝离" in detail and "街道干部" in detail and "data-patrol-map" in detail
    geo = login(world, "community").get(f"/grids/patrols/{patrol.pk}/geo").json()
    assert len(geo["track"]) >= 2 and geo["grid"]
    assert login(world, "street_b").get(f"/grids/patrols/{patrol.pk}/").status_code == 404


def test_the_compliance_page_and_its_export(world: World) -> None:
    gw = world.actor("grid_worker")
    patrol = services.patrol_start(actor=gw)
    services.companion_add(actor=gw, patrol_id=patrol.pk, user_id=world.actor("street").user.pk)
    services.patrol_end(actor=gw, patrol_id=patrol.pk)
    street = login(world, "street")
    page = street.get("/grids/patrols/?weeks=2").content.decode()
    assert "第1街道 · 三陪同" in page and "测试grid_worker" in page
    xlsx = street.get("/grids/patrols/compliance.xlsx?weeks=2")
    assert xlsx.status_code == 200
    rows = sheet_rows(body(xlsx))[2:]  # below the title and the header
    assert [(r[1], r[3], r[4], r[6]) for r in rows] == [
        ("测试grid_worker", 1, 1, 1),
        ("测试grid_worker", 0, 0, 2),
    ]
    hub = login(world, "hub").get(f"/grids/patrols/?street={world.streets[1].pk}").content.decode()
    assert "第2街道 · 三陪同" in hub and "测试grid_worker_b" in hub
    assert login(world, "dept_cg").get("/grids/patrols/").status_code == 403


def test_the_admin_keeps_the_template_on_its_page_and_the_grids_keep_their_copies(
    world: World,
) -> None:
    admin = login(world, "admin")
    assert "/grids/duty-template/" in admin.get("/manage/org/grids/").content.decode()
    admin.post("/grids/duty-template/add", {"item_id": world.items[1].pk})
    admin.post("/grids/duty-template/add", {"text": "矛盾纠纷排查"})
    copied = admin.post("/grids/duty-template/copy", follow=True).content.decode()
    assert "已复制到 4 个网格，新增 8 条职责" in copied
    first, second = DutyTemplate.objects.all()
    page = admin.get("/grids/duty-template/").content.decode()
    assert "已复制到网格的职责不随之改变" in page and "已复制到 4 个网格" in page
    saved = admin.post(
        f"/grids/duty-template/{second.pk}",
        {"op": "save", "version": 0, "text": "矛盾纠纷化解", "item_id": ""},
        follow=True,
    ).content.decode()
    assert "模板已保存；已复制到网格的职责不变" in saved
    assert "矛盾纠纷排查 → 矛盾纠纷化解" in saved
    moved = admin.post(f"/grids/duty-template/{second.pk}", {"op": "up"}, follow=True)
    html = moved.content.decode()
    assert html.index('value="矛盾纠纷化解"') < html.index('value="占道经营"')
    removed = admin.post(
        f"/grids/duty-template/{first.pk}", {"op": "remove", "version": 0}, follow=True
    ).content.decode()
    assert "4 个网格已有的这一项保留，归网格自己" in removed
    assert list(DutyTemplate.objects.values_list("text", flat=True)) == ["矛盾纠纷化解"]
    stale = admin.post(
        f"/grids/duty-template/{second.pk}",
        {"op": "save", "version": 0, "text": "又改", "item_id": ""},
        follow=True,
    ).content.decode()
    assert "已被他人修改" in stale
    # The grid's page: its copies as copied, marked as the template's, with what that means.
    grid_page = login(world, "community").get(f"/grids/{world.grids[0].pk}/").content.decode()
    assert "矛盾纠纷排查" in grid_page and "矛盾纠纷化解" not in grid_page
    assert "区里修改或删除模板，不会改动本清单" in grid_page
    assert "/grids/duty-template/" not in grid_page  # the admin's page, not the community's
    for who in ("community", "street", "hub"):
        client = login(world, who)
        assert client.get("/grids/duty-template/").status_code == 404
        assert client.post(f"/grids/duty-template/{second.pk}", {"op": "up"}).status_code == 404
    assert DutyTemplate.objects.get().version == 1
