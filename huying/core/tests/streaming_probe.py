"""Run by test_streaming_replica.py in a process of its own, with DATABASE_URL on a throwaway
primary and HUYING_REPLICA_URLS on its streaming standby (both running, empty): make the
schema on the primary, write
through the real services, wait for the standby to replay it, then read in and out of the
lagging-reads scope. Prints what it saw as one JSON object; the test judges it."""

from __future__ import annotations

import json
import os
import time
from typing import Any

import django


def _standby_caught_up(timeout: float = 15.0) -> float:
    """Seconds until the standby has replayed everything the primary has written so far."""
    from django.db import connections

    with connections["default"].cursor() as cursor:
        cursor.execute("SELECT pg_current_wal_lsn()")
        target = cursor.fetchone()[0]
    started = time.monotonic()
    while time.monotonic() - started < timeout:
        with connections["replica_1"].cursor() as cursor:
            cursor.execute("SELECT pg_last_wal_replay_lsn() >= %s::pg_lsn", [target])
            if cursor.fetchone()[0]:
                return time.monotonic() - started
        time.sleep(0.05)
    raise TimeoutError(f"the standby did not replay up to {target} in {timeout} s")


def _in_recovery(alias: str) -> bool:
    from django.db import connections

    with connections[alias].cursor() as cursor:
        cursor.execute("SELECT pg_is_in_recovery()")
        return bool(cursor.fetchone()[0])


def main() -> dict[str, Any]:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "huying.settings")
    django.setup()
    from django.apps import apps
    from django.conf import settings
    from django.core.management import call_command
    from django.db import DatabaseError, connections, transaction
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from huying.cases.models import Case
    from huying.cases.tests.helpers import submit
    from huying.conftest import MONDAY_10AM, build_world
    from huying.core.replicas import lagging_reads, read_alias, replica_lag
    from huying.reports import dashboard_data as data

    # The schema straight from the models, as pytest-django's --no-migrations makes it: the
    # migrations (backfills aside, the same schema: `makemigrations --check` holds them to the
    # models) take minutes to replay on a busy machine, and are tested by every PostgreSQL run.
    settings.MIGRATION_MODULES = {app.label: None for app in apps.get_app_configs()}
    call_command("migrate", run_syncdb=True, verbosity=0)
    seen: dict[str, Any] = {
        "aliases": sorted(connections.settings),
        "default_is_standby": _in_recovery("default"),
        "replica_is_standby": _in_recovery("replica_1"),
    }
    world = build_world()
    case = submit(world, who="grid_worker")
    seen["replay_seconds"] = _standby_caught_up()
    seen["lag_seconds"] = replica_lag("replica_1")

    # A dashboard figure in the scope: from the standby, and it sees the new case.
    scope = data.dashboard_scope(world.actor("hub"))
    with (
        CaptureQueriesContext(connections["replica_1"]) as on_replica,
        CaptureQueriesContext(connections["default"]) as on_primary,
        lagging_reads(),
    ):
        seen["scope_alias"] = read_alias()
        kpis = data.kpis(scope, data.Window.month(2026, 3), MONDAY_10AM)
        seen["case_read_from"] = Case.objects.get(pk=case.pk)._state.db
    seen["kpis_open_now"] = kpis["open_now"]
    seen["scope_queries"] = {"replica": len(on_replica), "primary": len(on_primary)}

    # The same through the real HTTP API: authentication on the primary, the figures on the
    # standby.
    client = Client()
    client.force_login(world.actor("hub").user)
    with (
        CaptureQueriesContext(connections["replica_1"]) as on_replica,
        CaptureQueriesContext(connections["default"]) as on_primary,
    ):
        response = client.get(
            "/api/v1/dashboard/kpis", {"first": "2026-03-01", "last": "2026-03-31"}
        )
    seen["api_status"] = response.status_code
    seen["api_open_now"] = response.json().get("open_now")
    seen["api_case_queries"] = {
        "replica": sum('"cases_case"' in q["sql"] for q in on_replica.captured_queries),
        "primary": sum('"cases_case"' in q["sql"] for q in on_primary.captured_queries),
    }

    # A write in the scope goes to the primary (the standby would refuse it), and the scope's
    # reads after it too: it reads its own write.
    with lagging_reads():
        Case.objects.filter(pk=case.pk).update(title="路灯不亮（已核实）")
        after = Case.objects.get(pk=case.pk)
    seen["write_then_read"] = {"db": after._state.db, "title": after.title}

    # Outside the scope: the primary.
    outside = Case.objects.get(pk=case.pk)
    seen["outside_read_from"] = outside._state.db

    # In a transaction on the primary, the scope stays there.
    with transaction.atomic(), lagging_reads():
        seen["in_transaction_alias"] = read_alias()

    # The standby itself refuses writes: proof the scope's reads really were on it.
    try:
        with connections["replica_1"].cursor() as cursor:
            cursor.execute("UPDATE cases_case SET title = 'x' WHERE id = %s", [case.pk])
        seen["standby_refused_write"] = False
    except DatabaseError as exc:
        seen["standby_refused_write"] = "read-only" in str(exc)
    return seen


if __name__ == "__main__":
    print(json.dumps(main(), ensure_ascii=False, default=str))
