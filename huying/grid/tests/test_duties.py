"""Grid duty lists: a district template copied to each grid once, edited per grid by the
grid's leaders in scope, every edit in the change log."""

from __future__ import annotations

import pytest
from django.core.management import call_command

from huying.conftest import World
from huying.core.errors import Conflict, InvalidInput, NotFound, PermissionDenied
from huying.core.models import ChangeLog
from huying.grid import duties
from huying.grid.models import DutyTemplate, GridDuty

pytestmark = pytest.mark.django_db


def _template(world: World) -> list[DutyTemplate]:
    admin = world.actor("admin")
    return [
        duties.template_add(actor=admin, item_id=world.items[1].pk),
        duties.template_add(actor=admin, text="矛盾纠纷排查"),
    ]


def test_the_template_is_copied_to_every_grid_once_and_grid_edits_stay(world: World) -> None:
    first, second = _template(world)
    assert first.text == "占道经营"  # a catalogue item's line takes the item's name
    result = duties.duties_copy(district=world.district)
    assert (result.grids, result.added) == (4, 8)
    grid = world.grids[0]
    assert [d.text for d in GridDuty.objects.filter(grid=grid)] == ["占道经营", "矛盾纠纷排查"]
    community = world.actor("community")
    copy = GridDuty.objects.get(grid=grid, template=second)
    duties.duty_update(
        actor=community, grid_id=grid.pk, duty_id=copy.pk, version=0, text="矛盾纠纷每日排查"
    )
    removed = GridDuty.objects.get(grid=grid, template=first)
    duties.duty_update(
        actor=community, grid_id=grid.pk, duty_id=removed.pk, version=0, is_active=False
    )
    duties.template_add(actor=world.actor("admin"), text="消防通道巡查")
    again = duties.duties_copy(district=world.district)
    assert again.added == 4  # only the new line, on each grid
    rows = list(GridDuty.objects.filter(grid=grid).values_list("text", "is_active"))
    assert rows == [("占道经营", False), ("矛盾纠纷每日排查", True), ("消防通道巡查", True)]


def test_the_command_copies_and_reports(world: World, capsys: pytest.CaptureFixture[str]) -> None:
    _template(world)
    call_command("grid_duties_copy")
    call_command("grid_duties_copy")
    out = capsys.readouterr().out
    assert "新增 8 条职责" in out and "新增 0 条职责" in out
    assert GridDuty.objects.count() == 8


def test_editors_in_scope_only(world: World) -> None:
    grid = world.grids[0]
    for name in ("grid_leader", "community", "street", "street_leader", "grid_centre"):
        duties.duty_add(actor=world.actor(name), grid_id=grid.pk, text=f"{name} 的职责")
    with pytest.raises(PermissionDenied):
        duties.duty_add(actor=world.actor("grid_worker"), grid_id=grid.pk, text="x")
    with pytest.raises(PermissionDenied):
        duties.duty_add(actor=world.actor("hub"), grid_id=grid.pk, text="x")
    with pytest.raises(NotFound):  # another street's grid
        duties.duty_add(actor=world.actor("street_b"), grid_id=grid.pk, text="x")
    with pytest.raises(NotFound):
        duties.duty_add(actor=world.actor("community"), grid_id=world.grids[2].pk, text="x")
    with pytest.raises(PermissionDenied):
        duties.template_add(actor=world.actor("street"), text="x")
    assert GridDuty.objects.filter(grid=grid).count() == 5


def test_bad_input_changes_nothing(world: World) -> None:
    grid = world.grids[0]
    community = world.actor("community")
    with pytest.raises(InvalidInput):
        duties.duty_add(actor=community, grid_id=grid.pk, text="   ")
    with pytest.raises(InvalidInput):
        duties.duty_add(actor=community, grid_id=grid.pk, text="长" * 201)
    with pytest.raises(InvalidInput):
        duties.duty_add(actor=community, grid_id=grid.pk, item_id=999999)
    assert not GridDuty.objects.exists()
    assert not ChangeLog.objects.filter(object_type="grid.gridduty").exists()


def test_a_stale_edit_is_refused_not_lost(world: World) -> None:
    grid = world.grids[0]
    community = world.actor("community")
    duty = duties.duty_add(actor=community, grid_id=grid.pk, text="垃圾分类督导")
    duties.duty_update(actor=community, grid_id=grid.pk, duty_id=duty.pk, version=0, text="甲")
    with pytest.raises(Conflict):
        duties.duty_update(actor=community, grid_id=grid.pk, duty_id=duty.pk, version=0, text="乙")
    duty.refresh_from_db()
    assert (duty.text, duty.version) == ("甲", 1)


def test_moves_renumber_and_every_edit_is_logged(world: World) -> None:
    grid = world.grids[0]
    leader = world.actor("grid_leader")
    a, b, c = (duties.duty_add(actor=leader, grid_id=grid.pk, text=t) for t in "甲乙丙")
    duties.duty_move(actor=leader, grid_id=grid.pk, duty_id=c.pk, up=True)
    duties.duty_move(actor=leader, grid_id=grid.pk, duty_id=a.pk, up=True)  # already first
    assert [d.text for d in GridDuty.objects.filter(grid=grid)] == ["甲", "丙", "乙"]
    duties.duty_update(actor=leader, grid_id=grid.pk, duty_id=b.pk, version=0, text="乙二")
    log = ChangeLog.objects.filter(object_type="grid.gridduty").order_by("id")
    assert [(r.action, r.username) for r in log] == [("create", "grid_leader")] * 3 + [
        ("update", "grid_leader")
    ] * 2
    last = log.last()
    assert last is not None and (last.before, last.after) == ({"text": "乙"}, {"text": "乙二"})
