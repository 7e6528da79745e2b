"""The read-replica router against a real streaming standby: a throwaway PostgreSQL primary
and a standby made from it by pg_basebackup (``pgpair``), stopped and removed afterwards. Skipped without Debian's PostgreSQL server binaries, except
in CI (CI=true), where that is a failure. CI runs it in its PostgreSQL run only (.ci/run)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from huying.core.tests import pgpair
from huying.core.tests.pgpair import Pair

pytestmark = pytest.mark.replica

ROOT = Path(__file__).resolve().parents[3]


@pytest.fixture(scope="session")
def streaming_pair() -> Iterator[Pair]:
    bin_dir = pgpair.bindir()
    if bin_dir is None:
        if os.environ.get("CI") == "true":
            pytest.fail("no PostgreSQL server binaries in /usr/lib/postgresql/*/bin (CI)")
        pytest.skip("no PostgreSQL server binaries in /usr/lib/postgresql/*/bin")
    with pgpair.streaming_pair(bin_dir) as pair:
        yield pair


def test_lagging_reads_come_from_the_standby(streaming_pair: Pair, tmp_path: Path) -> None:
    env = {
        **os.environ,
        "DATABASE_URL": streaming_pair.primary,
        "HUYING_REPLICA_URLS": streaming_pair.standby,
        "HUYING_DATA_DIR": str(tmp_path),
        "DJANGO_SETTINGS_MODULE": "huying.settings",
    }

    def python(*args: str) -> str:
        done = subprocess.run(
            [sys.executable, *args], env=env, cwd=ROOT, capture_output=True, text=True,
            timeout=300,
        )  # fmt: skip
        assert done.returncode == 0, done.stderr[-4000:]
        return done.stdout

    seen = json.loads(python("-m", "huying.core.tests.streaming_probe").splitlines()[-1])

    assert seen["aliases"] == ["default", "replica_1"]
    assert (seen["default_is_standby"], seen["replica_is_standby"]) == (False, True)
    assert seen["lag_seconds"] >= 0  # measured; the scope below proves it was within limit
    # In the scope: the standby serves the dashboard's figures, and has the new case.
    assert seen["scope_alias"] == "replica_1"
    assert seen["case_read_from"] == "replica_1"
    assert seen["kpis_open_now"] == 1
    assert seen["scope_queries"]["replica"] > 0 and seen["scope_queries"]["primary"] == 0
    # Through the API: the figures from the standby, none of the case reads on the primary.
    assert (seen["api_status"], seen["api_open_now"]) == (200, 1)
    assert seen["api_case_queries"]["replica"] > 0 and seen["api_case_queries"]["primary"] == 0
    # A write in the scope went to the primary (the standby refuses writes), and the scope
    # then read its own write there.
    assert seen["standby_refused_write"] is True
    assert seen["write_then_read"] == {"db": "default", "title": "路灯不亮（已核实）"}
    # Outside the scope, and in a transaction on the primary: the primary.
    assert seen["outside_read_from"] == "default"
    assert seen["in_transaction_alias"] == "default"
