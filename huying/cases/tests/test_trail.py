"""The hash-chained trail: intact chains verify; any edit, deletion or reorder is caught,
also when the chain is recomputed; the rows are what the events say; old trails verify."""

from __future__ import annotations

import json
import stat
from collections.abc import Callable
from datetime import timedelta
from io import StringIO
from pathlib import Path
from typing import Any

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.core.management import call_command
from django.core.management.base import CommandError

from huying.cases import services
from huying.cases.anchors import write_anchor
from huying.cases.models import Assignment, AssignmentState, Case, CaseEvent, CaseState
from huying.cases.services import event_payload
from huying.cases.sweep import sweep_deadlines
from huying.cases.tasks import trail_anchor_task
from huying.cases.trail import RekeyRefused, check_trails, rekey, verify_trails
from huying.conftest import MONDAY_10AM, World
from huying.core.audit import GENESIS, KEYED, UNKEYED, chain_hash
from huying.core.trailkey import trail_key

from .helpers import case_in_state


@pytest.fixture
def closed_case(world: World) -> Case:
    return case_in_state(world, "closed")


def test_intact_chain_verifies(closed_case: Case) -> None:
    assert list(verify_trails()) == []
    call_command("verify_trail")
    assert CaseEvent.objects.filter(case=closed_case).count() == closed_case.version


def test_edited_event_is_detected(closed_case: Case) -> None:
    event = CaseEvent.objects.get(case=closed_case, seq=3)
    CaseEvent.objects.filter(pk=event.pk).update(reason="篡改后的理由")
    breaks = list(verify_trails())
    assert [(b.seq, "篡改" in b.problem) for b in breaks] == [(3, True)]
    with pytest.raises(CommandError):
        call_command("verify_trail")


def test_edited_before_after_is_detected(closed_case: Case) -> None:
    event = CaseEvent.objects.get(case=closed_case, seq=2)
    CaseEvent.objects.filter(pk=event.pk).update(after={**event.after, "level": 1})
    assert [b.seq for b in verify_trails()] == [2]


def test_deleted_middle_event_is_detected(closed_case: Case) -> None:
    CaseEvent.objects.filter(case=closed_case, seq=4).delete()
    problems = {b.problem[:4] for b in verify_trails()}
    assert problems & {"序号不连", "前序哈希"}


def test_deleted_last_event_is_detected(closed_case: Case) -> None:
    CaseEvent.objects.filter(case=closed_case, seq=closed_case.version).delete()
    assert any("链尾" in b.problem for b in verify_trails())


# --- the keyed seal -------------------------------------------------------------------------


def reseal(
    case: Case, version: int, *, wipe_changes: bool = False, computed_with: int | None = None
) -> None:
    """What someone who can write the database does after an edit: recompute every hash of
    the case's chain and its head. ``version``: the scheme the events claim;
    ``computed_with``: the one actually used (without the key, only the unkeyed one)."""
    prev = GENESIS
    for event in CaseEvent.objects.filter(case=case).order_by("seq"):
        event.hash_version = version
        if wipe_changes:
            event.changes = {}
        event.prev_hash = prev
        event.hash = chain_hash(prev, event_payload(event), computed_with or version)
        event.save()
        prev = event.hash
    Case.objects.filter(pk=case.pk).update(trail_head=prev)


@pytest.fixture
def anchor_dir(settings: Any, tmp_path: Path) -> Path:
    settings.HUYING_TRAIL_ANCHOR_DIR = tmp_path / "anchors"
    return tmp_path / "anchors"


def test_new_events_are_sealed_with_the_key(closed_case: Case) -> None:
    events = list(CaseEvent.objects.filter(case=closed_case))
    assert {e.hash_version for e in events} == {KEYED}
    assert all(e.hash != chain_hash(e.prev_hash, event_payload(e)) for e in events)


def test_an_edit_with_the_chain_recomputed_is_detected(closed_case: Case) -> None:
    """The unkeyed chain let an editor recompute every hash after the edit and pass."""
    CaseEvent.objects.filter(case=closed_case, seq=3).update(reason="篡改后的理由")
    reseal(closed_case, KEYED, computed_with=UNKEYED)
    assert [b.seq for b in verify_trails()] == list(range(1, closed_case.version + 1))


def test_a_downgrade_to_the_unkeyed_scheme_is_detected(closed_case: Case) -> None:
    CaseEvent.objects.filter(case=closed_case, seq=3).update(reason="篡改后的理由")
    reseal(closed_case, UNKEYED)
    breaks = list(verify_trails())
    assert breaks and all("降级" in b.problem for b in breaks)


def test_a_downgrade_below_the_anchors_is_detected(closed_case: Case, anchor_dir: Path) -> None:
    """Even with the recorded changes wiped (so the events look like old ones), an unkeyed
    event newer than the first anchor cannot be an old one."""
    write_anchor(now=MONDAY_10AM)
    reseal(closed_case, UNKEYED, wipe_changes=True)
    assert any("降级" in b.problem for b in verify_trails())


# --- old events ------------------------------------------------------------------------------


def make_legacy(case: Case) -> None:
    """The case as written before the key and the recorded changes."""
    reseal(case, UNKEYED, wipe_changes=True)


def test_old_unkeyed_events_still_verify(closed_case: Case) -> None:
    make_legacy(closed_case)
    report = check_trails()
    assert report.intact, (report.breaks, report.mismatches)
    assert report.unkeyed_events == closed_case.version
    assert report.partly_replayed >= 1
    out = StringIO()
    call_command("verify_trail", stdout=out)
    assert "--rekey" in out.getvalue()


def test_an_old_trail_still_shows_a_direct_state_edit(closed_case: Case) -> None:
    make_legacy(closed_case)
    Case.objects.filter(pk=closed_case.pk).update(state=CaseState.ARCHIVED)
    found = [(m.field, m.row_value, m.implied) for m in check_trails().mismatches]
    assert found == [("state", "archived", "closed")]


def test_rekey_reseals_old_events_and_anchors_what_they_said(
    closed_case: Case, anchor_dir: Path
) -> None:
    make_legacy(closed_case)
    old_head = Case.objects.get(pk=closed_case.pk).trail_head
    out = StringIO()
    call_command("verify_trail", "--rekey", stdout=out)
    assert f"resealed {closed_case.version} events" in out.getvalue()
    assert set(CaseEvent.objects.values_list("hash_version", flat=True)) == {KEYED}
    report = check_trails()
    assert report.intact and report.unkeyed_events == 0
    record = json.loads((next(anchor_dir.glob("*.jsonl"))).read_text().splitlines()[-1])
    assert record["kind"] == "rekey" and record["unkeyed_through"] == 0
    seq, new_head, was = record["heads"][str(closed_case.pk)]
    assert (seq, was) == (closed_case.version, old_head)
    assert new_head == Case.objects.get(pk=closed_case.pk).trail_head != old_head
    # After the re-key an unkeyed event can only be a downgrade.
    reseal(closed_case, UNKEYED, wipe_changes=True)
    assert any("降级" in b.problem for b in verify_trails())


def test_rekey_refuses_a_tampered_old_trail(closed_case: Case, anchor_dir: Path) -> None:
    """Resealing first would launder the edit: the old chain must verify before."""
    make_legacy(closed_case)
    CaseEvent.objects.filter(case=closed_case, seq=2).update(reason="改过")
    with pytest.raises(RekeyRefused):
        rekey()
    with pytest.raises(CommandError):
        call_command("verify_trail", "--rekey", stdout=StringIO())
    assert set(CaseEvent.objects.values_list("hash_version", flat=True)) == {UNKEYED}
    assert not anchor_dir.exists()


# --- anchors ---------------------------------------------------------------------------------


def test_the_worker_task_writes_the_anchor(closed_case: Case, anchor_dir: Path) -> None:
    assert trail_anchor_task.call() >= 1
    lines = next(anchor_dir.glob("*.jsonl")).read_text().splitlines()
    record = json.loads(lines[-1])
    assert record["heads"][str(closed_case.pk)] == [closed_case.version, closed_case.trail_head]
    assert record["prev"] == GENESIS
    assert trail_anchor_task.call() == 0  # nothing new: nothing written
    services.case_archive(actor=None, case_id=closed_case.pk, now=MONDAY_10AM)
    assert write_anchor(now=MONDAY_10AM) == 1
    files = sorted(anchor_dir.glob("*.jsonl"))
    assert sum(len(f.read_text().splitlines()) for f in files) == 2
    assert check_trails().intact


def test_a_rewrite_resealed_with_the_key_before_the_anchor_is_detected(
    closed_case: Case, anchor_dir: Path
) -> None:
    """Someone holding the key (or the database and the key file) reseals a rewrite: the
    chain verifies, the anchor does not."""
    write_anchor(now=MONDAY_10AM)
    CaseEvent.objects.filter(case=closed_case, seq=2).update(reason="改写")
    reseal(closed_case, KEYED)
    breaks = list(verify_trails())
    assert [(b.seq, "锚点" in b.problem) for b in breaks] == [(closed_case.version, True)]


def test_events_deleted_after_the_anchor_are_detected(closed_case: Case, anchor_dir: Path) -> None:
    write_anchor(now=MONDAY_10AM)
    CaseEvent.objects.filter(case=closed_case, seq=closed_case.version).delete()
    Case.objects.filter(pk=closed_case.pk).update(version=closed_case.version - 1)
    reseal(closed_case, KEYED)
    assert any("锚定的事件已不存在" in b.problem for b in verify_trails())


def test_an_anchor_line_taken_out_is_detected(closed_case: Case, anchor_dir: Path) -> None:
    write_anchor(now=MONDAY_10AM)
    services.case_archive(actor=None, case_id=closed_case.pk, now=MONDAY_10AM)
    write_anchor(now=MONDAY_10AM)
    path = next(anchor_dir.glob("*.jsonl"))
    path.write_text(path.read_text().splitlines()[1] + "\n")
    assert check_trails().anchor_problems


# --- the rows against the events -------------------------------------------------------------


@pytest.mark.parametrize(
    ("field", "value"),
    [("state", "archived"), ("level", 1), ("item", "other"), ("supervised", True)],
)
def test_a_direct_edit_of_the_case_row_is_detected(
    world: World, closed_case: Case, field: str, value: Any
) -> None:
    if value == "other":
        value = next(i for i in world.items.values() if i.pk != closed_case.item_id).pk
        field = "item_id"
    Case.objects.filter(pk=closed_case.pk).update(**{field: value})
    name = field.removesuffix("_id")
    found = [(m.case_number, m.row, m.field, m.row_value) for m in check_trails().mismatches]
    assert found == [(closed_case.number, "case", name, value)]
    out = StringIO()
    with pytest.raises(CommandError):
        call_command("verify_trail", stdout=out)
    assert f"{closed_case.number} case.{name}" in out.getvalue()


@pytest.mark.parametrize("field", ["state", "department", "due_at", "handle_due_at"])
def test_a_direct_edit_of_an_assignment_is_detected(world: World, field: str) -> None:
    case = case_in_state(world, CaseState.IN_PROGRESS)
    a = Assignment.objects.get(case=case)
    value: Any = {
        "state": AssignmentState.RESULT_SUBMITTED,
        "department": next(d for d in world.departments.values() if d.pk != a.department_id),
        "due_at": (a.due_at or MONDAY_10AM) + timedelta(days=30),
        "handle_due_at": (a.handle_due_at or MONDAY_10AM) + timedelta(days=30),
    }[field]
    Assignment.objects.filter(pk=a.pk).update(**{field: value})
    found = [(m.row, m.field) for m in check_trails().mismatches]
    assert found == [(f"assignment {a.pk}", field)]


def test_an_assignment_made_around_the_engine_is_detected(world: World) -> None:
    case = case_in_state(world, CaseState.IN_PROGRESS)
    a = Assignment.objects.get(case=case)
    a.pk = None
    a.save()
    assert [(m.row, m.field) for m in check_trails().mismatches] == [(f"assignment {a.pk}", "*")]


def _in_progress(world: World) -> tuple[Case, Assignment]:
    case = case_in_state(world, CaseState.IN_PROGRESS)
    a = Assignment.objects.get(case=case)
    services.assignment_report_in(actor=world.actor("dept_cg"), assignment_id=a.pk, now=T1)
    return case, a


T1 = MONDAY_10AM + timedelta(hours=1)


def _urge(world: World, case: Case) -> None:
    services.case_urge(actor=world.actor("hub"), case_id=case.pk, now=T1)


def _supervise(world: World, case: Case) -> None:
    services.case_supervise(actor=world.actor("hub_sup"), case_id=case.pk, now=T1)


def _suspend(world: World, case: Case) -> None:
    services.case_suspend(actor=world.actor("hub"), case_id=case.pk, reason="等待认定", now=T1)


def _resume(world: World, case: Case) -> None:
    _suspend(world, case)
    services.case_resume(actor=world.actor("hub"), case_id=case.pk, now=T1 + timedelta(days=3))


@pytest.mark.parametrize(
    ("step", "changed"),
    [
        (_urge, {"urge_count"}),
        (_supervise, {"supervised"}),
        (_suspend, {"paused_remaining"}),
        (_resume, {"paused_remaining", "due_at", "warn_at", "handle_due_at"}),
    ],
    ids=["urge", "supervise", "suspend", "resume"],
)
def test_every_tracking_change_to_an_assignment_is_in_the_event(
    world: World, step: Callable[[World, Case], None], changed: set[str]
) -> None:
    """Urging, supervising, suspending and resuming changed the assignment rows beside the
    event (the event only listed which ones): now the event holds the new values, and the
    replay of the trail is the rows."""
    case, a = _in_progress(world)
    step(world, case)
    a.refresh_from_db()
    last = CaseEvent.objects.filter(case=case).order_by("-seq").first()
    assert last is not None
    recorded = last.changes["assignments"][str(a.pk)]
    assert changed | {"version"} <= set(recorded)
    assert recorded["version"] == a.version
    assert check_trails().intact


def test_the_sweep_changes_are_in_the_events(world: World) -> None:
    _, a = _in_progress(world)
    sweep_deadlines(now=MONDAY_10AM + timedelta(days=60))
    a.refresh_from_db()
    assert a.overdue and a.supervised
    assert check_trails().intact


# --- the key ---------------------------------------------------------------------------------


def test_the_key_file_is_made_on_first_use_for_its_owner_only(
    settings: Any, tmp_path: Path
) -> None:
    settings.HUYING_TRAIL_KEY = ""
    settings.HUYING_TRAIL_KEY_FILE = tmp_path / "trail.key"
    key = trail_key()
    assert stat.S_IMODE((tmp_path / "trail.key").stat().st_mode) == 0o600
    trail_key.cache_clear()
    assert trail_key() == key  # read back, not made anew


def test_a_key_file_others_can_read_is_refused(settings: Any, tmp_path: Path) -> None:
    settings.HUYING_TRAIL_KEY = ""
    settings.HUYING_TRAIL_KEY_FILE = tmp_path / "trail.key"
    (tmp_path / "trail.key").write_text("k" * 64)
    (tmp_path / "trail.key").chmod(0o644)
    with pytest.raises(ImproperlyConfigured):
        trail_key()


def test_without_a_usable_key_production_refuses_and_debug_derives(
    settings: Any, tmp_path: Path
) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("")
    settings.HUYING_TRAIL_KEY = ""
    settings.HUYING_TRAIL_KEY_FILE = blocker / "trail.key"  # under a file: cannot be made
    settings.DEBUG = False
    with pytest.raises(ImproperlyConfigured):
        trail_key()
    settings.DEBUG = True
    assert len(trail_key()) >= 32


def test_a_short_key_is_refused(settings: Any) -> None:
    settings.HUYING_TRAIL_KEY = "short"
    with pytest.raises(ImproperlyConfigured):
        trail_key()
