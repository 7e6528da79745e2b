"""Reads of the item catalogue."""

from __future__ import annotations

from django.core.cache import cache
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


#: Items change rarely (a new catalogue version); other processes see an edit within this.
ITEM_CACHE_SECONDS = 120


def item_cached(item_id: int) -> CatalogueItem | None:
    """An item with its lead department, from the per-process cache (every case step needs
    its item's limits; reading it with the wide case row costs more than the rest of the step)."""

    def load() -> CatalogueItem | None:
        return CatalogueItem.objects.select_related("lead_department").filter(pk=item_id).first()

    item: CatalogueItem | None = cache.get_or_set(
        f"catalogue:item:{item_id}", load, ITEM_CACHE_SECONDS
    )
    return item
