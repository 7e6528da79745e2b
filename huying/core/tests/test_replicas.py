"""The read-replica router (huying.core.replicas): which alias a read goes to, in and out of
the lagging-reads scope, with a write, a transaction, a lagging or silent replica. The suite
runs with ``replica_1`` as a test mirror of the test database (huying/conftest.py); the
streaming-replica test (test_streaming_replica.py) does the same against a real standby."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import pytest
from django.db import DEFAULT_DB_ALIAS, OperationalError, connections, transaction
from django.test.utils import CaptureQueriesContext

from huying.cases.models import Case
from huying.cases.tests.helpers import submit
from huying.conftest import MONDAY_10AM, World
from huying.core import replicas
from huying.core.replicas import ReplicaRouter, lagging, lagging_reads, read_alias
from huying.org.models import OrgUnit
from huying.reports import dashboard_data as data

REPLICA = "replica_1"
router = ReplicaRouter()


@pytest.fixture(autouse=True)
def _fresh_checks(settings: Any) -> Iterator[None]:
    settings.HUYING_REPLICA_MAX_LAG = 30
    replicas.forget_lag_checks()
    yield
    replicas.forget_lag_checks()


@dataclass
class Lag:
    """What the replica answers to the lag checks, in turn (the last answer repeats)."""

    answers: list[float | Exception] = field(default_factory=list)
    asked: list[str] = field(default_factory=list)

    def __call__(self, alias: str) -> float:
        self.asked.append(alias)
        answer = self.answers[min(len(self.asked), len(self.answers)) - 1]
        if isinstance(answer, Exception):
            raise answer
        return answer


@pytest.fixture
def lag(monkeypatch: pytest.MonkeyPatch) -> Lag:
    fake = Lag()
    monkeypatch.setattr(replicas, "replica_lag", fake)
    return fake


def test_the_suite_has_a_mirrored_replica() -> None:
    assert REPLICA in replicas.replica_aliases()
    for alias in replicas.replica_aliases():
        assert connections[alias].settings_dict["TEST"]["MIRROR"] == DEFAULT_DB_ALIAS


def test_reads_outside_the_scope_and_all_writes_go_to_the_primary() -> None:
    assert router.db_for_read(Case) == DEFAULT_DB_ALIAS
    with lagging_reads():
        assert router.db_for_write(Case) == DEFAULT_DB_ALIAS
    assert router.db_for_read(Case) == DEFAULT_DB_ALIAS


def test_the_scope_reads_the_replica_until_it_writes(lag: Lag) -> None:
    lag.answers.append(0.0)
    with lagging_reads():
        assert read_alias() == REPLICA
        with lagging_reads():  # nested: the same scope
            assert router.db_for_read(Case) == REPLICA
        router.db_for_write(Case)
        # Whatever it reads now may be what it wrote: the primary, to the scope's end.
        assert read_alias() == DEFAULT_DB_ALIAS
    with lagging_reads():  # a new scope starts on the replica again
        assert read_alias() == REPLICA


def test_the_decorator_is_the_scope(lag: Lag) -> None:
    lag.answers.append(0.0)

    @lagging_reads()
    def figures() -> str:
        return read_alias()

    assert figures() == REPLICA
    assert read_alias() == DEFAULT_DB_ALIAS


def test_without_replicas_everything_reads_the_primary(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(replicas, "replica_aliases", lambda: [])
    with lagging_reads():
        assert read_alias() == DEFAULT_DB_ALIAS


def test_a_lagging_or_silent_replica_is_passed_over_for_a_while(lag: Lag, settings: Any) -> None:
    lag.answers.extend([31.0, 0.0])
    with lagging_reads():
        assert read_alias() == DEFAULT_DB_ALIAS  # 31 s behind, 30 allowed
    with lagging_reads():
        assert read_alias() == DEFAULT_DB_ALIAS  # the verdict holds a few seconds
    assert lag.asked == [REPLICA]
    replicas.forget_lag_checks()  # … then it is asked again
    with lagging_reads():
        assert read_alias() == REPLICA
    replicas.forget_lag_checks()
    lag.answers[:] = [OperationalError("connection refused")]
    with lagging_reads():
        assert read_alias() == DEFAULT_DB_ALIAS
    settings.HUYING_REPLICA_MAX_LAG = 0  # 0: no check, however far behind
    replicas.forget_lag_checks()
    with lagging_reads():
        assert read_alias() == REPLICA


def test_inside_a_transaction_on_the_primary_reads_stay_there(world: World) -> None:
    # The test's own transaction is open: what it wrote is on the primary's connection only.
    unit = OrgUnit.objects.get(pk=world.district.pk)
    with CaptureQueriesContext(connections[DEFAULT_DB_ALIAS]) as primary, lagging_reads():
        assert OrgUnit.objects.get(pk=unit.pk)._state.db == DEFAULT_DB_ALIAS
        k = data.kpis(
            data.dashboard_scope(world.actor("hub")), data.Window.month(2026, 3), MONDAY_10AM
        )
    assert primary.captured_queries
    assert k["open_now"] == 0


@pytest.mark.django_db(transaction=True, databases=[DEFAULT_DB_ALIAS, REPLICA])
def test_committed_data_is_read_on_the_replica_and_written_on_the_primary(world: World) -> None:
    case = submit(world, who="grid_worker")
    hub = world.actor("hub")
    window = data.Window.month(2026, 3)
    scope = data.dashboard_scope(hub)
    with (
        CaptureQueriesContext(connections[REPLICA]) as on_replica,
        CaptureQueriesContext(connections[DEFAULT_DB_ALIAS]) as on_primary,
        lagging_reads(),
    ):
        k = data.kpis(scope, window, MONDAY_10AM)
        seen = Case.objects.get(pk=case.pk)
    assert k["open_now"] == 1
    assert seen._state.db == REPLICA
    assert on_replica.captured_queries and not on_primary.captured_queries

    # A write inside the scope goes to the primary, and so do the scope's reads after it.
    with CaptureQueriesContext(connections[REPLICA]) as on_replica, lagging_reads():
        Case.objects.filter(pk=seen.pk).update(title="路灯不亮（已核实）")
        again = Case.objects.get(pk=case.pk)
    assert again._state.db == DEFAULT_DB_ALIAS and again.title == "路灯不亮（已核实）"
    assert not on_replica.captured_queries

    # An object read on the replica reads its relations on the primary outside the scope.
    assert seen.grid is not None
    assert Case.objects.get(pk=case.pk)._state.db == DEFAULT_DB_ALIAS

    # In a transaction of its own on the primary, the scope reads the primary.
    with transaction.atomic(), lagging_reads():
        assert Case.objects.get(pk=case.pk)._state.db == DEFAULT_DB_ALIAS

    # A long read pinned before it starts writing its progress.
    with lagging_reads():
        rows = lagging(Case.objects.filter(pk=case.pk))
    assert rows.db == REPLICA and [c.pk for c in rows] == [case.pk]


def _settings_with(**env: str) -> subprocess.CompletedProcess[str]:
    """huying.settings read afresh in a process of its own, with ``env`` set."""
    script = (
        "import json, huying.settings as s; print(json.dumps({a: [d['ENGINE'], d['HOST'], "
        "d['PORT'], d['NAME'], d['OPTIONS'], d.get('TEST')] for a, d in s.DATABASES.items()}))"
    )
    return subprocess.run(
        [sys.executable, "-c", script],
        env={**os.environ, "DATABASE_URL": "postgres://huying@db-p:5432/huying", **env},
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_replica_urls_become_replica_aliases_that_mirror_the_primary_in_tests() -> None:
    done = _settings_with(
        HUYING_REPLICA_URLS="postgres://huying@db-r1:5432/huying,"
        "postgres://huying@db-r2:5433/huying?connect_timeout=1"
    )
    assert done.returncode == 0, done.stderr
    databases = json.loads(done.stdout)
    assert sorted(databases) == ["default", "replica_1", "replica_2"]
    engine, host, port, name, options, test = databases["replica_2"]
    assert (engine, host, port, name) == ("django.db.backends.postgresql", "db-r2", 5433, "huying")
    assert options == {"connect_timeout": 1, "options": "-c jit=off"}  # the URL's value wins
    assert databases["replica_1"][4]["connect_timeout"] == 3
    assert test == {"MIRROR": "default"}
    unset = _settings_with(HUYING_REPLICA_URLS="")
    assert sorted(json.loads(unset.stdout)) == ["default"]


def test_a_replica_must_be_postgresql() -> None:
    done = _settings_with(HUYING_REPLICA_URLS="sqlite:////tmp/r.sqlite3")
    assert done.returncode != 0
    assert "HUYING_REPLICA_URLS" in done.stderr and "not a PostgreSQL URL" in done.stderr
