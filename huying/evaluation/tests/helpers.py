"""Cases verified at a chosen moment, driven through the case services (never raw inserts),
and the numbers a refused write must leave alone."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from huying.cases import services
from huying.cases.models import Assignment, Case, CaseEvent
from huying.cases.tests.helpers import submit
from huying.catalogue.models import Level
from huying.conftest import World
from huying.core.models import Notification
from huying.evaluation.models import Rating, RatingAppeal, RatingRevision
from huying.evaluation.rules import Scores

SH = ZoneInfo("Asia/Shanghai")

#: Departments and the actor that acts for each.
DEPT_ACTOR = {
    "cg": "dept_cg",
    "cg_unit": "dept_cg_unit",
    "sw": "dept_sw",
    "hb": "dept_hb",
    "jt": "dept_jt",
}


def at(month: int, day: int, hour: int = 10, minute: int = 0) -> datetime:
    return datetime(2026, month, day, hour, minute, tzinfo=SH)


def scores(*values: int) -> Scores:
    """``scores(17)`` is 17 on every criterion; five values set each one."""
    five = values * 5 if len(values) == 1 else values
    return Scores(*five)


def verified_case(
    world: World,
    *,
    departments: Sequence[str] = ("cg",),
    verified: datetime,
    grid: int = 0,
    close: str | None = "satisfied",
) -> Case:
    """A case of the grid's street whose departments fed back and which passed verification
    at ``verified`` (then followed up and closed when ``close`` is an answer). One
    department: the street calls it (L2); several: the hub dispatches the first as lead."""
    street = world.actor("street" if grid < 2 else "street_b")
    hub = world.actor("hub")
    t = verified - timedelta(hours=3)
    case = submit(world, grid=grid, now=t)
    if len(departments) == 1 and departments[0] == "cg":
        services.case_triage(
            actor=street, case_id=case.pk, item_id=world.items[Level.GENERAL].pk, now=t
        )
        services.case_call(actor=street, case_id=case.pk, now=t)
    else:
        level = Level.GENERAL if len(departments) == 1 else Level.COMPLEX
        services.case_triage(actor=hub, case_id=case.pk, item_id=world.items[level].pk, now=t)
        services.case_hub_dispatch(
            actor=hub,
            case_id=case.pk,
            lead_department_id=world.departments[departments[0]].pk,
            co_department_ids=[world.departments[d].pk for d in departments[1:]],
            now=t,
        )
    t += timedelta(hours=1)
    for a in Assignment.objects.filter(case=case).select_related("department"):
        key = next(k for k, d in world.departments.items() if d.pk == a.department_id)
        dept = world.actor(DEPT_ACTOR[key])
        services.assignment_report_in(actor=dept, assignment_id=a.pk, now=t)
        services.assignment_accept(actor=dept, assignment_id=a.pk, now=t)
        services.assignment_submit_result(actor=dept, assignment_id=a.pk, result="已办结", now=t)
    services.case_verify(actor=street, case_id=case.pk, passed=True, now=verified)
    if close:
        services.case_follow_up(
            actor=street, case_id=case.pk, satisfaction=close, now=verified + timedelta(minutes=5)
        )
    return Case.objects.get(pk=case.pk)


def footprint(case: Case) -> tuple[object, ...]:
    """Everything a rating write could touch: a refusal must leave all of it as it was."""
    case.refresh_from_db()
    return (
        Rating.objects.count(),
        RatingRevision.objects.count(),
        RatingAppeal.objects.count(),
        sum(Rating.objects.values_list("version", flat=True)),
        sum(Rating.objects.values_list("effective_total", flat=True)),
        case.version,
        CaseEvent.objects.filter(case=case).count(),
        Notification.objects.count(),
        tuple(RatingAppeal.objects.order_by("pk").values_list("state", flat=True)),
    )
