"""Django admin: the 12345 sources and their mappings (kept here too), the tickets and the
imports (read only: they are written by the import)."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.core.exceptions import ValidationError
from django.forms import ModelForm
from django.http import HttpRequest

from huying.core.errors import InvalidInput
from huying.hotline.importing import check_mapping
from huying.hotline.models import HotlineImport, HotlineSource, HotlineTicket


class SourceForm(ModelForm):
    class Meta:
        model = HotlineSource
        fields = ["name", "code", "mapping", "notes"]

    def clean_mapping(self) -> dict[str, str]:
        mapping = self.cleaned_data.get("mapping") or {}
        if not isinstance(mapping, dict):
            raise ValidationError("{表头: 字段}")
        try:
            return check_mapping(mapping)
        except InvalidInput as exc:
            raise ValidationError(exc.message) from None


@admin.register(HotlineSource)
class HotlineSourceAdmin(admin.ModelAdmin):
    form = SourceForm
    list_display = ["name", "code", "updated_at"]
    search_fields = ["name", "code"]


class ReadOnly(admin.ModelAdmin):
    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(HotlineTicket)
class HotlineTicketAdmin(ReadOnly):
    list_display = ["number", "case", "kind", "urgency", "received_at", "due_at"]
    list_filter = ["urgent"]
    search_fields = ["number"]
    raw_id_fields = ["case"]


@admin.register(HotlineImport)
class HotlineImportAdmin(ReadOnly):
    list_display = ["pk", "file_name", "requested_by", "source", "state", "created_at"]
    list_filter = ["state"]
    exclude = ["file", "report"]
