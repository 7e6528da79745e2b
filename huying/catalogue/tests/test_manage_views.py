"""Catalogue console pages (/manage/catalogue/): admins only, 404 for everyone else;
invalid input comes back as 422 with Chinese messages and changes nothing."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from huying.catalogue.models import Catalogue, CatalogueItem, Level
from huying.catalogue.selectors import current_catalogue
from huying.conftest import World
from huying.core.models import ChangeLog


def client_for(world: World, who: str) -> Client:
    client = Client()
    client.force_login(world.actor(who).user)
    return client


@pytest.fixture
def admin(world: World) -> Client:
    return client_for(world, "admin")


@pytest.fixture
def draft(world: World, admin: Client) -> Catalogue:
    current = current_catalogue(world.district.pk)
    assert current is not None
    r = admin.post(f"/manage/catalogue/{current.pk}/draft")
    draft = Catalogue.objects.get(version=2)
    assert r.status_code == 302 and r["Location"] == f"/manage/catalogue/{draft.pk}/"
    return draft


def pages(world: World, draft: Catalogue) -> list[str]:
    item = CatalogueItem.objects.get(klass__catalogue=draft, code="A3")
    return [
        "/manage/catalogue/",
        f"/manage/catalogue/{draft.pk}/",
        f"/manage/catalogue/{current_catalogue(world.district.pk).pk}/",  # type: ignore[union-attr]
        f"/manage/catalogue/items/{item.pk}/",
        f"/manage/catalogue/items/{world.items[Level.GENERAL].pk}/",
        f"/manage/catalogue/{draft.pk}/items/new",
    ]


def test_every_page_renders_for_an_admin(world: World, admin: Client, draft: Catalogue) -> None:
    for url in pages(world, draft):
        r = admin.get(url)
        assert r.status_code == 200, url
        assert "事项清单" in r.content.decode()


@pytest.mark.parametrize("who", ["street", "dept_cg", "hub", "leader"])
def test_every_page_is_404_for_other_roles(world: World, draft: Catalogue, who: str) -> None:
    client = client_for(world, who)
    for url in pages(world, draft):
        assert client.get(url).status_code == 404, url
    assert client.post(f"/manage/catalogue/{draft.pk}/publish").status_code == 404
    draft.refresh_from_db()
    assert draft.is_draft


def test_anonymous_visitors_are_sent_to_log_in(world: World) -> None:
    r = Client().get("/manage/catalogue/")
    assert r.status_code == 302 and r["Location"].startswith("/login/")


def test_the_manage_link_is_shown_to_admins_only(world: World) -> None:
    assert 'href="/manage/catalogue/"' in client_for(world, "admin").get("/cases/").content.decode()
    assert "/manage/" not in client_for(world, "street").get("/cases/").content.decode()


def test_version_page_groups_items_by_class_with_limits_and_departments(
    world: World, admin: Client
) -> None:
    current = current_catalogue(world.district.pk)
    assert current is not None
    html = admin.get(f"/manage/catalogue/{current.pk}/").content.decode()
    assert "A 综合执法" in html and "（4 项）" in html
    assert "排水口水质污染" in html and "水务局" in html and "生态环境局" in html
    assert "72 小时（连续计时）" in html and "30 分钟（连续计时）" in html
    assert "已发布，只能查看" in html


def form_data(item: CatalogueItem, **overrides: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "name": item.name,
        "default_level": item.default_level,
        "lead_department": item.lead_department_id or "",
        "co_departments": [u.pk for u in item.co_departments.all()],
        "report_in_limit": item.report_in_limit,
        "report_in_unit": item.report_in_unit,
        "handle_limit": item.handle_limit,
        "handle_unit": item.handle_unit,
        "handling_standard": item.handling_standard,
        "closing_condition": item.closing_condition,
        "keywords": item.keywords,
        "synonyms": item.synonyms,
        "order": item.order,
    }
    data.update(overrides)
    return data


def test_item_edit_saves_a_draft_item(world: World, admin: Client, draft: Catalogue) -> None:
    item = CatalogueItem.objects.get(klass__catalogue=draft, code="A3")
    jt = world.departments["jt"]
    r = admin.post(
        f"/manage/catalogue/items/{item.pk}/",
        form_data(
            item,
            co_departments=[world.departments["hb"].pk, jt.pk],
            handle_limit=7,
            handling_standard="2小时内到场取样",
            closing_condition="水质达标",
            keywords="排水口，污水",
            synonyms="黑臭水体、臭水沟",
        ),
    )
    assert r.status_code == 302
    assert r["Location"] == f"/manage/catalogue/{draft.pk}/#item-{item.pk}"
    item.refresh_from_db()
    assert item.handle_limit == 7 and item.keywords == "排水口,污水"
    assert item.synonyms == "黑臭水体,臭水沟"
    assert item.handling_standard == "2小时内到场取样"
    assert jt in item.co_departments.all()
    assert ChangeLog.objects.filter(action="catalogue.item.update", object_id=str(item.pk)).exists()
    page = admin.get(f"/manage/catalogue/items/{item.pk}/").content.decode()
    assert "修改记录" in page and "admin（管理员） 修改：" in page and "办理时限" in page
    assert "近义词" in page and 'value="黑臭水体,臭水沟"' in page
    assert "近义词：黑臭水体,臭水沟" in admin.get(f"/manage/catalogue/{draft.pk}/").content.decode()


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"name": ""}, "这个字段是必填项。"),  # Django's own, in zh-hans
        ({"report_in_limit": "abc"}, "输入整数"),
        ({"handle_limit": 0}, "大于或等于1"),
        ({"default_level": 9}, "选择一个有效的选项"),
        ({"lead_department": ""}, "复杂问题须指定主办部门"),
        ({"co_departments": []}, "复杂问题须指定至少一个协办部门"),
        ({"report_in_limit": 20}, "报到时限不能长于办理时限"),
        ({"handle_unit": "weeks"}, "选择一个有效的选项"),
        ({"handle_limit": 300}, "办理时限不能超过250个工作日"),
    ],
)
def test_invalid_item_input_is_422_with_chinese_messages_and_changes_nothing(
    world: World, admin: Client, draft: Catalogue, overrides: dict[str, Any], message: str
) -> None:
    item = CatalogueItem.objects.get(klass__catalogue=draft, code="A3")
    before = (item.name, item.handle_limit, item.lead_department_id, item.report_in_limit)
    logged = ChangeLog.objects.count()
    r = admin.post(f"/manage/catalogue/items/{item.pk}/", form_data(item, **overrides))
    assert r.status_code == 422
    html = r.content.decode()
    assert message in html and "保存失败，请按提示修改。" in html
    item.refresh_from_db()
    assert (item.name, item.handle_limit, item.lead_department_id, item.report_in_limit) == before
    assert ChangeLog.objects.count() == logged


def test_a_published_item_cannot_be_edited_through_the_page(world: World, admin: Client) -> None:
    item = world.items[Level.GENERAL]
    html = admin.get(f"/manage/catalogue/items/{item.pk}/").content.decode()
    assert "disabled" in html and "保存</button>" not in html
    r = admin.post(f"/manage/catalogue/items/{item.pk}/", form_data(item, handle_limit=3))
    assert r.status_code == 422
    assert "已发布，不能再修改" in r.content.decode()
    item.refresh_from_db()
    assert item.handle_limit == 5


def test_item_create_in_a_draft(world: World, admin: Client, draft: Catalogue) -> None:
    url = f"/manage/catalogue/{draft.pk}/items/new"
    data = {
        "klass": draft.classes.get().pk,
        "code": "A5",
        "name": "井盖缺失",
        "default_level": Level.GENERAL,
        "lead_department": world.departments["cg"].pk,
        "report_in_limit": 1,
        "report_in_unit": "working_days",
        "handle_limit": 2,
        "handle_unit": "working_days",
        "order": 5,
    }
    r = admin.post(url, {**data, "code": "A1"})
    assert r.status_code == 422 and "事项编码 A1 在本清单中已存在" in r.content.decode()
    r = admin.post(url, data)
    assert r.status_code == 302
    item = CatalogueItem.objects.get(klass__catalogue=draft, code="A5")
    assert item.lead_department == world.departments["cg"]
    # Only drafts take new items.
    current = current_catalogue(world.district.pk)
    assert current is not None
    assert admin.get(f"/manage/catalogue/{current.pk}/items/new").status_code == 404


def test_second_draft_is_refused_on_the_page(admin: Client, draft: Catalogue) -> None:
    r = admin.post(f"/manage/catalogue/{draft.pk}/draft")
    assert r.status_code == 422 and "已有草稿版本 v2" in r.content.decode()
    assert Catalogue.objects.count() == 2


def test_publish_from_the_page(world: World, admin: Client, draft: Catalogue) -> None:
    r = admin.post(f"/manage/catalogue/{draft.pk}/publish")
    assert r.status_code == 302
    assert current_catalogue(world.district.pk) == draft
    # A published version is not published "again" through this door.
    assert admin.post(f"/manage/catalogue/{draft.pk}/publish").status_code == 404


def test_publish_refusal_is_shown_on_the_version_page(
    world: World, admin: Client, draft: Catalogue
) -> None:
    from huying.org.models import OrgUnit

    OrgUnit.objects.filter(pk=world.departments["sw"].pk).update(is_active=False)
    r = admin.post(f"/manage/catalogue/{draft.pk}/publish")
    assert r.status_code == 422
    assert "「水务局」已停用" in r.content.decode()
    draft.refresh_from_db()
    assert draft.is_draft


def test_unknown_ids_are_404(admin: Client, world: World) -> None:
    for url in ["/manage/catalogue/999999/", "/manage/catalogue/items/999999/"]:
        assert admin.get(url).status_code == 404
