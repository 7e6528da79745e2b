"""Takers racing in several processes on PostgreSQL: of six volunteers for two places
exactly two win, the others are told it is full, and the order is 已接单 with two takings.
(SQLite serialises writers, so there is no race to run there; ``test_orders`` covers the
taker whose read went stale.)"""

from __future__ import annotations

import multiprocessing
from typing import Any

import pytest
from django.db import connection, connections

from huying.conftest import build_world
from huying.core.errors import DomainError
from huying.org.actors import actor_for
from huying.volunteers import services
from huying.volunteers.models import OrderState, ServiceOrder, Taking, Volunteer
from huying.volunteers.tests.helpers import published, volunteer

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


@pytest.fixture(autouse=True)
def _postgres_only() -> None:
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL (several processes on one database)")


def _take(volunteer_id: int, order_id: int, queue: Any) -> None:
    try:
        v = Volunteer.objects.select_related("user").get(pk=volunteer_id)
        services.order_take(actor=actor_for(v.user), order_id=order_id)
        queue.put("won")
    except DomainError as exc:
        queue.put(exc.code)
    except BaseException as exc:  # report, never hang the parent
        queue.put(("crash", repr(exc)))
    finally:
        connections.close_all()


def test_exactly_the_wanted_number_of_racing_takers_win() -> None:
    world = build_world()
    order = published(world, wanted=2)
    people = [volunteer(world, f"志愿者{i}") for i in range(6)]
    connections.close_all()  # children must not share the parent's socket
    ctx = multiprocessing.get_context("fork")
    queue = ctx.Queue()
    procs = [ctx.Process(target=_take, args=(v.pk, order.pk, queue)) for v in people]
    for p in procs:
        p.start()
    outcomes = sorted(str(queue.get(timeout=120)) for _ in procs)
    for p in procs:
        p.join(timeout=30)
    assert outcomes == ["invalid_transition"] * 4 + ["won"] * 2, outcomes
    assert Taking.objects.filter(order=order).count() == 2
    assert ServiceOrder.objects.get(pk=order.pk).state == OrderState.TAKEN
