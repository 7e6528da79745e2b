"""志愿服务 (群众点单、社区派单、志愿者接单): the volunteers a community keeps (residents and the
party members who report to it, 在职党员双报到), their teams, the service orders residents post,
and the points ledger that credits the service the requesters confirm."""

from __future__ import annotations

from decimal import Decimal
from typing import Any, NoReturn

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from huying.cases.models import Case
from huying.org.models import OrgUnit


class TeamColour(models.TextChoices):
    """三色服务队: the armbands a street gives its volunteers (red for party members)."""

    RED = "red", _("红领")
    GREEN = "green", _("绿领")
    BLUE = "blue", _("蓝领")


class Team(models.Model):
    """A volunteer team under a community (红领服务队, 三色服务队 …)."""

    community = models.ForeignKey(
        OrgUnit, on_delete=models.PROTECT, related_name="+", verbose_name=_("社区")
    )
    name = models.CharField(max_length=100, verbose_name=_("队名"))
    colour = models.CharField(
        max_length=8, choices=TeamColour.choices, default=TeamColour.RED, verbose_name=_("臂章")
    )

    class Meta:
        ordering = ["community", "name"]
        verbose_name = _("志愿服务队")
        verbose_name_plural = _("志愿服务队")
        constraints = [
            models.UniqueConstraint(fields=["community", "name"], name="volunteers_team_name")
        ]

    def __str__(self) -> str:
        return self.name


class VolunteerKind(models.TextChoices):
    RESIDENT = "resident", _("居民志愿者")
    PARTY_MEMBER = "party_member", _("在职党员")


class VolunteerState(models.TextChoices):
    PENDING = "pending", _("待审核")
    APPROVED = "approved", _("已注册")
    REFUSED = "refused", _("未通过")


class Volunteer(models.Model):
    """One person registered with one community: a resident, or a party member reporting to
    the community where he lives (双报到), whose employer (工作单位) hears of his hours."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="volunteer"
    )
    community = models.ForeignKey(
        OrgUnit, on_delete=models.PROTECT, related_name="+", verbose_name=_("报到社区")
    )
    team = models.ForeignKey(
        Team,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="members",
        verbose_name=_("服务队"),
    )
    name = models.CharField(max_length=50, verbose_name=_("姓名"))
    phone = models.CharField(max_length=20, verbose_name=_("手机号"))
    kind = models.CharField(max_length=16, choices=VolunteerKind.choices, verbose_name=_("类别"))
    employer = models.CharField(max_length=100, blank=True, verbose_name=_("工作单位"))
    skills = models.CharField(max_length=200, blank=True, verbose_name=_("特长"))
    availability = models.CharField(max_length=100, blank=True, verbose_name=_("服务时间"))
    #: The communities whose published orders the volunteer sees (his own at least).
    areas = models.ManyToManyField(OrgUnit, related_name="+", verbose_name=_("服务区域"))
    state = models.CharField(
        max_length=16,
        choices=VolunteerState.choices,
        default=VolunteerState.PENDING,
        verbose_name=_("状态"),
    )
    refusal_reason = models.CharField(max_length=300, blank=True, verbose_name=_("未通过原因"))
    registered_at = models.DateTimeField()
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    version = models.PositiveIntegerField(default=1)

    class Meta:
        ordering = ["community", "name", "pk"]
        verbose_name = _("志愿者")
        verbose_name_plural = _("志愿者")
        indexes = [
            models.Index(fields=["community", "state"], name="volunteers_vol_community"),
        ]

    def __str__(self) -> str:
        return self.name


class PointsRule(models.Model):
    """The district's points rule from a date on (积分规则): points per hour of service, and a
    bonus for a 4- or 5-star rating. An order earns by the rule in force the day it is
    confirmed; a new rule is a new row, the old ones stay as they were."""

    district = models.ForeignKey(
        OrgUnit, on_delete=models.PROTECT, related_name="+", verbose_name=_("区")
    )
    valid_from = models.DateField(verbose_name=_("起始日期"))
    points_per_hour = models.DecimalField(
        max_digits=6, decimal_places=2, verbose_name=_("每小时积分")
    )
    bonus_rating_4 = models.DecimalField(
        max_digits=6, decimal_places=2, default=Decimal(0), verbose_name=_("四星奖励")
    )
    bonus_rating_5 = models.DecimalField(
        max_digits=6, decimal_places=2, default=Decimal(0), verbose_name=_("五星奖励")
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField()

    class Meta:
        ordering = ["-valid_from"]
        constraints = [
            models.UniqueConstraint(
                fields=["district", "valid_from"], name="points_rule_one_per_district_and_day"
            )
        ]
        verbose_name = _("积分规则")
        verbose_name_plural = _("积分规则")

    def __str__(self) -> str:
        return f"{self.valid_from} {self.points_per_hour}"

    def bonus(self, rating: int) -> Decimal:
        return {4: self.bonus_rating_4, 5: self.bonus_rating_5}.get(rating, Decimal(0))


class OrderState(models.TextChoices):
    POSTED = "posted", _("待审核")
    PUBLISHED = "published", _("待接单")
    ASSIGNED = "assigned", _("已派单")
    TAKEN = "taken", _("已接单")
    IN_SERVICE = "in_service", _("服务中")
    DONE = "done", _("待确认")
    CONFIRMED = "confirmed", _("已确认")
    REFUSED = "refused", _("不予受理")
    CANCELLED = "cancelled", _("已取消")


class ServiceOrder(models.Model):
    """A need a resident (or a grid worker for one, or the community after a case) posts:
    what, where, when, in which community; how many volunteers it wants."""

    number = models.CharField(max_length=32, unique=True, verbose_name=_("编号"))
    community = models.ForeignKey(
        OrgUnit, on_delete=models.PROTECT, related_name="+", verbose_name=_("社区")
    )
    title = models.CharField(max_length=100, verbose_name=_("需求"))
    description = models.TextField(blank=True, verbose_name=_("说明"))
    place = models.CharField(max_length=200, verbose_name=_("服务地点"))
    wanted_at = models.DateTimeField(verbose_name=_("服务时间"))
    wanted_count = models.PositiveSmallIntegerField(default=1, verbose_name=_("需要人数"))
    #: Who confirms and rates: the resident who posted, or the staff who posted for one.
    requester = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    contact_name = models.CharField(max_length=50, verbose_name=_("联系人"))
    contact_phone = models.CharField(max_length=20, blank=True, verbose_name=_("联系电话"))
    case = models.ForeignKey(
        Case,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("关联事件"),
    )
    state = models.CharField(
        max_length=16, choices=OrderState.choices, default=OrderState.POSTED, verbose_name=_("状态")
    )
    reason = models.CharField(max_length=300, blank=True, verbose_name=_("原因"))
    rating = models.PositiveSmallIntegerField(null=True, blank=True, verbose_name=_("评价"))
    comment = models.CharField(max_length=300, blank=True, verbose_name=_("评价内容"))
    posted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    posted_at = models.DateTimeField()
    reviewed_at = models.DateTimeField(null=True, blank=True)
    done_at = models.DateTimeField(null=True, blank=True)
    confirmed_at = models.DateTimeField(null=True, blank=True)
    version = models.PositiveIntegerField(default=1)

    class Meta:
        ordering = ["-posted_at", "-pk"]
        verbose_name = _("服务订单")
        verbose_name_plural = _("服务订单")
        indexes = [
            models.Index(fields=["community", "state"], name="volunteers_order_state"),
            models.Index(fields=["community", "posted_at"], name="volunteers_order_posted"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(rating__isnull=True) | models.Q(rating__gte=1, rating__lte=5),
                name="volunteers_order_rating_1_5",
            ),
            models.CheckConstraint(
                condition=models.Q(wanted_count__gte=1), name="volunteers_order_wanted"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.number} {self.title}"


class Taking(models.Model):
    """One volunteer on one order: taken (接单) by himself, or assigned by the community (派单)
    and then accepted; his check-in and check-out, time and place."""

    order = models.ForeignKey(ServiceOrder, on_delete=models.CASCADE, related_name="takings")
    volunteer = models.ForeignKey(Volunteer, on_delete=models.PROTECT, related_name="takings")
    assigned = models.BooleanField(default=False, verbose_name=_("社区派单"))
    taken_at = models.DateTimeField(null=True, blank=True, verbose_name=_("接单时间"))
    checkin_at = models.DateTimeField(null=True, blank=True, verbose_name=_("签到时间"))
    checkin_place = models.CharField(max_length=200, blank=True, verbose_name=_("签到地点"))
    checkout_at = models.DateTimeField(null=True, blank=True, verbose_name=_("签退时间"))
    checkout_place = models.CharField(max_length=200, blank=True, verbose_name=_("签退地点"))
    minutes = models.PositiveIntegerField(null=True, blank=True, verbose_name=_("服务时长"))

    class Meta:
        ordering = ["order", "pk"]
        verbose_name = _("接单")
        verbose_name_plural = _("接单")
        constraints = [
            models.UniqueConstraint(fields=["order", "volunteer"], name="volunteers_taking_once")
        ]

    def __str__(self) -> str:
        return f"{self.order_id}/{self.volunteer_id}"

    @property
    def hours(self) -> Decimal:
        return (Decimal(self.minutes or 0) / 60).quantize(Decimal("0.01"))


class LedgerImmutable(Exception):
    """The points ledger is written once: a mistake is corrected by a correction entry."""


class LedgerQuerySet(models.QuerySet["PointsEntry"]):
    def update(self, **kwargs: Any) -> NoReturn:
        raise LedgerImmutable("积分记录不能修改")

    def delete(self) -> NoReturn:
        raise LedgerImmutable("积分记录不能删除")


class EntryKind(models.TextChoices):
    SERVICE = "service", _("服务积分")
    CORRECTION = "correction", _("更正")


class PointsEntry(models.Model):
    """One line of a volunteer's points (积分台账). Never changed or deleted: a wrong line is
    answered by a correction line with its reason. A balance is the sum of the lines."""

    volunteer = models.ForeignKey(Volunteer, on_delete=models.PROTECT, related_name="entries")
    kind = models.CharField(max_length=16, choices=EntryKind.choices, verbose_name=_("类别"))
    points = models.DecimalField(max_digits=8, decimal_places=2, verbose_name=_("积分"))
    hours = models.DecimalField(
        max_digits=6, decimal_places=2, default=Decimal(0), verbose_name=_("服务时长（小时）")
    )
    order = models.ForeignKey(
        ServiceOrder, null=True, blank=True, on_delete=models.PROTECT, related_name="entries"
    )
    rule = models.ForeignKey(
        PointsRule, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    corrects = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="corrections"
    )
    reason = models.CharField(max_length=300, blank=True, verbose_name=_("理由"))
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField()

    objects = LedgerQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("积分记录")
        verbose_name_plural = _("积分记录")
        indexes = [
            models.Index(fields=["volunteer", "created_at"], name="volunteers_entry_vol"),
            models.Index(fields=["created_at"], name="volunteers_entry_at"),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["order", "volunteer"],
                condition=models.Q(kind="service"),
                name="volunteers_entry_once",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.volunteer_id} {self.points}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if not self._state.adding:
            raise LedgerImmutable("积分记录不能修改")
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> NoReturn:
        raise LedgerImmutable("积分记录不能删除")
