"""Writes to the item catalogue (综合性事项清单): versions, classes, items, publishing."""

from __future__ import annotations

import re
from collections.abc import Iterable
from datetime import datetime

from django.db import transaction

from huying.catalogue.models import Catalogue, CatalogueClass, CatalogueItem, Level, LimitUnit
from huying.core.errors import InvalidInput
from huying.org.models import OrgUnit

#: Kinds of node that may be named as a responsible department of an item.
DEPARTMENT_KINDS = frozenset({OrgUnit.Kind.DEPARTMENT, OrgUnit.Kind.FIELD_UNIT})

#: Keywords are stored as one comma-separated string; any of these separators is accepted.
_KEYWORD_SEPARATORS = re.compile(r"[,，、;；\s]+")


def normalize_keywords(keywords: str | Iterable[str]) -> str:
    """``"占道, 摆摊、流动摊贩"`` or ``["占道", "摆摊"]`` → ``"占道,摆摊,流动摊贩"`` (deduplicated)."""
    parts = _KEYWORD_SEPARATORS.split(keywords) if isinstance(keywords, str) else list(keywords)
    seen: dict[str, None] = {}
    for part in parts:
        word = part.strip()
        if word:
            seen.setdefault(word, None)
    return ",".join(seen)


def _require_text(value: str, *, field: str, label: str, max_length: int) -> str:
    value = (value or "").strip()
    if not value:
        raise InvalidInput(f"{label}不能为空", field=field)
    if len(value) > max_length:
        raise InvalidInput(f"{label}不能超过{max_length}个字符", field=field)
    return value


def catalogue_create(*, version: int, name: str, published_at: datetime | None = None) -> Catalogue:
    """A new, not yet current catalogue version. Publish it with :func:`catalogue_publish`."""
    if not isinstance(version, int) or version < 1:
        raise InvalidInput("版本号必须是正整数", field="version")
    name = _require_text(name, field="name", label="清单名称", max_length=100)
    if Catalogue.objects.filter(version=version).exists():
        raise InvalidInput(f"版本 {version} 已存在", field="version")
    return Catalogue.objects.create(version=version, name=name, published_at=published_at)


@transaction.atomic
def catalogue_publish(*, catalogue: Catalogue, now: datetime) -> Catalogue:
    """Make ``catalogue`` the one current version; the previous current one stops being current."""
    locked = Catalogue.objects.select_for_update().get(pk=catalogue.pk)
    if not CatalogueItem.objects.filter(klass__catalogue=locked).exists():
        raise InvalidInput("清单中还没有事项，不能发布", field="catalogue")
    # Un-current the others first: the partial unique constraint allows one current row only.
    Catalogue.objects.filter(is_current=True).exclude(pk=locked.pk).update(is_current=False)
    locked.is_current = True
    if locked.published_at is None:
        locked.published_at = now
    locked.save(update_fields=["is_current", "published_at"])
    catalogue.is_current = locked.is_current
    catalogue.published_at = locked.published_at
    return catalogue


def catalogue_class_create(
    *, catalogue: Catalogue, code: str, name: str, order: int = 0
) -> CatalogueClass:
    code = _require_text(code, field="code", label="类别编码", max_length=16)
    name = _require_text(name, field="name", label="类别名称", max_length=50)
    if order < 0:
        raise InvalidInput("排序号不能为负数", field="order")
    if CatalogueClass.objects.filter(catalogue=catalogue, code=code).exists():
        raise InvalidInput(f"类别编码 {code} 在本清单中已存在", field="code")
    return CatalogueClass.objects.create(catalogue=catalogue, code=code, name=name, order=order)


def _check_department(unit: OrgUnit, *, field: str, label: str) -> None:
    if unit.kind not in DEPARTMENT_KINDS:
        raise InvalidInput(f"{label}「{unit.name}」不是区级部门或派驻机构", field=field)
    if not unit.is_active:
        raise InvalidInput(f"{label}「{unit.name}」已停用", field=field)


def _check_limit(limit: int, unit: str, *, field: str, label: str) -> None:
    if not isinstance(limit, int) or isinstance(limit, bool) or limit <= 0:
        raise InvalidInput(f"{label}必须是正整数", field=field)
    if unit not in LimitUnit.values:
        raise InvalidInput(
            f"{label}的计时单位无效：{unit}", field=f"{field.removesuffix('_limit')}_unit"
        )


@transaction.atomic
def catalogue_item_create(
    *,
    klass: CatalogueClass,
    code: str,
    name: str,
    default_level: int,
    lead_department: OrgUnit | None = None,
    co_departments: Iterable[OrgUnit] = (),
    report_in_limit: int,
    report_in_unit: str,
    handle_limit: int,
    handle_unit: str,
    handling_standard: str = "",
    closing_condition: str = "",
    keywords: str | Iterable[str] = "",
    order: int = 0,
) -> CatalogueItem:
    code = _require_text(code, field="code", label="事项编码", max_length=16)
    name = _require_text(name, field="name", label="事项名称", max_length=100)
    if default_level not in Level.values:
        raise InvalidInput("默认等级无效，应为 1–4", field="default_level")
    if lead_department is not None:
        _check_department(lead_department, field="lead_department", label="主办部门")
    elif default_level >= Level.GENERAL:
        raise InvalidInput(f"{Level(default_level).label}须指定主办部门", field="lead_department")
    co_list: list[OrgUnit] = []
    for unit in co_departments:
        _check_department(unit, field="co_departments", label="协办部门")
        if lead_department is not None and unit.pk == lead_department.pk:
            raise InvalidInput(
                f"主办部门「{unit.name}」不能同时作为协办部门", field="co_departments"
            )
        if any(u.pk == unit.pk for u in co_list):
            raise InvalidInput(f"协办部门「{unit.name}」重复", field="co_departments")
        co_list.append(unit)
    _check_limit(report_in_limit, report_in_unit, field="report_in_limit", label="报到时限")
    _check_limit(handle_limit, handle_unit, field="handle_limit", label="办理时限")
    if order < 0:
        raise InvalidInput("排序号不能为负数", field="order")
    keyword_text = normalize_keywords(keywords)
    if len(keyword_text) > 300:
        raise InvalidInput("关键词总长度不能超过300个字符", field="keywords")
    # Unique within the whole catalogue version (the model only enforces it per class).
    if CatalogueItem.objects.filter(klass__catalogue_id=klass.catalogue_id, code=code).exists():
        raise InvalidInput(f"事项编码 {code} 在本清单中已存在", field="code")
    item = CatalogueItem.objects.create(
        klass=klass,
        code=code,
        name=name,
        default_level=default_level,
        lead_department=lead_department,
        report_in_limit=report_in_limit,
        report_in_unit=report_in_unit,
        handle_limit=handle_limit,
        handle_unit=handle_unit,
        handling_standard=handling_standard.strip(),
        closing_condition=closing_condition.strip(),
        keywords=keyword_text,
        order=order,
    )
    if co_list:
        item.co_departments.set(co_list)
    return item
