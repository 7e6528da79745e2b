"""The circular as a job and as pages: the state machine (claimed once, failure recorded),
who may generate (hub and district leader; to others the form and its POST do not exist),
who may read and download (the district's staff; residents 404), downloads only of
finished circulars, under a Chinese file name, and 422 for a bad month with nothing made.

The renderers are replaced by fast fakes here; ``test_circular_builder`` renders for real.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any
from urllib.parse import quote

import pytest
from django.core.management import call_command
from django.test import Client

from huying.conftest import World
from huying.core.models import Counter
from huying.evaluation.tests.helpers import at
from huying.org.models import OrgUnit, Role
from huying.org.services import grant_role, person_create, unit_create
from huying.reports.circular import services
from huying.reports.circular.services import circular_generate, circular_run
from huying.reports.models import Circular, CircularState
from huying.reports.tasks import circular_request

pytestmark = pytest.mark.django_db

NOW = at(4, 2, 9)


@pytest.fixture(autouse=True)
def fast_files(monkeypatch: pytest.MonkeyPatch, settings: Any, tmp_path: Path) -> None:
    """Files go to a scratch media root; tasks run as they are enqueued."""
    settings.MEDIA_ROOT = tmp_path
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
    monkeypatch.setattr(services, "render_docx", lambda doc: b"PK-docx " + doc.number.encode())
    monkeypatch.setattr(services, "render_pdf", lambda doc: b"%PDF-1.7 " + doc.title.encode())


def login(world: World, name: str) -> Client:
    return world.client(name)


def body(response: Any) -> bytes:
    return b"".join(response.streaming_content) if response.streaming else bytes(response.content)


# --- the job ---------------------------------------------------------------------------------


def test_a_request_is_numbered_queued_and_generated_after_commit(
    world: World, django_capture_on_commit_callbacks: Any
) -> None:
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        circular = circular_request(actor=world.actor("hub"), year=2026, month=3, now=NOW)
    assert circular.state == CircularState.PENDING
    assert circular.doc_number == "锦呼应办通〔2026〕1号"
    assert len(callbacks) == 1  # queued on commit, not before
    callbacks[0]()
    circular.refresh_from_db()
    assert circular.state == CircularState.DONE
    assert circular.generated_at is not None
    assert circular.figures["month"] == 3 and circular.figures["district"]["name"] == "锦城区"
    assert circular.docx.read().startswith(b"PK-docx")
    # The next one of the year takes the next number.
    second = circular_request(actor=world.actor("leader"), year=2026, month=3, now=NOW)
    assert second.doc_number == "锦呼应办通〔2026〕2号"


def test_a_job_runs_once_however_often_it_is_queued(world: World) -> None:
    circular = circular_request(actor=world.actor("hub"), year=2026, month=3, now=NOW)
    first = circular_run(circular_id=circular.pk, now=NOW)
    assert first.state == CircularState.DONE
    again = circular_run(circular_id=circular.pk, now=at(4, 3))
    assert again.generated_at == first.generated_at and again.docx.name == first.docx.name


def test_the_hourly_sweep_fails_a_circular_whose_worker_died(world: World) -> None:
    """Two hours after it was asked for, a circular still pending or running lost its worker:
    it is marked failed (the list stops polling; the month can be generated again); a
    recent one is left to run."""
    from datetime import timedelta

    stalled = circular_request(actor=world.actor("hub"), year=2026, month=2, now=NOW)
    recent = circular_request(
        actor=world.actor("hub"), year=2026, month=3, now=NOW + timedelta(hours=2, minutes=30)
    )
    assert services.circular_sweep(now=NOW + timedelta(hours=3)) == 1
    stalled.refresh_from_db()
    recent.refresh_from_db()
    assert stalled.state == CircularState.FAILED and stalled.error
    assert recent.state == CircularState.PENDING


def test_a_failure_is_recorded_with_its_reason_and_leaves_no_file(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    circular = circular_request(actor=world.actor("hub"), year=2026, month=3, now=NOW)

    def broken(doc: Any) -> bytes:
        raise RuntimeError("no fonts")

    monkeypatch.setattr(services, "render_pdf", broken)
    with pytest.raises(RuntimeError):
        circular_run(circular_id=circular.pk, now=NOW)
    circular.refresh_from_db()
    assert circular.state == CircularState.FAILED
    assert circular.error == "生成通报时出错：RuntimeError"
    assert not circular.docx and not circular.pdf and circular.figures == {}
    # A failed job is not run again by a late duplicate of its task.
    assert circular_run(circular_id=circular.pk).state == CircularState.FAILED


def test_the_command_generates_at_once(world: World, capsys: Any) -> None:
    call_command("circular", year=2026, month=3)
    circular = Circular.objects.get()
    assert circular.state == CircularState.DONE and circular.requested_by is None
    assert circular.doc_number in capsys.readouterr().out


def test_a_future_month_is_refused(world: World) -> None:
    with pytest.raises(Exception, match="尚未开始"):
        circular_generate(district=world.district, year=2026, month=5, now=NOW)
    assert not Circular.objects.exists()


# --- the pages -------------------------------------------------------------------------------


@pytest.mark.parametrize("who", ["hub", "hub_sup", "leader"])
def test_the_hub_and_the_district_leader_may_generate(
    world: World, who: str, django_capture_on_commit_callbacks: Any
) -> None:
    client = login(world, who)
    page = client.get("/reports/circulars/")
    assert page.status_code == 200 and 'name="month"' in page.content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post("/reports/circulars/", {"year": "2026", "month": "3"})
    assert response.status_code == 302
    circular = Circular.objects.get()
    assert circular.state == CircularState.DONE
    assert circular.requested_by == world.actor(who).user
    listing = client.get("/reports/circulars/").content.decode()
    assert circular.doc_number in listing and "现行" in listing
    assert f"/reports/circulars/{circular.pk}/docx/" in listing


@pytest.mark.parametrize("who", ["street", "street_leader", "dept_cg", "grid_worker", "admin"])
def test_other_staff_read_but_may_not_generate(world: World, who: str) -> None:
    client = login(world, who)
    page = client.get("/reports/circulars/")
    assert page.status_code == 200
    assert 'name="month"' not in page.content.decode()
    assert client.post("/reports/circulars/", {"year": "2026", "month": "3"}).status_code == 404
    assert not Circular.objects.exists()


def test_residents_find_no_circular_pages(world: World) -> None:
    circular = circular_generate(district=world.district, year=2026, month=3, now=NOW)
    client = login(world, "resident")
    assert client.get("/reports/circulars/").status_code == 404
    assert client.get(f"/reports/circulars/{circular.pk}/pdf/").status_code == 404


@pytest.mark.parametrize(
    ("year", "month", "field"),
    [
        ("2026", "13", "月份须为 1–12"),
        ("2026", "0", "月份须为 1–12"),
        ("1999", "3", "年度须在"),
        ("abc", "3", "年度须为整数"),
        ("2026", "5", "该月尚未开始"),
    ],
)
def test_a_bad_month_is_422_in_place_and_nothing_is_made(
    world: World, monkeypatch: pytest.MonkeyPatch, year: str, month: str, field: str
) -> None:
    from huying.reports import circulars

    monkeypatch.setattr(circulars.timezone, "now", lambda: NOW)
    counters = Counter.objects.count()
    response = login(world, "hub").post("/reports/circulars/", {"year": year, "month": month})
    assert response.status_code == 422
    assert field in response.content.decode()
    assert not Circular.objects.exists()
    assert Counter.objects.count() == counters  # no number taken


def test_downloads_carry_the_chinese_name_and_only_finished_circulars(world: World) -> None:
    done = circular_generate(district=world.district, year=2026, month=3, now=NOW)
    client = login(world, "dept_cg")
    response = client.get(f"/reports/circulars/{done.pk}/docx/")
    assert response.status_code == 200
    assert body(response).startswith(b"PK-docx")
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    name = f"{done.doc_number} 2026年3月“街道呼·部门应”工作通报.docx"
    assert f"filename*=utf-8''{quote(name)}" in response["Content-Disposition"]
    pdf = client.get(f"/reports/circulars/{done.pk}/pdf/")
    assert pdf["Content-Type"] == "application/pdf" and body(pdf).startswith(b"%PDF")

    pending = circular_request(actor=world.actor("hub"), year=2026, month=2, now=NOW)
    assert client.get(f"/reports/circulars/{pending.pk}/pdf/").status_code == 404
    Circular.objects.filter(pk=pending.pk).update(state=CircularState.FAILED)
    assert client.get(f"/reports/circulars/{pending.pk}/docx/").status_code == 404
    assert client.get("/reports/circulars/999999/docx/").status_code == 404


def test_another_districts_circulars_are_absent(world: World) -> None:
    other = unit_create(kind=OrgUnit.Kind.DISTRICT, code="510299", name="青山区", abbr="QS")
    user = person_create(username="qs_leader", full_name="青山区领导")
    grant_role(user=user, role=Role.DISTRICT_LEADER, unit=other)
    theirs = circular_generate(district=other, year=2026, month=3, now=NOW)
    ours = circular_generate(district=world.district, year=2026, month=3, now=NOW)
    assert theirs.doc_serial == ours.doc_serial == 1  # numbered per district,
    assert (theirs.doc_number, ours.doc_number) == (
        "青呼应办通〔2026〕1号",
        "锦呼应办通〔2026〕1号",
    )
    client = login(world, "hub")
    assert client.get(f"/reports/circulars/{theirs.pk}/pdf/").status_code == 404
    listing = client.get("/reports/circulars/").content.decode()
    assert f"/reports/circulars/{ours.pk}/pdf/" in listing
    assert f"/reports/circulars/{theirs.pk}/pdf/" not in listing


def test_the_list_polls_while_a_circular_is_being_made(world: World) -> None:
    circular = circular_request(actor=world.actor("hub"), year=2026, month=3, now=NOW)
    client = login(world, "street")
    page = client.get("/reports/circulars/").content.decode()
    assert 'data-hx-trigger="every 2s"' in page and "排队中" in page
    circular_run(circular_id=circular.pk, now=NOW)
    fragment = client.get("/reports/circulars/", headers={"HX-Request": "true"})
    text = fragment.content.decode()
    assert "<html" not in text and 'id="circular-rows"' in text
    assert "every 2s" not in text  # done: the polling stops


def test_the_list_reads_in_few_queries(world: World, django_assert_max_num_queries: Any) -> None:
    for month in (1, 2, 3):
        circular_generate(district=world.district, year=2026, month=month, now=NOW)
    client = login(world, "street")
    with django_assert_max_num_queries(12):
        assert client.get("/reports/circulars/").status_code == 200
