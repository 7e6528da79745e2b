"""What a database restart costs the web: 500s while PostgreSQL drops every connection.

    .venv/bin/python bench/db_restart.py \
        [--database-url postgres://postgres@127.0.0.1:5432/huying_restart] \
        [--duration 20] [--clients 8] [--workers 2] [--threads 8] [--kills 3]

Fresh database → ``huying migrate`` → one district leader with an API token → for
``HUYING_CONN_HEALTH_CHECKS`` off, then on: gunicorn (gthread, ``HUYING_CONN_MAX_AGE=60``) on
a free 127.0.0.1 port, ``--clients`` threads calling ``GET /api/v1/cases?limit=1`` for
``--duration`` seconds while every backend of the bench database is terminated ``--kills``
times (``pg_terminate_backend``, what a restart does to the connections gunicorn keeps) →
counts of answers by status → bench/results/db_restart.md → database dropped. Only this
database's backends are terminated: other databases on the same server are left alone.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from datetime import datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from run import HUYING, PY, RESULTS, ROOT, Client, Db, Server, app_env, log

DEFAULT_DB = "postgres://postgres@127.0.0.1:5432/huying_restart"

SETUP = """
import django
django.setup()
from huying.org.api_auth import token_create
from huying.org.models import OrgUnit, Role
from huying.org.services import grant_role, person_create, unit_create
district = unit_create(kind=OrgUnit.Kind.DISTRICT, code="510199", name="锦城区", abbr="JJ")
user = person_create(username="leader", full_name="区领导")
grant_role(user=user, role=Role.DISTRICT_LEADER, unit=district)
print(token_create(user=user, name="bench")[1])
"""


def terminate_backends(db: Db) -> int:
    out = db.psql(
        "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
        f"WHERE datname = '{db.name}' AND pid <> pg_backend_pid()"
    )
    return int(out or 0)


def load(
    port: int, token: str, *, clients: int, duration: float, kill: callable
) -> tuple[Counter[str], list[int]]:
    statuses: Counter[str] = Counter()
    lock = threading.Lock()
    end = time.monotonic() + duration

    def client() -> None:
        c = Client(port)
        local: Counter[str] = Counter()
        while time.monotonic() < end:
            try:
                status, _ = c.call("GET", "/cases?limit=1", token)
                local[str(status)] += 1
            except OSError as exc:
                local[type(exc).__name__] += 1
                c.close()
                c = Client(port)
        c.close()
        with lock:
            statuses.update(local)

    threads = [threading.Thread(target=client, daemon=True) for _ in range(clients)]
    for t in threads:
        t.start()
    killed = kill()
    for t in threads:
        t.join()
    return statuses, killed


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--database-url", default=DEFAULT_DB)
    ap.add_argument("--duration", type=float, default=20)
    ap.add_argument("--clients", type=int, default=8)
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--threads", type=int, default=8)
    ap.add_argument("--kills", type=int, default=3)
    args = ap.parse_args()

    db = Db(args.database_url)
    log(f"fresh database {db.name}")
    db.recreate()
    rows = []
    try:
        subprocess.run([HUYING, "migrate", "-v0"], cwd=ROOT, env=app_env(db), check=True)
        token = subprocess.run(
            [PY, "-c", SETUP], cwd=ROOT, env=app_env(db), check=True, capture_output=True, text=True
        ).stdout.strip()
        for checks in ("0", "1"):
            os.environ["HUYING_CONN_HEALTH_CHECKS"] = checks  # app_env copies os.environ
            server = Server("gthread", args.workers, args.threads)
            logfile = Path(tempfile.gettempdir()) / f"huying_db_restart_{checks}.log"
            server.start(db, token, logfile)
            try:

                def kill() -> list[int]:
                    counts = []
                    gap = args.duration / (args.kills + 1)
                    for _ in range(args.kills):
                        time.sleep(gap)
                        counts.append(terminate_backends(db))
                    return counts

                log(f"CONN_HEALTH_CHECKS={checks}: {args.clients} clients, {args.duration:.0f} s")
                statuses, killed = load(
                    server.port, token, clients=args.clients, duration=args.duration, kill=kill
                )
            finally:
                server.stop()
            total = sum(statuses.values())
            rows.append((checks, total, statuses, killed))
            log(f"  {total} requests, by status {dict(statuses)}; backends killed {killed}")
    finally:
        os.environ.pop("HUYING_CONN_HEALTH_CHECKS", None)
        db.drop()

    lines = [
        f"# Database restart under load ({datetime.now():%Y-%m-%d %H:%M})",
        "",
        f"`{' '.join(['python', 'bench/db_restart.py', *sys.argv[1:]])}` — gunicorn gthread "
        f"{args.workers}w×{args.threads}t, {args.clients} clients, {args.duration:.0f} s, "
        f"every backend of the database terminated {args.kills}×.",
        "",
        "| CONN_HEALTH_CHECKS | Requests | 200 | 500 | Other | Backends terminated |",
        "|---|---:|---:|---:|---:|---|",
    ]
    for checks, total, statuses, killed in rows:
        other = total - statuses["200"] - statuses["500"]
        lines.append(
            f"| {'on' if checks == '1' else 'off'} | {total} | {statuses['200']} | "
            f"{statuses['500']} | {other} | {' + '.join(map(str, killed))} |"
        )
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "db_restart.md").write_text("\n".join(lines) + "\n", encoding="utf-8")
    print("\n".join(lines))


if __name__ == "__main__":
    main()
