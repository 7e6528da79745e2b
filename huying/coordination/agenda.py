"""A meeting's agenda drafted from the data, in the organiser's scope: the cases overdue now,
the calls returned and the ratings disputed since the last such meeting would have been, the
open L3/L4 cases, the problems that keep coming back (反复发生预警), the departments that
scored lowest last month, and the open decisions of the earlier meetings. The organiser then
edits it (``services.agenda_*``)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from django.utils.translation import gettext as _

from huying.cases import recurrence
from huying.cases.models import Case, CaseEvent
from huying.cases.rules import ACTIVE_CASE_STATES, OPEN_CASE_STATES
from huying.cases.selectors import cases_visible_to, overdue_case_ids
from huying.catalogue.models import Level
from huying.coordination.models import AgendaKind, Meeting
from huying.coordination.rules import DRAFT_LIMIT, LOOKBACK, LOW_SCORE_LAST
from huying.coordination.selectors import open_decisions
from huying.evaluation.models import RatingAppeal
from huying.evaluation.scores import monthly_department_scores
from huying.evaluation.selectors import district_of
from huying.org.actors import Actor

RETURN_ACTIONS = ("assignment.request_return", "assignment.uphold_return")


@dataclass(frozen=True)
class Draft:
    kind: str
    text: str
    case_id: int | None = None
    department_id: int | None = None


def _case_text(case: Case, what: str) -> str:
    return _("{number}“{title}”：{what}").format(number=case.number, title=case.title, what=what)


def draft_agenda(actor: Actor, meeting: Meeting, *, now: datetime) -> list[Draft]:
    since = now - LOOKBACK[meeting.kind]
    scope = cases_visible_to(actor)
    drafts: list[Draft] = [
        Draft(
            AgendaKind.FOLLOW_UP,
            _case_text(
                d.case,
                _("{meeting}决定“{decision}”，事件仍未办结").format(
                    meeting=d.meeting.title, decision=d.get_kind_display()
                ),
            ),
            case_id=d.case_id,
        )
        for d in open_decisions(meeting)[: DRAFT_LIMIT * 2]
    ]
    seen = {d.case_id for d in drafts}

    def add(kind: str, cases: list[Case], what: str) -> None:
        for case in cases:
            if case.pk not in seen:
                seen.add(case.pk)
                drafts.append(Draft(kind, _case_text(case, what), case_id=case.pk))

    open_scope = scope.filter(state__in=OPEN_CASE_STATES).order_by("pk")
    add(
        AgendaKind.OVERDUE,
        list(open_scope.filter(pk__in=overdue_case_ids(now))[:DRAFT_LIMIT]),
        _("已超期"),
    )
    returned = CaseEvent.objects.filter(
        case__in=scope, action__in=RETURN_ACTIONS, at__gte=since
    ).values("case_id")
    add(
        AgendaKind.RETURNED,
        list(open_scope.filter(pk__in=returned)[:DRAFT_LIMIT]),
        _("部门申请退回或已退回"),
    )
    disputed = RatingAppeal.objects.filter(rating__case__in=scope, filed_at__gte=since).values(
        "rating__case_id"
    )
    add(
        AgendaKind.DISPUTED,
        list(scope.filter(pk__in=disputed).order_by("pk")[:DRAFT_LIMIT]),
        _("部门对评议提出申诉"),
    )
    add(
        AgendaKind.MAJOR,
        list(
            scope.filter(
                state__in=ACTIVE_CASE_STATES | {"triaged"}, level__in=[Level.COMPLEX, Level.MAJOR]
            ).order_by("-level", "pk")[:DRAFT_LIMIT]
        ),
        _("L3/L4 事件尚在办理"),
    )
    if recurrence.may_see_recurrences(actor):
        for warning in recurrence.recurrences(actor, until=now, limit=DRAFT_LIMIT // 2):
            drafts.append(
                Draft(
                    AgendaKind.RECURRING,
                    _("{place}“{item}”反复发生 {count} 件").format(
                        place=warning.place, item=warning.item_name, count=warning.count
                    ),
                    case_id=warning.cases[-1].id,
                )
            )
    drafts += _low_scores(actor, now.date())
    return drafts


def _low_scores(actor: Actor, today: date) -> list[Draft]:
    """Last month's lowest ranked departments of the organiser's district."""
    district = district_of(actor.unit)
    year, month = (today.year, today.month - 1) if today.month > 1 else (today.year - 1, 12)
    ranked = [
        s
        for s in monthly_department_scores(year=year, month=month, district=district)
        if s.rank is not None and s.score is not None
    ]
    ranked.sort(key=lambda s: s.rank or 0)
    return [
        Draft(
            AgendaKind.LOW_SCORE,
            _("{name}：{year}年{month}月考评 {score} 分，排名第 {rank}").format(
                name=s.name, year=year, month=month, score=f"{s.score:.2f}", rank=s.rank
            ),
            department_id=s.department_id,
        )
        for s in ranked[-LOW_SCORE_LAST:]
    ]
