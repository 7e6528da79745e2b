"""The read-replica router against a real streaming standby: a throwaway PostgreSQL primary
and a standby made from it by pg_basebackup, on free ports in a temporary directory, both
stopped and removed afterwards. Skipped without Debian's PostgreSQL server binaries, except
in CI (CI=true), where that is a failure. CI runs it in its PostgreSQL run only (.ci/run)."""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from glob import glob
from pathlib import Path

import pytest

pytestmark = pytest.mark.replica

ROOT = Path(__file__).resolve().parents[3]


def _bindir() -> Path | None:
    found = sorted(
        (Path(p) for p in glob("/usr/lib/postgresql/*/bin") if Path(p, "postgres").exists()),
        key=lambda p: int(p.parent.name) if p.parent.name.isdigit() else 0,
    )
    return found[-1] if found else None


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class Pair:
    primary: str
    standby: str


class _Cluster:
    """pg_ctl and friends, as the postgres user when we are root (the server refuses root)."""

    def __init__(self, bindir: Path, home: Path) -> None:
        self.bindir, self.home = bindir, home
        self.as_postgres = ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []
        self.started: list[Path] = []

    def run(self, tool: str, *args: str) -> None:
        cmd = [*self.as_postgres, str(self.bindir / tool), *args]
        done = subprocess.run(cmd, capture_output=True, text=True, timeout=60, cwd=self.home)
        if done.returncode != 0:
            logs = "".join(p.read_text() for p in self.home.glob("*.log"))
            raise RuntimeError(f"{tool} failed: {done.stderr}\n{logs}")

    def start(self, data: Path, port: int) -> None:
        opts = f"-c listen_addresses=127.0.0.1 -p {port} -k {self.home} -c fsync=off"
        self.run("pg_ctl", "-D", str(data), "-l", str(self.home / f"{data.name}.log"), "-w",
                 "-t", "60", "-o", opts, "start")  # fmt: skip
        self.started.append(data)

    def stop_all(self) -> None:
        for data in reversed(self.started):
            subprocess.run(
                [*self.as_postgres, str(self.bindir / "pg_ctl"), "-D", str(data), "-m",
                 "immediate", "-w", "stop"], capture_output=True, timeout=60,
            )  # fmt: skip


@pytest.fixture(scope="session")
def streaming_pair() -> Iterator[Pair]:
    bindir = _bindir()
    if bindir is None:
        if os.environ.get("CI") == "true":
            pytest.fail("no PostgreSQL server binaries in /usr/lib/postgresql/*/bin (CI)")
        pytest.skip("no PostgreSQL server binaries in /usr/lib/postgresql/*/bin")
    home = Path(tempfile.mkdtemp(prefix="huying-replica-"))
    home.chmod(0o755)
    if os.geteuid() == 0:
        shutil.chown(home, "postgres", "postgres")
    cluster = _Cluster(bindir, home)
    try:
        primary, standby = home / "primary", home / "standby"
        p_port, s_port = _free_port(), _free_port()
        cluster.run("initdb", "-D", str(primary), "-U", "postgres", "--auth=trust",
                    "--encoding=UTF8", "--locale=C.UTF-8", "--no-sync")  # fmt: skip
        with (primary / "postgresql.conf").open("a") as conf:
            conf.write("wal_level = replica\nmax_wal_senders = 4\nhot_standby = on\n")
        with (primary / "pg_hba.conf").open("a") as hba:
            hba.write("host replication postgres 127.0.0.1/32 trust\n")
        cluster.start(primary, p_port)
        cluster.run("pg_basebackup", "-h", "127.0.0.1", "-p", str(p_port), "-U", "postgres",
                    "-D", str(standby), "-R", "-X", "stream", "--checkpoint=fast", "--no-sync")  # fmt: skip
        cluster.start(standby, s_port)
        cluster.run("createdb", "-h", "127.0.0.1", "-p", str(p_port), "-U", "postgres", "huying")
        yield Pair(
            primary=f"postgres://postgres@127.0.0.1:{p_port}/huying",
            standby=f"postgres://postgres@127.0.0.1:{s_port}/huying",
        )
    finally:
        cluster.stop_all()
        shutil.rmtree(home, ignore_errors=True)


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
    assert 0 <= seen["lag_seconds"] < 30
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
