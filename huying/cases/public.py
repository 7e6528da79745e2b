"""What a case shows to people outside the office: the reporter on the tracking page
(/m/track, 我的反映) and the public through Open311. Progress and the checked result, never
who did the work: the trail's public steps say what happened, not by whom."""

from __future__ import annotations

from typing import Any

from django.db.models import OuterRef, QuerySet, Subquery
from django.utils.translation import gettext_lazy

from huying.cases.models import Case, CaseEvent
from huying.cases.selectors import RESULT_ACTIONS, RESULT_SHOWN_STATES

#: Trail actions the public is told about, and how (never who did them).
PUBLIC_EVENTS = {
    "submit": gettext_lazy("已收到您的反映"),
    "triage": gettext_lazy("已受理，正在研判"),
    "reject": gettext_lazy("不予受理"),
    "merge": gettext_lazy("已与相同问题合并办理"),
    "grid_merge": gettext_lazy("已与相同问题合并办理"),
    "grid_handle": gettext_lazy("网格员已接手处置"),
    "raise_to_community": gettext_lazy("已上报社区处置"),
    "raise_to_street": gettext_lazy("已上报街道"),
    "self_fixed": gettext_lazy("街长已自行解决"),
    "split": gettext_lazy("已拆分为几个问题分别办理"),
    "self_handle": gettext_lazy("已安排属地处置"),
    "call": gettext_lazy("已呼叫相关部门"),
    "hub_dispatch": gettext_lazy("已派相关部门办理"),
    "leader_dispatch": gettext_lazy("区领导已交办"),
    "assignment.report_in": gettext_lazy("部门已到场"),
    "assignment.submit_result": gettext_lazy("部门已反馈办理结果"),
    "complete_self": gettext_lazy("属地已处置完毕"),
    "verify_pass": gettext_lazy("街道已核查通过"),
    "rework": gettext_lazy("核查未通过，重新办理"),
    "rework_self": gettext_lazy("核查未通过，重新办理"),
    "follow_up": gettext_lazy("已回访"),
    "reopen": gettext_lazy("已重新办理"),
    "archive": gettext_lazy("已办结归档"),
}


def public_events(case: Case) -> list[dict[str, Any]]:
    """The case's public steps, oldest first: when, and what happened."""
    events = CaseEvent.objects.filter(case=case, action__in=PUBLIC_EVENTS).order_by("seq")
    return [
        {"at": e.at, "label": PUBLIC_EVENTS[e.action]} for e in events.only("at", "action", "seq")
    ]


def public_result(case: Case) -> str:
    """What the handler reported back, once the street has checked it."""
    if case.state not in RESULT_SHOWN_STATES:
        return ""
    done = (
        CaseEvent.objects.filter(case=case, action__in=RESULT_ACTIONS)
        .order_by("-seq")
        .values_list("reason", flat=True)
        .first()
    )
    return done or ""


def with_public_progress(cases: QuerySet[Case]) -> QuerySet[Case]:
    """``cases`` with, in the same query, their last public step (``public_action``) and
    their last result text (``public_result_text``; shown only in ``RESULT_SHOWN_STATES``,
    see :func:`result_shown`): what a list of cases needs for their progress."""
    trail = CaseEvent.objects.filter(case_id=OuterRef("pk")).order_by("-seq")
    return cases.annotate(
        public_action=Subquery(trail.filter(action__in=PUBLIC_EVENTS).values("action")[:1]),
        public_result_text=Subquery(trail.filter(action__in=RESULT_ACTIONS).values("reason")[:1]),
    )


def result_shown(case: Case, text: str | None) -> str:
    """The result text as the public may see it: only once the street has checked it."""
    return (text or "") if case.state in RESULT_SHOWN_STATES else ""
