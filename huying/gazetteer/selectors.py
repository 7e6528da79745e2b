"""Reads of the gazetteer: the matcher over all of it, loaded once."""

from __future__ import annotations

from huying.gazetteer.matching import Matcher, Spot
from huying.gazetteer.models import Entry
from huying.org.models import OrgUnit

K = OrgUnit.Kind


def spots() -> list[Spot]:
    """Every entry as the matcher reads it: one query."""
    rows = Entry.objects.values_list(
        "id",
        "kind",
        "name",
        "grid_id",
        "community_id",
        "aliases",
        "number_from",
        "number_to",
        "parity",
        "lat",
        "lng",
    )
    return [
        Spot(pk, kind, name, grid, community, tuple(aliases or ()), low, high, parity, lat, lng)
        for pk, kind, name, grid, community, aliases, low, high, parity, lat, lng in rows
    ]


def district_prefixes() -> list[str]:
    """The names an address may start with that say nothing within the district: the
    district's and the streets' (锦城区, 锦官驿街道). Not a street's short name (锦官驿):
    it starts place names too (锦官驿广场)."""
    units = OrgUnit.objects.filter(kind__in=[K.DISTRICT, K.STREET], is_active=True)
    return sorted(set(units.values_list("name", flat=True)))


def matcher(*, threshold: float | None = None) -> Matcher:
    """The whole gazetteer as a matcher: build one per import (two queries), then locate
    every row with no query."""
    if threshold is None:
        return Matcher(spots(), prefixes=district_prefixes())
    return Matcher(spots(), prefixes=district_prefixes(), threshold=threshold)
