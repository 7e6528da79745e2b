from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext


class WorkdayOverride(models.Model):
    """A day whose status the district decides itself.

    chinese-calendar covers a year only once the State Council announces it (usually in
    November for the next year); until a new release ships, the office enters the year here.
    An override always beats the package.
    """

    date = models.DateField(unique=True, verbose_name=_("日期"))
    is_workday = models.BooleanField(verbose_name=_("是否工作日"))
    note = models.CharField(max_length=100, blank=True, verbose_name=_("说明"))

    class Meta:
        ordering = ["date"]
        verbose_name = _("工作日调整")
        verbose_name_plural = _("工作日调整")

    def __str__(self) -> str:
        kind = (
            pgettext("workday override", "班")
            if self.is_workday
            else pgettext("workday override", "休")
        )
        return f"{self.date} {kind} {self.note}"


class CalendarYear(models.Model):
    """A year of the working-day calendar as the district has it (工作日历).

    A year chinese_calendar does not cover is *known* only once an administrator confirms
    that all of its holidays and make-up workdays are entered (``confirmed_at``); until
    then a working-day deadline reaching into it is refused, never guessed. The row also
    exists, unconfirmed, once any day of the year is entered: the year's change log hangs
    on it.
    """

    year = models.PositiveSmallIntegerField(unique=True, verbose_name=_("年份"))
    confirmed_at = models.DateTimeField(null=True, blank=True, verbose_name=_("确认时间"))
    confirmed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("确认人"),
    )
    #: Who confirmed, as they were (the user row may be renamed or removed); "" = the system.
    confirmed_by_name = models.CharField(max_length=150, blank=True, verbose_name=_("确认人"))
    note = models.CharField(max_length=200, blank=True, verbose_name=_("说明"))

    class Meta:
        ordering = ["year"]
        verbose_name = _("工作日历年度")
        verbose_name_plural = _("工作日历年度")

    def __str__(self) -> str:
        return f"{self.year}"

    @property
    def is_confirmed(self) -> bool:
        return self.confirmed_at is not None


class Counter(models.Model):
    """Named monotonically increasing counters (case numbers per day)."""

    key = models.CharField(max_length=64, unique=True)
    value = models.BigIntegerField(default=0)

    def __str__(self) -> str:
        return f"{self.key}={self.value}"


class ApiToken(models.Model):
    """Bearer token for machines. Only a SHA-256 of the secret is stored; it expires, and a
    change of its owner's password revokes it (``huying.org.api_auth``)."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="api_tokens"
    )
    name = models.CharField(max_length=100, verbose_name=_("名称"))
    key_hash = models.CharField(max_length=64, unique=True)
    prefix = models.CharField(max_length=8)
    created_at = models.DateTimeField(auto_now_add=True, verbose_name=_("创建时间"))
    expires_at = models.DateTimeField(verbose_name=_("过期时间"))
    last_used_at = models.DateTimeField(null=True, blank=True, verbose_name=_("最近使用"))
    revoked_at = models.DateTimeField(null=True, blank=True, verbose_name=_("作废时间"))

    class Meta:
        verbose_name = _("接口令牌")
        verbose_name_plural = _("接口令牌")

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"


class Notification(models.Model):
    """An inbox row for a person who must act; delivery backends send it after commit."""

    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications"
    )
    kind = models.CharField(max_length=32)
    subject = models.CharField(max_length=64, help_text="e.g. the case number")
    message = models.CharField(max_length=500)
    created_at = models.DateTimeField()
    sent_at = models.DateTimeField(null=True, blank=True)
    read_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [models.Index(fields=["recipient", "read_at", "-id"], name="notif_inbox")]

    def __str__(self) -> str:
        return f"{self.recipient_id} {self.kind} {self.subject}"


class ChangeLog(models.Model):
    """One back-office write (catalogue, organisation): who, when, what, before and after.

    Cases carry their own hash-chained trail; this is the change log for everything around
    them, written by the service that makes the change, in the same transaction.
    """

    at = models.DateTimeField(verbose_name=_("时间"))
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("操作人"),
    )
    #: The acting person and role as they were (the user row may be renamed or removed).
    username = models.CharField(max_length=150, blank=True, verbose_name=_("账号"))
    role = models.CharField(max_length=32, blank=True, verbose_name=_("角色"))
    actor_unit_id = models.BigIntegerField(null=True, blank=True)
    request_id = models.CharField(max_length=64, blank=True)
    action = models.CharField(max_length=64, verbose_name=_("操作"))
    object_type = models.CharField(max_length=64, verbose_name=_("对象类型"))
    object_id = models.CharField(max_length=64, verbose_name=_("对象编号"))
    object_repr = models.CharField(max_length=200, verbose_name=_("对象"))
    before = models.JSONField(null=True, blank=True, verbose_name=_("修改前"))
    after = models.JSONField(null=True, blank=True, verbose_name=_("修改后"))

    class Meta:
        verbose_name = _("变更记录")
        verbose_name_plural = _("变更记录")
        indexes = [
            models.Index(fields=["object_type", "object_id", "-id"], name="changelog_object"),
        ]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.username} {self.action} {self.object_repr}"
