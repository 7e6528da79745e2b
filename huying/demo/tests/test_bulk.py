"""A plain case written in bulk is the case the services write: the same rows, events
(seals aside: they cover the case id) and notifications, and a trail that verifies."""

from __future__ import annotations

import json
import random
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from huying.cases.models import Attachment, Case, CaseEvent
from huying.cases.trail import verify_trails
from huying.core.models import Counter, Notification
from huying.demo.bulk import PlainCase, PlainWriter, drive_through_services, row_values
from huying.demo.district import DemoDistrict
from huying.demo.photos import scene
from huying.demo.year import _Simulation
from huying.integrations.models import WebhookDelivery, WebhookEvent, WebhookSubscription
from huying.org.models import Role, RoleGrant

SH = ZoneInfo("Asia/Shanghai")
YEAR_END = datetime(2026, 11, 20, 16, 0, tzinfo=SH)

pytestmark = pytest.mark.django_db


@pytest.fixture
def spec(small_district: DemoDistrict) -> PlainCase:
    """The first plain case of a small district's year, as the simulation draws it."""
    sim = _Simulation(small_district, YEAR_END, 200, random.Random(7))
    plan = next(p for p in sim.plan() if p.plain)
    return sim.plain_case(plan)


def _rows(case: Case) -> list[Any]:
    """Everything written for the case, its number, ids and stored files' names left out."""
    events = [
        row_values(e, skip=("id", "case_id", "hash", "prev_hash"))
        for e in CaseEvent.objects.filter(case=case).order_by("seq")
    ]
    for event in events:
        event["attachments"] = [ref | {"id": None} for ref in event["attachments"]]
    files = [
        row_values(a, skip=("id", "case_id", "file"))
        for a in Attachment.objects.filter(case=case).order_by("pk")
    ]
    notes = sorted(
        (row_values(n, skip=("id",)) for n in Notification.objects.filter(subject=case.number)),
        key=lambda n: (n["created_at"], n["kind"], n["recipient_id"]),
    )
    row = row_values(case, skip=("id", "track_code", "trail_head"))
    text = json.dumps([row, events, notes, files], default=str, ensure_ascii=False, sort_keys=True)
    text = text.replace(case.number, "<number>").replace(f"/cases/{case.pk}/", "/cases/<id>/")
    return json.loads(text)


def _compare(spec: PlainCase, sweeps: list[datetime]) -> tuple[Case, Case]:
    writer = PlainWriter(sweeps=sweeps, year_end=YEAR_END)
    assert writer.add(spec)
    writer.flush()
    bulk = Case.objects.get(pk=Case.objects.order_by("-pk").values_list("pk", flat=True)[0])
    served = drive_through_services(spec, sweeps=sweeps)
    assert served.pk != bulk.pk
    rows = _rows(bulk)
    assert len(rows[1]) == len(spec.times) and rows[2]  # the events, the notifications
    assert rows == _rows(served)
    assert list(verify_trails()) == []
    return bulk, served


def test_a_plain_case_is_written_as_the_services_write_it(spec: PlainCase) -> None:
    bulk, _ = _compare(spec, sweeps=[])
    assert bulk.state == "archived" and bulk.version == 7
    assert bulk.number.endswith("-00001")  # the real counter, in reporting order


def test_its_photos_are_stored_and_recorded_as_the_services_do(
    spec: PlainCase, settings: Any, tmp_path: Path
) -> None:
    settings.MEDIA_ROOT = tmp_path
    rng = random.Random(3)
    spec.report_photos = [scene(rng, fixed=False, name="现场照片.jpg")]
    spec.result_photos = [scene(rng, fixed=True, name="处置后.jpg")]
    bulk, _ = _compare(spec, sweeps=[])
    photos = list(Attachment.objects.filter(case=bulk).order_by("pk"))
    assert [p.name for p in photos] == ["现场照片.jpg", "处置后.jpg"]
    events = {e.action: e for e in bulk.events.all()}
    assert [ref["id"] for ref in events["submit"].attachments] == [photos[0].pk]
    assert [ref["id"] for ref in events["complete_self"].attachments] == [photos[1].pk]
    for photo in photos:
        assert (tmp_path / (photo.file.name or "")).is_file()
        assert (tmp_path / photo.thumbnail_name).is_file()


def test_a_case_still_open_at_the_years_end_is_not_plain(spec: PlainCase) -> None:
    """The services leave it in the state the year's end finds it in."""
    writer = PlainWriter(sweeps=[], year_end=spec.times[4] - timedelta(minutes=1))
    assert writer.add(spec) is False
    writer.flush()
    assert not Case.objects.exists()


def test_the_sweeps_due_soon_notice_is_given_as_the_sweep_gives_it(spec: PlainCase) -> None:
    """The grid worker finishes late enough that a sweep sees the handling clock past its
    warning time (but not yet due): the notice and ``warned_due_at``, as the sweep's."""
    probe = PlainWriter(sweeps=[], year_end=YEAR_END)._build(spec, number="")
    assert probe is not None
    handling = probe.events[2]  # self_handle
    due = datetime.fromisoformat(handling.after["due_at"])
    warn = datetime.fromisoformat(handling.after["warn_at"])
    moment = warn + (due - warn) / 2
    spec.times[3:] = [moment + timedelta(minutes=30 * i) for i in range(1, len(spec.times) - 2)]
    bulk, served = _compare(spec, sweeps=[moment])
    assert bulk.warned_due_at == due
    assert Notification.objects.filter(subject=served.number, kind="due_soon").count() >= 1
    # The sweep's 即将超期 reminder too (cases.reminders), the same in both.
    assert Notification.objects.filter(subject=served.number, kind="reminder").exists()


def test_a_case_a_sweep_would_find_overdue_is_not_plain(spec: PlainCase) -> None:
    probe = PlainWriter(sweeps=[], year_end=YEAR_END)._build(spec, number="")
    assert probe is not None
    due = datetime.fromisoformat(probe.events[2].after["due_at"])
    spec.times[3:] = [due + timedelta(hours=2 + i) for i in range(len(spec.times) - 3)]
    counters = list(Counter.objects.values_list("key", "value"))
    writer = PlainWriter(sweeps=[due + timedelta(hours=1)], year_end=YEAR_END)
    assert writer.add(spec) is False
    writer.flush()
    assert not Case.objects.exists()
    assert list(Counter.objects.values_list("key", "value")) == counters  # no number used


def _deliveries(case: Case) -> list[Any]:
    """What a subscription was sent about the case, in order, ids and number left out."""
    sent = []
    for kind, body in (
        WebhookDelivery.objects.filter(case=case).order_by("event__seq", "pk")
    ).values_list("event_type", "body"):
        data = json.loads(body)
        del data["delivery"], data["case"]["id"]
        for name in ("id", "cursor", "case_id"):
            del data["event"][name]
        sent.append([kind, json.loads(json.dumps(data).replace(case.number, "<number>"))])
    return sent


def test_a_subscription_hears_of_a_bulk_case_as_of_a_served_one(spec: PlainCase) -> None:
    """The webhook outbox listens to the trail: a plain case written in bulk gets the same
    deliveries, each with the case as its step left it, as one the services drive."""
    owner = RoleGrant.objects.filter(role=Role.HUB_DISPATCHER).order_by("pk").first()
    assert owner is not None
    WebhookSubscription.objects.create(
        name="sink", url="http://127.0.0.1:9/hook", events=WebhookEvent.values, owner=owner
    )
    bulk, served = _compare(spec, sweeps=[])
    sent = _deliveries(bulk)
    assert sent == _deliveries(served)
    kinds = [kind for kind, _body in sent]
    assert kinds[0] == "case.created" and "case.closed" in kinds
    states = [body["case"]["state"] for _kind, body in sent]
    assert states[0] == "submitted" and states[-1] == "archived"  # the case at each step


def test_without_subscriptions_a_bulk_year_makes_no_deliveries(spec: PlainCase) -> None:
    """``huying demo`` builds its year into an empty database: no subscription exists yet,
    so nothing is queued (one query per flush finds that), and a subscription made later
    hears only of later events."""
    writer = PlainWriter(sweeps=[], year_end=YEAR_END)
    assert writer.add(spec)
    writer.flush()
    assert CaseEvent.objects.exists() and not WebhookDelivery.objects.exists()
