"""Back-office writes to the catalogue: drafting a version, editing and adding its items,
publishing it. Published versions are history and stay as they are."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from huying.catalogue.models import Catalogue, CatalogueItem, Level, LimitUnit
from huying.catalogue.selectors import current_catalogue, current_items_cached, item_cached
from huying.catalogue.services import (
    catalogue_draft_create,
    catalogue_item_create,
    catalogue_item_update,
    catalogue_publish,
)
from huying.conftest import World
from huying.core.errors import InvalidInput, PermissionDenied
from huying.core.models import ChangeLog
from huying.org.models import OrgUnit

NOW = datetime(2026, 3, 10, 10, 0, tzinfo=ZoneInfo("Asia/Shanghai"))


@pytest.fixture
def draft(world: World) -> Catalogue:
    current = current_catalogue(world.district.pk)
    assert current is not None
    return catalogue_draft_create(actor=world.actor("admin"), source=current, now=NOW)


def draft_item(draft: Catalogue, code: str) -> CatalogueItem:
    return CatalogueItem.objects.get(klass__catalogue=draft, code=code)


def update_kwargs(item: CatalogueItem, **overrides: Any) -> dict[str, Any]:
    kwargs: dict[str, Any] = {
        "item": item,
        "name": item.name,
        "default_level": item.default_level,
        "lead_department": item.lead_department,
        "co_departments": list(item.co_departments.all()),
        "report_in_limit": item.report_in_limit,
        "report_in_unit": item.report_in_unit,
        "handle_limit": item.handle_limit,
        "handle_unit": item.handle_unit,
        "handling_standard": item.handling_standard,
        "closing_condition": item.closing_condition,
        "keywords": item.keywords,
        "order": item.order,
        "now": NOW,
    }
    kwargs.update(overrides)
    return kwargs


def columns(item: CatalogueItem) -> tuple[Any, ...]:
    item.refresh_from_db()
    return (
        item.name,
        item.default_level,
        item.lead_department_id,
        sorted(u.pk for u in item.co_departments.all()),
        item.report_in_limit,
        item.report_in_unit,
        item.handle_limit,
        item.handle_unit,
        item.keywords,
        item.order,
    )


# --- drafting -----------------------------------------------------------------------------


def test_a_draft_copies_the_source_version(world: World, draft: Catalogue) -> None:
    assert (draft.version, draft.is_draft, draft.is_current) == (2, True, False)
    source = world.items[Level.COMPLEX]
    copy = draft_item(draft, source.code)
    assert copy.pk != source.pk
    assert (copy.name, copy.lead_department, copy.handle_limit) == (
        source.name,
        source.lead_department,
        source.handle_limit,
    )
    assert set(copy.co_departments.all()) == set(source.co_departments.all())
    assert CatalogueItem.objects.filter(klass__catalogue=draft).count() == 4
    record = ChangeLog.objects.get()
    assert record.action == "catalogue.draft.create"
    assert record.after == {"version": 2, "name": "测试清单", "source_version": 1}


def test_one_draft_at_a_time(world: World, draft: Catalogue) -> None:
    with pytest.raises(InvalidInput, match="已有草稿版本 v2"):
        catalogue_draft_create(actor=world.actor("admin"), source=draft, now=NOW)
    assert Catalogue.objects.count() == 2


def test_only_admins_draft(world: World) -> None:
    current = current_catalogue(world.district.pk)
    assert current is not None
    with pytest.raises(PermissionDenied):
        catalogue_draft_create(actor=world.actor("hub"), source=current, now=NOW)
    assert Catalogue.objects.count() == 1


# --- editing items ------------------------------------------------------------------------


def test_item_update_changes_the_draft_item_and_logs_the_difference(
    world: World, draft: Catalogue
) -> None:
    item = draft_item(draft, "A3")
    jt = world.departments["jt"]
    catalogue_item_update(
        actor=world.actor("admin"),
        **update_kwargs(
            item,
            name="排水口水质污染（修订）",
            co_departments=[world.departments["hb"], jt],
            handle_limit=8,
            keywords="排水口、污水 水质",
        ),
    )
    item.refresh_from_db()
    assert item.name == "排水口水质污染（修订）" and item.handle_limit == 8
    assert item.keywords == "排水口,污水,水质"
    assert set(item.co_departments.all()) == {world.departments["hb"], jt}
    record = ChangeLog.objects.filter(action="catalogue.item.update").get()
    assert record.before == {
        "name": "排水口水质污染",
        "co_departments": [world.departments["hb"].pk],
        "handle_limit": 10,
        "keywords": "",
    }
    assert record.after is not None
    assert record.after["co_departments"] == sorted([world.departments["hb"].pk, jt.pk])
    # The published original is untouched.
    original = world.items[Level.COMPLEX]
    original.refresh_from_db()
    assert original.name == "排水口水质污染" and original.handle_limit == 10


def test_synonyms_are_normalised_like_keywords_and_kept_unless_given(
    world: World, draft: Catalogue
) -> None:
    item = draft_item(draft, "A3")
    admin = world.actor("admin")
    catalogue_item_update(actor=admin, **update_kwargs(item, synonyms="黑臭水体、臭水沟 黑臭水体"))
    item.refresh_from_db()
    assert item.synonyms == "黑臭水体,臭水沟"
    assert item.synonym_list() == ["黑臭水体", "臭水沟"]
    record = ChangeLog.objects.filter(action="catalogue.item.update").get()
    assert record.before == {"synonyms": ""} and record.after == {"synonyms": "黑臭水体,臭水沟"}
    catalogue_item_update(actor=admin, **update_kwargs(item, handle_limit=9))  # none given: kept
    item.refresh_from_db()
    assert (item.handle_limit, item.synonyms) == (9, "黑臭水体,臭水沟")
    with pytest.raises(InvalidInput, match="近义词总长度不能超过300个字符") as refused:
        catalogue_item_update(actor=admin, **update_kwargs(item, synonyms="词" * 301))
    assert refused.value.details["field"] == "synonyms"


def test_published_items_cannot_change(world: World) -> None:
    item = world.items[Level.GENERAL]
    before = columns(item)
    with pytest.raises(InvalidInput, match="已发布，不能再修改") as info:
        catalogue_item_update(actor=world.actor("admin"), **update_kwargs(item, handle_limit=9))
    assert info.value.details["field"] == "catalogue"
    assert columns(item) == before
    assert not ChangeLog.objects.exists()


def test_only_admins_edit_items(world: World, draft: Catalogue) -> None:
    item = draft_item(draft, "A2")
    with pytest.raises(PermissionDenied):
        catalogue_item_update(actor=world.actor("dept_cg"), **update_kwargs(item, name="x"))


@pytest.mark.parametrize(
    ("code", "overrides", "field", "message"),
    [
        ("A2", {"name": " "}, "name", "事项名称不能为空"),
        ("A2", {"name": "灯" * 101}, "name", "不能超过100个字符"),
        ("A2", {"default_level": 5}, "default_level", "默认等级无效"),
        ("A2", {"lead_department": None}, "lead_department", "一般问题须指定主办部门"),
        ("A2", {"lead_department": "street"}, "lead_department", "不是区级部门或派驻机构"),
        ("A2", {"lead_department": "off"}, "lead_department", "已停用"),
        ("A2", {"co_departments": ["cg"]}, "co_departments", "不能同时作为协办部门"),
        ("A2", {"co_departments": ["sw", "sw"]}, "co_departments", "重复"),
        ("A2", {"co_departments": ["hub"]}, "co_departments", "不是区级部门"),
        ("A3", {"co_departments": []}, "co_departments", "复杂问题须指定至少一个协办部门"),
        ("A2", {"report_in_limit": 0}, "report_in_limit", "报到时限必须是正整数"),
        ("A2", {"handle_limit": -3}, "handle_limit", "办理时限必须是正整数"),
        ("A2", {"handle_unit": "weeks"}, "handle_unit", "计时单位无效"),
        ("A2", {"handle_limit": 251}, "handle_limit", "不能超过250个工作日"),
        (
            "A4",
            {"report_in_limit": 1441, "report_in_unit": LimitUnit.MINUTES},
            "report_in_limit",
            "不能超过1440分钟",
        ),
        ("A2", {"report_in_limit": 6}, "report_in_limit", "报到时限不能长于办理时限"),
        (
            "A4",
            {"report_in_limit": 4, "report_in_unit": LimitUnit.CALENDAR_DAYS},
            "report_in_limit",
            "报到时限不能长于办理时限",
        ),
        ("A2", {"keywords": ",".join(f"关键词{i:03d}" for i in range(60))}, "keywords", "300"),
        ("A2", {"order": -1}, "order", "排序号不能为负数"),
    ],
)
def test_item_update_refusals(
    world: World,
    draft: Catalogue,
    code: str,
    overrides: dict[str, Any],
    field: str,
    message: str,
) -> None:
    units = {
        "street": world.streets[0],
        "hub": world.hub,
        **world.departments,
    }
    if overrides.get("lead_department") == "off":
        OrgUnit.objects.filter(pk=world.departments["jt"].pk).update(is_active=False)
        overrides["lead_department"] = OrgUnit.objects.get(pk=world.departments["jt"].pk)
    elif isinstance(overrides.get("lead_department"), str):
        overrides["lead_department"] = units[overrides["lead_department"]]
    if "co_departments" in overrides:
        overrides["co_departments"] = [units[k] for k in overrides["co_departments"]]
    item = draft_item(draft, code)
    before = columns(item)
    logged = ChangeLog.objects.count()
    with pytest.raises(InvalidInput) as info:
        catalogue_item_update(actor=world.actor("admin"), **update_kwargs(item, **overrides))
    assert info.value.details["field"] == field
    assert message in info.value.message
    assert columns(item) == before
    assert ChangeLog.objects.count() == logged


def test_mixed_clocks_are_not_compared(world: World, draft: Catalogue) -> None:
    """30 minutes (wall clock) to report in, 2 working days to handle: nothing to compare."""
    item = draft_item(draft, "A2")
    catalogue_item_update(
        actor=world.actor("admin"),
        **update_kwargs(item, report_in_limit=30, report_in_unit=LimitUnit.MINUTES, handle_limit=2),
    )
    item.refresh_from_db()
    assert (item.report_in_limit, item.report_in_unit) == (30, LimitUnit.MINUTES)


def test_item_update_drops_the_cached_item(
    world: World, draft: Catalogue, django_capture_on_commit_callbacks: Any
) -> None:
    item = draft_item(draft, "A1")
    assert item_cached(item.pk).name == "占道经营"  # type: ignore[union-attr]
    with django_capture_on_commit_callbacks(execute=True):
        catalogue_item_update(actor=world.actor("admin"), **update_kwargs(item, name="占道经营2"))
    assert item_cached(item.pk).name == "占道经营2"  # type: ignore[union-attr]


def test_publishing_a_version_replaces_the_remembered_current_items(
    world: World, draft: Catalogue
) -> None:
    """The suggestion's items are remembered; the next triage after a publication must score
    the new version's, not the old one's, in this process at once."""
    before = {i.pk for i in current_items_cached(world.district.pk)}
    assert before and all(
        i.klass.catalogue_id != draft.pk for i in current_items_cached(world.district.pk)
    )
    catalogue_item_update(
        actor=world.actor("admin"), **update_kwargs(draft_item(draft, "A1"), name="占道经营2")
    )
    catalogue_publish(catalogue=draft, now=NOW, actor=world.actor("admin"))
    after = current_items_cached(world.district.pk)
    assert {i.klass.catalogue_id for i in after} == {draft.pk}
    assert "占道经营2" in {i.name for i in after}


# --- adding items -------------------------------------------------------------------------


def create_kwargs(draft: Catalogue, **overrides: Any) -> dict[str, Any]:
    kwargs: dict[str, Any] = {
        "klass": draft.classes.get(),
        "code": "A9",
        "name": "井盖缺失",
        "default_level": Level.SIMPLE,
        "report_in_limit": 1,
        "report_in_unit": LimitUnit.WORKING_DAYS,
        "handle_limit": 2,
        "handle_unit": LimitUnit.WORKING_DAYS,
        "now": NOW,
    }
    kwargs.update(overrides)
    return kwargs


def test_item_create_in_a_draft_is_logged(world: World, draft: Catalogue) -> None:
    item = catalogue_item_create(actor=world.actor("admin"), **create_kwargs(draft))
    record = ChangeLog.objects.get(action="catalogue.item.create")
    assert record.object_id == str(item.pk)
    assert record.after is not None
    assert record.after["code"] == "A9" and record.after["name"] == "井盖缺失"


def test_item_create_refusals(world: World, draft: Catalogue) -> None:
    admin = world.actor("admin")
    published = world.items[Level.SIMPLE].klass
    with pytest.raises(InvalidInput, match="已发布"):
        catalogue_item_create(actor=admin, **create_kwargs(draft, klass=published))
    with pytest.raises(InvalidInput, match="已存在") as info:
        catalogue_item_create(actor=admin, **create_kwargs(draft, code="A1"))
    assert info.value.details["field"] == "code"
    with pytest.raises(PermissionDenied):
        catalogue_item_create(actor=world.actor("street"), **create_kwargs(draft))
    assert not CatalogueItem.objects.filter(code="A9").exists()


# --- publishing ---------------------------------------------------------------------------


def test_publishing_a_draft_is_logged(world: World, draft: Catalogue) -> None:
    catalogue_publish(catalogue=draft, now=NOW, actor=world.actor("admin"))
    assert current_catalogue(world.district.pk) == draft
    record = ChangeLog.objects.get(action="catalogue.publish")
    assert (record.before, record.after) == ({"current_version": 1}, {"current_version": 2})


def test_publish_refuses_items_naming_a_switched_off_department(
    world: World, draft: Catalogue
) -> None:
    OrgUnit.objects.filter(pk=world.departments["hb"].pk).update(is_active=False)
    with pytest.raises(InvalidInput, match="「生态环境局」已停用"):
        catalogue_publish(catalogue=draft, now=NOW, actor=world.actor("admin"))
    draft.refresh_from_db()
    assert draft.is_draft and current_catalogue(world.district.pk) != draft


def test_only_admins_publish(world: World, draft: Catalogue) -> None:
    with pytest.raises(PermissionDenied):
        catalogue_publish(catalogue=draft, now=NOW, actor=world.actor("hub_sup"))
    draft.refresh_from_db()
    assert draft.is_draft
