"""The supervision indicators (docs/glossary.md §4), one module of formulas.

Every indicator is a ratio of two counts taken over a period P = [start, end) and broken
down by a ``GroupBy`` (district, street, community, grid, department, catalogue class,
source channel; grid worker for the report figures). Counts come from one GROUP BY query
per *family* — indicators that share the rows they count — on SQLite and PostgreSQL alike
(``aggregate``). Every count is a named *measure* (a Q on the family's rows), so the same
condition that counted a number also finds the cases behind it:
``cases_behind(indicator, part, …)``.

Words used below, as the standards use them (数字城管 / 12345 考核口径):

- **有效事件 valid case**: not rejected (不予受理), not merged into another (已合并) and not
  split (已拆分: its parts are the valid cases, each counted once).
- **上报 report**: what reached the district, each once: a split report counts as one
  report (its parts are not new reports) and as a valid one (it was accepted).
- **结案 closed in P**: state 已结案 or 已备案 with ``closed_at`` in P (the follow-up that
  closed it). A reopened case is open again from its reopening (``closed_at`` is cleared).
- **超期 overdue by T**: the case's trail has an event, before T, in which the deadline
  sweep set its overdue flag (曾超期) — any of its clocks missed: a department's report-in
  or handling limit, the street's verification limit, or a self-handling tier's limit.
  Read from the trail, so it is what was known then, not what the flag says now.
- **在办 open at the end of P**: a valid case reported before the end and not closed before
  it: ``closed_at`` empty or at or after the end (a valid case has ``closed_at`` exactly
  when it is 已结案 or 已备案: closing sets it, reopening clears it), so that the cases
  ever overdue and not closed by the end are one index range, not every case ever overdue.
- **响应部门 responding assignment**: an assignment not withdrawn (撤回) and not returned
  (退回成立) — the misroute counts against the caller, not the department.

Rates are ``Decimal`` (exact: ``Decimal(3) / 4``), ``None`` when the denominator is 0.
A group appears only if one of its family's counts is not zero.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, Literal, TypeVar

from django.conf import settings
from django.db.models import F, OuterRef, Q, QuerySet, Subquery, Value
from django.db.models.functions import Coalesce
from django.db.models.lookups import GreaterThan
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from huying.cases.models import Case, CaseEvent, CaseState, Route, Satisfaction, Tier
from huying.core.errors import InvalidInput
from huying.evaluation.aggregate import Family, Reader, Rows, counts, measure_cases
from huying.evaluation.grouping import GroupBy
from huying.evaluation.periods import Period
from huying.evaluation.rules import NOT_RESPONDING

S = CaseState
CLOSED = (S.CLOSED, S.ARCHIVED)
#: Reports not accepted (不予受理, or folded into another case).
NOT_ACCEPTED = (S.REJECTED, S.MERGED)
#: Not cases of their own: a split report's work is in its parts.
INVALID = (*NOT_ACCEPTED, S.SPLIT)
#: The trail actions of a verification (核查): passed, or sent back for rework.
VERIFICATIONS = ("verify_pass", "rework", "rework_self")
#: The trail actions that hand a case to the street for verification.
HANDOFFS = ("results_in", "complete_self")


def ratio(numerator: int | Decimal, denominator: int) -> Decimal | None:
    return None if denominator == 0 else Decimal(numerator) / denominator


def satisfaction_rate(satisfied: int, basic: int, follow_ups: int) -> Decimal | None:
    """满意率 = (满意 + w × 基本满意) ÷ 有效回访数, w = HUYING_BASIC_SATISFIED_WEIGHT."""
    weight: Decimal = settings.HUYING_BASIC_SATISFIED_WEIGHT
    return ratio(Decimal(satisfied) + weight * basic, follow_ups)


# --- the measures, one function per family -------------------------------------------------------
# A case family's conditions take ``p``, the path from the queried model to the case ("" on
# Case; "case__" when a department's cases are counted through its assignments).


def _on_case(p: str, **lookups: Any) -> Q:
    return Q(**{f"{p}{name}": value for name, value in lookups.items()})


def _case_ref(p: str) -> str:
    return p[:-2] if p else "pk"


def _overdue_before(p: str, moment: Any, *, inclusive: bool = False) -> Q:
    """超期 by ``moment``: ``Case.first_overdue_at`` is the time of the first trail event
    that set the overdue flag, so this is what the trail knew then."""
    return _on_case(p, **{"first_overdue_at__lte" if inclusive else "first_overdue_at__lt": moment})


def _closed(period: Period, p: str) -> Q:
    return _on_case(p, state__in=CLOSED, closed_at__gte=period.start, closed_at__lt=period.end)


def _valid(p: str) -> Q:
    return ~_on_case(p, state__in=INVALID)


def _reported(period: Period, p: str) -> Q:
    return _valid(p) & _on_case(p, reported_at__gte=period.start, reported_at__lt=period.end)


def _open_at_end(period: Period, p: str) -> Q:
    not_closed = _on_case(p, closed_at__isnull=True) | _on_case(p, closed_at__gte=period.end)
    return _valid(p) & _on_case(p, reported_at__lt=period.end) & not_closed


def closure_measures(period: Period, p: str = "") -> dict[str, Q]:
    closed = _closed(period, p)
    overdue_open = _open_at_end(period, p) & _overdue_before(p, period.end)
    late = _overdue_before(p, F(f"{p}closed_at"), inclusive=True)
    return {
        "closed": closed,
        "on_time_closed": closed & ~late,
        "overdue_open": overdue_open,
        "due": closed | overdue_open,
    }


def closure_reads(period: Period, p: str = "") -> list[Q]:
    """Closed in P (``closed_at`` in P), and overdue by the end and not closed by it (the
    few cases ever overdue whose ``closed_at`` is empty or after the end)."""
    return [_closed(period, p), closure_measures(period, p)["overdue_open"]]


def tier_measures(period: Period, p: str = "") -> dict[str, Q]:
    """小事不出网格、大事不出社区、重大事情不出街道: where each case closed in P was settled.
    A case's route and tier when it closed say it (a reopening clears both, and its next
    closing says again): self-handled (``Route.SELF``) at the grid, community or street
    tier it was held at; any other route — the street's call to a department, the hub's
    dispatch, a district leader's order — went above the street. The four partition the
    closed cases (a closed case is valid)."""
    closed = _closed(period, p)
    own = closed & _on_case(p, route=Route.SELF)
    return {
        "closed": closed,
        "grid": own & _on_case(p, tier=Tier.GRID),
        "community": own & _on_case(p, tier=Tier.COMMUNITY),
        "street": own & _on_case(p, tier=Tier.STREET),
        "above": closed & ~_on_case(p, route=Route.SELF),
        "in_community": own & _on_case(p, tier__in=[Tier.GRID, Tier.COMMUNITY]),
        "in_street": own,
    }


def tier_reads(period: Period, p: str = "") -> list[Q]:
    return [_closed(period, p)]


def outcome_measures(period: Period, p: str = "") -> dict[str, Q]:
    closed = _closed(period, p)
    reported = _reported(period, p)
    return {
        "follow_ups": closed & _on_case(p, satisfaction__in=Satisfaction.values),
        "satisfied": closed & _on_case(p, satisfaction=Satisfaction.SATISFIED),
        "basic": closed & _on_case(p, satisfaction=Satisfaction.BASIC),
        "content": closed
        & _on_case(p, satisfaction__in=[Satisfaction.SATISFIED, Satisfaction.BASIC]),
        "dissatisfied": closed & _on_case(p, satisfaction=Satisfaction.DISSATISFIED),
        "reported": reported,
        "resolved": reported
        & _on_case(p, state__in=CLOSED, closed_at__lt=period.end)
        & ~_on_case(p, satisfaction=Satisfaction.DISSATISFIED),
    }


def outcome_reads(period: Period, p: str = "") -> list[Q]:
    """The follow-ups are closed in P; the reported, reported in P: two index ranges."""
    return [_closed(period, p), _reported(period, p)]


def report_measures(period: Period, p: str = "") -> dict[str, Q]:
    reports = _on_case(
        p, reported_at__gte=period.start, reported_at__lt=period.end, split_from__isnull=True
    )
    return {"reports": reports, "valid_reports": reports & ~_on_case(p, state__in=NOT_ACCEPTED)}


def handling_measures(period: Period, p: str = "") -> dict[str, Q]:
    responding = ~Q(state__in=NOT_RESPONDING)
    handled = responding & Q(result_at__gte=period.start, result_at__lt=period.end)
    unhandled_at_end = Q(result_at__isnull=True) | Q(result_at__gte=period.end)
    overdue_unhandled = (
        responding
        & Q(dispatched_at__lt=period.end, handle_due_at__lt=period.end)
        & Q(paused_remaining__isnull=True)
        & unhandled_at_end
    )
    due = handled | overdue_unhandled
    return {
        "handled": handled,
        "on_time_handled": handled & Q(result_at__lte=F("handle_due_at")),
        "overdue_unhandled": overdue_unhandled,
        "due": due,
        "reworked": handled & Q(rework_count__gt=0),
        "extended": due & Q(extension_count__gt=0),
    }


def response_measures(period: Period, p: str = "") -> dict[str, Q]:
    responding = ~Q(state__in=NOT_RESPONDING)
    due = responding & Q(report_in_due_at__gte=period.start, report_in_due_at__lt=period.end)
    reported = responding & Q(reported_in_at__gte=period.start, reported_in_at__lt=period.end)
    on_time = Q(reported_in_at__lte=F("report_in_due_at"))
    return {
        "due_report_ins": due,
        "on_time_responses": due & on_time,
        "report_ins": reported,
        "on_time_report_ins": reported & on_time,
    }


def call_measures(period: Period, p: str = "") -> dict[str, Q]:
    calls = Q(route=Route.CALL, dispatched_at__gte=period.start, dispatched_at__lt=period.end)
    return {
        "calls": calls,
        "misrouted": calls & Q(return_upheld=True),
        "accurate": calls & ~Q(return_upheld=True),
    }


def verification_measures(period: Period, p: str = "") -> dict[str, Q]:
    """On an event: a verification is late when the street's verification clock ran out
    (a 核查超期 event) after the case was last handed over for verification."""

    def last(actions: tuple[str, ...]) -> Coalesce:
        earlier = CaseEvent.objects.filter(
            case_id=OuterRef("case_id"), action__in=actions, seq__lt=OuterRef("seq")
        ).order_by("-seq")
        return Coalesce(Subquery(earlier.values("seq")[:1]), Value(0))

    verifications = Q(action__in=VERIFICATIONS, at__gte=period.start, at__lt=period.end)
    late = GreaterThan(last(("overdue",)), last(HANDOFFS))
    return {
        "verifications": verifications,
        "on_time_verifications": verifications & ~Q(late),
        "late_verifications": verifications & Q(late),
    }


def suggestion_measures(period: Period, p: str = "") -> dict[str, Q]:
    """On an event: a triage in P whose trail kept the suggestion offered for the case's text
    (``cases.services.triage``); triages from before it was kept are not counted."""
    offered = Q(action="triage", at__gte=period.start, at__lt=period.end) & Q(
        after__has_key="suggested"
    )
    return {
        "suggested_triages": offered,
        "taken_first": offered & Q(after__suggested__top1=True),
        "taken_in_three": offered & Q(after__suggested__top3=True),
    }


# --- families: which rows, which measures, which groupings ---------------------------------------


_TERRITORY = frozenset({GroupBy.DISTRICT, GroupBy.STREET, GroupBy.COMMUNITY, GroupBy.GRID})
_CASE_GROUPS = _TERRITORY | {GroupBy.CATALOGUE_CLASS, GroupBy.SOURCE}


CLOSURE = Family(
    "closure",
    Rows.CASES,
    closure_measures,
    _CASE_GROUPS | {GroupBy.DEPARTMENT},
    closure_reads,
)
OUTCOME = Family(
    "outcome",
    Rows.CASES,
    outcome_measures,
    _CASE_GROUPS | {GroupBy.DEPARTMENT},
    outcome_reads,
)
TIERS = Family("tiers", Rows.CASES, tier_measures, _CASE_GROUPS, tier_reads)
REPORTS = Family("reports", Rows.CASES, report_measures, _CASE_GROUPS | {GroupBy.GRID_WORKER})
HANDLING = Family(
    "handling", Rows.ASSIGNMENTS, handling_measures, _CASE_GROUPS | {GroupBy.DEPARTMENT}
)
# Read at once: its two ranges (report-in limits in P, report-ins in P) are both indexed,
# and PostgreSQL ORs their bitmaps; two reads would join the cases twice for a year by street.
RESPONSE = Family(
    "response", Rows.ASSIGNMENTS, response_measures, _CASE_GROUPS | {GroupBy.DEPARTMENT}
)
CALLS = Family("calls", Rows.ASSIGNMENTS, call_measures, _CASE_GROUPS | {GroupBy.DEPARTMENT})
VERIFICATION = Family("verification", Rows.EVENTS, verification_measures, _CASE_GROUPS)
SUGGESTIONS = Family("suggestions", Rows.EVENTS, suggestion_measures, _CASE_GROUPS)


def _sorted(table: dict[Any, Any]) -> list[Any]:
    """Rows in key order, the empty group last (keys of one grouping share a type)."""
    return [table[k] for k in sorted(table, key=lambda k: (k is None, 0 if k is None else k))]


# --- result rows: the formulas -------------------------------------------------------------------


@dataclass(frozen=True)
class ClosureRow:
    key: Any
    closed: int
    on_time_closed: int
    overdue_open: int
    due: int  # 应结案 = closed + overdue_open

    @property
    def completion(self) -> Decimal | None:
        """结案率 = 结案数 ÷ 应结案数; 应结案数 = 结案 in P + 超期 and 在办 at the end of P."""
        return ratio(self.closed, self.due)

    @property
    def on_time_completion(self) -> Decimal | None:
        """按期结案率 = 按期结案数 ÷ 应结案数; 按期结案 = closed in P, never 超期 up to its
        closing."""
        return ratio(self.on_time_closed, self.due)


@dataclass(frozen=True)
class HandlingRow:
    """Over responding assignments (a department's handling, 处置)."""

    key: Any
    handled: int  # result submitted (and not sent back since) in P
    on_time_handled: int  # … at or before the handling limit (extensions included)
    overdue_unhandled: int  # limit passed before the end of P, no result by then, not paused
    due: int  # 应处置 = handled + overdue_unhandled
    reworked: int  # handled, and sent back for rework at least once
    extended: int  # in 应处置, with an approved extension

    @property
    def handling_rate(self) -> Decimal | None:
        """处置率 = 处置数 ÷ 应处置数."""
        return ratio(self.handled, self.due)

    @property
    def on_time_handling_rate(self) -> Decimal | None:
        """按期处置率 = 按期处置数 ÷ 应处置数."""
        return ratio(self.on_time_handled, self.due)

    @property
    def overdue_unhandled_rate(self) -> Decimal | None:
        """超期未处置率 = 超期未处置数 ÷ 应处置数 (= 1 − 处置率)."""
        return ratio(self.overdue_unhandled, self.due)

    @property
    def rework_rate(self) -> Decimal | None:
        """返工率 = 返工数 ÷ 处置数."""
        return ratio(self.reworked, self.handled)

    @property
    def extension_rate(self) -> Decimal | None:
        """延期率 = 延期数 ÷ 应处置数."""
        return ratio(self.extended, self.due)


@dataclass(frozen=True)
class ResponseRow:
    """Over responding assignments (报到)."""

    key: Any
    due_report_ins: int  # report-in limit falls in P
    on_time_responses: int  # … and reported in by it
    report_ins: int  # reported in during P
    on_time_report_ins: int  # … by the limit

    @property
    def response_rate(self) -> Decimal | None:
        """响应率 = 按时报到数 ÷ 派单数, over the assignments whose report-in limit falls in
        P: one that never reported in counts against it."""
        return ratio(self.on_time_responses, self.due_report_ins)

    @property
    def report_in_timeliness(self) -> Decimal | None:
        """报到及时率 = 按时报到数 ÷ 报到数, over the report-ins made in P."""
        return ratio(self.on_time_report_ins, self.report_ins)


@dataclass(frozen=True)
class TierRow:
    """Over the cases closed in P, by the tier that settled them."""

    key: Any
    closed: int
    grid: int
    community: int
    street: int
    above: int  # departments, through a call, the hub or a district leader
    in_community: int  # grid + community
    in_street: int  # grid + community + street

    @property
    def grid_share(self) -> Decimal | None:
        """小事不出网格率 = 网格办结数 ÷ 结案数."""
        return ratio(self.grid, self.closed)

    @property
    def community_share(self) -> Decimal | None:
        return ratio(self.community, self.closed)

    @property
    def street_share(self) -> Decimal | None:
        return ratio(self.street, self.closed)

    @property
    def above_share(self) -> Decimal | None:
        """街道以上办结占比 = 部门办结数 ÷ 结案数."""
        return ratio(self.above, self.closed)

    @property
    def in_community_share(self) -> Decimal | None:
        """大事不出社区率 = (网格 + 社区办结数) ÷ 结案数."""
        return ratio(self.in_community, self.closed)

    @property
    def in_street_share(self) -> Decimal | None:
        """重大事情不出街道率 = (网格 + 社区 + 街道办结数) ÷ 结案数."""
        return ratio(self.in_street, self.closed)


@dataclass(frozen=True)
class OutcomeRow:
    """Over cases: the follow-ups closed in P, and the valid cases reported in P."""

    key: Any
    follow_ups: int  # 有效回访: closed in P with an answer
    satisfied: int
    basic: int
    content: int  # satisfied + basic
    dissatisfied: int
    reported: int  # valid cases reported in P
    resolved: int  # … closed by the end of P, the reporter not dissatisfied

    @property
    def satisfaction_rate(self) -> Decimal | None:
        return satisfaction_rate(self.satisfied, self.basic, self.follow_ups)

    @property
    def resolution_rate(self) -> Decimal | None:
        """解决率 (化解率) = 已解决数 ÷ 受理数: of the valid cases reported in P, those closed
        by the end of P whose reporter was not dissatisfied."""
        return ratio(self.resolved, self.reported)


@dataclass(frozen=True)
class CallRow:
    """Street calls (对口呼叫): assignments on the call route dispatched in P."""

    key: Any
    calls: int
    misrouted: int  # return upheld by the hub (退回成立)
    accurate: int  # calls − misrouted
    cases: int  # valid cases reported in P (吹哨率's base)

    @property
    def call_accuracy(self) -> Decimal | None:
        """呼叫准确度 = (呼叫数 − 退回成立数) ÷ 呼叫数."""
        return ratio(self.accurate, self.calls)

    @property
    def whistle_rate(self) -> Decimal | None:
        """吹哨率 = 呼叫数 ÷ 受理事件数 × 1,000 (calls per 1,000 valid cases reported in P)."""
        return None if self.cases == 0 else Decimal(self.calls) * 1000 / self.cases


@dataclass(frozen=True)
class ReportRow:
    """Over every case reported in P (rejected and merged included: they were reported)."""

    key: Any
    reports: int
    valid_reports: int  # not rejected, not merged (a split report was accepted)

    @property
    def valid_report_rate(self) -> Decimal | None:
        """有效上报率 = 有效上报数 ÷ 上报数."""
        return ratio(self.valid_reports, self.reports)


@dataclass(frozen=True)
class VerificationRow:
    """Over verifications (核查: passed or sent back) made in P."""

    key: Any
    verifications: int
    on_time_verifications: int
    late_verifications: int

    @property
    def on_time_verification_rate(self) -> Decimal | None:
        """按时核查率 = 按时核查数 ÷ 核查数; late = a 核查超期 event since the case was last
        handed over for verification."""
        return ratio(self.on_time_verifications, self.verifications)


@dataclass(frozen=True)
class SuggestionRow:
    """Over triages made in P: was the item the person chose the one suggested first, or
    one of the first three?"""

    key: Any
    suggested_triages: int
    taken_first: int
    taken_in_three: int

    @property
    def suggestion_top1_rate(self) -> Decimal | None:
        """建议采纳率（首位）= 选定首位建议事项的研判数 ÷ 研判数."""
        return ratio(self.taken_first, self.suggested_triages)

    @property
    def suggestion_top3_rate(self) -> Decimal | None:
        """建议采纳率（前三）= 选定前三位建议事项之一的研判数 ÷ 研判数."""
        return ratio(self.taken_in_three, self.suggested_triages)


@dataclass(frozen=True)
class ThreeRatesRow:
    key: Any
    response_rate: Decimal | None
    resolution_rate: Decimal | None
    satisfaction_rate: Decimal | None

    @property
    def score(self) -> Decimal | None:
        """三率综合得分 = 100 × Σ wᵢ·rateᵢ ÷ Σ wᵢ over the rates a group has (a street with
        no department work has no response rate and is scored on the other two)."""
        weighted = [
            (w, r) for w, r in zip(three_rates_weights(), self.rates, strict=True) if r is not None
        ]
        if not weighted:
            return None
        total = sum((w * r for w, r in weighted), Decimal(0))
        return 100 * total / sum((w for w, _ in weighted), Decimal(0))

    @property
    def rates(self) -> tuple[Decimal | None, Decimal | None, Decimal | None]:
        return (self.response_rate, self.resolution_rate, self.satisfaction_rate)


def three_rates_weights() -> tuple[Decimal, Decimal, Decimal]:
    return (
        settings.HUYING_COMPOSITE_RESPONSE_WEIGHT,
        settings.HUYING_COMPOSITE_RESOLUTION_WEIGHT,
        settings.HUYING_COMPOSITE_SATISFACTION_WEIGHT,
    )


# --- the public functions ------------------------------------------------------------------------

Table = dict[Any, dict[str, int]]  # a family's counts by group (``aggregate.counts``)
R = TypeVar("R")


def rows(row: Callable[..., R], table: Table) -> list[R]:
    """A family's counts as its result rows, in key order."""
    return _sorted({k: row(key=k, **c) for k, c in table.items()})


def total(table: Table, key: Any) -> Table:
    """The sum of every group, as the one group ``key``: a grouping that splits the rows
    (every case in one street, the empty one included) sums to the whole; empty when no
    group is."""
    if not table:
        return {}
    return {key: {m: sum(c[m] for c in table.values()) for m in next(iter(table.values()))}}


def call_rows(calls_table: Table, outcome_table: Table) -> list[CallRow]:
    """呼叫准确度 and 吹哨率 from the call family's counts and the outcome family's."""
    keys = calls_table.keys() | {k for k, c in outcome_table.items() if c["reported"]}
    empty = dict.fromkeys(("calls", "misrouted", "accurate"), 0)
    return _sorted(
        {
            k: CallRow(
                key=k,
                **calls_table.get(k, empty),
                cases=outcome_table.get(k, {}).get("reported", 0),
            )
            for k in keys
        }
    )


def three_rates_rows(response_table: Table, outcome_table: Table) -> list[ThreeRatesRow]:
    """三率 from the response family's counts and the outcome family's."""
    responses = {r.key: r for r in rows(ResponseRow, response_table)}
    outcomes = {r.key: r for r in rows(OutcomeRow, outcome_table)}
    return _sorted(
        {
            k: ThreeRatesRow(
                key=k,
                response_rate=responses[k].response_rate if k in responses else None,
                resolution_rate=outcomes[k].resolution_rate if k in outcomes else None,
                satisfaction_rate=outcomes[k].satisfaction_rate if k in outcomes else None,
            )
            for k in responses.keys() | outcomes.keys()
        }
    )


def closure(*, period: Period, by: str, actor: Reader) -> list[ClosureRow]:
    """结案率, 按期结案率."""
    return rows(ClosureRow, counts(CLOSURE, period=period, by=by, actor=actor))


def handling(*, period: Period, by: str, actor: Reader) -> list[HandlingRow]:
    """处置率, 按期处置率, 超期未处置率, 返工率, 延期率."""
    return rows(HandlingRow, counts(HANDLING, period=period, by=by, actor=actor))


def response(*, period: Period, by: str, actor: Reader) -> list[ResponseRow]:
    """响应率, 报到及时率."""
    return rows(ResponseRow, counts(RESPONSE, period=period, by=by, actor=actor))


def tiers(*, period: Period, by: str, actor: Reader) -> list[TierRow]:
    """小事不出网格、大事不出社区、重大事情不出街道: the share closed at each tier."""
    return rows(TierRow, counts(TIERS, period=period, by=by, actor=actor))


def outcome(*, period: Period, by: str, actor: Reader) -> list[OutcomeRow]:
    """满意率, 解决率."""
    return rows(OutcomeRow, counts(OUTCOME, period=period, by=by, actor=actor))


def calls(*, period: Period, by: str, actor: Reader) -> list[CallRow]:
    """呼叫准确度, 吹哨率 (two queries: the calls, and the cases they are per 1,000 of)."""
    return call_rows(
        counts(CALLS, period=period, by=by, actor=actor),
        counts(OUTCOME, period=period, by=by, actor=actor),
    )


def reports(*, period: Period, by: str, actor: Reader) -> list[ReportRow]:
    """上报数, 有效上报率 (by grid or grid worker, among others)."""
    return rows(ReportRow, counts(REPORTS, period=period, by=by, actor=actor))


def verification(*, period: Period, by: str, actor: Reader) -> list[VerificationRow]:
    """按时核查率."""
    return rows(VerificationRow, counts(VERIFICATION, period=period, by=by, actor=actor))


def suggestions(*, period: Period, by: str, actor: Reader) -> list[SuggestionRow]:
    """建议采纳率 at the first place and in the first three."""
    return rows(SuggestionRow, counts(SUGGESTIONS, period=period, by=by, actor=actor))


def three_rates(*, period: Period, by: str, actor: Reader) -> list[ThreeRatesRow]:
    """三率: 响应率, 解决率, 满意率 and their weighted score (two queries)."""
    return three_rates_rows(
        counts(RESPONSE, period=period, by=by, actor=actor),
        counts(OUTCOME, period=period, by=by, actor=actor),
    )


# --- drill-down ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Indicator:
    code: str
    label: Any  # translatable
    numerator: tuple[Family, str]
    denominator: tuple[Family, str]


INDICATORS: dict[str, Indicator] = {
    i.code: i
    for i in (
        Indicator("completion", gettext_lazy("结案率"), (CLOSURE, "closed"), (CLOSURE, "due")),
        Indicator(
            "on_time_completion",
            gettext_lazy("按期结案率"),
            (CLOSURE, "on_time_closed"),
            (CLOSURE, "due"),
        ),
        Indicator(
            "handling_rate", gettext_lazy("处置率"), (HANDLING, "handled"), (HANDLING, "due")
        ),
        Indicator(
            "on_time_handling_rate",
            gettext_lazy("按期处置率"),
            (HANDLING, "on_time_handled"),
            (HANDLING, "due"),
        ),
        Indicator(
            "overdue_unhandled_rate",
            gettext_lazy("超期未处置率"),
            (HANDLING, "overdue_unhandled"),
            (HANDLING, "due"),
        ),
        Indicator(
            "rework_rate", gettext_lazy("返工率"), (HANDLING, "reworked"), (HANDLING, "handled")
        ),
        Indicator(
            "extension_rate", gettext_lazy("延期率"), (HANDLING, "extended"), (HANDLING, "due")
        ),
        Indicator(
            "response_rate",
            gettext_lazy("响应率"),
            (RESPONSE, "on_time_responses"),
            (RESPONSE, "due_report_ins"),
        ),
        Indicator(
            "report_in_timeliness",
            gettext_lazy("报到及时率"),
            (RESPONSE, "on_time_report_ins"),
            (RESPONSE, "report_ins"),
        ),
        Indicator(
            "resolution_rate", gettext_lazy("解决率"), (OUTCOME, "resolved"), (OUTCOME, "reported")
        ),
        # The numerator's cases are the satisfied and the basically satisfied; the rate
        # weighs the latter by HUYING_BASIC_SATISFIED_WEIGHT.
        Indicator(
            "satisfaction_rate",
            gettext_lazy("满意率"),
            (OUTCOME, "content"),
            (OUTCOME, "follow_ups"),
        ),
        Indicator(
            "call_accuracy", gettext_lazy("呼叫准确度"), (CALLS, "accurate"), (CALLS, "calls")
        ),
        *(
            Indicator(code, label, (TIERS, measure), (TIERS, "closed"))
            for code, label, measure in (
                ("grid_share", gettext_lazy("小事不出网格率"), "grid"),
                ("community_share", gettext_lazy("社区办结占比"), "community"),
                ("street_share", gettext_lazy("街道办结占比"), "street"),
                ("above_share", gettext_lazy("街道以上办结占比"), "above"),
                ("in_community_share", gettext_lazy("大事不出社区率"), "in_community"),
                ("in_street_share", gettext_lazy("重大事情不出街道率"), "in_street"),
            )
        ),
        Indicator("whistle_rate", gettext_lazy("吹哨率"), (CALLS, "calls"), (OUTCOME, "reported")),
        Indicator(
            "valid_report_rate",
            gettext_lazy("有效上报率"),
            (REPORTS, "valid_reports"),
            (REPORTS, "reports"),
        ),
        Indicator(
            "on_time_verification_rate",
            gettext_lazy("按时核查率"),
            (VERIFICATION, "on_time_verifications"),
            (VERIFICATION, "verifications"),
        ),
        Indicator(
            "suggestion_top1_rate",
            gettext_lazy("建议采纳率（首位）"),
            (SUGGESTIONS, "taken_first"),
            (SUGGESTIONS, "suggested_triages"),
        ),
        Indicator(
            "suggestion_top3_rate",
            gettext_lazy("建议采纳率（前三）"),
            (SUGGESTIONS, "taken_in_three"),
            (SUGGESTIONS, "suggested_triages"),
        ),
    )
}


Part = Literal["numerator", "denominator"]


def cases_behind(
    indicator: str,
    part: Part,
    *,
    period: Period,
    by: str,
    key: Any,
    actor: Reader,
) -> QuerySet[Case]:
    """The cases behind one group's numerator or denominator: the very condition that
    counted them. For a case family the list has as many cases as the count; for the
    assignment and event families a case with several assignments or verifications in the
    group is listed once."""
    spec = INDICATORS.get(indicator)
    if spec is None:
        raise InvalidInput(_("未知指标：%(code)s") % {"code": indicator}, field="indicator")
    family, measure = spec.numerator if part == "numerator" else spec.denominator
    return measure_cases(family, measure, period=period, by=by, key=key, actor=actor)
