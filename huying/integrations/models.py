"""What other systems receive: webhook subscriptions and the outbox of their deliveries."""

from __future__ import annotations

import secrets
import uuid

from django.db import models
from django.utils.translation import gettext_lazy as _

from huying.cases.models import Case, CaseEvent
from huying.org.models import RoleGrant


class WebhookEvent(models.TextChoices):
    """What a subscription may choose. One trail event is one delivery: when it is of
    several kinds (a closing is also a change of state), the most specific kind the
    subscription chose names it."""

    CASE_CREATED = "case.created", _("事件上报")
    CASE_STATE_CHANGED = "case.state_changed", _("状态变化")
    CASE_CLOSED = "case.closed", _("结案")
    CASE_RATED = "case.rated", _("逆向评议")


def new_secret() -> str:
    return secrets.token_urlsafe(32)


class WebhookSubscription(models.Model):
    """An outside system that is told of case events. It receives only the cases its
    owner (a role grant) may see, and only what the event feed shows such a holder."""

    name = models.CharField(max_length=100, verbose_name=_("系统名称"))
    url = models.URLField(max_length=500, verbose_name=_("接收地址"))
    secret = models.CharField(
        max_length=128,
        default=new_secret,
        verbose_name=_("签名密钥"),
        help_text=_("交给接收方，用于校验 X-Huying-Signature"),
    )
    events = models.JSONField(default=list, verbose_name=_("订阅的事件"))
    owner = models.ForeignKey(
        RoleGrant,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("数据范围所依据的角色"),
        help_text=_("只推送这一角色能看到的事件"),
    )
    active = models.BooleanField(default=True, verbose_name=_("启用"))
    created_at = models.DateTimeField(auto_now_add=True, verbose_name=_("创建时间"))

    class Meta:
        verbose_name = _("Webhook 订阅")
        verbose_name_plural = _("Webhook 订阅")

    def __str__(self) -> str:
        return self.name


class DeliveryState(models.TextChoices):
    PENDING = "pending", _("待投递")
    SENDING = "sending", _("投递中")
    DELIVERED = "delivered", _("已投递")
    DEAD = "dead", _("已放弃")


class WebhookDelivery(models.Model):
    """One event for one subscription: written in the transaction that appends the event,
    posted by the worker after a compare-and-set claim (``version``), retried with backoff,
    dead after ``HUYING_WEBHOOK_MAX_ATTEMPTS`` tries. The body is fixed when written, so
    every try sends the same bytes (signed afresh with the try's timestamp)."""

    delivery_id = models.UUIDField(default=uuid.uuid4, unique=True, verbose_name=_("投递编号"))
    subscription = models.ForeignKey(
        WebhookSubscription,
        on_delete=models.PROTECT,
        related_name="deliveries",
        verbose_name=_("订阅"),
    )
    event = models.ForeignKey(CaseEvent, on_delete=models.PROTECT, related_name="+")
    case = models.ForeignKey(
        Case, on_delete=models.PROTECT, related_name="+", verbose_name=_("事件")
    )
    event_type = models.CharField(
        max_length=32, choices=WebhookEvent.choices, verbose_name=_("类型")
    )
    body = models.TextField(verbose_name=_("内容"))
    state = models.CharField(
        max_length=16,
        choices=DeliveryState.choices,
        default=DeliveryState.PENDING,
        verbose_name=_("状态"),
    )
    version = models.PositiveIntegerField(default=0)
    attempts = models.PositiveSmallIntegerField(default=0, verbose_name=_("已尝试次数"))
    created_at = models.DateTimeField(verbose_name=_("创建时间"))
    next_attempt_at = models.DateTimeField(verbose_name=_("下次尝试"))
    claimed_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True, verbose_name=_("完成时间"))
    last_status = models.PositiveSmallIntegerField(
        null=True, blank=True, verbose_name=_("最近响应码")
    )
    last_error = models.CharField(max_length=500, blank=True, verbose_name=_("最近错误"))

    class Meta:
        verbose_name = _("Webhook 投递")
        verbose_name_plural = _("Webhook 投递")
        constraints = [
            models.UniqueConstraint(fields=["subscription", "event"], name="delivery_once")
        ]
        indexes = [
            models.Index(fields=["state", "next_attempt_at"], name="delivery_due"),
            models.Index(fields=["subscription", "case", "id"], name="delivery_case_order"),
        ]

    def __str__(self) -> str:
        return str(self.delivery_id)


class WebhookAttempt(models.Model):
    """One try of a delivery, as the delivery log shows it."""

    delivery = models.ForeignKey(WebhookDelivery, on_delete=models.CASCADE, related_name="tries")
    number = models.PositiveSmallIntegerField(verbose_name=_("第几次"))
    at = models.DateTimeField(verbose_name=_("时间"))
    status = models.PositiveSmallIntegerField(null=True, blank=True, verbose_name=_("响应码"))
    error = models.CharField(max_length=500, blank=True, verbose_name=_("错误"))
    duration_ms = models.PositiveIntegerField(default=0, verbose_name=_("耗时（毫秒）"))

    class Meta:
        verbose_name = _("投递尝试")
        verbose_name_plural = _("投递尝试")
        ordering = ["delivery", "number"]

    def __str__(self) -> str:
        return f"{self.delivery_id}#{self.number}"
