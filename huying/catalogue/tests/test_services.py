from __future__ import annotations

from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from django.db import IntegrityError, transaction

from huying.catalogue.models import Catalogue, CatalogueClass, CatalogueItem, LimitUnit
from huying.catalogue.selectors import current_catalogue, current_items
from huying.catalogue.services import (
    catalogue_class_create,
    catalogue_create,
    catalogue_item_create,
    catalogue_publish,
    normalize_keywords,
)
from huying.core.errors import InvalidInput
from huying.org.models import OrgUnit
from huying.org.services import unit_create

K = OrgUnit.Kind
NOW = datetime(2026, 3, 2, 9, 0, tzinfo=ZoneInfo("Asia/Shanghai"))

pytestmark = pytest.mark.django_db


@pytest.fixture
def org() -> dict[str, OrgUnit]:
    district = unit_create(kind=K.DISTRICT, code="510199", name="锦城区", abbr="JJ")
    street = unit_create(kind=K.STREET, code="510199001", name="锦官驿街道", parent=district)
    cg = unit_create(kind=K.DEPARTMENT, code="d-cg", name="综合行政执法局", parent=district)
    return {
        "district": district,
        "street": street,
        "cg": cg,
        "cg_squad": unit_create(kind=K.FIELD_UNIT, code="d-cg-01", name="执法一中队", parent=cg),
        "sw": unit_create(kind=K.DEPARTMENT, code="d-sw", name="水务局", parent=district),
        "hb": unit_create(kind=K.DEPARTMENT, code="d-hb", name="生态环境局", parent=district),
        "hub": unit_create(kind=K.HUB, code="d-hub", name="呼应办", parent=district),
    }


@pytest.fixture
def klass(org: dict[str, OrgUnit]) -> CatalogueClass:
    catalogue = catalogue_create(district=org["district"], version=1, name="综合性事项清单")
    return catalogue_class_create(catalogue=catalogue, code="ZF", name="综合执法", order=1)


def item_kwargs(**overrides: Any) -> dict[str, Any]:
    kwargs: dict[str, Any] = {
        "code": "ZF01",
        "name": "占道经营",
        "default_level": 1,
        "report_in_limit": 1,
        "report_in_unit": LimitUnit.WORKING_DAYS,
        "handle_limit": 3,
        "handle_unit": LimitUnit.WORKING_DAYS,
    }
    kwargs.update(overrides)
    return kwargs


def expect_invalid(field: str, **kwargs: Any) -> InvalidInput:
    with pytest.raises(InvalidInput) as info:
        catalogue_item_create(**kwargs)
    assert info.value.details.get("field") == field, info.value.as_dict()
    assert info.value.message  # a Chinese message for people
    return info.value


# --- catalogue versions -------------------------------------------------------------------


def test_catalogue_create_validates_version_and_name(org):
    catalogue = catalogue_create(district=org["district"], version=1, name="  清单  ")
    assert catalogue.name == "清单" and not catalogue.is_current and catalogue.published_at is None
    for version, name, field in [(1, "重复", "version"), (0, "零", "version"), (2, " ", "name")]:
        with pytest.raises(InvalidInput) as info:
            catalogue_create(district=org["district"], version=version, name=name)
        assert info.value.details["field"] == field


def test_publish_makes_one_current_version(org, klass):
    assert current_catalogue(org["district"].pk) is None
    v1 = klass.catalogue
    catalogue_item_create(klass=klass, **item_kwargs())
    catalogue_publish(catalogue=v1, now=NOW)
    assert current_catalogue(org["district"].pk) == v1
    v1.refresh_from_db()
    assert v1.is_current and v1.published_at == NOW

    v2 = catalogue_create(district=org["district"], version=2, name="第二版")
    k2 = catalogue_class_create(catalogue=v2, code="ZF", name="综合执法")
    catalogue_item_create(klass=k2, **item_kwargs(name="占道经营（修订）"))
    later = NOW.replace(month=9)
    result = catalogue_publish(catalogue=v2, now=later)
    assert result.is_current and result.published_at == later
    assert current_catalogue(org["district"].pk) == v2
    assert list(Catalogue.objects.filter(is_current=True)) == [v2]
    v1.refresh_from_db()
    assert not v1.is_current and v1.published_at == NOW  # history keeps its date
    assert [i.name for i in current_items(org["district"].pk)] == ["占道经营（修订）"]

    # Publishing again (or rolling back to v1) still leaves exactly one current version.
    catalogue_publish(catalogue=v2, now=later)
    catalogue_publish(catalogue=v1, now=later)
    assert list(Catalogue.objects.filter(is_current=True)) == [v1]


def test_publish_refuses_an_empty_catalogue(org, klass):
    with pytest.raises(InvalidInput) as info:
        catalogue_publish(catalogue=klass.catalogue, now=NOW)
    assert info.value.details["field"] == "catalogue"
    assert current_catalogue(org["district"].pk) is None


def test_database_allows_only_one_current(org):
    a = catalogue_create(district=org["district"], version=1, name="a")
    b = catalogue_create(district=org["district"], version=2, name="b")
    Catalogue.objects.filter(pk=a.pk).update(is_current=True)
    with pytest.raises(IntegrityError), transaction.atomic():
        Catalogue.objects.filter(pk=b.pk).update(is_current=True)


# --- classes --------------------------------------------------------------------------------


def test_class_codes_are_unique_per_catalogue(org, klass):
    with pytest.raises(InvalidInput) as info:
        catalogue_class_create(catalogue=klass.catalogue, code="ZF", name="又一个")
    assert info.value.details["field"] == "code"
    other = catalogue_create(district=org["district"], version=2, name="v2")
    assert catalogue_class_create(catalogue=other, code="ZF", name="综合执法").pk
    with pytest.raises(InvalidInput):
        catalogue_class_create(catalogue=other, code="GL", name="")


# --- items ----------------------------------------------------------------------------------


def test_item_create_full(org, klass):
    item = catalogue_item_create(
        klass=klass,
        **item_kwargs(
            code="ZF06",
            name="河道水质污染",
            default_level=3,
            report_in_limit=1,
            handle_limit=10,
            handling_standard=" 2小时内到场取样监测 ",
            closing_condition="水质达标",
            keywords="河道, 水质，污染、发臭 水质",
            order=6,
        ),
        lead_department=org["sw"],
        co_departments=[org["hb"], org["cg_squad"]],
    )
    item.refresh_from_db()
    assert item.lead_department == org["sw"]
    assert set(item.co_departments.all()) == {org["hb"], org["cg_squad"]}
    assert item.keywords == "河道,水质,污染,发臭"
    assert item.handling_standard == "2小时内到场取样监测"
    assert (item.default_level, item.handle_limit, item.order) == (3, 10, 6)


def test_item_simple_level_needs_no_lead(klass):
    item = catalogue_item_create(klass=klass, **item_kwargs())
    assert item.lead_department is None and item.co_departments.count() == 0


def test_item_emergency_limits_in_minutes_and_hours(org, klass):
    item = catalogue_item_create(
        klass=klass,
        **item_kwargs(
            code="YJ01",
            name="燃气泄漏",
            default_level=4,
            report_in_limit=30,
            report_in_unit=LimitUnit.MINUTES,
            handle_limit=72,
            handle_unit=LimitUnit.HOURS,
        ),
        lead_department=org["cg"],
    )
    assert (item.report_in_unit, item.handle_unit) == ("minutes", "hours")


@pytest.mark.parametrize("level", [2, 3, 4])
def test_item_general_and_above_need_a_lead(klass, level):
    error = expect_invalid("lead_department", klass=klass, **item_kwargs(default_level=level))
    assert "主办部门" in error.message


@pytest.mark.parametrize("unit_key", ["district", "street", "hub"])
def test_item_lead_must_be_a_department(org, klass, unit_key):
    error = expect_invalid(
        "lead_department",
        klass=klass,
        **item_kwargs(default_level=2),
        lead_department=org[unit_key],
    )
    assert org[unit_key].name in error.message


def test_item_field_unit_may_lead(org, klass):
    item = catalogue_item_create(
        klass=klass, **item_kwargs(default_level=2), lead_department=org["cg_squad"]
    )
    assert item.lead_department == org["cg_squad"]


def test_item_inactive_department_refused(org, klass):
    OrgUnit.objects.filter(pk=org["sw"].pk).update(is_active=False)
    org["sw"].refresh_from_db()
    expect_invalid(
        "lead_department", klass=klass, **item_kwargs(default_level=2), lead_department=org["sw"]
    )


def test_item_co_departments_checked(org, klass):
    expect_invalid(
        "co_departments",
        klass=klass,
        **item_kwargs(default_level=2),
        lead_department=org["sw"],
        co_departments=[org["street"]],
    )
    error = expect_invalid(
        "co_departments",
        klass=klass,
        **item_kwargs(default_level=2),
        lead_department=org["sw"],
        co_departments=[org["hb"], org["sw"]],
    )
    assert "主办部门" in error.message
    expect_invalid(
        "co_departments",
        klass=klass,
        **item_kwargs(default_level=2),
        lead_department=org["sw"],
        co_departments=[org["hb"], org["hb"]],
    )
    assert CatalogueItem.objects.count() == 0


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"report_in_limit": 0}, "report_in_limit"),
        ({"report_in_limit": -1}, "report_in_limit"),
        ({"handle_limit": 0}, "handle_limit"),
        ({"handle_limit": 2.5}, "handle_limit"),
        ({"report_in_unit": "weeks"}, "report_in_unit"),
        ({"handle_unit": ""}, "handle_unit"),
        ({"default_level": 5}, "default_level"),
        ({"default_level": 0}, "default_level"),
        ({"code": ""}, "code"),
        ({"name": "  "}, "name"),
        ({"order": -1}, "order"),
        ({"keywords": ",".join(f"关键词{i:03d}" for i in range(60))}, "keywords"),
    ],
)
def test_item_field_validation(klass, overrides, field):
    expect_invalid(field, klass=klass, **item_kwargs(**overrides))


def test_item_code_unique_within_catalogue(org, klass):
    catalogue_item_create(klass=klass, **item_kwargs())
    expect_invalid("code", klass=klass, **item_kwargs(name="另一个"))
    sibling = catalogue_class_create(catalogue=klass.catalogue, code="GL", name="管理服务")
    expect_invalid("code", klass=sibling, **item_kwargs(name="另一个"))
    other = catalogue_class_create(
        catalogue=catalogue_create(district=org["district"], version=2, name="v2"),
        code="ZF",
        name="综合执法",
    )
    assert catalogue_item_create(klass=other, **item_kwargs()).pk


def test_normalize_keywords():
    assert normalize_keywords("占道, 摆摊、流动摊贩；夜市 占道") == "占道,摆摊,流动摊贩,夜市"
    assert normalize_keywords(["井盖", " 窨井 ", ""]) == "井盖,窨井"
    assert normalize_keywords("") == ""


# --- selectors ------------------------------------------------------------------------------


def test_current_items_order_and_prefetch(org, klass, django_assert_num_queries):
    catalogue = klass.catalogue
    gl = catalogue_class_create(catalogue=catalogue, code="GL", name="管理服务", order=2)
    catalogue_item_create(
        klass=gl,
        **item_kwargs(code="GL01", name="路灯不亮", default_level=2, order=1),
        lead_department=org["cg"],
        co_departments=[org["sw"]],
    )
    catalogue_item_create(klass=klass, **item_kwargs(code="ZF02", name="乱堆乱放", order=2))
    catalogue_item_create(klass=klass, **item_kwargs(code="ZF01", name="占道经营", order=1))
    assert list(current_items(org["district"].pk)) == []  # not published yet
    catalogue_publish(catalogue=catalogue, now=NOW)
    with django_assert_num_queries(2):
        items = list(current_items(org["district"].pk))
        summary = [
            (
                i.klass.name,
                i.code,
                i.lead_department.name if i.lead_department else None,
                [d.name for d in i.co_departments.all()],
            )
            for i in items
        ]
    assert summary == [
        ("综合执法", "ZF01", None, []),
        ("综合执法", "ZF02", None, []),
        ("管理服务", "GL01", "综合行政执法局", ["水务局"]),
    ]
