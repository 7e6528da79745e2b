"""Reads of the item catalogue."""

from __future__ import annotations

from datetime import datetime

from django.core.cache import cache
from django.db.models import Count, Max, Prefetch, Q, QuerySet
from django.utils.translation import gettext as _

from huying.catalogue.attributes import AttributeSpec
from huying.catalogue.models import Catalogue, CatalogueClass, CatalogueItem
from huying.core.errors import NotFound
from huying.core.remembered import Remembered
from huying.core.text import add_words, search_terms
from huying.org.actors import Actor, in_district
from huying.org.models import OrgUnit


def current_catalogue(district_id: int) -> Catalogue | None:
    """The district's published, current catalogue version, or None before its first."""
    return Catalogue.objects.filter(district_id=district_id, is_current=True).first()


def current_items(district_id: int | None) -> QuerySet[CatalogueItem]:
    """The items of the district's current version, in class order then item order; None:
    of every district's (what a city role reads across)."""
    district = Q() if district_id is None else Q(klass__catalogue__district_id=district_id)
    return (
        CatalogueItem.objects.filter(district, klass__catalogue__is_current=True)
        .select_related("klass", "lead_department")
        .prefetch_related("co_departments")
        .order_by("klass__order", "klass__code", "order", "code")
    )


def catalogue_published_at(district_id: int | None) -> datetime | None:
    """When the district's current version was published (None: the latest of every
    district's), or None before the first publication."""
    current = Catalogue.objects.filter(is_current=True)
    if district_id is not None:
        current = current.filter(district_id=district_id)
    return current.aggregate(at=Max("published_at"))["at"]


#: The current items as a list, remembered: every triage suggestion scores all of them, and
#: reading them (two statements, a model each) cost more than the rest of a triage step.
#: Forgotten at once by any change to a version, class or item (``apps.CatalogueConfig``).
#: Kept in the process as well: the items are read, never changed, by their callers.
current_remembered = Remembered("catalogue", "HUYING_CATALOGUE_CACHE_SECONDS", in_process=True)


def current_items_cached(district_id: int) -> list[CatalogueItem]:
    """``current_items(district_id)`` read once for a few seconds (the suggestion's items)."""
    return (
        current_remembered.get(
            "current", f"items:{district_id}", lambda: list(current_items(district_id))
        )
        or []
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


# --- back office (清单管理) ---------------------------------------------------------------


def managed_districts(actor: Actor) -> QuerySet[OrgUnit]:
    """The districts whose catalogue the admin keeps: its own; a city admin's, every one."""
    return (
        OrgUnit.objects.filter(in_district(actor, "pk"), kind=OrgUnit.Kind.DISTRICT)
        .defer("boundary")
        .order_by("code")
    )


def catalogue_versions(district_id: int) -> QuerySet[Catalogue]:
    """The district's versions, newest first, with how many classes and items each has."""
    return (
        Catalogue.objects.filter(district_id=district_id)
        .annotate(
            class_count=Count("classes", distinct=True),
            item_count=Count("classes__items", distinct=True),
        )
        .order_by("-version")
    )


def draft_catalogue(district_id: int | None) -> Catalogue | None:
    """The district's version being prepared (never published), if there is one."""
    return (
        Catalogue.objects.filter(district_id=district_id, published_at__isnull=True)
        .order_by("version")
        .first()
    )


def catalogue_get(actor: Actor, catalogue_id: int) -> Catalogue:
    """A version of a district the admin keeps (another district's does not exist for it)."""
    catalogue = (
        Catalogue.objects.filter(in_district(actor), pk=catalogue_id)
        .select_related("district")
        .first()
    )
    if catalogue is None:
        raise NotFound(_("清单版本不存在"))
    return catalogue


def item_get(actor: Actor, item_id: int) -> CatalogueItem:
    item = (
        CatalogueItem.objects.select_related("klass__catalogue__district", "lead_department")
        .prefetch_related("co_departments")
        .filter(in_district(actor, "klass__catalogue__district_id"), pk=item_id)
        .first()
    )
    if item is None:
        raise NotFound(_("清单事项不存在"))
    return item


def items_by_class(catalogue: Catalogue) -> list[tuple[CatalogueClass, list[CatalogueItem]]]:
    """The version's classes in order, each with its items (lead and co-handlers loaded)."""
    items = (
        CatalogueItem.objects.filter(klass__catalogue=catalogue)
        .select_related("lead_department")
        .prefetch_related(
            Prefetch("co_departments", queryset=OrgUnit.objects.order_by("code")), "attributes"
        )
        .order_by("order", "code")
    )
    by_class: dict[int, list[CatalogueItem]] = {}
    for item in items:
        by_class.setdefault(item.klass_id, []).append(item)
    classes = catalogue.classes.order_by("order", "code")
    return [(klass, by_class.get(klass.pk, [])) for klass in classes]


_vocabulary_loaded = False


def teach_catalogue_words() -> None:
    """Teach the tokenizer every catalogue's item names, keywords and synonyms (once per
    process: a new catalogue's words arrive with a restart)."""
    global _vocabulary_loaded
    if not _vocabulary_loaded:
        words: list[str] = []
        for item in CatalogueItem.objects.only("name", "keywords", "synonyms"):
            words.append(item.name)
            words.extend(item.keyword_list())
            words.extend(item.synonym_list())
        add_words(words)
        _vocabulary_loaded = True


def search_terms_with_catalogue(text: str) -> list[str]:
    """Search terms for a query, the tokenizer taught the catalogue's words first."""
    teach_catalogue_words()
    return search_terms(text)


def attribute_specs(item: CatalogueItem) -> list[AttributeSpec]:
    """The questions the item asks whoever reports it, in their order (prefetch
    ``attributes`` to read many items' in one query)."""
    rows = sorted(item.attributes.all(), key=lambda a: (a.order, a.code))
    return [
        AttributeSpec(
            code=a.code,
            datatype=a.datatype,
            description=a.description,
            required=a.required,
            order=a.order,
            values=tuple((str(k), str(n)) for k, n in a.values),
        )
        for a in rows
    ]
