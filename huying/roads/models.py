"""街长制 (docs/glossary.md): roads cut into responsibility segments (责任路段), the people
answerable for each, and the cases reported from a segment's board."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from huying.cases.models import Case
from huying.org.models import OrgUnit


class Road(models.Model):
    """A road (道路) in one street, as its board (街长公示栏) shows it."""

    street = models.ForeignKey(
        OrgUnit, on_delete=models.PROTECT, related_name="roads", verbose_name=_("街道")
    )
    name = models.CharField(max_length=60, verbose_name=_("道路名称"))
    note = models.TextField(blank=True, verbose_name=_("说明"))

    class Meta:
        verbose_name = _("道路")
        verbose_name_plural = _("道路")
        constraints = [
            models.UniqueConstraint(fields=["street", "name"], name="road_name_per_street")
        ]

    def __str__(self) -> str:
        return self.name


class Segment(models.Model):
    """A responsibility segment (责任路段): a GeoJSON LineString (WGS-84) inside its street."""

    road = models.ForeignKey(
        Road, on_delete=models.PROTECT, related_name="segments", verbose_name=_("道路")
    )
    code = models.CharField(max_length=32, unique=True, verbose_name=_("路段编号"))
    name = models.CharField(max_length=80, verbose_name=_("路段名称"))
    line = models.JSONField(verbose_name=_("路段走向"))
    patrol_range = models.CharField(max_length=200, blank=True, verbose_name=_("巡查范围"))
    duties = models.TextField(blank=True, verbose_name=_("岗位职责"))
    order = models.PositiveSmallIntegerField(default=0, verbose_name=_("顺序"))

    class Meta:
        verbose_name = _("责任路段")
        verbose_name_plural = _("责任路段")
        ordering = ["order", "code"]

    def __str__(self) -> str:
        return f"{self.road.name} {self.name}"


class Duty(models.TextChoices):
    """Who answers for a segment, in the board's legend order; the three colours are the
    armbands' (三色服务队)."""

    GRID_WORKER = "grid_worker", _("网格员")
    PARTY_CHIEF = "party_chief", _("党员街长")
    MERCHANT_CHIEF = "merchant_chief", _("商户街长")
    ENFORCEMENT = "enforcement", _("综合执法")
    GREENING = "greening", _("环保绿化")


class SegmentPerson(models.Model):
    """One responsible person of a segment. Staff and chiefs are users; an enforcement or
    greening contact may be a user, or only a name (and unit) the admin enters. The phone is
    the public work number for the board, never the person's own."""

    segment = models.ForeignKey(Segment, on_delete=models.CASCADE, related_name="people")
    duty = models.CharField(max_length=20, choices=Duty.choices, verbose_name=_("职责"))
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="road_duties",
    )
    name = models.CharField(max_length=40, verbose_name=_("姓名"))
    unit = models.ForeignKey(
        OrgUnit,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="road_contacts",
        verbose_name=_("所属单位"),
    )
    shop_name = models.CharField(max_length=80, blank=True, verbose_name=_("店铺名称"))
    shop_address = models.CharField(max_length=120, blank=True, verbose_name=_("店铺地址"))
    public_phone = models.CharField(max_length=32, blank=True, verbose_name=_("公示电话"))

    class Meta:
        verbose_name = _("路段责任人")
        verbose_name_plural = _("路段责任人")
        constraints = [
            models.UniqueConstraint(
                fields=["segment", "duty", "user"],
                condition=models.Q(user__isnull=False),
                name="segment_person_once",
            )
        ]

    def __str__(self) -> str:
        return f"{self.segment.code} {self.get_duty_display()} {self.name}"


class SegmentCase(models.Model):
    """A case reported from a segment's board (its QR code presets the segment)."""

    case = models.OneToOneField(Case, on_delete=models.CASCADE, related_name="road_segment")
    segment = models.ForeignKey(Segment, on_delete=models.PROTECT, related_name="cases")

    class Meta:
        verbose_name = _("路段上报")
        verbose_name_plural = _("路段上报")

    def __str__(self) -> str:
        return f"{self.case_id}: {self.segment_id}"
