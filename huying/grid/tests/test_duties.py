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


def test_the_admin_edits_the_template_and_the_grids_keep_their_copies(world: World) -> None:
    """Editing a template line changes what later copies take; a grid's copy, edited or
    not, stays as the grid has it."""
    first, second = _template(world)
    duties.duties_copy(district=world.district)
    admin, community = world.actor("admin"), world.actor("community")
    grid = world.grids[0]
    mine = GridDuty.objects.get(grid=grid, template=second)
    duties.duty_update(
        actor=community, grid_id=grid.pk, duty_id=mine.pk, version=0, text="矛盾纠纷每日排查"
    )
    line = duties.template_update(actor=admin, line_id=second.pk, version=0, text="矛盾纠纷化解")
    assert (line.text, line.version) == ("矛盾纠纷化解", 1)
    # The item line: another item takes its name; dropping the item keeps the text.
    line = duties.template_update(
        actor=admin, line_id=first.pk, version=0, item_id=world.items[2].pk
    )
    assert (line.item_id, line.text) == (world.items[2].pk, "路灯不亮")
    line = duties.template_update(actor=admin, line_id=first.pk, version=1, item_id=None)
    assert (line.item_id, line.text) == (None, "路灯不亮")
    assert [
        list(GridDuty.objects.filter(grid=world.grids[g]).values_list("text", flat=True))
        for g in (0, 1)
    ] == [["占道经营", "矛盾纠纷每日排查"], ["占道经营", "矛盾纠纷排查"]]
    # A new grid's copy takes the template as it is now.
    GridDuty.objects.filter(grid=world.grids[3]).delete()
    duties.duties_copy(district=world.district)
    assert list(GridDuty.objects.filter(grid=world.grids[3]).values_list("text", flat=True)) == [
        "路灯不亮",
        "矛盾纠纷化解",
    ]
    log = ChangeLog.objects.filter(object_type="grid.dutytemplate", action="update")
    assert next((r.before, r.after) for r in log.order_by("id")) == (
        {"text": "矛盾纠纷排查"},
        {"text": "矛盾纠纷化解"},
    )


def test_a_removed_template_line_stays_on_the_grids_as_their_own(world: World) -> None:
    first, _second = _template(world)
    duties.duties_copy(district=world.district)
    admin = world.actor("admin")
    assert duties.template_remove(actor=admin, line_id=first.pk, version=0) == 4
    assert list(DutyTemplate.objects.values_list("text", flat=True)) == ["矛盾纠纷排查"]
    kept = GridDuty.objects.filter(text="占道经营")
    assert kept.count() == 4 and not kept.filter(template__isnull=False).exists()
    assert duties.duties_copy(district=world.district).added == 0
    record = ChangeLog.objects.get(object_type="grid.dutytemplate", action="delete")
    assert (record.before or {}).get("text") == "占道经营" and record.after == {"grids_keep": 4}
    with pytest.raises(NotFound):
        duties.template_remove(actor=admin, line_id=first.pk)


def test_template_lines_move_and_stale_or_bad_edits_change_nothing(world: World) -> None:
    first, second = _template(world)
    third = duties.template_add(actor=world.actor("admin"), text="消防通道巡查")
    admin = world.actor("admin")
    moved = duties.template_move(actor=admin, line_id=third.pk, up=True)
    assert moved.position == 2
    duties.template_move(actor=admin, line_id=first.pk, up=True)  # already first: stays
    assert list(DutyTemplate.objects.values_list("text", flat=True)) == [
        "占道经营",
        "消防通道巡查",
        "矛盾纠纷排查",
    ]
    moves = ChangeLog.objects.filter(object_type="grid.dutytemplate", action="update")
    assert [(r.before, r.after) for r in moves] == [({"position": 3}, {"position": 2})]
    duties.template_update(actor=admin, line_id=second.pk, version=0, text="甲")
    before = list(DutyTemplate.objects.values_list("text", "item_id", "version", "position"))
    logged = ChangeLog.objects.count()
    for bad in (
        lambda: duties.template_update(actor=admin, line_id=second.pk, version=0, text="乙"),
        lambda: duties.template_remove(actor=admin, line_id=second.pk, version=0),
    ):
        with pytest.raises(Conflict):
            bad()
    for bad in (
        lambda: duties.template_update(actor=admin, line_id=second.pk, version=1, text="  "),
        lambda: duties.template_update(actor=admin, line_id=second.pk, version=1, text="长" * 201),
        lambda: duties.template_update(actor=admin, line_id=second.pk, version=1, item_id=999999),
    ):
        with pytest.raises(InvalidInput):
            bad()
    for name in ("street", "grid_centre", "hub"):
        with pytest.raises(PermissionDenied):
            duties.template_update(actor=world.actor(name), line_id=second.pk, version=1, text="x")
        with pytest.raises(PermissionDenied):
            duties.template_remove(actor=world.actor(name), line_id=second.pk)
        with pytest.raises(PermissionDenied):
            duties.template_move(actor=world.actor(name), line_id=second.pk, up=True)
    with pytest.raises(NotFound):
        duties.template_move(actor=admin, line_id=999999, up=True)
    assert (
        list(DutyTemplate.objects.values_list("text", "item_id", "version", "position")) == before
    )
    assert ChangeLog.objects.count() == logged
