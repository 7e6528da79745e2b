"""Patrols: one open at a time, findings become grid-patrol cases, ending is once only."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import IntegrityError

from huying.cases.models import Case, Source
from huying.cases.tests.test_console import login
from huying.conftest import World
from huying.core.errors import NotFound, PermissionDenied, RuleViolation
from huying.core.tests.images import PNG
from huying.grid import services
from huying.grid.models import Patrol, PatrolFinding

pytestmark = pytest.mark.django_db


def test_a_grid_worker_patrols_reports_and_ends(world: World) -> None:
    gw = world.actor("grid_worker")
    patrol = services.patrol_start(actor=gw)
    assert patrol.grid_id == world.grids[0].pk
    lat, lng = world.point_in(0)
    case = services.patrol_report(
        actor=gw, patrol_id=patrol.pk, title="垃圾桶满溢", lat=lat, lng=lng
    )
    no_point = services.patrol_report(actor=gw, patrol_id=patrol.pk, title="井盖松动")
    assert case.source == no_point.source == Source.GRID_PATROL
    assert no_point.grid_id == world.grids[0].pk  # placed in the patrol's grid
    assert PatrolFinding.objects.filter(patrol=patrol).count() == 2
    ended = services.patrol_end(actor=gw, patrol_id=patrol.pk, note="两处问题已上报")
    assert ended.ended_at is not None
    with pytest.raises(RuleViolation):
        services.patrol_end(actor=gw, patrol_id=patrol.pk)
    with pytest.raises(RuleViolation):
        services.patrol_report(actor=gw, patrol_id=patrol.pk, title="又一处")
    assert Case.objects.count() == 2


def test_only_one_open_patrol_per_person(world: World) -> None:
    gw = world.actor("grid_worker")
    services.patrol_start(actor=gw)
    with pytest.raises(RuleViolation):
        services.patrol_start(actor=gw)
    assert Patrol.objects.count() == 1


def test_someone_elses_patrol_is_not_found(world: World) -> None:
    patrol = services.patrol_start(actor=world.actor("grid_worker"))
    with pytest.raises(NotFound):
        services.patrol_end(actor=world.actor("grid_worker_b"), patrol_id=patrol.pk)
    with pytest.raises(NotFound):
        services.patrol_report(actor=world.actor("grid_worker_b"), patrol_id=patrol.pk, title="x")


def test_leaders_patrol_grids_below_them_only(world: World) -> None:
    leader = world.actor("grid_leader")  # community 1: grids 0 and 1
    assert services.patrol_start(actor=leader, grid_id=world.grids[1].pk).grid_id == (
        world.grids[1].pk
    )
    services.patrol_end(actor=leader, patrol_id=Patrol.objects.get().pk)
    with pytest.raises(NotFound):
        services.patrol_start(actor=leader, grid_id=world.grids[2].pk)


def test_departments_do_not_patrol(world: World) -> None:
    with pytest.raises(PermissionDenied):
        services.patrol_start(actor=world.actor("dept_cg"))


def test_patrol_on_the_phone(world: World) -> None:
    client = login(world, "grid_worker")
    assert "开始巡查" in client.get("/m/").content.decode()
    assert client.post("/m/patrol/start", {}).status_code == 302
    patrol = Patrol.objects.get()
    page = client.get("/m/patrol/").content.decode()
    assert "巡查中" in page
    response = client.post(
        "/m/report",
        {"title": "路面坑洼", "patrol": patrol.pk},
        headers={"Accept": "application/json"},
    )
    assert response.status_code == 201
    assert PatrolFinding.objects.get().case.number == response.json()["number"]
    assert client.post(f"/m/patrol/{patrol.pk}/end", {"note": "完成"}).status_code == 302
    patrol.refresh_from_db()
    assert patrol.ended_at is not None
    assert "发现 1 个问题" in client.get("/m/patrol/").content.decode()


def test_ending_anothers_patrol_on_the_phone_is_404(world: World) -> None:
    patrol = services.patrol_start(actor=world.actor("grid_worker"))
    response = login(world, "grid_worker_b").post(f"/m/patrol/{patrol.pk}/end", {})
    assert response.status_code == 404
    patrol.refresh_from_db()
    assert patrol.ended_at is None


def test_the_field_home_lists_tasks_and_the_patchs_latest_cases(world: World) -> None:
    from huying.cases.tests.helpers import case_in_state, submit

    task = case_in_state(world, "self_handling")
    latest = submit(world, title="窨井盖破损")
    page = login(world, "grid_worker").get("/m/").content.decode()
    assert "本级处置任务" in page and task.number in page
    assert "辖区最新事件" in page and latest.number in page


def test_a_finding_that_cannot_be_recorded_leaves_no_photo(
    world: World, settings: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The report and its finding are one write: when the finding fails, the report's rows
    roll back and so do its photo and thumbnail (they were left in storage before)."""
    settings.MEDIA_ROOT = tmp_path
    gw = world.actor("grid_worker")
    patrol = services.patrol_start(actor=gw)

    def broken(**kwargs: Any) -> Any:
        raise IntegrityError("finding")

    monkeypatch.setattr(PatrolFinding.objects, "get_or_create", broken)
    photo = SimpleUploadedFile("发现.png", PNG, content_type="image/png")
    with pytest.raises(IntegrityError):
        services.patrol_report(
            actor=gw,
            patrol_id=patrol.pk,
            title="井盖缺失",
            unit_id=world.grids[0].pk,
            files=[photo],
        )
    assert [p for p in tmp_path.rglob("*") if p.is_file()] == []
    assert not Case.objects.exists()
