from __future__ import annotations

from django.conf import settings
from django.db import models


class WorkdayOverride(models.Model):
    """A day whose status the district decides itself.

    chinese-calendar covers a year only once the State Council announces it (usually in
    November for the next year); until a new release ships, the office enters the year here.
    An override always beats the package.
    """

    date = models.DateField(unique=True, verbose_name="日期")
    is_workday = models.BooleanField(verbose_name="是否工作日")
    note = models.CharField(max_length=100, blank=True, verbose_name="说明")

    class Meta:
        ordering = ["date"]
        verbose_name = "工作日调整"
        verbose_name_plural = "工作日调整"

    def __str__(self) -> str:
        return f"{self.date} {'班' if self.is_workday else '休'} {self.note}"


class Counter(models.Model):
    """Named monotonically increasing counters (case numbers per day)."""

    key = models.CharField(max_length=64, unique=True)
    value = models.BigIntegerField(default=0)

    def __str__(self) -> str:
        return f"{self.key}={self.value}"


class ApiToken(models.Model):
    """Bearer token for machines. Only a SHA-256 of the secret is stored."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="api_tokens"
    )
    name = models.CharField(max_length=100, verbose_name="名称")
    key_hash = models.CharField(max_length=64, unique=True)
    prefix = models.CharField(max_length=8)
    created_at = models.DateTimeField(auto_now_add=True)
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = "接口令牌"
        verbose_name_plural = "接口令牌"

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
