"""List and detail endpoints run a bounded number of queries, whatever the rows or events."""

from __future__ import annotations

from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from huying.cases import services
from huying.cases.models import Assignment
from huying.conftest import World
from huying.org.api_auth import token_create

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


# --- the lifecycle's statements (issue #15: ≤ 40 for the 8 calls is the target) --------------

#: Data statements (SELECT, INSERT, UPDATE, DELETE; not transaction control, savepoints or a
#: statement taking only the trail's advisory lock) of each call of a full lifecycle, by clients that have called
#: before. Equal, not at most: a change that saves a statement updates this table and
#: docs/performance.md §3 with it.
LIFECYCLE_STATEMENTS = {
    "intake": 5,
    "triage": 4,
    "call": 7,
    "report-in": 4,
    "accept": 4,
    "result": 7,
    "verify": 5,
    "follow-up": 4,
}


def _lock_only(sql: str) -> bool:
    return sql.lstrip().startswith("SELECT pg_advisory_xact_lock_shared(")


def _data_statements(captured: list[dict[str, str]]) -> int:
    return sum(
        1
        for q in captured
        if q["sql"].lstrip().split(" ", 1)[0].upper() in {"SELECT", "INSERT", "UPDATE", "DELETE"}
        and not _lock_only(q["sql"])
    )


def _lifecycle(world: World, clients: dict[str, Client]) -> tuple[dict[str, int], dict[str, int]]:
    lat, lng = world.point_in(0)
    ids: dict[str, int] = {}
    steps = [
        ("intake", "resident", "/cases", {"title": "井盖缺失", "lat": lat, "lng": lng}),
        ("triage", "street", "/cases/{case}/triage", {"item_id": world.items[2].pk}),
        ("call", "street", "/cases/{case}/call", {}),
        ("report-in", "dept_cg", "/assignments/{asg}/report-in", {}),
        ("accept", "dept_cg", "/assignments/{asg}/accept", {}),
        ("result", "dept_cg", "/assignments/{asg}/result", {"result": "已处置"}),
        ("verify", "street", "/cases/{case}/verify", {"passed": True}),
        ("follow-up", "street", "/cases/{case}/follow-up", {"satisfaction": "satisfied"}),
    ]
    counts: dict[str, int] = {}
    locks: dict[str, int] = {}
    for name, who, path, body in steps:
        with CaptureQueriesContext(connection) as ctx:
            response = clients[who].post(
                "/api/v1" + path.format(**ids), body, content_type="application/json"
            )
        assert response.status_code < 300, response.content
        data = response.json()
        ids.setdefault("case", data["id"])
        if data.get("assignments"):
            ids.setdefault("asg", data["assignments"][0]["id"])
        counts[name] = _data_statements(ctx.captured_queries)
        locks[name] = sum(_lock_only(q["sql"]) for q in ctx.captured_queries)
    return counts, locks


def test_a_full_lifecycle_runs_a_fixed_number_of_statements(world: World) -> None:
    clients = {}
    for who in ("resident", "street", "dept_cg"):
        raw = token_create(user=world.actor(who).user, name="bench")[1]
        clients[who] = Client(headers={"Authorization": f"Bearer {raw}"})
    _lifecycle(world, clients)  # the first: calendars, recipients, tokens and roles read
    counts, locks = _lifecycle(world, clients)
    postgres = connection.vendor == "postgresql"
    # PostgreSQL hands the new case its id with its number, so its row is written once,
    # sealed; SQLite learns the id from the INSERT, then writes the trail head.
    assert counts == LIFECYCLE_STATEMENTS | ({"intake": 4} if postgres else {})
    # On PostgreSQL a step that reads its case first takes the trail's order lock with that
    # read; only intake, which reads nothing first, spends a statement on it.
    expected = {"intake": 1} if postgres else {}
    assert {name: n for name, n in locks.items() if n} == expected
