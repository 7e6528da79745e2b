"""Patrols: start, report findings (each a case, through the intake service), end."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from django.core.files.uploadedfile import UploadedFile
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from huying.cases.models import Case, Source
from huying.cases.services import case_submit, files_kept_only_on_success
from huying.core.errors import InvalidInput, NotFound, PermissionDenied, RuleViolation
from huying.grid.models import Patrol, PatrolFinding
from huying.org.actors import Actor
from huying.org.models import OrgUnit
from huying.org.roles import FIELD_ROLES

#: Who walks grids: grid workers, grid leaders and community staff.
PATROL_ROLES = FIELD_ROLES


def _check_role(actor: Actor) -> None:
    if actor.role not in PATROL_ROLES:
        raise PermissionDenied(_("只有网格员、网格长和社区工作人员可以巡查"))


def _patrol_grid(actor: Actor, grid_id: int | None) -> OrgUnit:
    """A grid worker patrols their own grid; leaders and community staff any grid below them."""
    if grid_id is None:
        if actor.unit.kind != OrgUnit.Kind.GRID:
            raise InvalidInput(_("请选择巡查的网格"), field="grid_id")
        return actor.unit
    grid = (
        OrgUnit.objects.defer("boundary")
        .filter(
            pk=grid_id, kind=OrgUnit.Kind.GRID, is_active=True, path__startswith=actor.unit.path
        )
        .first()
    )
    if grid is None:
        raise NotFound(_("网格不存在或不在本人范围内"))
    return grid


def patrol_start(
    *,
    actor: Actor,
    grid_id: int | None = None,
    lat: float | None = None,
    lng: float | None = None,
    now: datetime | None = None,
) -> Patrol:
    _check_role(actor)
    grid = _patrol_grid(actor, grid_id)
    try:
        with transaction.atomic():
            return Patrol.objects.create(
                worker=actor.user,
                grid=grid,
                started_at=now or timezone.now(),
                start_lat=lat,
                start_lng=lng,
            )
    except IntegrityError:
        raise RuleViolation(_("已有进行中的巡查，请先结束它"), code="patrol_open") from None


def _own_open(actor: Actor, patrol_id: int) -> Patrol:
    patrol = Patrol.objects.filter(pk=patrol_id, worker=actor.user).first()
    if patrol is None:
        raise NotFound(_("巡查不存在"))
    if patrol.ended_at is not None:
        raise RuleViolation(_("巡查已结束"), code="patrol_ended")
    return patrol


def patrol_report(
    *,
    actor: Actor,
    patrol_id: int,
    title: str,
    files: Sequence[UploadedFile] = (),
    now: datetime | None = None,
    **report: Any,
) -> Case:
    """A finding: a case from the grid-patrol channel, placed by its point, else in the
    patrol's grid, and linked to the patrol."""
    _check_role(actor)
    patrol = _own_open(actor, patrol_id)
    if report.get("lat") is None:
        report.setdefault("unit_id", patrol.grid_id)
    # The report's photos go if the finding cannot be recorded: it is one write.
    with files_kept_only_on_success(), transaction.atomic():
        case = case_submit(
            actor=actor, title=title, source=Source.GRID_PATROL, files=files, now=now, **report
        )
        PatrolFinding.objects.get_or_create(patrol=patrol, case=case)
    return case


def patrol_end(
    *,
    actor: Actor,
    patrol_id: int,
    note: str = "",
    lat: float | None = None,
    lng: float | None = None,
    now: datetime | None = None,
) -> Patrol:
    """Compare-and-set on ``ended_at IS NULL``: ending twice (two taps, two tabs) is refused."""
    patrol = _own_open(actor, patrol_id)
    ended = now or timezone.now()
    done = Patrol.objects.filter(pk=patrol.pk, ended_at__isnull=True).update(
        ended_at=ended, note=note.strip(), end_lat=lat, end_lng=lng
    )
    if not done:
        raise RuleViolation(_("巡查已结束"), code="patrol_ended")
    patrol.refresh_from_db()
    return patrol
