"""Drive cases into a given state through the services (never raw inserts)."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from django.core.files.uploadedfile import SimpleUploadedFile

from huying.cases import services
from huying.cases.models import Assignment, Case, CaseState
from huying.catalogue.models import Level
from huying.conftest import MONDAY_10AM, World
from huying.core.tests.images import png


def submit(
    world: World,
    *,
    who: str = "resident",
    grid: int = 0,
    title: str = "路灯不亮",
    description: str = "晚上一片漆黑",
    now: datetime = MONDAY_10AM,
    point: tuple[float, float] | None = None,
    **extra: Any,
) -> Case:
    """A report at the centre of grid ``grid``, or at ``point`` (lat, lng)."""
    lat, lng = point or world.point_in(grid)
    return services.case_submit(
        actor=world.actor(who),
        title=title,
        description=description,
        lat=lat,
        lng=lng,
        now=now,
        **extra,
    )


def case_in_state(world: World, state: str, *, level: int = Level.GENERAL, grid: int = 0) -> Case:
    """A case of street 1 (grid 0) driven into ``state``."""
    t = MONDAY_10AM
    if state == CaseState.AT_GRID:  # an informant's report, with the grid worker
        return submit(world, who="informant", grid=grid, now=t)
    case = submit(world, grid=grid, now=t)
    if state == CaseState.SUBMITTED:
        return case
    street = world.actor("street")
    if state == CaseState.REJECTED:
        services.case_reject(actor=street, case_id=case.pk, reason="不属于受理范围", now=t)
        return Case.objects.get(pk=case.pk)
    if state == CaseState.SPLIT:
        services.case_split(
            actor=street,
            case_id=case.pk,
            parts=[{"title": "路灯不亮"}, {"title": "井盖缺失"}],
            reason="一次反映两个问题",
            now=t,
        )
        return Case.objects.get(pk=case.pk)
    if state == CaseState.MERGED:
        master = submit(world, grid=grid, now=t)
        services.case_merge(actor=street, case_id=case.pk, master_id=master.pk, now=t)
        return Case.objects.get(pk=case.pk)
    level = Level.SIMPLE if state == CaseState.SELF_HANDLING else level
    services.case_triage(actor=street, case_id=case.pk, item_id=world.items[level].pk, now=t)
    if state == CaseState.TRIAGED:
        return Case.objects.get(pk=case.pk)
    if state == CaseState.SELF_HANDLING:
        services.case_self_handle(actor=street, case_id=case.pk, now=t)
        return Case.objects.get(pk=case.pk)
    services.case_call(actor=street, case_id=case.pk, now=t)
    if state == CaseState.IN_PROGRESS:
        return Case.objects.get(pk=case.pk)
    if state == CaseState.SUSPENDED:
        services.case_suspend(
            actor=world.actor("hub"), case_id=case.pk, reason="等待产权认定", now=t
        )
        return Case.objects.get(pk=case.pk)
    a = Assignment.objects.get(case=case)
    dept = world.actor("dept_cg")
    t += timedelta(hours=1)
    services.assignment_report_in(actor=dept, assignment_id=a.pk, now=t)
    services.assignment_accept(actor=dept, assignment_id=a.pk, now=t)
    services.assignment_submit_result(actor=dept, assignment_id=a.pk, result="已更换灯泡", now=t)
    if state == CaseState.VERIFYING:
        return Case.objects.get(pk=case.pk)
    services.case_verify(actor=street, case_id=case.pk, passed=True, now=t)
    if state == CaseState.FOLLOW_UP:
        return Case.objects.get(pk=case.pk)
    services.case_follow_up(actor=street, case_id=case.pk, satisfaction="satisfied", now=t)
    if state == CaseState.CLOSED:
        return Case.objects.get(pk=case.pk)
    services.case_archive(actor=world.actor("hub"), case_id=case.pk, now=t)
    assert state == CaseState.ARCHIVED
    return Case.objects.get(pk=case.pk)


def fixed_case(world: World, *, title: str = "井盖松动") -> Case:
    """A street chief's own fix (街长自行解决) in grid 0: closed at the grid, both photos."""
    lat, lng = world.point_in(0)
    return services.case_report_fixed(
        actor=world.actor("street_chief"),
        title=title,
        result="已垫稳井盖",
        before=[SimpleUploadedFile("before.png", png(), content_type="image/png")],
        after=[SimpleUploadedFile("after.png", png(), content_type="image/png")],
        lat=lat,
        lng=lng,
        now=MONDAY_10AM,
    )
