"""反复发生预警 kept by the worker for scopes too large to search on each view: pages read the
snapshot while it is fresh and was found under today's rule, each scope its own, and fall
back to searching when there is none."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest

from huying.cases import services
from huying.cases.models import RecurrenceHead, RecurrenceSnapshot
from huying.cases.queues import home_for
from huying.cases.recurrence import recurrences, refresh_stored
from huying.conftest import MONDAY_10AM, World
from huying.ops.worker import default_jobs

from .helpers import submit

T0 = MONDAY_10AM
NOW = T0 + timedelta(days=5)


@pytest.fixture(autouse=True)
def _rule(settings: Any) -> Iterator[None]:
    settings.HUYING_RECURRENCE_COUNT = 3
    settings.HUYING_RECURRENCE_DAYS = 30
    settings.HUYING_RECURRENCE_METRES = 100
    settings.HUYING_RECURRENCE_STORED_FROM = 3  # the test world's windows are small
    settings.HUYING_RECURRENCE_STALE_SECONDS = 900
    yield


def report(world: World, days: float, *, grid: int = 0, who: str = "resident", level: int = 2):
    when = T0 + timedelta(days=days)
    return submit(world, who=who, grid=grid, now=when, item_id=world.items[level].pk)


def numbers(found: Any) -> list[list[str]]:
    return [[c.number for c in w.cases] for w in found]


def test_a_page_reads_the_snapshot_as_of_its_time(world: World) -> None:
    cases = [report(world, d) for d in (0, 1, 2)]
    stored = refresh_stored(now=NOW)
    district = world.district
    assert stored.kept[district.path][0] == 1
    snapshot = RecurrenceSnapshot.objects.get(unit=district)
    assert (snapshot.counted, snapshot.total, snapshot.until) == (3, 1, NOW)
    assert RecurrenceHead.objects.get(snapshot=snapshot).case_ids == [c.pk for c in cases]

    later = report(world, 3)  # after the snapshot: the page says "as of", and waits
    found = recurrences(world.actor("hub"), until=NOW + timedelta(minutes=10))
    assert numbers(found) == [[c.number for c in cases]] and found.as_of == NOW
    assert found.total == 1

    refresh_stored(now=NOW + timedelta(minutes=10))
    found = recurrences(world.actor("hub"), until=NOW + timedelta(minutes=10))
    assert numbers(found) == [[c.number for c in [*cases, later]]]


def test_a_stale_snapshot_or_one_under_another_rule_is_not_used(
    world: World, settings: Any
) -> None:
    cases = [report(world, d) for d in (0, 1, 2)]
    refresh_stored(now=NOW)
    report(world, 3)
    hub = world.actor("hub")
    stale = recurrences(hub, until=NOW + timedelta(minutes=16))  # the worker stopped
    assert stale.as_of is None and [w.count for w in stale] == [4]
    settings.HUYING_RECURRENCE_COUNT = 2
    assert recurrences(hub, until=NOW).as_of is None
    settings.HUYING_RECURRENCE_COUNT = 3
    # Before it was found, it cannot answer either (a week in the past is searched).
    assert recurrences(hub, until=NOW - timedelta(seconds=1)).as_of is None
    assert numbers(recurrences(hub, until=NOW)) == [[c.number for c in cases]]


def test_each_street_has_its_own_and_sees_only_its_own(world: World) -> None:
    for day in range(3):
        report(world, day)
        report(world, day, grid=2, who="grid_worker_b")
    refresh_stored(now=NOW)
    assert RecurrenceSnapshot.objects.count() == 3  # the district and its two streets
    street, street_b = world.actor("street"), world.actor("street_b")
    mine, theirs = recurrences(street, until=NOW), recurrences(street_b, until=NOW)
    assert mine.as_of == theirs.as_of == NOW
    assert [w.grid_name for w in mine] == ["网格1-1"]
    assert [w.grid_name for w in theirs] == ["网格2-1"]
    assert len(recurrences(world.actor("hub"), until=NOW)) == 2


def test_small_scopes_are_searched_and_their_snapshots_dropped(world: World, settings: Any) -> None:
    for day in range(3):
        report(world, day)
    refresh_stored(now=NOW)
    assert RecurrenceSnapshot.objects.exists()
    settings.HUYING_RECURRENCE_STORED_FROM = 4
    stored = refresh_stored(now=NOW)
    assert stored.kept == {} and stored.dropped > 0
    assert not RecurrenceSnapshot.objects.exists() and not RecurrenceHead.objects.exists()
    found = recurrences(world.actor("hub"), until=NOW)
    assert found.as_of is None and [w.count for w in found] == [3]


def test_a_stored_warning_whose_cases_ended_since_is_left_out(world: World) -> None:
    cases = [report(world, d) for d in (0, 1, 2)]
    refresh_stored(now=NOW)
    services.case_reject(actor=world.actor("street"), case_id=cases[1].pk, reason="不属实", now=NOW)
    found = recurrences(world.actor("hub"), until=NOW)
    assert found.as_of == NOW and list(found) == []


def test_the_week_and_the_home_read_it_too(world: World) -> None:
    old = [report(world, d, grid=1) for d in (0, 1, 2)]  # a warning last seen on day 2
    new = [report(world, d) for d in (3, 4, 4.5)]
    refresh_stored(now=NOW)
    first = T0 + timedelta(days=3) - timedelta(hours=1)  # the week's list: since day 3
    week = recurrences(world.actor("hub"), until=NOW, active_since=first)
    assert numbers(week) == [[c.number for c in new]] and week.total == 1
    home = home_for(world.actor("hub"), NOW).warnings
    assert home is not None and home.as_of == NOW and home.total == 2
    assert sorted(numbers(home)) == sorted([[c.number for c in old], [c.number for c in new]])


def test_the_worker_refreshes_them() -> None:
    [job] = [j for j in default_jobs() if j.name == "warnings"]
    assert job.task.module_path == "huying.cases.tasks.recurrence_refresh_task"
