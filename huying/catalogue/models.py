from __future__ import annotations

import re
from typing import Any

from django.db import models
from django.utils.translation import gettext_lazy as _

from huying.org.models import OrgUnit


class Level(models.IntegerChoices):
    """Case levels and their routes (docs/glossary.md §3)."""

    SIMPLE = 1, _("简单问题")
    GENERAL = 2, _("一般问题")
    COMPLEX = 3, _("复杂问题")
    MAJOR = 4, _("重难点/突发问题")


class LimitUnit(models.TextChoices):
    MINUTES = "minutes", _("分钟（连续计时）")
    HOURS = "hours", _("小时（连续计时）")
    WORKING_HOURS = "working_hours", _("工作小时")
    WORKING_DAYS = "working_days", _("工作日")
    CALENDAR_DAYS = "calendar_days", _("自然日")


#: A limit's unit after a number ("5 个工作日"): no ngettext, the number is a maximum > 1.
UNIT_WORDS: dict[str, Any] = {
    LimitUnit.MINUTES: _("分钟"),
    LimitUnit.HOURS: _("小时"),
    LimitUnit.WORKING_HOURS: _("个工作小时"),
    LimitUnit.WORKING_DAYS: _("个工作日"),
    LimitUnit.CALENDAR_DAYS: _("天"),
}


class Catalogue(models.Model):
    """A published version of the 综合性事项清单; cases keep the item of the version they used.

    Each district keeps its own (its items name its departments): versions are numbered and
    published per district."""

    #: Null only for a version from before districts were tenants that its migration could
    #: not place (an installation with several districts then); no case can use it.
    district = models.ForeignKey(
        OrgUnit,
        null=True,
        on_delete=models.PROTECT,
        related_name="catalogues",
        limit_choices_to={"kind": OrgUnit.Kind.DISTRICT},
        verbose_name=_("区"),
    )
    version = models.PositiveIntegerField(verbose_name=_("版本"))
    name = models.CharField(max_length=100, verbose_name=_("名称"))
    published_at = models.DateTimeField(null=True, blank=True, verbose_name=_("发布时间"))
    is_current = models.BooleanField(default=False, verbose_name=_("现行版本"))

    class Meta:
        ordering = ["district_id", "-version"]
        verbose_name = _("事项清单")
        verbose_name_plural = _("事项清单")
        constraints = [
            models.UniqueConstraint(fields=["district", "version"], name="catalogue_version"),
            models.UniqueConstraint(
                fields=["district"],
                condition=models.Q(is_current=True),
                name="catalogue_one_current",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name} v{self.version}"

    @property
    def is_draft(self) -> bool:
        """Never published: the only kind of version whose items may still change."""
        return self.published_at is None


class CatalogueClass(models.Model):
    catalogue = models.ForeignKey(Catalogue, on_delete=models.CASCADE, related_name="classes")
    code = models.CharField(max_length=16, verbose_name=_("编码"))
    name = models.CharField(max_length=50, verbose_name=_("类别"))
    order = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["catalogue", "order"]
        verbose_name = _("事项类别")
        verbose_name_plural = _("事项类别")
        constraints = [
            models.UniqueConstraint(fields=["catalogue", "code"], name="catalogue_class_code"),
        ]

    def __str__(self) -> str:
        return self.name


class CatalogueItem(models.Model):
    klass = models.ForeignKey(
        CatalogueClass, on_delete=models.CASCADE, related_name="items", verbose_name=_("类别")
    )
    code = models.CharField(max_length=16, verbose_name=_("编码"))
    name = models.CharField(max_length=100, verbose_name=_("事项名称"))
    default_level = models.PositiveSmallIntegerField(
        choices=Level.choices, verbose_name=_("默认等级")
    )
    lead_department = models.ForeignKey(
        OrgUnit,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="lead_items",
        verbose_name=_("主办部门"),
    )
    co_departments = models.ManyToManyField(
        OrgUnit, blank=True, related_name="co_items", verbose_name=_("协办部门")
    )
    report_in_limit = models.PositiveIntegerField(default=1, verbose_name=_("报到时限"))
    report_in_unit = models.CharField(
        max_length=16, choices=LimitUnit.choices, default=LimitUnit.WORKING_DAYS
    )
    handle_limit = models.PositiveIntegerField(default=5, verbose_name=_("办理时限"))
    handle_unit = models.CharField(
        max_length=16, choices=LimitUnit.choices, default=LimitUnit.WORKING_DAYS
    )
    handling_standard = models.TextField(blank=True, verbose_name=_("处置标准"))
    closing_condition = models.TextField(blank=True, verbose_name=_("结案条件"))
    keywords = models.CharField(max_length=300, blank=True, verbose_name=_("关键词"))
    #: Other words people use for the item (井盖 for 窨井盖): matched like the keywords, kept
    #: apart so a district can see which words are its own and which are the public's.
    synonyms = models.CharField(max_length=300, blank=True, verbose_name=_("近义词"))
    order = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["klass", "order"]
        verbose_name = _("清单事项")
        verbose_name_plural = _("清单事项")
        constraints = [
            models.UniqueConstraint(fields=["klass", "code"], name="catalogue_item_code"),
        ]

    def __str__(self) -> str:
        return f"{self.code} {self.name}"

    def keyword_list(self) -> list[str]:
        """The keywords as entered: separated by commas, 顿号, semicolons or spaces."""
        return _words(self.keywords)

    def synonym_list(self) -> list[str]:
        """The synonyms as entered, separated like the keywords."""
        return _words(self.synonyms)


class AttributeType(models.TextChoices):
    """GeoReport v2's attribute datatypes, by their names in the spec."""

    STRING = "string", _("短文本")
    NUMBER = "number", _("数字")
    DATETIME = "datetime", _("日期时间")
    TEXT = "text", _("长文本")
    SINGLE = "singlevaluelist", _("单选")
    MULTI = "multivaluelist", _("多选")


class ItemAttribute(models.Model):
    """A question the item asks whoever reports it (``huying.catalogue.attributes``): part
    of the item's version, copied into a draft like the item."""

    item = models.ForeignKey(
        CatalogueItem, on_delete=models.CASCADE, related_name="attributes", verbose_name=_("事项")
    )
    code = models.CharField(max_length=32, verbose_name=_("编码"))
    datatype = models.CharField(
        max_length=16, choices=AttributeType.choices, verbose_name=_("类型")
    )
    required = models.BooleanField(default=False, verbose_name=_("必填"))
    description = models.CharField(max_length=200, verbose_name=_("说明"))
    order = models.PositiveSmallIntegerField(default=0, verbose_name=_("排序号"))
    #: ``[[key, name], …]`` for the list types, else empty.
    values = models.JSONField(default=list, blank=True, verbose_name=_("选项"))

    class Meta:
        ordering = ["item", "order", "code"]
        verbose_name = _("填报项")
        verbose_name_plural = _("填报项")
        constraints = [
            models.UniqueConstraint(fields=["item", "code"], name="catalogue_attribute_code"),
        ]

    def __str__(self) -> str:
        return f"{self.code} {self.description}"


def _words(text: str) -> list[str]:
    return [k for k in re.split(r"[,，、;；\s]+", text or "") if k]
