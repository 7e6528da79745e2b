"""Who triages what: a street's own reports wait in the street's 待研判; the hub's holds the
district-wide channels and what a street has left untriaged too long."""

from __future__ import annotations

from datetime import timedelta

import pytest

from huying.cases import queues, services
from huying.cases.models import Source
from huying.cases.tests.helpers import MONDAY_10AM, submit
from huying.conftest import World

pytestmark = pytest.mark.django_db


def _triage(home: queues.Home) -> set[str]:
    queue = next(q for q in home.queues if q.key == "triage")
    return {c.number for c in queue.rows}


def test_a_residents_report_is_the_streets_until_it_waits_too_long(
    world: World, settings: pytest.FixtureRequest
) -> None:
    settings.HUYING_STREET_TRIAGE_HOURS = 4  # type: ignore[attr-defined]
    case = submit(world, now=MONDAY_10AM)
    street, hub = world.actor("street"), world.actor("hub")
    soon = MONDAY_10AM + timedelta(hours=3)
    assert case.number in _triage(queues.street_home(street, soon))
    assert case.number not in _triage(queues.hub_home(hub, soon))
    late = MONDAY_10AM + timedelta(hours=4, minutes=1)
    assert case.number in _triage(queues.hub_home(hub, late))
    assert case.number in _triage(queues.street_home(street, late))  # still the street's too


def test_a_hotline_ticket_is_the_hubs_from_the_start(world: World) -> None:
    lat, lng = world.point_in(0)
    case = services.case_submit(
        actor=world.actor("hub"),
        title="12345：噪音扰民",
        lat=lat,
        lng=lng,
        source=Source.HOTLINE,
        now=MONDAY_10AM,
    )
    assert case.number in _triage(queues.hub_home(world.actor("hub"), MONDAY_10AM))
    assert case.number not in _triage(queues.street_home(world.actor("street"), MONDAY_10AM))


def test_each_queue_title_says_whose_reports_it_holds(world: World) -> None:
    street = queues.street_home(world.actor("street"), MONDAY_10AM)
    hub = queues.hub_home(world.actor("hub"), MONDAY_10AM)
    assert (
        next(q for q in street.queues if q.key == "triage").title
        == "待研判（本街道居民、网格上报的）"
    )
    assert "街道超过 4 小时未研判" in next(q for q in hub.queues if q.key == "triage").title
