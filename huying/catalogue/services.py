"""Writes to the item catalogue (综合性事项清单): versions, classes, items, publishing."""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any

from django.core.cache import cache
from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from huying.catalogue.attributes import AttributeSpec, attribute_lines, attribute_specs_checked
from huying.catalogue.models import (
    UNIT_WORDS,
    Catalogue,
    CatalogueClass,
    CatalogueItem,
    ItemAttribute,
    Level,
    LimitUnit,
)
from huying.catalogue.selectors import attribute_specs
from huying.core.changelog import change_record, diff, snapshot
from huying.core.errors import InvalidInput, PermissionDenied
from huying.core.workcalendar import WORKING_HOURS
from huying.org.actors import Actor
from huying.org.models import OrgUnit
from huying.org.roles import may_manage

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


def _require_text(value: str, *, field: str, label: Any, max_length: int) -> str:
    value = (value or "").strip()
    if not value:
        raise InvalidInput(_("{field}不能为空").format(field=label), field=field)
    if len(value) > max_length:
        raise InvalidInput(
            _("{field}不能超过{count}个字符").format(field=label, count=max_length), field=field
        )
    return value


def catalogue_create(
    *, district: OrgUnit, version: int, name: str, published_at: datetime | None = None
) -> Catalogue:
    """A new, not yet current catalogue version of ``district``. Publish it with
    :func:`catalogue_publish`."""
    if district.kind != OrgUnit.Kind.DISTRICT:
        raise InvalidInput(_("事项清单须属于一个区"), field="district")
    if not isinstance(version, int) or version < 1:
        raise InvalidInput(_("版本号必须是正整数"), field="version")
    name = _require_text(name, field="name", label=_("清单名称"), max_length=100)
    if Catalogue.objects.filter(district=district, version=version).exists():
        raise InvalidInput(_("版本 {version} 已存在").format(version=version), field="version")
    return Catalogue.objects.create(
        district=district, version=version, name=name, published_at=published_at
    )


@transaction.atomic
def catalogue_publish(
    *, catalogue: Catalogue, now: datetime, actor: Actor | None = None
) -> Catalogue:
    """Make ``catalogue`` its district's current version; the district's previous current one
    stops being current (other districts' stay as they are).

    With ``actor`` (the console) the admin check applies and the change log gets a row."""
    if actor is not None:
        _require_manager(actor, catalogue.district_id)
    locked = Catalogue.objects.select_for_update().get(pk=catalogue.pk)
    if not CatalogueItem.objects.filter(klass__catalogue=locked).exists():
        raise InvalidInput(_("清单中还没有事项，不能发布"), field="catalogue")
    errors = _live_department_errors(locked)
    if errors:
        raise InvalidInput(pgettext("sentence separator", "；").join(errors[:5]), field="catalogue")
    current = Catalogue.objects.filter(district_id=locked.district_id, is_current=True)
    previous = current.values_list("version", flat=True).first()
    # Un-current the others first: the partial unique constraint allows one current row only.
    current.exclude(pk=locked.pk).update(is_current=False)
    locked.is_current = True
    if locked.published_at is None:
        locked.published_at = now
    locked.save(update_fields=["is_current", "published_at"])
    catalogue.is_current = locked.is_current
    catalogue.published_at = locked.published_at
    if actor is not None:
        change_record(
            actor=actor,
            action="catalogue.publish",
            obj=locked,
            now=now,
            before={"current_version": previous},
            after={"current_version": locked.version},
        )
    return catalogue


def catalogue_class_create(
    *, catalogue: Catalogue, code: str, name: str, order: int = 0
) -> CatalogueClass:
    code = _require_text(code, field="code", label=_("类别编码"), max_length=16)
    name = _require_text(name, field="name", label=_("类别名称"), max_length=50)
    if order < 0:
        raise InvalidInput(_("排序号不能为负数"), field="order")
    if CatalogueClass.objects.filter(catalogue=catalogue, code=code).exists():
        raise InvalidInput(_("类别编码 {code} 在本清单中已存在").format(code=code), field="code")
    return CatalogueClass.objects.create(catalogue=catalogue, code=code, name=name, order=order)


def _check_department(unit: OrgUnit, *, district_id: int | None, field: str, label: Any) -> None:
    if unit.kind not in DEPARTMENT_KINDS:
        raise InvalidInput(
            _("{role}「{name}」不是区级部门或派驻机构").format(role=label, name=unit.name),
            field=field,
        )
    if unit.district_id != district_id:
        # A case of this district triaged by the item would be called to another district.
        raise InvalidInput(
            _("{role}「{name}」不是本清单所属区的部门").format(role=label, name=unit.name),
            field=field,
        )
    if not unit.is_active:
        raise InvalidInput(
            _("{role}「{name}」已停用").format(role=label, name=unit.name), field=field
        )


#: The longest limit each unit may state (beyond these a unit is the wrong one).
MAX_LIMIT: dict[str, int] = {
    LimitUnit.MINUTES: 24 * 60,
    LimitUnit.HOURS: 30 * 24,
    LimitUnit.WORKING_HOURS: 7 * 60,
    LimitUnit.WORKING_DAYS: 250,
    LimitUnit.CALENDAR_DAYS: 365,
}
#: Units in minutes, per family: a report-in limit is compared with the handling limit only
#: when both run on the same clock (wall clock, or office hours).
_WORKDAY_MINUTES = sum(
    (end.hour * 60 + end.minute) - (start.hour * 60 + start.minute) for start, end in WORKING_HOURS
)
_CLOCK_FAMILIES: tuple[dict[str, int], ...] = (
    {LimitUnit.MINUTES: 1, LimitUnit.HOURS: 60, LimitUnit.CALENDAR_DAYS: 24 * 60},
    {LimitUnit.WORKING_HOURS: 60, LimitUnit.WORKING_DAYS: _WORKDAY_MINUTES},
)


def _check_limit(limit: int, unit: str, *, field: str, label: Any) -> None:
    if not isinstance(limit, int) or isinstance(limit, bool) or limit <= 0:
        raise InvalidInput(_("{field}必须是正整数").format(field=label), field=field)
    if unit not in LimitUnit.values:
        raise InvalidInput(
            _("{field}的计时单位无效：{unit}").format(field=label, unit=unit),
            field=f"{field.removesuffix('_limit')}_unit",
        )
    if limit > MAX_LIMIT[unit]:
        raise InvalidInput(
            _("{field}不能超过{limit}{unit}").format(
                field=label, limit=MAX_LIMIT[unit], unit=UNIT_WORDS[unit]
            ),
            field=field,
        )


def _check_limits_order(
    report_in_limit: int, report_in_unit: str, handle_limit: int, handle_unit: str
) -> None:
    for family in _CLOCK_FAMILIES:
        if report_in_unit in family and handle_unit in family:
            if report_in_limit * family[report_in_unit] > handle_limit * family[handle_unit]:
                raise InvalidInput(_("报到时限不能长于办理时限"), field="report_in_limit")
            return


def _require_manager(actor: Actor, district_id: int | None = None) -> None:
    """An admin, and one of the catalogue's district (a city admin: of any district)."""
    if not may_manage(actor.role):
        raise PermissionDenied(_("只有管理员可以维护事项清单"))
    if district_id is not None and actor.district_id not in (None, district_id):
        raise PermissionDenied(_("只能维护本区的事项清单"))


def _require_draft(catalogue: Catalogue) -> None:
    """Published versions are history: cases point at their items. Change a draft instead."""
    if not catalogue.is_draft:
        raise InvalidInput(
            _("清单 v{version} 已发布，不能再修改；请起草新版本后修改").format(
                version=catalogue.version
            ),
            field="catalogue",
        )


def _clean_item(
    *,
    district_id: int | None,
    name: str,
    default_level: int,
    lead_department: OrgUnit | None,
    co_departments: Iterable[OrgUnit],
    report_in_limit: int,
    report_in_unit: str,
    handle_limit: int,
    handle_unit: str,
    handling_standard: str,
    closing_condition: str,
    keywords: str | Iterable[str],
    order: int,
    synonyms: str | Iterable[str] = "",
) -> tuple[dict[str, Any], list[OrgUnit]]:
    """The item's columns, checked and normalised, and its co-handlers in order; the
    departments must be of ``district_id``, the catalogue's district."""
    name = _require_text(name, field="name", label=_("事项名称"), max_length=100)
    if default_level not in Level.values:
        raise InvalidInput(_("默认等级无效，应为 1–4"), field="default_level")
    if lead_department is not None:
        _check_department(
            lead_department, district_id=district_id, field="lead_department", label=_("主办部门")
        )
    elif default_level >= Level.GENERAL:
        raise InvalidInput(
            _("{level}须指定主办部门").format(level=Level(default_level).label),
            field="lead_department",
        )
    co_list: list[OrgUnit] = []
    for unit in co_departments:
        _check_department(
            unit, district_id=district_id, field="co_departments", label=_("协办部门")
        )
        if lead_department is not None and unit.pk == lead_department.pk:
            raise InvalidInput(
                _("主办部门「{name}」不能同时作为协办部门").format(name=unit.name),
                field="co_departments",
            )
        if any(u.pk == unit.pk for u in co_list):
            raise InvalidInput(
                _("协办部门「{name}」重复").format(name=unit.name), field="co_departments"
            )
        co_list.append(unit)
    if default_level == Level.COMPLEX and not co_list:
        raise InvalidInput(_("复杂问题须指定至少一个协办部门（联动处置）"), field="co_departments")
    _check_limit(report_in_limit, report_in_unit, field="report_in_limit", label=_("报到时限"))
    _check_limit(handle_limit, handle_unit, field="handle_limit", label=_("办理时限"))
    _check_limits_order(report_in_limit, report_in_unit, handle_limit, handle_unit)
    if order < 0:
        raise InvalidInput(_("排序号不能为负数"), field="order")
    keyword_text = normalize_keywords(keywords)
    if len(keyword_text) > 300:
        raise InvalidInput(_("关键词总长度不能超过300个字符"), field="keywords")
    synonym_text = normalize_keywords(synonyms)
    if len(synonym_text) > 300:
        raise InvalidInput(_("近义词总长度不能超过300个字符"), field="synonyms")
    columns = {
        "name": name,
        "default_level": default_level,
        "lead_department": lead_department,
        "report_in_limit": report_in_limit,
        "report_in_unit": report_in_unit,
        "handle_limit": handle_limit,
        "handle_unit": handle_unit,
        "handling_standard": (handling_standard or "").strip(),
        "closing_condition": (closing_condition or "").strip(),
        "keywords": keyword_text,
        "synonyms": synonym_text,
        "order": order,
    }
    return columns, co_list


#: What an item edit may change (the code is the item's identity within its version).
ITEM_FIELDS = (
    "name",
    "default_level",
    "lead_department",
    "co_departments",
    "report_in_limit",
    "report_in_unit",
    "handle_limit",
    "handle_unit",
    "handling_standard",
    "closing_condition",
    "keywords",
    "synonyms",
    "order",
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
    synonyms: str | Iterable[str] = "",
    order: int = 0,
    attributes: Sequence[AttributeSpec] = (),
    actor: Actor | None = None,
    now: datetime | None = None,
) -> CatalogueItem:
    """A new item in a draft version. With ``actor`` (the console) the admin check applies and
    the change log gets a row; system builds (demo, fixtures) pass none. ``attributes``: the
    questions it asks whoever reports it (``huying.catalogue.attributes``)."""
    if actor is not None:
        _require_manager(actor, klass.catalogue.district_id)
    _require_draft(klass.catalogue)
    code = _require_text(code, field="code", label=_("事项编码"), max_length=16)
    specs = attribute_specs_checked(attributes)
    columns, co_list = _clean_item(
        district_id=klass.catalogue.district_id,
        name=name,
        default_level=default_level,
        lead_department=lead_department,
        co_departments=co_departments,
        report_in_limit=report_in_limit,
        report_in_unit=report_in_unit,
        handle_limit=handle_limit,
        handle_unit=handle_unit,
        handling_standard=handling_standard,
        closing_condition=closing_condition,
        keywords=keywords,
        synonyms=synonyms,
        order=order,
    )
    # Unique within the whole catalogue version (the model only enforces it per class).
    if CatalogueItem.objects.filter(klass__catalogue_id=klass.catalogue_id, code=code).exists():
        raise InvalidInput(_("事项编码 {code} 在本清单中已存在").format(code=code), field="code")
    item = CatalogueItem.objects.create(klass=klass, code=code, **columns)
    if co_list:
        item.co_departments.set(co_list)
    _attributes_write(item, specs)
    if actor is not None:
        after = snapshot(item, ("klass", "code", *ITEM_FIELDS))
        if specs:
            after["attributes"] = attribute_lines(specs)
        change_record(
            actor=actor,
            action="catalogue.item.create",
            obj=item,
            now=now or timezone.now(),
            after=after,
        )
    return item


def attribute_row(item: CatalogueItem, spec: AttributeSpec) -> ItemAttribute:
    """The row that keeps one checked question of ``item``, not saved."""
    return ItemAttribute(
        item=item,
        code=spec.code,
        datatype=spec.datatype,
        required=spec.required,
        description=spec.description,
        order=spec.order,
        values=[list(pair) for pair in spec.values],
    )


def _attributes_write(item: CatalogueItem, specs: Sequence[AttributeSpec]) -> None:
    """Replace the item's questions by ``specs`` (checked), in their order."""
    item.attributes.all().delete()
    ItemAttribute.objects.bulk_create(attribute_row(item, spec) for spec in specs)


@transaction.atomic
def catalogue_item_update(
    *,
    actor: Actor,
    item: CatalogueItem,
    name: str,
    default_level: int,
    lead_department: OrgUnit | None,
    co_departments: Iterable[OrgUnit],
    report_in_limit: int,
    report_in_unit: str,
    handle_limit: int,
    handle_unit: str,
    handling_standard: str,
    closing_condition: str,
    keywords: str | Iterable[str],
    order: int,
    now: datetime,
    synonyms: str | Iterable[str] | None = None,
    attributes: Sequence[AttributeSpec] | None = None,
) -> CatalogueItem:
    """Change an item of a draft version; every rule of creation applies again.
    ``synonyms`` and ``attributes`` None keep the item's (callers from before they existed)."""
    item = (
        CatalogueItem.objects.select_for_update().select_related("klass__catalogue").get(pk=item.pk)
    )
    _require_manager(actor, item.klass.catalogue.district_id)
    _require_draft(item.klass.catalogue)
    columns, co_list = _clean_item(
        district_id=item.klass.catalogue.district_id,
        name=name,
        default_level=default_level,
        lead_department=lead_department,
        co_departments=co_departments,
        report_in_limit=report_in_limit,
        report_in_unit=report_in_unit,
        handle_limit=handle_limit,
        handle_unit=handle_unit,
        handling_standard=handling_standard,
        closing_condition=closing_condition,
        keywords=keywords,
        synonyms=item.synonyms if synonyms is None else synonyms,
        order=order,
    )
    current = attribute_specs(item)
    specs = current if attributes is None else attribute_specs_checked(attributes)
    before = snapshot(item, ITEM_FIELDS)
    before["attributes"] = attribute_lines(current)
    for column, value in columns.items():
        setattr(item, column, value)
    after = {**snapshot(item, [f for f in ITEM_FIELDS if f != "co_departments"])}
    after["co_departments"] = sorted(u.pk for u in co_list)
    after["attributes"] = attribute_lines(specs)
    old, new = diff(before, after)
    if not new:
        return item
    changed_columns = [f for f in new if f not in {"co_departments", "attributes"}]
    if changed_columns:
        item.save(update_fields=changed_columns)
    if "co_departments" in new:
        item.co_departments.set(co_list)
    if "attributes" in new:
        _attributes_write(item, specs)
    change_record(
        actor=actor, action="catalogue.item.update", obj=item, now=now, before=old, after=new
    )
    transaction.on_commit(lambda: cache.delete(f"catalogue:item:{item.pk}"))
    return item


#: The columns a draft copies from its source (by attribute name: foreign keys as ids).
_ITEM_COPIED = tuple(
    f.attname for f in CatalogueItem._meta.concrete_fields if f.name not in {"id", "klass"}
)


@transaction.atomic
def catalogue_draft_create(*, actor: Actor, source: Catalogue, now: datetime) -> Catalogue:
    """The district's next version as a draft: a copy of ``source``'s classes and items to
    edit, then publish. One draft at a time per district, so two admins do not prepare rival
    next versions."""
    _require_manager(actor, source.district_id)
    versions = district_versions(source.district_id)
    draft = versions.filter(published_at__isnull=True).order_by("version").first()
    if draft is not None:
        raise InvalidInput(
            _("已有草稿版本 v{version}，请先修改并发布它").format(version=draft.version),
            field="catalogue",
        )
    new = Catalogue.objects.create(
        district_id=source.district_id, version=next_version(versions), name=source.name
    )
    for klass in source.classes.order_by("order", "code"):
        items = list(
            klass.items.prefetch_related("co_departments", "attributes").order_by("order", "code")
        )
        klass_copy = CatalogueClass.objects.create(
            catalogue=new, code=klass.code, name=klass.name, order=klass.order
        )
        for item in items:
            copy = CatalogueItem.objects.create(
                klass=klass_copy, **{name: getattr(item, name) for name in _ITEM_COPIED}
            )
            copy.co_departments.set(item.co_departments.all())
            _attributes_write(copy, attribute_specs(item))
    change_record(
        actor=actor,
        action="catalogue.draft.create",
        obj=new,
        now=now,
        after={"version": new.version, "name": new.name, "source_version": source.version},
    )
    return new


def district_versions(district_id: int | None) -> QuerySet[Catalogue]:
    """The district's versions, locked: drafting and importing are serialised per district
    (two requests at once would both see "no draft" otherwise; a district has a handful of
    versions, so locking them all is cheap)."""
    versions = Catalogue.objects.filter(district_id=district_id)
    list(versions.select_for_update().order_by("pk").values_list("pk", flat=True))
    return versions


def next_version(versions: QuerySet[Catalogue]) -> int:
    """The number after the last of ``versions`` (one district's)."""
    return (versions.order_by("-version").values_list("version", flat=True).first() or 0) + 1


def _live_department_errors(catalogue: Catalogue) -> list[str]:
    """Items naming a department that has been switched off since they were written."""
    errors = []
    items = (
        CatalogueItem.objects.filter(klass__catalogue=catalogue)
        .select_related("lead_department")
        .prefetch_related("co_departments")
        .order_by("klass__order", "order", "code")
    )
    for item in items:
        units = [item.lead_department, *item.co_departments.all()]
        for unit in units:
            if unit is not None and not unit.is_active:
                errors.append(
                    _("事项「{item}」的责任部门「{unit}」已停用").format(
                        item=f"{item.code} {item.name}", unit=unit.name
                    )
                )
    return errors
