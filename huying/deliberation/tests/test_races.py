"""On PostgreSQL two residents may support at once: the last two supports both reach the
threshold only if each counts after the other commits. The proposal's row lock orders them,
so the deliberation opens. (SQLite serialises writers: there the race cannot happen.)"""

from __future__ import annotations

import threading

import pytest
from django.db import connection, transaction

from huying.conftest import MONDAY_10AM, build_world
from huying.deliberation import services
from huying.deliberation.models import Proposal, ProposalState, Support
from huying.deliberation.tests.helpers import propose, verified
from huying.org.actors import Actor

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


@pytest.fixture(autouse=True)
def _postgres_only() -> None:
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL (concurrent writers)")


def test_two_supports_at_once_both_count_and_open_it() -> None:
    world = build_world()
    services.community_rule_set(actor=world.actor("community"), support_threshold=2)
    author, first, second = verified(world, 3)
    proposal = propose(world, author)
    supported = threading.Event()
    release = threading.Event()

    def slow(actor: Actor) -> None:
        try:
            with transaction.atomic():
                services.proposal_support(actor=actor, proposal_id=proposal.pk, now=MONDAY_10AM)
                supported.set()
                release.wait(10)
        finally:
            supported.set()
            connection.close()

    thread = threading.Thread(target=slow, args=(first,))
    thread.start()
    assert supported.wait(10)
    # This support waits for the open one, then counts both.
    threading.Timer(0.3, release.set).start()
    services.proposal_support(actor=second, proposal_id=proposal.pk, now=MONDAY_10AM)
    thread.join(10)
    assert Support.objects.filter(proposal=proposal).count() == 2
    assert Proposal.objects.get(pk=proposal.pk).state == ProposalState.DELIBERATING
