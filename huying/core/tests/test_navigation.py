"""The top bar: each role sees the pages it has, the community's affairs folded into one
menu (社区治理), and the page it is on marked."""

from __future__ import annotations

import re

import pytest

from huying.conftest import World
from huying.core.navigation import Menu, Shown, bar_for

pytestmark = pytest.mark.django_db


def labels(world: World, who: str) -> list[str | tuple[str, list[str]]]:
    out: list[str | tuple[str, list[str]]] = []
    for entry in bar_for(world.actor(who)):
        if isinstance(entry, Menu):
            out.append((str(entry.label), [str(link.label) for link in entry.links]))
        else:
            assert isinstance(entry, Shown)
            out.append(str(entry.label))
    return out


def test_a_street_caller_has_the_community_affairs_in_one_menu(world: World) -> None:
    assert labels(world, "street") == [
        "工作台",
        "事件",
        "地图",
        "巡查",
        "统计",
        "会商执法",
        ("社区治理", ["一口受理", "社区准入", "志愿服务", "居民议事", "生活圈"]),
        "考评",
        "街长制",
    ]


def test_each_role_sees_only_its_pages(world: World) -> None:
    hub = labels(world, "hub")
    assert "待定位" in hub and "12345工单" in hub and "街长制" not in hub
    assert "手机端" in labels(world, "grid_worker")
    assert "管理" in labels(world, "admin") and "管理" not in labels(world, "street")
    department = labels(world, "dept_cg")
    assert ("社区治理", ["一口受理", "社区准入"]) in department
    assert "会商执法" not in department and "街长制" not in department


def test_a_group_of_one_is_a_plain_link(world: World) -> None:
    """A grid leader has 社区准入 (its tasks), 志愿服务 and 生活圈's coverage: a menu; the
    district leader only the figures of the access lists and the coverage."""
    for who in ("grid_leader", "leader", "hub"):
        for entry in bar_for(world.actor(who)):
            assert not isinstance(entry, Menu) or len(entry.links) > 1


def test_the_page_marks_its_link_and_its_menu(world: World) -> None:
    page = world.client("street").get("/volunteers/rankings/").content.decode()
    menu = re.search(r'<details class="nav-menu">.*?</details>', page, re.S)
    assert menu is not None
    assert '<summary aria-current="page">社区治理</summary>' in menu.group(0)
    assert 'href="/volunteers/" aria-current="page">志愿服务</a>' in menu.group(0)  # its pages
    home = world.client("street").get("/").content.decode()
    assert '<summary aria-current="page">' not in home
