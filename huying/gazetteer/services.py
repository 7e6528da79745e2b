"""Writes to the gazetteer outside an import: the hub, placing a case by hand, may keep its
address as a landmark so that the next ticket with that address places itself."""

from __future__ import annotations

from datetime import datetime

from django.utils import timezone
from django.utils.translation import gettext as _

from huying.cases.models import Case
from huying.cases.selectors import cases_visible_to
from huying.cases.services import case_locate
from huying.core.errors import DomainError, InvalidInput, PermissionDenied
from huying.gazetteer.models import Entry, entry_key
from huying.gazetteer.selectors import unplaced_alike
from huying.org.actors import Actor, under
from huying.org.models import OrgUnit, Role
from huying.org.roles import HUB_ROLES

#: Who may add to the gazetteer by hand: the hub (from the 待定位 queue) and the admin.
KEEPER_ROLES = frozenset({*HUB_ROLES, Role.ADMIN})


def landmark_remember(
    *,
    actor: Actor,
    name: str,
    grid_id: int,
    lat: float | None = None,
    lng: float | None = None,
    now: datetime | None = None,
) -> Entry:
    """Keep ``name`` (an address as people wrote it) as a landmark of the grid, with its
    point if known; the landmark of that name is moved if it was kept before."""
    if actor.role not in KEEPER_ROLES:
        raise PermissionDenied(_("当前角色不能修改地址库"))
    name = " ".join((name or "").split())
    if not name:
        raise InvalidInput(_("地址为空，不能加入地址库"), field="name")
    if len(name) > 100:
        raise InvalidInput(_("名称不能超过 100 个字符"), field="name")
    grid = OrgUnit.objects.filter(
        under("path", actor.reach), pk=grid_id, kind=OrgUnit.Kind.GRID, is_active=True
    ).first()
    if grid is None or grid.parent_id is None:
        raise InvalidInput(_("所选网格不存在"), field="grid_id")
    entry, _created = Entry.objects.update_or_create(
        key=entry_key(grid.district_id, Entry.Kind.LANDMARK, name, None, None, Entry.Parity.ALL),
        defaults={
            "kind": Entry.Kind.LANDMARK,
            "name": name,
            "grid": grid,
            "community_id": int(grid.parent_id),
            "lat": lat,
            "lng": lng,
            "updated_at": now or timezone.now(),
        },
    )
    return entry


def place_alike(
    *, actor: Actor, case: Case, lat: float | None = None, lng: float | None = None
) -> tuple[list[Case], int]:
    """Place the other waiting cases of ``case``'s address where ``case`` was just placed,
    each through ``case_locate`` (its own rights, state and version checks, its own trail
    event): the cases placed, and how many were not (placed or closed meanwhile)."""
    assert case.grid_id is not None
    placed, skipped = [], 0
    for other in unplaced_alike(cases_visible_to(actor), case):
        try:
            placed.append(
                case_locate(
                    actor=actor,
                    case_id=other.pk,
                    grid_id=case.grid_id,
                    lat=lat,
                    lng=lng,
                    expected_version=other.version,
                )
            )
        except DomainError:
            skipped += 1
    return placed, skipped
