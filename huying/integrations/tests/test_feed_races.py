"""On PostgreSQL an event may commit after a later one: the feed never moves past it.
(SQLite serialises writers: an id seen there is an id whose predecessors are final.)"""

from __future__ import annotations

import threading

import pytest
from django.db import connection, transaction

from huying.cases import services
from huying.cases.models import CaseEvent
from huying.cases.tests.helpers import submit
from huying.cases.trailorder import settled_event_horizon
from huying.conftest import MONDAY_10AM, World, build_world
from huying.integrations.feed import event_feed

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


@pytest.fixture(autouse=True)
def _postgres_only() -> None:
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL (transactions committing out of id order)")


class SlowWriter:
    """Triages a case in its own connection and holds its transaction open until told."""

    def __init__(self, world: World, case_id: int) -> None:
        self.inserted = threading.Event()
        self.release = threading.Event()
        self.thread = threading.Thread(target=self._run, args=(world, case_id))

    def _run(self, world: World, case_id: int) -> None:
        try:
            with transaction.atomic():
                services.case_triage(
                    actor=world.actor("street"),
                    case_id=case_id,
                    item_id=world.items[2].pk,
                    now=MONDAY_10AM,
                )
                self.inserted.set()
                self.release.wait(10)
        finally:
            self.inserted.set()
            connection.close()

    def __enter__(self) -> SlowWriter:
        self.thread.start()
        assert self.inserted.wait(10)
        return self

    def __exit__(self, *exc: object) -> None:
        self.release.set()
        self.thread.join(10)


def test_a_late_commit_is_never_skipped() -> None:
    world = build_world()
    first, second = submit(world), submit(world)
    start = event_feed(world.actor("hub"), after=None, limit=100)
    assert len(start.items) == 2
    with SlowWriter(world, first.pk) as slow:
        # Its event has the lower id; this one commits first with the higher.
        services.case_triage(
            actor=world.actor("street"), case_id=second.pk, item_id=world.items[2].pk
        )
        assert CaseEvent.objects.order_by("-pk")[0].case_id == second.pk
        # While the first writer is open, nothing past it is final: the feed waits for it
        # (a moment) and then answers with nothing new rather than with a gap.
        page = event_feed(world.actor("hub"), after=start.next_cursor, limit=100)
        assert page.items == [] and page.next_cursor == start.next_cursor
        assert settled_event_horizon() == 0
        # Once it commits within the wait, both come, in id order.
        threading.Timer(0.3, slow.release.set).start()
        page = event_feed(world.actor("hub"), after=start.next_cursor, limit=100)
    assert [(i["case_id"], i["action"]) for i in page.items] == [
        (first.pk, "triage"),
        (second.pk, "triage"),
    ]
