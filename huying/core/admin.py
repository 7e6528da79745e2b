"""Django admin for notifications: the delivery log (投递记录) with its filters, a dead or
failing delivery offered again, and people's notification settings."""

from __future__ import annotations

from typing import Any

from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from huying.core.models import Delivery, NotificationPreference, QuietHours, TextNumber


@admin.register(Delivery)
class DeliveryAdmin(admin.ModelAdmin):
    list_display = (
        "created_at",
        "channel",
        "state",
        "attempts",
        "next_attempt_at",
        "sent_at",
        "subject",
        "recipient",
        "last_error",
    )
    list_filter = ("state", "channel", "created_at")
    search_fields = ("notification__subject", "notification__recipient__username", "last_error")
    date_hierarchy = "created_at"
    list_select_related = ("notification__recipient",)
    actions = ("retry",)

    @admin.display(description=_("编号"))
    def subject(self, obj: Delivery) -> str:
        return obj.notification.subject

    @admin.display(description=_("收件人"))
    def recipient(self, obj: Delivery) -> str:
        return obj.notification.recipient.get_username()

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    @admin.action(description=_("重新投递（仅失败或已放弃的）"), permissions=["view"])
    def retry(self, request: HttpRequest, queryset: QuerySet[Delivery]) -> None:
        """Only what never went out: a SENDING or SENT delivery may have, and stays."""
        n = queryset.filter(state__in=[Delivery.State.FAILED, Delivery.State.DEAD]).update(
            state=Delivery.State.PENDING, attempts=0, next_attempt_at=timezone.now()
        )
        self.message_user(
            request,
            ngettext("%(n)d 条投递已重新排队", "%(n)d 条投递已重新排队", n) % {"n": n},
            messages.SUCCESS,
        )


@admin.register(NotificationPreference)
class NotificationPreferenceAdmin(admin.ModelAdmin):
    list_display = ("user", "category", "channel", "enabled")
    list_filter = ("category", "channel", "enabled")
    search_fields = ("user__username",)


@admin.register(QuietHours)
class QuietHoursAdmin(admin.ModelAdmin):
    list_display = ("user", "enabled", "start", "end")
    list_filter = ("enabled",)
    search_fields = ("user__username",)


@admin.register(TextNumber)
class TextNumberAdmin(admin.ModelAdmin):
    """Staff keep their own on 通知设置; the admin can set one for someone without a page."""

    list_display = ("user", "phone")
    search_fields = ("user__username", "phone")
