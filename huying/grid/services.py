"""Patrols: start (with the grid's duties as the checklist), tick duties, send the track, add
companions (三陪同), report findings (each a case, through the intake service), end."""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from datetime import datetime, timedelta
from typing import Any

from django.contrib.auth import get_user_model
from django.core.files.uploadedfile import UploadedFile
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from huying.cases.models import Case, Source
from huying.cases.services import case_submit, files_kept_only_on_success
from huying.core.errors import Conflict, InvalidInput, NotFound, PermissionDenied, RuleViolation
from huying.grid import hooks, track
from huying.grid.models import GridDuty, Patrol, PatrolCompanion, PatrolDuty, PatrolFinding
from huying.org.actors import Actor
from huying.org.models import OrgUnit, Role, RoleGrant
from huying.org.roles import DEPARTMENT_ROLES, FIELD_ROLES, REPORTER_ROLES, STREET_ROLES

#: Who walks grids: grid workers, grid leaders and community staff, and street chiefs (街长),
#: who walk their own grid's roads and may start a patrol on their own; a companion is
#: recorded when one comes, it is not a condition for walking.
PATROL_ROLES = FIELD_ROLES | {Role.STREET_CHIEF}
#: The street's own cadres (街道干部) who accompany grid workers.
STREET_CADRE_ROLES = STREET_ROLES | {Role.GRID_CENTRE}
#: Points a phone may send in one batch, and how far outside the patrol's time one may be.
MAX_BATCH = 500
CLOCK_SLACK = timedelta(minutes=5)


def _check_role(actor: Actor) -> None:
    if actor.role not in PATROL_ROLES:
        raise PermissionDenied(_("只有网格员、网格长、社区工作人员和街长可以巡查"))


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
            patrol = Patrol.objects.create(
                worker=actor.user,
                grid=grid,
                role=actor.role,
                started_at=now or timezone.now(),
                start_lat=lat,
                start_lng=lng,
            )
            PatrolDuty.objects.bulk_create(
                PatrolDuty(patrol=patrol, duty=duty, position=duty.position, text=duty.text)
                for duty in GridDuty.objects.filter(grid=grid, is_active=True)
            )
            return patrol
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
    """A finding: a case from the grid-patrol channel (a chief's: his own), placed by its
    point, else in the patrol's grid, and linked to the patrol."""
    _check_role(actor)
    patrol = _own_open(actor, patrol_id)
    if report.get("lat") is None:
        report.setdefault("unit_id", patrol.grid_id)
    # The report's photos go if the finding cannot be recorded: it is one write.
    with files_kept_only_on_success(), transaction.atomic():
        # A chief's finding comes by the chief's own channel (街长), like his other reports.
        source = Source.GRID_PATROL if actor.role in FIELD_ROLES else None
        case = case_submit(actor=actor, title=title, source=source, files=files, now=now, **report)
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


def patrol_tick(
    *, actor: Actor, patrol_id: int, duty_id: int, done: bool, note: str = ""
) -> PatrolDuty:
    """Tick (or untick) one duty of the checklist, with an optional note."""
    patrol = _own_open(actor, patrol_id)
    note = note.strip()
    if len(note) > 200:
        raise InvalidInput(_("说明不能超过 200 个字"), field="note")
    line = PatrolDuty.objects.filter(patrol=patrol, pk=duty_id).first()
    if line is None:
        raise NotFound(_("巡查职责不存在"))
    PatrolDuty.objects.filter(pk=line.pk).update(done=done, note=note)
    line.done, line.note = done, note
    return line


def _points(raw: Sequence[Mapping[str, Any]], patrol: Patrol, now: datetime) -> list[list[float]]:
    """Validated points, in time order; one bad point refuses the batch (nothing is kept)."""
    if not raw:
        raise InvalidInput(_("没有轨迹点"), field="points")
    if len(raw) > MAX_BATCH:
        raise InvalidInput(_("一次最多上传 {n} 个轨迹点").format(n=MAX_BATCH), field="points")
    earliest = (patrol.started_at - CLOCK_SLACK).timestamp()
    latest = (now + CLOCK_SLACK).timestamp()
    out: list[list[float]] = []
    for index, point in enumerate(raw):
        try:
            lat, lng, at = float(point["lat"]), float(point["lng"]), float(point["at"])
        except (KeyError, TypeError, ValueError):
            raise InvalidInput(
                _("第 {n} 个轨迹点须有 lat、lng 和 at").format(n=index + 1),
                field="points",
                index=index,
            ) from None
        if not all(map(math.isfinite, (lat, lng, at))) or not (
            -90 <= lat <= 90 and -180 <= lng <= 180
        ):
            raise InvalidInput(
                _("第 {n} 个轨迹点的坐标无效").format(n=index + 1), field="points", index=index
            )
        if not earliest <= at <= latest:
            raise InvalidInput(
                _("第 {n} 个轨迹点的时间不在巡查期间").format(n=index + 1),
                field="points",
                index=index,
            )
        out.append([lat, lng, at])
    out.sort(key=lambda p: p[2])
    return out


def patrol_track(
    *,
    actor: Actor,
    patrol_id: int,
    points: Sequence[Mapping[str, Any]],
    now: datetime | None = None,
) -> Patrol:
    """Append a batch from the phone and thin the track. A batch sent again (the phone did not
    hear the answer) adds nothing: only points after the last one kept are taken. Compare-
    and-set on ``track_version``, retried, so two batches at once both land."""
    _check_role(actor)
    now = now or timezone.now()
    patrol = _own_open(actor, patrol_id)
    fresh = _points(points, patrol, now)
    for _attempt in range(5):
        last = patrol.track[-1][2] if patrol.track else -math.inf
        merged = track.thin([*patrol.track, *(p for p in fresh if p[2] > last)])
        done = Patrol.objects.filter(
            pk=patrol.pk, track_version=patrol.track_version, ended_at__isnull=True
        ).update(track=merged, track_version=patrol.track_version + 1)
        if done:
            patrol.track, patrol.track_version = merged, patrol.track_version + 1
            return patrol
        patrol = _own_open(actor, patrol_id)
    raise Conflict(_("轨迹正在更新，请稍后重试"))


def _companion_kind(
    patrol: Patrol, grants: Sequence[RoleGrant], name: str
) -> tuple[RoleGrant, str]:
    """The first of the person's roles that lets them walk with this patrol, and as what:
    a cadre of the patrol's street; staff of a field unit stationed in that street; with a
    street chief, a grid worker of his segments. Else the refusal that says why not."""
    community = patrol.grid.parent
    street = community.parent if community else None
    here = street.name if street else patrol.grid.name
    reasons: list[tuple[str, str]] = []
    for grant in grants:
        unit = grant.unit
        if grant.role in STREET_CADRE_ROLES:
            if street is not None and unit.pk == street.pk:
                return grant, PatrolCompanion.Kind.STREET_CADRE
            reasons.append(
                (
                    PatrolCompanion.Kind.STREET_CADRE,
                    _("「{name}」是{unit}的干部，不是{street}的，不能作为街道干部陪同").format(
                        name=name, unit=unit.name, street=here
                    ),
                )
            )
        elif grant.role in DEPARTMENT_ROLES:
            stationed = (
                unit.kind == OrgUnit.Kind.FIELD_UNIT
                and street is not None
                and unit.stationed_in.filter(pk=street.pk).exists()
            )
            if stationed:
                return grant, PatrolCompanion.Kind.ENFORCEMENT
            reasons.append(
                (
                    PatrolCompanion.Kind.ENFORCEMENT,
                    _(
                        "「{name}」所在的{unit}不是派驻{street}的派驻机构，不能作为驻街执法人员陪同"
                    ).format(name=name, unit=unit.name, street=here),
                )
            )
        elif grant.role == Role.GRID_WORKER and patrol.role == Role.STREET_CHIEF:
            if grant.user_id in hooks.chief_grid_workers(patrol.worker_id):
                return grant, PatrolCompanion.Kind.GRID_WORKER
            reasons.append(
                (
                    PatrolCompanion.Kind.GRID_WORKER,
                    _("「{name}」不是这位街长责任路段上的网格员，不能作为网格员陪同").format(
                        name=name
                    ),
                )
            )
    kind, message = reasons[0] if reasons else ("", "")
    raise RuleViolation(
        message
        or _(
            "「{name}」不能陪同这次巡查：陪同人须是本街道干部或派驻本街道的派驻机构人员，"
            "陪同街长的也可以是其责任路段上的网格员"
        ).format(name=name),
        code="companion_kind",
        kind=kind,
    )


def companion_add(
    *, actor: Actor, patrol_id: int, user_id: int, now: datetime | None = None
) -> PatrolCompanion:
    """Record who walks with the patrol (三陪同): a cadre of the grid's street, staff of a
    field unit stationed in that street (派驻机构), or — with a street chief — a grid worker
    of his road segments. Anyone else is refused, and a resident, informant or chief (not
    staff) is told so; nothing is recorded."""
    _check_role(actor)
    patrol = _own_open(actor, patrol_id)
    user = get_user_model().objects.filter(pk=user_id, is_active=True).first()
    if user is None:
        raise NotFound(_("陪同人不存在"))
    if user.pk == patrol.worker_id:
        raise InvalidInput(_("不能把自己登记为陪同人"), field="user_id")
    grants = [
        g
        for g in RoleGrant.objects.select_related("unit").filter(user=user, is_active=True)
        if g.role not in REPORTER_ROLES
    ]
    name = user.get_full_name() or user.get_username()
    if not grants:
        raise InvalidInput(
            _("「{name}」不是工作人员，不能登记为陪同人").format(name=name),
            field="user_id",
            code="not_staff",
        )
    patrol.grid = (
        OrgUnit.objects.defer("boundary").select_related("parent__parent").get(pk=patrol.grid_id)
    )
    grant, kind = _companion_kind(patrol, grants, name)
    try:
        with transaction.atomic():
            return PatrolCompanion.objects.create(
                patrol=patrol,
                user=user,
                kind=kind,
                role=grant.role,
                unit=grant.unit,
                added_at=now or timezone.now(),
            )
    except IntegrityError:
        raise RuleViolation(
            _("「{name}」已登记为陪同人").format(name=name), code="companion_twice"
        ) from None


def companion_remove(*, actor: Actor, patrol_id: int, companion_id: int) -> None:
    _check_role(actor)
    patrol = _own_open(actor, patrol_id)
    if not PatrolCompanion.objects.filter(patrol=patrol, pk=companion_id).delete()[0]:
        raise NotFound(_("陪同人不存在"))
