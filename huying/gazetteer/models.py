"""地址库: the places the district knows by name — road house-number ranges, residential
compounds (小区) and landmarks (地标) — each in a grid (or, for a compound that spans a
community's grids, in the community), so that an address placed by words lands in a grid."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from huying.org.models import OrgUnit


class Entry(models.Model):
    """One place of the gazetteer. ``key`` (kind, name and, for a road, its range) is what a
    re-import finds it by: the same row imported again updates it, never doubles it."""

    class Kind(models.TextChoices):
        ROAD = "road", _("道路门牌")
        COMPOUND = "compound", _("小区")
        LANDMARK = "landmark", _("地标")

    class Parity(models.TextChoices):
        ALL = "all", _("全")
        ODD = "odd", _("单")
        EVEN = "even", _("双")

    kind = models.CharField(max_length=16, choices=Kind.choices, verbose_name=_("类型"))
    name = models.CharField(max_length=100, verbose_name=_("名称"))
    aliases = models.JSONField(default=list, blank=True, verbose_name=_("别名"))
    number_from = models.PositiveIntegerField(null=True, blank=True, verbose_name=_("起始门牌"))
    number_to = models.PositiveIntegerField(null=True, blank=True, verbose_name=_("终止门牌"))
    parity = models.CharField(
        max_length=8, choices=Parity.choices, default=Parity.ALL, verbose_name=_("单双号")
    )
    community = models.ForeignKey(
        OrgUnit, on_delete=models.PROTECT, related_name="+", verbose_name=_("社区")
    )
    grid = models.ForeignKey(
        OrgUnit,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("网格"),
    )
    lat = models.FloatField(null=True, blank=True, verbose_name=_("纬度"))
    lng = models.FloatField(null=True, blank=True, verbose_name=_("经度"))
    key = models.CharField(max_length=200, unique=True, editable=False)
    updated_at = models.DateTimeField(verbose_name=_("更新时间"))

    class Meta:
        verbose_name = _("地址库条目")
        verbose_name_plural = _("地址库条目")
        ordering = ["kind", "name", "number_from"]

    def __str__(self) -> str:
        if self.kind == self.Kind.ROAD and self.number_from is not None:
            return f"{self.name} {self.number_from}–{self.number_to}（{self.get_parity_display()}）"
        return self.name


def entry_key(
    district_id: int | None,
    kind: str,
    name: str,
    number_from: int | None,
    number_to: int | None,
    parity: str,
) -> str:
    """What identifies an entry across imports (``Entry.key``), within its district: the
    next district's 人民路 1–99 号 is another entry."""
    if kind != Entry.Kind.ROAD:
        return f"{district_id}/{kind}:{name}"
    return f"{district_id}/{kind}:{name}:{number_from or ''}-{number_to or ''}:{parity}"
