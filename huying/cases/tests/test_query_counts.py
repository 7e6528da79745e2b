"""List and detail endpoints run a bounded number of queries, whatever the rows or events."""

from __future__ import annotations

from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from huying.cases import services
from huying.cases.models import Assignment
from huying.conftest import World

from .helpers import case_in_state, submit


def _count(client: Client, url: str) -> int:
    """Queries of a call made by a client that has called before (its acting role is
    remembered after the first call: ``huying.org.authcache``)."""
    assert client.get("/api/v1/me").status_code == 200
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(url).status_code == 200
    return len(ctx.captured_queries)


def test_list_queries_do_not_grow_with_rows(world: World) -> None:
    client = Client()
    client.force_login(world.actor("street").user)
    for _ in range(3):
        submit(world)
    few = _count(client, "/api/v1/cases?limit=100")
    for _ in range(20):
        submit(world)
    assert _count(client, "/api/v1/cases?limit=100") == few
    assert few <= 7


def test_detail_queries_do_not_grow_with_events(world: World) -> None:
    client = Client()
    client.force_login(world.actor("hub").user)
    case = case_in_state(world, "in_progress")
    base = _count(client, f"/api/v1/cases/{case.pk}")
    a = Assignment.objects.get(case=case)
    dept = world.actor("dept_cg")
    services.assignment_report_in(actor=dept, assignment_id=a.pk)
    services.assignment_accept(actor=dept, assignment_id=a.pk)
    for i in range(15):
        services.assignment_post_progress(actor=dept, assignment_id=a.pk, note=f"进展{i}")
    services.case_urge(actor=world.actor("hub"), case_id=case.pk)
    assert _count(client, f"/api/v1/cases/{case.pk}") == base
    assert base <= 11
