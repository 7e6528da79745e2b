"""Load through the production stack: deploy/'s nginx in front of deploy/'s gunicorn, against
the same server hit directly, for intake and case-detail reads at several client counts.

    .venv/bin/python bench/deploy_http.py [--duration 8] [--clients 1,8,32] \
        [--workers 2] [--threads 8] [--nginx-workers 1] \
        [--database-url postgres://postgres@127.0.0.1:5432/huying_deploybench]

Steps: fresh PostgreSQL database → ``huying migrate`` → small demo district and API tokens
(bench/setup_data.py) → the stack on free 127.0.0.1 ports (deploy/localstack.py, the same
one the deployment test starts) → for each client count, intake and case detail, direct and
through nginx (the order alternating, so neither always runs on a warmer database) → the
cost of the metrics middleware's bookkeeping per request, measured in-process in
multiprocess mode → Markdown in bench/results/deploy_http.md → stack stopped, database
dropped. Only 127.0.0.1 is contacted. Needs nginx (/usr/sbin/nginx, or HUYING_NGINX).
"""

from __future__ import annotations

import argparse
import json
import os
import secrets
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(HERE.parent / "deploy"))

from localstack import Stack, nginx_available  # noqa: E402
from run import (  # noqa: E402
    HUYING,
    PY,
    RESULTS,
    ApiError,
    Client,
    Db,
    app_env,
    log,
    machine,
    make_intake,
    run_phase,
)

DEFAULT_DB = "postgres://postgres@127.0.0.1:5432/huying_deploybench"

OVERHEAD = """
import time
from django.test import RequestFactory
from huying.ops.metrics import MetricsMiddleware
from django.http import HttpResponse
from django.urls import resolve
request = RequestFactory().get("/api/v1/cases/1")
request.resolver_match = resolve("/api/v1/cases/1")
response = HttpResponse()
bare = lambda r: response
middleware = MetricsMiddleware(bare)
n = 200_000
t0 = time.perf_counter()
for _ in range(n):
    bare(request)
t1 = time.perf_counter()
for _ in range(n):
    middleware(request)
t2 = time.perf_counter()
print(((t2 - t1) - (t1 - t0)) / n * 1e6)
"""


def make_detail(setup: dict, case_ids: list[int]):
    tok = setup["tokens"]["street"]

    def unit(c: Client, rng, step) -> None:
        status, data = c.call("GET", f"/cases/{rng.choice(case_ids)}", tok)
        if status != 200:
            raise ApiError(f"detail: HTTP {status} {data[:200]!r}")

    return unit


def middleware_overhead_us(env: dict[str, str], tmp: Path) -> float:
    """Microseconds the metrics middleware adds to a request (its clock, label lookup,
    histogram and counter), with the counts in memory-mapped files as under gunicorn."""
    metrics = tmp / "overhead-metrics"
    metrics.mkdir()
    out = subprocess.run(
        [PY, "-c", "import django; django.setup()\n" + OVERHEAD],
        env={**env, "PROMETHEUS_MULTIPROC_DIR": str(metrics)},
        check=True,
        capture_output=True,
        text=True,
    )
    return float(out.stdout.strip().splitlines()[-1])


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("--database-url", default=DEFAULT_DB)
    ap.add_argument("--duration", type=float, default=8)
    ap.add_argument("--clients", default="1,8,32")
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--threads", type=int, default=8)
    ap.add_argument("--nginx-workers", type=int, default=1)
    args = ap.parse_args()
    if not nginx_available():
        raise SystemExit("nginx not found (apt-get install nginx, or set HUYING_NGINX)")
    clients = [int(c) for c in args.clients.split(",")]
    db = Db(args.database_url)
    tmp = Path(tempfile.mkdtemp(prefix="huying-deploybench-"))
    data = tmp / "data"
    data.mkdir()
    env = app_env(
        db,
        HUYING_DATA_DIR=str(data),
        HUYING_TRAIL_KEY=secrets.token_urlsafe(48),
        HUYING_METRICS_TOKEN=secrets.token_urlsafe(24),
    )
    log(f"database {db.name}: recreate, migrate, small district")
    db.recreate()
    rows: list[dict] = []
    try:
        subprocess.run([HUYING, "migrate", "-v0"], env=env, check=True)
        setup_file = tmp / "setup.json"
        subprocess.run([PY, str(HERE / "setup_data.py"), str(setup_file)], env=env, check=True)
        setup = json.loads(setup_file.read_text())
        overhead = middleware_overhead_us(env, tmp)
        log(f"metrics middleware: {overhead:.1f} µs per request")
        with Stack(
            tmp,
            app_env={k: v for k, v in env.items() if k.startswith(("HUYING_", "DATABASE_"))},
            workers=args.workers,
            threads=args.threads,
            nginx_workers=args.nginx_workers,
            python=PY,
        ) as stack:
            targets = {"direct": stack.gunicorn_port, "nginx": stack.nginx_port}
            log(f"gunicorn {stack.gunicorn_url}, nginx {stack.nginx_url}")
            # Cases to read: a first intake round through nginx.
            warm = run_phase("warm-up", 4, 3, stack.nginx_port, make_intake(setup), setup)
            c = Client(stack.nginx_port)
            status, body = c.call("GET", "/cases?limit=50", setup["tokens"]["street"])
            c.close()
            if status != 200:
                raise SystemExit(f"case list: HTTP {status}")
            case_ids = [row["id"] for row in json.loads(body)["items"]]
            log(f"warm-up: {warm.ok} intakes; reading {len(case_ids)} cases")
            for i, n in enumerate(clients):
                order = ["direct", "nginx"] if i % 2 == 0 else ["nginx", "direct"]
                for scenario, unit in (
                    ("intake POST /cases", make_intake(setup)),
                    ("case detail GET /cases/{id}", make_detail(setup, case_ids)),
                ):
                    for target in order:
                        if db.parts.scheme.startswith("postgres"):
                            db.psql("ANALYZE", db.name)
                        res = run_phase(scenario, n, args.duration, targets[target], unit, setup)
                        row = {"target": target, **res.summary()}
                        rows.append(row)
                        log(
                            f"{scenario:30} {target:6} {n:3} clients: "
                            f"{row['per_second']:7.1f}/s p50 {row['p50_ms']:6.1f} "
                            f"p95 {row['p95_ms']:6.1f} ms errors {row['errors']}"
                        )
    finally:
        db.drop()
    report = markdown(rows, args, overhead)
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "deploy_http.md").write_text(report, encoding="utf-8")
    print(report)


def markdown(rows: list[dict], args: argparse.Namespace, overhead: float) -> str:
    m = machine()
    lines = [
        f"# Through nginx vs direct to gunicorn ({time.strftime('%Y-%m-%d %H:%M')})",
        "",
        f"gunicorn gthread {args.workers} × {args.threads} (deploy/gunicorn.conf.py), "
        f"nginx {args.nginx_workers} worker(s) (deploy/nginx/huying.conf.in), "
        f"{args.duration:g} s per phase; {m.get('cpus')} cores, load average {os.getloadavg()[0]:.1f} at the end.",
        f"Metrics middleware bookkeeping: {overhead:.1f} µs per request (in-process).",
        "",
        "| Scenario | Clients | Target | req/s | p50 ms | p95 ms | p99 ms | Errors |",
        "|---|---:|---|---:|---:|---:|---:|---:|",
    ]
    for r in rows:
        lines.append(
            f"| {r['name']} | {r['clients']} | {r['target']} | {r['per_second']} | "
            f"{r['p50_ms']} | {r['p95_ms']} | {r['p99_ms']} | {r['errors']} |"
        )
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    main()
