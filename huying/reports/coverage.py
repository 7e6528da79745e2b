"""网格覆盖: the grid ladder's figures per street / community / grid — its four tiers in
place (the street's grid centre, community grid leaders, grid workers, informants), informants
per grid worker against the target (``HUYING_INFORMANTS_PER_WORKER``), street chiefs on duty,
and their reports in a month (and how many of those the grid settled itself). Read by the
coverage page, its XLSX export and the API.

A report counts for the reporter's own grid — the one an informant or chief is bound to — not
for the grid it is located in: the figures say how active each grid's ladder is, and an
informant who reports across the grid's edge still reports for his grid. A report whose
reporter holds no such role (or none any more) counts where it is located."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import datetime
from decimal import ROUND_HALF_UP, Decimal

from django.conf import settings
from django.db.models import (
    BooleanField,
    Count,
    ExpressionWrapper,
    F,
    IntegerField,
    OuterRef,
    Q,
    Subquery,
)
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from huying.cases.models import Case, Route, Source, Tier
from huying.core.errors import InvalidInput, NotFound, PermissionDenied
from huying.core.replicas import lagging_reads
from huying.org.actors import Actor
from huying.org.models import OrgUnit, Role, RoleGrant
from huying.reports.tabulate import COUNT, PER_MILLE, Cell, Column, Row, Table, show

K = OrgUnit.Kind
TERRITORY = (K.DISTRICT, K.STREET, K.COMMUNITY, K.GRID)
#: The ladder's reports, by their channel, and the role that binds their reporter to a grid.
LADDER_REPORTERS = {Source.INFORMANT: Role.GRID_INFORMANT, Source.STREET_CHIEF: Role.STREET_CHIEF}
#: The ladder's staff above the grids: placed at a street, or a community (or grid).
ABOVE_GRIDS = (Role.GRID_CENTRE, Role.GRID_LEADER)


@dataclass(frozen=True)
class Figures:
    unit: OrgUnit
    grids: int = 0
    # None below a street, where the street's grid centre is not counted.
    grid_centre: int | None = None
    grid_leaders: int = 0
    workers: int = 0
    grids_without_worker: int = 0
    informants: int = 0
    suspended: int = 0
    chiefs: int = 0
    informant_reports: int = 0
    chief_reports: int = 0
    settled_at_grid: int = 0

    @property
    def per_worker(self) -> Decimal | None:
        if not self.workers:
            return None
        return (Decimal(self.informants) / self.workers).quantize(Decimal("0.1"), ROUND_HALF_UP)

    @property
    def shortfall(self) -> int:
        """Informants still to enrol for every grid worker to reach the target."""
        return max(0, settings.HUYING_INFORMANTS_PER_WORKER * self.workers - self.informants)


@dataclass(frozen=True)
class Coverage:
    unit: OrgUnit
    trail: list[OrgUnit]  # from the reader's own node down to ``unit``: the way back up
    rows: list[Figures]
    total: Figures
    month: tuple[int, int]


def _top(actor: Actor, unit_id: int | None) -> OrgUnit:
    """The highest node the reader may open: its own territory, or its district (a hub's,
    a department's); a city role's, the district of the unit it asks for (the first
    district when it asks for none)."""
    if not actor.reads_coverage:
        raise PermissionDenied(_("当前角色不能查看网格覆盖情况"))
    if actor.unit.kind in TERRITORY:
        return actor.unit
    district_id = actor.district_id
    if district_id is None and unit_id is not None:
        asked = OrgUnit.objects.filter(pk=unit_id, kind__in=TERRITORY).only("path").first()
        if asked is None:
            raise NotFound(_("单位不存在或不在您的管辖范围"))
        district_id = asked.district_id
    districts = OrgUnit.objects.filter(kind=K.DISTRICT).defer("boundary")
    if district_id is not None:
        districts = districts.filter(pk=district_id)
    district = districts.order_by("code").first()
    if district is None:
        raise NotFound(_("系统尚未建立辖区"))
    return district


@lagging_reads()
def coverage(actor: Actor, *, unit_id: int | None, year: int, month: int) -> Coverage:
    """The figures for ``unit`` (the reader's own node when None) by the units one level
    down — the grids themselves for a community, the grid alone for a grid."""
    top = _top(actor, unit_id)
    if not (2000 <= year <= 2100 and 1 <= month <= 12):
        raise InvalidInput(_("月份无效"), field="month")
    unit = top
    if unit_id is not None:
        found = OrgUnit.objects.filter(
            pk=unit_id, kind__in=TERRITORY, path__startswith=top.path
        ).first()
        if found is None:
            raise NotFound(_("单位不存在或不在您的管辖范围"))
        unit = found
    children = list(
        OrgUnit.objects.filter(parent=unit, kind__in=TERRITORY, is_active=True)
        .defer("boundary")
        .order_by("code")
    )
    if unit.kind == K.GRID or not children:
        children = [unit]
    tz = timezone.get_current_timezone()
    start = datetime(year, month, 1, tzinfo=tz)
    end = datetime(year + month // 12, month % 12 + 1, 1, tzinfo=tz)
    per_grid = _per_grid(unit, start, end)
    above = _above_grids(unit)
    rows = [
        _sum(child, [f for path, f in per_grid if path.startswith(child.path)], above)
        for child in children
    ]
    trail = [
        u
        for u in OrgUnit.objects.filter(kind__in=TERRITORY).defer("boundary").order_by("depth")
        if unit.path.startswith(u.path) and u.path.startswith(top.path)
    ]
    total = _sum(unit, [f for _p, f in per_grid], above)
    return Coverage(unit, trail, rows, total, (year, month))


def _per_grid(unit: OrgUnit, start: datetime, end: datetime) -> list[tuple[str, Counter[str]]]:
    grids = list(
        OrgUnit.objects.filter(kind=K.GRID, is_active=True, path__startswith=unit.path).values_list(
            "pk", "path"
        )
    )
    ids = [pk for pk, _path in grids]
    people = Counter[tuple[int, str, bool]]()
    for grid_id, role, active, n in (
        RoleGrant.objects.filter(
            unit_id__in=ids,
            role__in=[Role.GRID_WORKER, Role.GRID_INFORMANT, Role.STREET_CHIEF],
        )
        .values_list("unit_id", "role", "is_active")
        .annotate(n=Count("user", distinct=True))
    ):
        people[(grid_id, role, active)] += n
    reports = Counter[tuple[int, str]]()
    settled = Counter[int]()
    at_grid = ExpressionWrapper(Q(tier=Tier.GRID, route=Route.SELF), output_field=BooleanField())
    for source, role in LADDER_REPORTERS.items():
        bound = RoleGrant.objects.filter(role=role, unit__kind=K.GRID)
        home = bound.filter(user_id=OuterRef("reporter_id")).order_by("pk").values("unit_id")[:1]
        month = (
            Case.objects.filter(source=source, reported_at__gte=start, reported_at__lt=end)
            .filter(
                Q(reporter__in=bound.filter(unit_id__in=ids).values("user_id")) | Q(grid_id__in=ids)
            )
            .annotate(
                home=Coalesce(Subquery(home), F("grid_id"), output_field=IntegerField()),
                at_grid=at_grid,
            )
            .filter(home__in=ids)
        )
        for grid_id, settled_here, n in month.values_list("home", "at_grid").annotate(
            n=Count("pk")
        ):
            reports[(grid_id, source)] += n
            if settled_here:
                settled[grid_id] += n
    out = []
    for pk, path in grids:
        workers = people[(pk, Role.GRID_WORKER, True)]
        out.append(
            (
                path,
                Counter(
                    grids=1,
                    workers=workers,
                    grids_without_worker=int(not workers),
                    informants=people[(pk, Role.GRID_INFORMANT, True)],
                    suspended=people[(pk, Role.GRID_INFORMANT, False)],
                    chiefs=people[(pk, Role.STREET_CHIEF, True)],
                    informant_reports=reports[(pk, Source.INFORMANT)],
                    chief_reports=reports[(pk, Source.STREET_CHIEF)],
                    settled_at_grid=settled[pk],
                ),
            )
        )
    return out


def _above_grids(unit: OrgUnit) -> list[tuple[str, str, int]]:
    """(unit path, role, user) of the grid centre's and grid leaders' active grants at or
    below ``unit``: a row counts the people placed at its unit or below it."""
    return list(
        RoleGrant.objects.filter(
            role__in=ABOVE_GRIDS, is_active=True, unit__path__startswith=unit.path
        )
        .values_list("unit__path", "role", "user_id")
        .distinct()
    )


def _sum(unit: OrgUnit, parts: list[Counter[str]], above: list[tuple[str, str, int]]) -> Figures:
    total = Counter[str]()
    for part in parts:
        total.update(part)

    def people(role: str) -> int:
        return len({u for path, r, u in above if r == role and path.startswith(unit.path)})

    centre = people(Role.GRID_CENTRE) if unit.kind in (K.DISTRICT, K.STREET) else None
    return Figures(unit, grid_centre=centre, grid_leaders=people(Role.GRID_LEADER), **total)


# --- as a table (the page's figures and the XLSX) ------------------------------------------------

COLUMNS = (
    Column("grids", gettext_lazy("网格数"), COUNT, sortable=False),
    Column("grid_centre", gettext_lazy("街道网格中心"), COUNT, sortable=False),
    Column("grid_leaders", gettext_lazy("社区网格长"), COUNT, sortable=False),
    Column("workers", gettext_lazy("在岗网格员"), COUNT, sortable=False),
    Column("grids_without_worker", gettext_lazy("缺网格员的网格"), COUNT, sortable=False),
    Column("informants", gettext_lazy("在岗信息员"), COUNT, sortable=False),
    Column("per_worker", gettext_lazy("人均信息员"), PER_MILLE, sortable=False),
    Column("shortfall", gettext_lazy("距目标缺口"), COUNT, sortable=False),
    Column("suspended", gettext_lazy("已暂停信息员"), COUNT, sortable=False),
    Column("chiefs", gettext_lazy("街长"), COUNT, sortable=False),
    Column("informant_reports", gettext_lazy("信息员本月上报"), COUNT, sortable=False),
    Column("chief_reports", gettext_lazy("街长本月上报"), COUNT, sortable=False),
    Column("settled_at_grid", gettext_lazy("其中网格就地解决"), COUNT, sortable=False),
)


def _row(f: Figures, label: str) -> Row:
    values = [getattr(f, c.code) for c in COLUMNS]
    return Row(label, tuple(Cell(v, show(c.kind, v)) for c, v in zip(COLUMNS, values, strict=True)))


def as_table(cov: Coverage) -> Table:
    year, month = cov.month
    target = settings.HUYING_INFORMANTS_PER_WORKER
    return Table(
        title=_("网格覆盖"),
        subtitle=_("{unit} · {year}年{month}月").format(unit=cov.unit.name, year=year, month=month),
        label_header=_("单位"),
        columns=COLUMNS,
        rows=tuple(_row(f, f.unit.name) for f in cov.rows),
        total=_row(cov.total, _("合计")),
        note=_(
            "目标：每名网格员联系不少于 {target} 名网格信息员；人均信息员低于目标的单位标红。"
        ).format(target=target),
    )
