"""What the role homes (a layer below, ``huying.cases.queues``) read from the rollups.

A street's 按社区统计 and 事件最多的网格 tables count its whole history: grouped live, that
is a scan of the street's cases (2.3 million at ten million cases, 4 s a table). The month
rows of ``Tally`` hold the same counts by community and by grid, a few hundred rows a street.
"""

from __future__ import annotations

from django.db.models import Sum

from huying.cases.hooks import UnitTotals
from huying.core.replicas import lagging_reads
from huying.org.models import OrgUnit
from huying.reports.models import Dim, Grain, Tally, TallyMark
from huying.reports.tally import MARK

#: The rollups' dimension of each case foreign key the street home breaks down by.
UNIT_DIMS = {Dim.COMMUNITY: "community", Dim.GRID: "grid"}


@lagging_reads()
def street_totals(street: OrgUnit) -> UnitTotals | None:
    """Reported and ever overdue per community and grid, as of the rollups' last refresh
    (None before their first: the home then counts live)."""
    as_of = TallyMark.objects.filter(name=MARK).values_list("refreshed_at", flat=True).first()
    if as_of is None:
        return None
    by_unit: dict[str, dict[int | None, tuple[int, int]]] = {u: {} for u in UNIT_DIMS.values()}
    rows = (
        Tally.objects.filter(grain=Grain.MONTH, scope=street, dim__in=list(UNIT_DIMS))
        .values_list("dim", "key")
        .annotate(Sum("reported"), Sum("overdue"))
        .order_by()
    )
    for dim, key, reported, overdue in rows:
        by_unit[UNIT_DIMS[Dim(dim)]][int(key) if key else None] = (reported, overdue)
    return UnitTotals(by_unit=by_unit, as_of=as_of)
