"""Grid duty lists (网格职责清单): the district's template, its copies on each grid, and the
grid's own edits. Every write is in the change log (``huying.core.changelog``).

A copy is the grid's from the moment it is made: editing, removing or moving a template line
changes the template only — what later copies take (new grids, lines not copied yet) — and
never a grid's list, which its leaders may have edited on purpose. A removed template line
leaves each grid's copy in place as the grid's own duty."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import Enum
from typing import TypeVar

from django.db import transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _

from huying.catalogue.models import CatalogueItem
from huying.core.changelog import change_record, diff, snapshot
from huying.core.errors import Conflict, InvalidInput, NotFound, PermissionDenied
from huying.grid.models import DutyTemplate, GridDuty
from huying.org.actors import Actor
from huying.org.models import OrgUnit, Role
from huying.org.roles import STREET_ROLES, may_manage

#: Who edits a grid's duties: the grid's leaders above the grid worker, in their scope.
DUTY_EDITOR_ROLES = frozenset(
    {Role.GRID_LEADER, Role.COMMUNITY_STAFF, Role.GRID_CENTRE, *STREET_ROLES}
)
_FIELDS = ("item", "text", "is_active")
_TEMPLATE_FIELDS = ("position", "item", "text")
MAX_TEXT = 200


class Keep(Enum):
    """An argument left as it is (``item_id=KEEP``), where ``None`` means "no item"."""

    KEEP = "keep"


KEEP = Keep.KEEP


def may_edit_duties(actor: Actor, grid: OrgUnit) -> bool:
    return actor.role in DUTY_EDITOR_ROLES and grid.path.startswith(actor.unit.path)


def _text(text: str | None, item: CatalogueItem | None) -> str:
    cleaned = (text or "").strip() or (item.name if item else "")
    if not cleaned:
        raise InvalidInput(_("请填写职责或选择清单事项"), field="text")
    if len(cleaned) > MAX_TEXT:
        raise InvalidInput(_("职责不能超过 {n} 个字").format(n=MAX_TEXT), field="text")
    return cleaned


def _item(item_id: int | None, district_id: int | None) -> CatalogueItem | None:
    """An item of the district's catalogue (a duty names what the district's own list says)."""
    if item_id is None:
        return None
    item = CatalogueItem.objects.filter(
        pk=item_id, klass__catalogue__district_id=district_id
    ).first()
    if item is None:
        raise InvalidInput(_("清单事项不存在"), field="item_id")
    return item


def _grid_for_edit(actor: Actor, grid_id: int) -> OrgUnit:
    grid = OrgUnit.objects.defer("boundary").filter(pk=grid_id, kind=OrgUnit.Kind.GRID).first()
    if grid is None or not actor.covers(grid.path):
        raise NotFound(_("网格不存在或不在本人范围内"))
    if not may_edit_duties(actor, grid):
        raise PermissionDenied(_("只有网格长、社区、街道和街道网格中心可以修改网格职责"))
    return grid


# The district template ------------------------------------------------------------------


def _require_template_editor(actor: Actor) -> None:
    """The template is a district's: its administrator edits it (a city's has none)."""
    if not may_manage(actor.role) or actor.district_id is None:
        raise PermissionDenied(_("只有区管理员可以修改网格职责模板"))


def _line_for_edit(actor: Actor, line_id: int) -> DutyTemplate:
    _require_template_editor(actor)
    line = DutyTemplate.objects.select_related("item").filter(pk=line_id, district=actor.unit)
    found = line.first()
    if found is None:
        raise NotFound(_("模板职责不存在"))
    return found


def template_add(
    *, actor: Actor, text: str = "", item_id: int | None = None, now: datetime | None = None
) -> DutyTemplate:
    _require_template_editor(actor)
    item = _item(item_id, actor.district_id)
    cleaned = _text(text, item)
    district = actor.unit
    with transaction.atomic():
        last = DutyTemplate.objects.filter(district=district).aggregate(m=Max("position"))["m"]
        line = DutyTemplate.objects.create(
            district=district, position=(last or 0) + 1, item=item, text=cleaned
        )
        change_record(
            actor=actor,
            action="create",
            obj=line,
            now=now or timezone.now(),
            after=snapshot(line, _TEMPLATE_FIELDS),
        )
    return line


def template_update(
    *,
    actor: Actor,
    line_id: int,
    version: int,
    text: str | None = None,
    item_id: int | Keep | None = KEEP,
    now: datetime | None = None,
) -> DutyTemplate:
    """Change a template line's text or catalogue item (``item_id=None`` drops the item); a
    text that was the old item's name follows the new item. Compare-and-set on ``version``.
    The grids' copies stay as they are (the module's docstring says why)."""
    line = _line_for_edit(actor, line_id)
    before = snapshot(line, _TEMPLATE_FIELDS)
    item = line.item if item_id is KEEP else _item(item_id, actor.district_id)
    raw = line.text if text is None else text
    if line.item and item != line.item and raw.strip() == line.item.name and item:
        raw = ""
    line.item, line.text = item, _text(raw, item)
    old, new = diff(before, snapshot(line, _TEMPLATE_FIELDS))
    if not new:
        return line
    with transaction.atomic():
        done = DutyTemplate.objects.filter(pk=line.pk, version=version).update(
            item=item, text=line.text, version=version + 1
        )
        if not done:
            raise Conflict(_("模板职责已被他人修改，请刷新后再试"))
        line.version = version + 1
        change_record(
            actor=actor, action="update", obj=line, now=now or timezone.now(), before=old, after=new
        )
    return line


def template_remove(
    *, actor: Actor, line_id: int, version: int | None = None, now: datetime | None = None
) -> int:
    """Take a line out of the template; ``version``, when given, must still be the line's.
    Returns how many grids keep their copy (now their own duty: its link to the template
    goes, so copying again never brings the line back)."""
    line = _line_for_edit(actor, line_id)
    with transaction.atomic():
        kept = GridDuty.objects.filter(template=line).count()
        gone = DutyTemplate.objects.filter(pk=line.pk)
        if version is not None:
            gone = gone.filter(version=version)
        if not gone.delete()[0]:
            raise Conflict(_("模板职责已被他人修改，请刷新后再试"))
        change_record(
            actor=actor,
            action="delete",
            obj=line,
            now=now or timezone.now(),
            before=snapshot(line, _TEMPLATE_FIELDS),
            after={"grids_keep": kept},
        )
    return kept


def template_move(
    *, actor: Actor, line_id: int, up: bool, now: datetime | None = None
) -> DutyTemplate:
    """Swap a template line with its neighbour; the grids' lists keep their own order."""
    _require_template_editor(actor)
    with transaction.atomic():
        lines = list(
            DutyTemplate.objects.select_for_update()
            .filter(district=actor.unit)
            .order_by("position", "id")
        )
        moved, before = _swap(lines, line_id, up, not_found=_("模板职责不存在"))
        DutyTemplate.objects.bulk_update(lines, ["position"])
        if moved.position != before:
            change_record(
                actor=actor,
                action="update",
                obj=moved,
                now=now or timezone.now(),
                before={"position": before},
                after={"position": moved.position},
            )
    return moved


def template_copy(*, actor: Actor, now: datetime | None = None) -> CopyResult:
    """The administrator's copy of the template to every grid (the command's, from the API)."""
    _require_template_editor(actor)
    return duties_copy(district=actor.unit, actor=actor, now=now)


@dataclass(frozen=True)
class CopyResult:
    grids: int
    added: int


def duties_copy(
    *, district: OrgUnit, actor: Actor | None = None, now: datetime | None = None
) -> CopyResult:
    """Copy the template to every active grid of the district: a line a grid already has
    (even one it removed) is left as the grid keeps it, so copying again adds only new lines."""
    lines = list(DutyTemplate.objects.filter(district=district))
    grids = list(
        OrgUnit.objects.defer("boundary")
        .filter(kind=OrgUnit.Kind.GRID, is_active=True, path__startswith=district.path)
        .order_by("path")
    )
    now = now or timezone.now()
    added = 0
    with transaction.atomic():
        have = set(
            GridDuty.objects.filter(grid__in=grids, template__isnull=False).values_list(
                "grid_id", "template_id"
            )
        )
        ends = dict(
            GridDuty.objects.filter(grid__in=grids)
            .values("grid_id")
            .annotate(m=Max("position"))
            .values_list("grid_id", "m")
        )
        new: list[GridDuty] = []
        for grid in grids:
            position = ends.get(grid.pk) or 0
            for line in lines:
                if (grid.pk, line.pk) in have:
                    continue
                position += 1
                new.append(
                    GridDuty(
                        grid=grid,
                        template=line,
                        position=position,
                        item_id=line.item_id,
                        text=line.text,
                    )
                )
        GridDuty.objects.bulk_create(new, batch_size=1000, ignore_conflicts=True)
        added = len(new)
        if actor is not None or added:
            change_record(
                actor=actor,
                action="duties_copy",
                obj=district,
                now=now,
                after={"grids": len(grids), "added": added},
            )
    return CopyResult(len(grids), added)


# One grid's duties ------------------------------------------------------------------------


def duty_add(
    *,
    actor: Actor,
    grid_id: int,
    text: str = "",
    item_id: int | None = None,
    now: datetime | None = None,
) -> GridDuty:
    grid = _grid_for_edit(actor, grid_id)
    item = _item(item_id, grid.district_id)
    cleaned = _text(text, item)
    with transaction.atomic():
        last = GridDuty.objects.filter(grid=grid).aggregate(m=Max("position"))["m"]
        duty = GridDuty.objects.create(grid=grid, position=(last or 0) + 1, item=item, text=cleaned)
        change_record(
            actor=actor,
            action="create",
            obj=duty,
            now=now or timezone.now(),
            after=snapshot(duty, _FIELDS),
        )
    return duty


def duty_update(
    *,
    actor: Actor,
    grid_id: int,
    duty_id: int,
    version: int,
    text: str | None = None,
    is_active: bool | None = None,
    now: datetime | None = None,
) -> GridDuty:
    """Edit, remove (``is_active=False``) or restore one duty; compare-and-set on ``version``,
    so an edit made from a stale page is refused, not lost."""
    grid = _grid_for_edit(actor, grid_id)
    duty = GridDuty.objects.filter(pk=duty_id, grid=grid).first()
    if duty is None:
        raise NotFound(_("职责不存在"))
    before = snapshot(duty, _FIELDS)
    if text is not None:
        duty.text = _text(text, duty.item)
    if is_active is not None:
        duty.is_active = is_active
    after = snapshot(duty, _FIELDS)
    old, new = diff(before, after)
    if not new:
        return duty
    with transaction.atomic():
        done = GridDuty.objects.filter(pk=duty.pk, version=version).update(
            text=duty.text, is_active=duty.is_active, version=version + 1
        )
        if not done:
            raise Conflict(_("职责已被他人修改，请刷新后再试"))
        duty.version = version + 1
        change_record(
            actor=actor, action="update", obj=duty, now=now or timezone.now(), before=old, after=new
        )
    return duty


Row = TypeVar("Row", GridDuty, DutyTemplate)


def _swap(rows: list[Row], pk: int, up: bool, *, not_found: str) -> tuple[Row, int]:
    """Number a list (locked, in order) 1…n in place and swap one row with its neighbour;
    the row and its number before the swap. At either end it stays where it is."""
    index = next((i for i, r in enumerate(rows) if r.pk == pk), None)
    if index is None:
        raise NotFound(not_found)
    moved, other = rows[index], index - 1 if up else index + 1
    if 0 <= other < len(rows):
        rows[index], rows[other] = rows[other], rows[index]
    for position, row in enumerate(rows, start=1):
        row.position = position
    return moved, index + 1


def duty_move(
    *, actor: Actor, grid_id: int, duty_id: int, up: bool, now: datetime | None = None
) -> GridDuty:
    """Swap a duty with its neighbour above or below; the grid's duties are locked while the
    list is renumbered 1…n, so two moves at once both land."""
    grid = _grid_for_edit(actor, grid_id)
    with transaction.atomic():
        duties = list(
            GridDuty.objects.select_for_update().filter(grid=grid).order_by("position", "id")
        )
        moved, before = _swap(duties, duty_id, up, not_found=_("职责不存在"))
        GridDuty.objects.bulk_update(duties, ["position"])
        if moved.position != before:
            change_record(
                actor=actor,
                action="update",
                obj=moved,
                now=now or timezone.now(),
                before={"position": before},
                after={"position": moved.position},
            )
    return moved
