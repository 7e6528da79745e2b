"""十五分钟生活圈 (docs/glossary.md): the service points near residents (党群服务站, 日间照料站,
社区卫生服务站, 菜市场 …), each a point on the map with its opening hours, and the kinds of
point the district counts as essential, whose 15-minute walk should reach every community."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from huying.onewindow.models import ServiceItem
from huying.org.models import OrgUnit


class ServiceKind(models.Model):
    """A kind of service point. A small table the district edits: which kinds are
    **essential** (必备) decides what the coverage page checks."""

    code = models.CharField(max_length=32, unique=True, verbose_name=_("类别编码"))
    name = models.CharField(max_length=50, verbose_name=_("类别名称"))
    essential = models.BooleanField(default=False, verbose_name=_("必备"))
    order = models.PositiveSmallIntegerField(default=0, verbose_name=_("排序"))
    version = models.PositiveIntegerField(default=1)

    class Meta:
        ordering = ["order", "code"]
        verbose_name = _("服务点类别")
        verbose_name_plural = _("服务点类别")

    def __str__(self) -> str:
        return self.name


class ServicePoint(models.Model):
    """One place residents walk to. Its community is the one whose grid holds the point
    (set by the service, never typed in), so the street that keeps it is known."""

    name = models.CharField(max_length=100, verbose_name=_("名称"))
    kind = models.ForeignKey(
        ServiceKind, on_delete=models.PROTECT, related_name="points", verbose_name=_("类别")
    )
    community = models.ForeignKey(
        OrgUnit, on_delete=models.PROTECT, related_name="service_points", verbose_name=_("社区")
    )
    address = models.CharField(max_length=200, verbose_name=_("地址"))
    #: WGS-84, like every stored coordinate (``huying.core.geo``).
    lat = models.FloatField(verbose_name=_("纬度"))
    lng = models.FloatField(verbose_name=_("经度"))
    #: ISO weekday ("1" Monday … "7" Sunday) → [["08:30", "17:00"], …]; an end before its
    #: start runs past midnight (``rules.open_at``).
    hours = models.JSONField(default=dict, verbose_name=_("开放时间"))
    #: Closed on statutory holidays, and open on a weekend worked in lieu (调休上班) with
    #: Monday's hours: the working calendar (``huying.core.workcalendar``) decides.
    follows_calendar = models.BooleanField(default=False, verbose_name=_("按工作日历开放"))
    phone = models.CharField(max_length=32, blank=True, verbose_name=_("联系电话"))
    services = models.JSONField(default=list, verbose_name=_("服务内容"))
    items = models.ManyToManyField(
        ServiceItem, blank=True, related_name="service_points", verbose_name=_("可办服务事项")
    )
    version = models.PositiveIntegerField(default=1)
    updated_at = models.DateTimeField(verbose_name=_("更新时间"))
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        ordering = ["community__code", "kind__order", "name"]
        verbose_name = _("服务点")
        verbose_name_plural = _("服务点")
        indexes = [models.Index(fields=["lat", "lng"], name="lifecircle_point_at")]

    def __str__(self) -> str:
        return self.name
