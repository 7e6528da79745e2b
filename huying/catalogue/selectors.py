"""Reads of the item catalogue."""

from __future__ import annotations

from django.db.models import QuerySet

from huying.catalogue.models import Catalogue, CatalogueItem


def current_catalogue() -> Catalogue | None:
    """The one published, current catalogue version, or None before the first publication."""
    return Catalogue.objects.filter(is_current=True).first()


def current_items() -> QuerySet[CatalogueItem]:
    """The items of the current version, in class order then item order."""
    return (
        CatalogueItem.objects.filter(klass__catalogue__is_current=True)
        .select_related("klass", "lead_department")
        .prefetch_related("co_departments")
        .order_by("klass__order", "klass__code", "order", "code")
    )
