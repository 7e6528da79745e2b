"""Django admin: the webhook subscriptions (kept here) and the delivery log (read only)."""

from __future__ import annotations

import json
from typing import Any

from django import forms
from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils import timezone
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from huying.integrations.models import (
    WebhookAttempt,
    WebhookDelivery,
    WebhookEvent,
    WebhookSubscription,
)
from huying.integrations.webhooks import deliveries_retry
from huying.org.models import RoleGrant


class SubscriptionForm(forms.ModelForm):
    url = forms.URLField(
        label=_("接收地址"),
        max_length=500,
        assume_scheme="https",
        widget=forms.URLInput(attrs={"class": "vURLField"}),
    )
    events = forms.MultipleChoiceField(
        label=_("订阅的事件"),
        choices=WebhookEvent.choices,
        widget=forms.CheckboxSelectMultiple,
    )

    class Meta:
        model = WebhookSubscription
        fields = ("name", "url", "secret", "events", "owner", "active")

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        owner = self.fields["owner"]
        assert isinstance(owner, forms.ModelChoiceField)
        owner.queryset = (
            RoleGrant.objects.filter(is_active=True)
            .select_related("user", "unit")
            .defer("unit__boundary")  # a grid's polygon is large and not shown
        )

    def clean_url(self) -> str:
        url: str = self.cleaned_data["url"]
        if not url.lower().startswith(("http://", "https://")):
            raise forms.ValidationError(_("接收地址须以 http:// 或 https:// 开头"))
        return url

    def clean_events(self) -> list[str]:
        chosen = set(self.cleaned_data["events"])
        return [value for value in WebhookEvent.values if value in chosen]


@admin.register(WebhookSubscription)
class WebhookSubscriptionAdmin(admin.ModelAdmin):
    form = SubscriptionForm
    list_display = ("name", "url", "event_names", "owner", "active", "created_at")
    list_filter = ("active",)
    search_fields = ("name", "url")
    list_select_related = ("owner__user", "owner__unit")

    @admin.display(description=_("订阅的事件"))
    def event_names(self, obj: WebhookSubscription) -> str:
        return "、".join(str(WebhookEvent(e).label) for e in obj.events if e in WebhookEvent)

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        """Its deliveries are the log of what was sent: stop it instead (启用 off)."""
        return False


class AttemptInline(admin.TabularInline):
    model = WebhookAttempt
    fields = ("number", "at", "status", "error", "duration_ms")
    readonly_fields = fields
    extra = 0
    can_delete = False

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(WebhookDelivery)
class WebhookDeliveryAdmin(admin.ModelAdmin):
    list_display = (
        "delivery_id",
        "subscription",
        "case_number",
        "event_type",
        "state",
        "attempts",
        "next_attempt_at",
        "last_status",
        "last_error",
    )
    list_filter = ("state", "event_type", "subscription")
    search_fields = ("delivery_id", "case__number")
    date_hierarchy = "created_at"
    list_select_related = ("subscription", "case")
    exclude = ("event", "case", "version", "claimed_at", "body")
    readonly_fields = (
        "delivery_id",
        "subscription",
        "case_number",
        "event_type",
        "state",
        "attempts",
        "created_at",
        "next_attempt_at",
        "finished_at",
        "last_status",
        "last_error",
        "body_shown",
    )
    inlines = [AttemptInline]
    actions = ["retry"]

    @admin.display(description=_("内容"))
    def body_shown(self, obj: WebhookDelivery) -> str:
        """The JSON as sent, laid out to be read (the bytes signed are the compact ones)."""
        shown = json.dumps(json.loads(obj.body), ensure_ascii=False, indent=2, sort_keys=True)
        return format_html("<pre>{}</pre>", shown)

    @admin.display(description=_("事件编号"), ordering="case__number")
    def case_number(self, obj: WebhookDelivery) -> str:
        return obj.case.number

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        """The log is read, not edited; sending a dead one again is the action below."""
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_retry_permission(self, request: HttpRequest) -> bool:
        return request.user.has_perm("integrations.change_webhookdelivery")

    @admin.action(description=_("重新投递所选（仅已放弃的）"), permissions=["retry"])
    def retry(self, request: HttpRequest, queryset: QuerySet[WebhookDelivery]) -> None:
        count = deliveries_retry(
            ids=list(queryset.values_list("pk", flat=True)), now=timezone.now()
        )
        self.message_user(
            request, _("已重新排队 %(count)d 个投递") % {"count": count}, messages.SUCCESS
        )
