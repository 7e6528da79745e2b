"""Reads of the gazetteer: the matcher over all of it, loaded once."""

from __future__ import annotations

from django.db.models import QuerySet

from huying.cases.models import Case
from huying.cases.queues import unplaced
from huying.gazetteer.matching import Matcher, Spot, normalise
from huying.gazetteer.models import Entry
from huying.org.actors import under
from huying.org.models import OrgUnit

#: Waiting cases compared with one address at most (the queue's oldest first).
ALIKE_SCAN = 2000

K = OrgUnit.Kind


def spots(reach: str = "") -> list[Spot]:
    """Every entry of the district (``reach``, its path prefix; "" every district's) as the
    matcher reads it: one query."""
    rows = Entry.objects.filter(under("community__path", reach)).values_list(
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


def matcher(*, reach: str = "", threshold: float | None = None) -> Matcher:
    """The district's gazetteer (``reach``; "" the whole installation's) as a matcher: build
    one per import (two queries), then locate every row with no query."""
    if threshold is None:
        return Matcher(spots(reach), prefixes=district_prefixes())
    return Matcher(spots(reach), prefixes=district_prefixes(), threshold=threshold)


def unplaced_alike(visible: QuerySet[Case], case: Case) -> list[Case]:
    """The other cases waiting in the 待定位 queue (of ``visible``: those the person may see) whose address reads the same as ``case``'s, written however (spaces,
    full-width digits, the district's name in front): the hub places them together."""
    if not case.address.strip():
        return []
    prefixes = district_prefixes()
    mine = normalise(case.address, prefixes)
    others = unplaced(visible).exclude(pk=case.pk).exclude(address="")
    return [
        other
        for other in others.only("pk", "number", "address", "version")[:ALIKE_SCAN]
        if normalise(other.address, prefixes) == mine
    ]
