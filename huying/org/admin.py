"""Django admin for the doors: the sign-in log, locks (unlock), API tokens (revoke)."""

from __future__ import annotations

from typing import Any

from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from huying.core.models import ApiToken
from huying.org import throttle
from huying.org.authcache import auth_changed
from huying.org.models import SignIn, Throttle


class ReadOnly(admin.ModelAdmin):
    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(SignIn)
class SignInAdmin(ReadOnly):
    list_display = ("at", "username", "user", "ip", "result", "reason", "user_agent")
    list_filter = ("result", "at")
    search_fields = ("username", "ip")
    date_hierarchy = "at"

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(Throttle)
class ThrottleAdmin(ReadOnly):
    list_display = ("scope", "key", "failures", "window_start", "last_failure_at", "locked_until")
    list_filter = ("scope",)
    search_fields = ("key",)
    actions = ["unlock"]

    @admin.action(description=_("解锁所选"))
    def unlock(self, request: HttpRequest, queryset: QuerySet[Throttle]) -> None:
        count = throttle.unlock(queryset.values_list("pk", flat=True))
        self.message_user(request, _("已解锁 %(count)d 项") % {"count": count}, messages.SUCCESS)


@admin.register(ApiToken)
class ApiTokenAdmin(ReadOnly):
    list_display = (
        "name",
        "user",
        "prefix",
        "created_at",
        "expires_at",
        "last_used_at",
        "revoked_at",
    )
    list_filter = ("revoked_at", "expires_at")
    search_fields = ("name", "user__username", "prefix")
    exclude = ("key_hash",)
    actions = ["revoke"]

    @admin.action(description=_("作废所选令牌"))
    def revoke(self, request: HttpRequest, queryset: QuerySet[ApiToken]) -> None:
        count = queryset.filter(revoked_at__isnull=True).update(revoked_at=timezone.now())
        auth_changed()
        self.message_user(
            request, _("已作废 %(count)d 个令牌") % {"count": count}, messages.SUCCESS
        )
