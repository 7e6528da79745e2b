"""Indicator tables and rankings as data: exactly what a page shows and its workbook holds.

No HTTP here. A ``Table`` is rows of cells, each cell a value (an int, a ``Decimal`` rate or
score, or None), the text the page shows for it, and, for a count, the drill-down link to
the cases behind it. The page and the XLSX export are both made from one ``Table``, so they
cannot disagree.

Reads: the indicator tables read ``huying.evaluation.indicators`` under the acting role's
scope (a street sees its territory, a department its own work); the rankings are published
to the whole district (一月一通报) and read ``huying.evaluation.scores`` and the street
indicators of the acting role's district as a whole, linking to the cases only where the
acting role sees them all.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, fields, replace
from decimal import ROUND_HALF_UP, Decimal
from typing import Any, TypeVar

from django.conf import settings
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from huying.core.errors import InvalidInput, NotFound, PermissionDenied
from huying.core.i18n import join_list
from huying.core.replicas import lagging_reads
from huying.evaluation import indicators as ind
from huying.evaluation import scores
from huying.evaluation.aggregate import Family, Reader, Rows
from huying.evaluation.drilldown import DrillDown, period_label, period_params
from huying.evaluation.grouping import GroupBy, group_labels
from huying.evaluation.indicators import Part
from huying.evaluation.periods import Period
from huying.evaluation.selectors import department_of, district_of
from huying.org.actors import Actor
from huying.org.models import OrgUnit
from huying.org.roles import DEPARTMENT_ROLES, STREET_ROLES

# --- cells and formats ---------------------------------------------------------------------------

COUNT, RATE, PER_MILLE, SCORE, RANK = "count", "rate", "per_mille", "score", "rank"
DASH = "—"
UNRANKED = gettext_lazy("评议件数不足，不排名")
STREET_UNRANKED = gettext_lazy("件数不足，不排名")
NO_ANNUAL = gettext_lazy("缺少年度评价，不排名")


def show(kind: str, value: Any) -> str:
    """A value as the page shows it: rates in percent to one decimal, scores to two, "—"
    for nothing (no denominator, no score)."""
    if value is None:
        return DASH
    if kind == RATE:
        return f"{(Decimal(value) * 100).quantize(Decimal('0.1'), ROUND_HALF_UP)}%"
    if kind == PER_MILLE:
        return f"{Decimal(value).quantize(Decimal('0.1'), ROUND_HALF_UP)}"
    if kind == SCORE:
        return f"{Decimal(value).quantize(Decimal('0.01'), ROUND_HALF_UP)}"
    return str(value)


@dataclass(frozen=True)
class Column:
    code: str
    header: Any  # lazy: in the language of the page or workbook
    kind: str
    sortable: bool = True


@dataclass(frozen=True)
class Cell:
    value: Any  # int | Decimal | None; for an unranked rank, None with ``text`` saying why
    text: str
    url: str | None = None


@dataclass(frozen=True)
class Row:
    label: str
    cells: tuple[Cell, ...]
    url: str | None = None  # the label's link: the same table one territorial level down
    key: Any = None  # the group's key (a unit's id) where the API names the row by it


@dataclass(frozen=True)
class Table:
    title: str  # 结案 / 部门月度考评 …
    subtitle: str  # 2026年3月 · 按街道
    label_header: str  # 街道 / 部门 …
    columns: tuple[Column, ...]
    rows: tuple[Row, ...]
    total: Row | None = None
    note: str = ""
    sort: str = ""  # the column code it is sorted by, "-" first for descending


# --- the indicator tables ------------------------------------------------------------------------


@dataclass(frozen=True)
class Metric:
    """One column of an indicator table: the row attribute it shows and, for a count, the
    indicator part whose cases it drills down to."""

    code: str
    header: Any
    kind: str
    drill: tuple[str, Part] | None = None


def _count(attr: str, header: Any, indicator: str, part: Part) -> Metric:
    return Metric(attr, header, COUNT, (indicator, part))


def _rate(attr: str, header: Any, kind: str = RATE) -> Metric:
    return Metric(attr, header, kind)


N: Part = "numerator"
D: Part = "denominator"


@dataclass(frozen=True)
class CompositeRow:
    """三率 with the counts behind each rate (from the response and outcome families)."""

    key: Any
    response: ind.ResponseRow | None
    outcome: ind.OutcomeRow | None

    @property
    def rates(self) -> ind.ThreeRatesRow:
        return ind.ThreeRatesRow(
            key=self.key,
            response_rate=self.response.response_rate if self.response else None,
            resolution_rate=self.outcome.resolution_rate if self.outcome else None,
            satisfaction_rate=self.outcome.satisfaction_rate if self.outcome else None,
        )

    @property
    def due_report_ins(self) -> int:
        return self.response.due_report_ins if self.response else 0

    @property
    def on_time_responses(self) -> int:
        return self.response.on_time_responses if self.response else 0

    @property
    def reported(self) -> int:
        return self.outcome.reported if self.outcome else 0

    @property
    def resolved(self) -> int:
        return self.outcome.resolved if self.outcome else 0

    @property
    def follow_ups(self) -> int:
        return self.outcome.follow_ups if self.outcome else 0

    @property
    def content(self) -> int:
        return self.outcome.content if self.outcome else 0

    @property
    def response_rate(self) -> Decimal | None:
        return self.rates.response_rate

    @property
    def resolution_rate(self) -> Decimal | None:
        return self.rates.resolution_rate

    @property
    def satisfaction_rate(self) -> Decimal | None:
        return self.rates.satisfaction_rate

    @property
    def score(self) -> Decimal | None:
        return self.rates.score


@lagging_reads()
def composite(*, period: Period, by: str, actor: Reader) -> list[CompositeRow]:
    """Two queries, as ``indicators.three_rates``, keeping the counts."""
    responses = {r.key: r for r in ind.response(period=period, by=by, actor=actor)}
    outcomes = {r.key: r for r in ind.outcome(period=period, by=by, actor=actor)}
    keys = sorted(responses.keys() | outcomes.keys(), key=lambda k: (k is None, k or 0))
    return [CompositeRow(k, responses.get(k), outcomes.get(k)) for k in keys]


@dataclass(frozen=True)
class TableSpec:
    code: str
    label: Any
    families: tuple[Family, ...]
    metrics: tuple[Metric, ...]
    read: Callable[..., Sequence[Any]]  # (period=, by=, actor=) → rows with ``key``
    default_by: str = GroupBy.STREET

    @property
    def groups(self) -> list[str]:
        """The groupings every family of the table can make, in GroupBy's order."""
        return [g for g in GroupBy.values if all(g in f.groups for f in self.families)]

    def partitions(self, by: str) -> bool:
        """Whether the groups split the district's rows, each row in one group, so the
        district's figures are the table's total. A case has several departments (or none)
        and only grid workers' reports have a grid worker."""
        if by == GroupBy.GRID_WORKER:
            return False
        if by == GroupBy.DEPARTMENT:
            return all(f.rows is not Rows.CASES for f in self.families)
        return True


TABLES: dict[str, TableSpec] = {
    t.code: t
    for t in (
        TableSpec(
            "closure",
            gettext_lazy("结案"),
            (ind.CLOSURE,),
            (
                _count("closed", gettext_lazy("结案数"), "completion", N),
                _count("on_time_closed", gettext_lazy("按期结案数"), "on_time_completion", N),
                _count("due", gettext_lazy("应结案数"), "completion", D),
                _rate("completion", gettext_lazy("结案率")),
                _rate("on_time_completion", gettext_lazy("按期结案率")),
            ),
            ind.closure,
        ),
        TableSpec(
            "handling",
            gettext_lazy("处置"),
            (ind.HANDLING,),
            (
                _count("due", gettext_lazy("应处置数"), "handling_rate", D),
                _count("handled", gettext_lazy("处置数"), "handling_rate", N),
                _count("on_time_handled", gettext_lazy("按期处置数"), "on_time_handling_rate", N),
                _count(
                    "overdue_unhandled",
                    gettext_lazy("超期未处置数"),
                    "overdue_unhandled_rate",
                    N,
                ),
                _count("reworked", gettext_lazy("返工数"), "rework_rate", N),
                _count("extended", gettext_lazy("延期数"), "extension_rate", N),
                _rate("handling_rate", gettext_lazy("处置率")),
                _rate("on_time_handling_rate", gettext_lazy("按期处置率")),
                _rate("overdue_unhandled_rate", gettext_lazy("超期未处置率")),
                _rate("rework_rate", gettext_lazy("返工率")),
                _rate("extension_rate", gettext_lazy("延期率")),
            ),
            ind.handling,
            GroupBy.DEPARTMENT,
        ),
        TableSpec(
            "response",
            gettext_lazy("响应"),
            (ind.RESPONSE,),
            (
                _count("due_report_ins", gettext_lazy("应报到数"), "response_rate", D),
                _count("on_time_responses", gettext_lazy("按时响应数"), "response_rate", N),
                _count("report_ins", gettext_lazy("报到数"), "report_in_timeliness", D),
                _count("on_time_report_ins", gettext_lazy("按时报到数"), "report_in_timeliness", N),
                _rate("response_rate", gettext_lazy("响应率")),
                _rate("report_in_timeliness", gettext_lazy("报到及时率")),
            ),
            ind.response,
            GroupBy.DEPARTMENT,
        ),
        TableSpec(
            "outcome",
            gettext_lazy("满意与解决"),
            (ind.OUTCOME,),
            (
                _count("follow_ups", gettext_lazy("有效回访数"), "satisfaction_rate", D),
                _count("content", gettext_lazy("满意和基本满意数"), "satisfaction_rate", N),
                _rate("satisfaction_rate", gettext_lazy("满意率")),
                _count("reported", gettext_lazy("受理数"), "resolution_rate", D),
                _count("resolved", gettext_lazy("已解决数"), "resolution_rate", N),
                _rate("resolution_rate", gettext_lazy("解决率")),
            ),
            ind.outcome,
        ),
        TableSpec(
            "tiers",
            gettext_lazy("分级办结（小事不出网格）"),
            (ind.TIERS,),
            (
                _count("closed", gettext_lazy("结案数"), "grid_share", D),
                _count("grid", gettext_lazy("网格办结"), "grid_share", N),
                _count("community", gettext_lazy("社区办结"), "community_share", N),
                _count("street", gettext_lazy("街道办结"), "street_share", N),
                _count("above", gettext_lazy("街道以上办结"), "above_share", N),
                _rate("grid_share", gettext_lazy("小事不出网格率")),
                _rate("in_community_share", gettext_lazy("大事不出社区率")),
                _rate("in_street_share", gettext_lazy("重大事情不出街道率")),
                _rate("above_share", gettext_lazy("街道以上办结占比")),
            ),
            ind.tiers,
        ),
        TableSpec(
            "calls",
            gettext_lazy("呼叫"),
            (ind.CALLS, ind.OUTCOME),
            (
                _count("calls", gettext_lazy("呼叫数"), "call_accuracy", D),
                _count("accurate", gettext_lazy("准确呼叫数"), "call_accuracy", N),
                _rate("call_accuracy", gettext_lazy("呼叫准确度")),
                _count("cases", gettext_lazy("受理事件数"), "whistle_rate", D),
                _rate("whistle_rate", gettext_lazy("吹哨率（每千件）"), PER_MILLE),
            ),
            ind.calls,
        ),
        TableSpec(
            "reports",
            gettext_lazy("上报"),
            (ind.REPORTS,),
            (
                _count("reports", gettext_lazy("上报数"), "valid_report_rate", D),
                _count("valid_reports", gettext_lazy("有效上报数"), "valid_report_rate", N),
                _rate("valid_report_rate", gettext_lazy("有效上报率")),
            ),
            ind.reports,
            GroupBy.GRID,
        ),
        TableSpec(
            "verification",
            gettext_lazy("核查"),
            (ind.VERIFICATION,),
            (
                _count("verifications", gettext_lazy("核查数"), "on_time_verification_rate", D),
                _count(
                    "on_time_verifications",
                    gettext_lazy("按时核查数"),
                    "on_time_verification_rate",
                    N,
                ),
                _rate("on_time_verification_rate", gettext_lazy("按时核查率")),
            ),
            ind.verification,
        ),
        TableSpec(
            "suggestions",
            gettext_lazy("研判建议"),
            (ind.SUGGESTIONS,),
            (
                _count("suggested_triages", gettext_lazy("研判数"), "suggestion_top1_rate", D),
                _count("taken_first", gettext_lazy("采纳首位数"), "suggestion_top1_rate", N),
                _count("taken_in_three", gettext_lazy("采纳前三数"), "suggestion_top3_rate", N),
                _rate("suggestion_top1_rate", gettext_lazy("建议采纳率（首位）")),
                _rate("suggestion_top3_rate", gettext_lazy("建议采纳率（前三）")),
            ),
            ind.suggestions,
        ),
        TableSpec(
            "three_rates",
            gettext_lazy("三率综合"),
            (ind.RESPONSE, ind.OUTCOME),
            (
                _count("due_report_ins", gettext_lazy("应报到数"), "response_rate", D),
                _count("on_time_responses", gettext_lazy("按时响应数"), "response_rate", N),
                _rate("response_rate", gettext_lazy("响应率")),
                _count("reported", gettext_lazy("受理数"), "resolution_rate", D),
                _count("resolved", gettext_lazy("已解决数"), "resolution_rate", N),
                _rate("resolution_rate", gettext_lazy("解决率")),
                _count("follow_ups", gettext_lazy("有效回访数"), "satisfaction_rate", D),
                _count("content", gettext_lazy("满意和基本满意数"), "satisfaction_rate", N),
                _rate("satisfaction_rate", gettext_lazy("满意率")),
                _rate("score", gettext_lazy("综合得分"), SCORE),
            ),
            composite,
        ),
    )
}

NO_TOTAL: dict[str, Any] = {
    GroupBy.DEPARTMENT: gettext_lazy(
        "按部门分组时，一件事件可计入多个部门（也可不属任何部门），不列合计。"
    ),
    GroupBy.GRID_WORKER: gettext_lazy("按网格员分组只计网格员本人上报的事件，不列合计。"),
}


def sort_rows(rows: list[Row], columns: Sequence[Column], sort: str) -> list[Row]:
    """By the column ``sort`` names (``-code``: largest first); rows without a value last,
    ties in their original order."""
    code = sort.lstrip("-")
    index = next((i for i, c in enumerate(columns) if c.code == code), None)
    if index is None:
        return rows
    present = [r for r in rows if r.cells[index].value is not None]
    absent = [r for r in rows if r.cells[index].value is None]
    present.sort(key=lambda r: r.cells[index].value, reverse=sort.startswith("-"))
    return present + absent


def _row(
    spec: TableSpec, obj: Any, *, label: str, by: str, period: Period, linked: bool = True
) -> Row:
    cells = []
    for m in spec.metrics:
        value = getattr(obj, m.code)
        url = None
        if m.drill and linked and value:  # nothing behind a zero
            indicator, part = m.drill
            url = DrillDown(indicator, part, by, obj.key, period).url()
        cells.append(Cell(value, show(m.kind, value), url))
    return Row(label, tuple(cells))


#: Territorial drill-down: a street's row opens its communities, a community's its grids
#: (and a grid's counts open the cases).
LEVEL_BELOW: dict[str, str] = {GroupBy.STREET: GroupBy.COMMUNITY, GroupBy.COMMUNITY: GroupBy.GRID}
#: The grouping whose rows are units of each kind ``within`` may name.
WITHIN_GROUP: dict[str, str] = {
    OrgUnit.Kind.STREET: GroupBy.STREET,
    OrgUnit.Kind.COMMUNITY: GroupBy.COMMUNITY,
}
#: The groupings a drill-down into a unit of each kind may show: the levels below it.
WITHIN_BELOW: dict[str, tuple[str, ...]] = {
    OrgUnit.Kind.STREET: (GroupBy.COMMUNITY, GroupBy.GRID),
    OrgUnit.Kind.COMMUNITY: (GroupBy.GRID,),
}
_LINE_KINDS = (OrgUnit.Kind.STREET, OrgUnit.Kind.COMMUNITY, OrgUnit.Kind.GRID)


def within_unit(actor: Actor, unit_id: int) -> OrgUnit:
    """The street or community a drill-down opens, in the actor's scope: a street's, a
    community's or a grid's staff only on their own line (their node, above or below it:
    the streets' row of their own street opens its communities); another street's is
    absent, as a case of it is. Roles that read across streets (the hub, departments, the
    district) open any of the district's; another district's is absent to all but the
    city's roles."""
    unit = OrgUnit.objects.filter(pk=unit_id, kind__in=list(WITHIN_GROUP)).defer("boundary").first()
    own = actor.unit.path
    if (
        unit is None
        or not actor.reaches(unit.path)
        or (
            not actor.sees_all
            and actor.unit.kind in _LINE_KINDS
            and not (unit.path.startswith(own) or own.startswith(unit.path))
        )
    ):
        raise NotFound(_("街道或社区不存在或不在您的范围内"))
    return unit


def level_url(spec: TableSpec, *, period: Period, by: str, within: int | None = None) -> str:
    """The indicator page showing ``spec`` by ``by`` (within one street or community)."""
    query = {"table": spec.code, "by": by, **period_params(period)}
    if within is not None:
        query["within"] = str(within)
    return f"{reverse('reports:indicators')}?{urlencode(query)}"


def _below_url(spec: TableSpec, by: str, key: Any, period: Period) -> str | None:
    below = LEVEL_BELOW.get(by)
    if below is None or key is None or below not in spec.groups:
        return None
    return level_url(spec, period=period, by=below, within=key)


D_ = TypeVar("D_")


def summed(rows: Sequence[D_], *, key: Any) -> D_:
    """Rows of one kind (an indicator's counts: ints, or such rows, or None) added up, as the
    row of ``key``: a grouping that splits the rows sums to the whole."""
    first = rows[0]
    values: dict[str, Any] = {"key": key}
    for f in fields(first):  # type: ignore[arg-type]
        if f.name == "key":
            continue
        parts = [getattr(r, f.name) for r in rows]
        present = [p for p in parts if p is not None]
        if not present:
            values[f.name] = None
        elif isinstance(present[0], int):
            values[f.name] = sum(present)
        else:
            values[f.name] = summed(present, key=key)
    return replace(first, **values)  # type: ignore[type-var]


@lagging_reads()
def indicator_table(
    spec: TableSpec,
    *,
    period: Period,
    by: str,
    actor: Actor,
    sort: str = "",
    within: OrgUnit | None = None,
) -> Table:
    """One indicator table for the actor's scope: its groups, then the total (the district's
    figures in the actor's scope, when the groups split them). ``within`` (a street or a
    community) keeps the groups inside it, and its own figures are the total."""
    objs = spec.read(period=period, by=by, actor=actor)
    if within is not None:
        inside = set(
            OrgUnit.objects.filter(path__startswith=within.path).values_list("pk", flat=True)
        )
        objs = [o for o in objs if o.key in inside]
    labels = group_labels(by, [o.key for o in objs])
    columns = tuple(Column(m.code, m.header, m.kind) for m in spec.metrics)
    rows = [
        replace(
            _row(spec, o, label=labels.get(o.key, str(o.key)), by=by, period=period),
            url=_below_url(spec, by, o.key, period),
            key=o.key,
        )
        for o in objs
    ]
    total, note = None, ""
    if within is not None:
        level = WITHIN_GROUP[within.kind]
        mine = [o for o in spec.read(period=period, by=level, actor=actor) if o.key == within.pk]
        if mine:
            total = replace(
                _row(spec, mine[0], label=_("合计"), by=level, period=period), key=within.pk
            )
    elif by != GroupBy.DISTRICT and spec.partitions(by) and actor.district_id is not None:
        # The groups split the district's rows: their sum is its figures (read again, the
        # month's cases cost as much as the table).
        if objs:
            whole = summed(objs, key=actor.district_id)
            total = _row(spec, whole, label=_("合计"), by=GroupBy.DISTRICT, period=period)
    elif by != GroupBy.DISTRICT and spec.partitions(by):
        whole = spec.read(period=period, by=GroupBy.DISTRICT, actor=actor)
        if len(whole) == 1:
            total = _row(spec, whole[0], label=_("合计"), by=GroupBy.DISTRICT, period=period)
    elif by != GroupBy.DISTRICT:
        note = str(NO_TOTAL[by])
    return Table(
        title=str(spec.label),
        subtitle=_("%(period)s · 按%(by)s")
        % {
            "period": period_label(period) + (f" · {within.name}" if within is not None else ""),
            "by": GroupBy(by).label,
        },
        label_header=str(GroupBy(by).label),
        columns=columns,
        rows=tuple(sort_rows(rows, columns, sort)),
        total=total,
        note=note,
        sort=sort,
    )


@dataclass(frozen=True)
class TierView:
    table: Table
    by: str  # the grouping its rows are
    within: OrgUnit | None  # the street or community drilled into


@lagging_reads()
def tier_table(
    actor: Actor, *, period: Period, unit_id: int | None = None, by: str | None = None
) -> TierView:
    """分级办结 (小事不出网格、大事不出社区、重大事情不出街道) as the indicator page shows it:
    by street, or, drilled into a street or community (``unit_id``), by the level below it
    (``by`` picks communities or grids in a street). Residents, informants and chiefs have
    no figures to read."""
    if actor.is_reporter:
        raise PermissionDenied(_("当前角色不能查看指标"))
    within = within_unit(actor, unit_id) if unit_id is not None else None
    if within is None:
        by = by or GroupBy.STREET
    else:
        levels = WITHIN_BELOW[within.kind]
        by = by or levels[0]
        if by not in levels:
            raise InvalidInput(
                _("%(unit)s只能按%(levels)s分组")
                % {"unit": within.name, "levels": join_list(GroupBy(b).label for b in levels)},
                field="by",
            )
    table = indicator_table(TABLES["tiers"], period=period, by=by, actor=actor, within=within)
    return TierView(table, by, within)


# --- rankings ------------------------------------------------------------------------------------


def _rank_cell(rank: int | None, why: Any) -> Cell:
    return Cell(rank, str(rank) if rank is not None else str(why))


def _department_cases_url(actor: Actor, department_id: int, cases: int) -> str | None:
    """The department's cases in the case list (its existing department filter), for a role
    that sees them all: the district's, or the department's own staff for its own row."""
    if not cases:
        return None
    own = actor.role in DEPARTMENT_ROLES and department_of(actor.unit).pk == department_id
    if not (actor.sees_all or own):
        return None
    return f"{reverse('cases:list')}?{urlencode({'department': department_id})}"


def _district(actor: Actor) -> OrgUnit | None:
    return district_of(actor.unit)


T = TypeVar("T")


def _per_district(actor: Actor, read: Callable[[OrgUnit], list[T]]) -> list[tuple[str, T]]:
    """A ranking is a district's: the actor's district's, or for a city role every
    district's, each ranked on its own and its rows led by the district's name."""
    own = _district(actor)
    districts = (
        [own]
        if own is not None
        else list(OrgUnit.objects.filter(kind=OrgUnit.Kind.DISTRICT).defer("boundary"))
    )
    lead = len(districts) > 1
    return [
        (f"{d.name} · " if lead else "", s)
        for d in sorted(districts, key=lambda d: d.code)
        for s in read(d)
    ]


RANK_COLUMN = Column("rank", gettext_lazy("排名"), RANK, sortable=False)


@lagging_reads()
def monthly_ranking(*, year: int, month: int, actor: Actor) -> Table:
    """一月一考评: every department's score of the month (its field units' ratings rolled up),
    ranked under the guard."""
    listed = _per_district(
        actor, lambda d: scores.monthly_department_scores(year=year, month=month, district=d)
    )
    columns = (
        RANK_COLUMN,
        Column("cases", gettext_lazy("评议件数"), COUNT, sortable=False),
        Column("score", gettext_lazy("月度得分"), SCORE, sortable=False),
    )
    rows = [
        Row(
            lead + s.name,
            (
                _rank_cell(s.rank, UNRANKED),
                Cell(
                    s.cases,
                    show(COUNT, s.cases),
                    _department_cases_url(actor, s.department_id, s.cases),
                ),
                Cell(s.score, show(SCORE, s.score)),
            ),
        )
        for lead, s in listed
    ]
    return Table(
        title=_("部门月度考评（一月一考评）"),
        subtitle=period_label(Period.month(year, month)),
        label_header=_("部门"),
        columns=columns,
        rows=tuple(rows),
        note=_("评议件数少于 %(n)d 件的部门列出得分但不排名。")
        % {"n": settings.HUYING_RANKING_MIN_CASES},
    )


def _unit_table(listed: list[scores.UnitScore], title: str, subtitle: str) -> Table:
    columns = (
        RANK_COLUMN,
        Column("cases", gettext_lazy("评议件数"), COUNT, sortable=False),
        Column("score", gettext_lazy("月度得分"), SCORE, sortable=False),
    )
    rows = [
        Row(
            f"{s.name}（{s.department}）",
            (
                _rank_cell(s.rank, UNRANKED),
                Cell(s.cases, show(COUNT, s.cases)),
                Cell(s.score, show(SCORE, s.score)),
            ),
        )
        for s in listed
    ]
    return Table(
        title=title,
        subtitle=subtitle,
        label_header=_("派驻机构（所属部门）"),
        columns=columns,
        rows=tuple(rows),
        note=_(
            "街道对派驻机构单独评议；评议件数少于 %(n)d 件的不排名。"
            "派驻机构的评议同时计入所属部门的月度得分（按评议件数加权）。"
        )
        % {"n": settings.HUYING_RANKING_MIN_CASES},
    )


@lagging_reads()
def unit_rankings(*, year: int, month: int, actor: Actor) -> list[Table]:
    """派驻机构一月一考评: the district's field units ranked on the streets' ratings of the
    month, then, street by street, the units that street rated (where they were stationed)."""
    district = _district(actor)
    subtitle = period_label(Period.month(year, month))
    ranked = _per_district(
        actor, lambda d: scores.monthly_unit_scores(year=year, month=month, district=d)
    )
    tables = [
        _unit_table(
            [replace(s, name=lead + s.name) for lead, s in ranked],
            _("派驻机构月度考评"),
            subtitle,
        )
    ]
    for street in _streets(district):
        listed = scores.monthly_unit_scores(
            year=year, month=month, district=district, street=street
        )
        if listed:
            title = _("%(street)s派驻机构考评") % {"street": street.name}
            tables.append(_unit_table(listed, title, subtitle))
    return tables


@lagging_reads()
def annual_ranking(*, year: int, actor: Actor) -> Table:
    """The year's score: process evaluation, the streets' reviews, the survey, the annual
    evaluation and the final score."""
    listed = _per_district(actor, lambda d: scores.annual_scores(year=year, district=d))
    columns = (
        RANK_COLUMN,
        Column("process", gettext_lazy("过程评价"), SCORE, sortable=False),
        Column("cases", gettext_lazy("评议件数"), COUNT, sortable=False),
        Column("street_review", gettext_lazy("街道年度评议"), SCORE, sortable=False),
        Column("reviews", gettext_lazy("评议街道数"), COUNT, sortable=False),
        Column("survey", gettext_lazy("群众评价"), SCORE, sortable=False),
        Column("survey_forms", gettext_lazy("问卷数"), COUNT, sortable=False),
        Column("annual", gettext_lazy("年度评价"), SCORE, sortable=False),
        Column("score", gettext_lazy("年度得分"), SCORE, sortable=False),
    )
    rows = []
    for lead, s in listed:
        few = s.cases < settings.HUYING_RANKING_MIN_CASES
        cells = [_rank_cell(s.rank, UNRANKED if few else NO_ANNUAL)]
        for c in columns[1:]:
            value = getattr(s, c.code)
            url = None
            if c.code == "cases":
                url = _department_cases_url(actor, s.department_id, s.cases)
            cells.append(Cell(value, show(c.kind, value), url))
        rows.append(Row(lead + s.name, tuple(cells)))
    return Table(
        title=_("部门年度考评"),
        subtitle=_("%(year)d年") % {"year": year},
        label_header=_("部门"),
        columns=columns,
        rows=tuple(rows),
        note=_(
            "年度得分 = 过程评价 × %(process)s + 年度评价 × %(annual)s；"
            "年度评价 = 街道年度评议 × %(review)s + 群众评价 × %(survey)s。"
            "评议件数少于 %(n)d 件的部门不排名。"
        )
        % {
            "process": settings.HUYING_SCORE_PROCESS_WEIGHT,
            "annual": settings.HUYING_SCORE_ANNUAL_WEIGHT,
            "review": settings.HUYING_ANNUAL_REVIEW_WEIGHT,
            "survey": settings.HUYING_ANNUAL_SURVEY_WEIGHT,
            "n": settings.HUYING_RANKING_MIN_CASES,
        },
    )


@dataclass(frozen=True)
class _Ranked:
    key: int
    name: str
    obj: Any
    value: Decimal | None
    cases: int
    rank: int | None = field(default=None)


def _streets(district: OrgUnit | None) -> list[OrgUnit]:
    if district is None:
        return []
    return list(
        OrgUnit.objects.filter(
            kind=OrgUnit.Kind.STREET, is_active=True, path__startswith=district.path
        )
        .defer("boundary")
        .order_by("code")
    )


def _street_linked(actor: Actor, street_id: int) -> bool:
    """The figures are the district's; a role sees the cases behind them only for its own
    territory (or everywhere, for roles that see all)."""
    return actor.sees_all or (actor.role in STREET_ROLES and actor.unit.pk == street_id)


@lagging_reads()
def street_rankings(*, period: Period, actor: Actor) -> tuple[Table, Table]:
    """The streets by 三率综合 score, and by 结案率, over ``period``; a street with fewer
    than HUYING_RANKING_MIN_CASES cases (受理 / 应结案) is listed but not ranked."""
    district = _district(actor)
    streets = _streets(district)
    by = GroupBy.STREET
    spec3 = TABLES["three_rates"]
    spec_c = TABLES["closure"]
    # The district's figures as a whole (a street's staff see every street's row); a city
    # role, of no district, has no streets to rank.
    three: dict[int, CompositeRow] = {}
    closed: dict[int, ind.ClosureRow] = {}
    if district is not None:
        three = {r.key: r for r in composite(period=period, by=by, actor=district)}
        closed = {r.key: r for r in ind.closure(period=period, by=by, actor=district)}
    empty3 = CompositeRow(0, None, None)
    empty_c = ind.ClosureRow(key=0, closed=0, on_time_closed=0, overdue_open=0, due=0)

    def ranked(source: dict[int, Any], empty: Any, value: str, cases: str) -> list[_Ranked]:
        items = []
        for s in streets:
            obj = source.get(s.pk) or replace(empty, key=s.pk)
            items.append(_Ranked(s.pk, s.name, obj, getattr(obj, value), getattr(obj, cases)))
        return scores.rank(items, score=lambda i: i.value, cases=lambda i: i.cases)

    def table(spec: TableSpec, items: list[_Ranked], title: str) -> Table:
        columns = (RANK_COLUMN, *(Column(m.code, m.header, m.kind, False) for m in spec.metrics))
        rows = []
        for i in items:
            row = _row(
                spec,
                i.obj,
                label=i.name,
                by=by,
                period=period,
                linked=_street_linked(actor, i.key),
            )
            rows.append(Row(row.label, (_rank_cell(i.rank, STREET_UNRANKED), *row.cells)))
        return Table(
            title=title,
            subtitle=period_label(period),
            label_header=_("街道"),
            columns=columns,
            rows=tuple(rows),
        )

    by_score = ranked(three, empty3, "score", "reported")
    by_closure = ranked(closed, empty_c, "completion", "due")
    minimum = settings.HUYING_RANKING_MIN_CASES
    t1 = table(spec3, by_score, _("街道三率综合排名"))
    t2 = table(spec_c, by_closure, _("街道结案率排名"))
    return (
        replace(t1, note=_("受理数少于 %(n)d 件的街道不排名。") % {"n": minimum}),
        replace(t2, note=_("应结案数少于 %(n)d 件的街道不排名。") % {"n": minimum}),
    )
