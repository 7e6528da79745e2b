"""A throwaway PostgreSQL primary and a streaming standby made from it (pg_basebackup -R), on
free 127.0.0.1 ports in a temporary directory, from Debian's server binaries
(/usr/lib/postgresql/*/bin); stopped and removed on exit. For test_streaming_replica.py and
bench/replica.py. As root the servers run as the postgres user (they refuse root), as
.ci/run does for its own throwaway cluster."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from glob import glob
from pathlib import Path


def bindir() -> Path | None:
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


class Cluster:
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


@contextmanager
def streaming_pair(bin_dir: Path, database: str = "huying") -> Iterator[Pair]:
    """Both servers running, the standby streaming from the primary, ``database`` created
    (empty) on the primary and so on the standby."""
    home = Path(tempfile.mkdtemp(prefix="huying-replica-"))
    home.chmod(0o755)
    if os.geteuid() == 0:
        shutil.chown(home, "postgres", "postgres")
    cluster = Cluster(bin_dir, home)
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
                    "-D", str(standby), "-R", "-X", "stream", "--checkpoint=fast",
                    "--no-sync")  # fmt: skip
        cluster.start(standby, s_port)
        cluster.run("createdb", "-h", "127.0.0.1", "-p", str(p_port), "-U", "postgres", database)
        yield Pair(
            primary=f"postgres://postgres@127.0.0.1:{p_port}/{database}",
            standby=f"postgres://postgres@127.0.0.1:{s_port}/{database}",
        )
    finally:
        cluster.stop_all()
        shutil.rmtree(home, ignore_errors=True)
