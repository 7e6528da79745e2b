"""End-to-end API benchmark: intake and full case lifecycle against gunicorn + PostgreSQL,
next to the raw INSERT+COMMIT ceiling of the same PostgreSQL.

    /tmp/venv/bin/python bench/run.py \
        [--database-url postgres://postgres@127.0.0.1:5432/huying_bench] \
        [--duration 15] [--workers 4] [--threads 4] [--worker-class gthread] \
        [--sweep] [--profile]

Steps: fresh database (dropped if it exists) → ``huying migrate`` → small demo district and
API tokens (bench/setup_data.py) → SQL queries per call (bench/inproc.py) → gunicorn on a
free 127.0.0.1 port → load from this process (one keep-alive http.client connection per
client thread) → pgbench ceiling → Markdown + JSON in bench/results/ → gunicorn stopped,
database dropped.  Only 127.0.0.1 is ever contacted.
"""

from __future__ import annotations

import argparse
import contextlib
import http.client
import json
import os
import platform
import random
import re
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from urllib.parse import urlsplit

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
RESULTS = HERE / "results"
PY = sys.executable
VENV_BIN = Path(PY).parent
HUYING = str(VENV_BIN / "huying")
GUNICORN = str(VENV_BIN / "gunicorn")
DEFAULT_DB = "postgres://postgres@127.0.0.1:5432/huying_bench"


def log(msg: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {msg}", flush=True)


# --- database ---------------------------------------------------------------------------------


@dataclass
class Db:
    url: str

    @property
    def parts(self):
        return urlsplit(self.url)

    @property
    def name(self) -> str:
        return self.parts.path.lstrip("/")

    def libpq_args(self, dbname: str) -> list[str]:
        p = self.parts
        args = ["-h", p.hostname or "127.0.0.1", "-p", str(p.port or 5432)]
        args += ["-U", p.username or "postgres", "-d", dbname]
        return args

    def env(self) -> dict[str, str]:
        env = dict(os.environ)
        if self.parts.password:
            env["PGPASSWORD"] = self.parts.password
        return env

    def psql(self, sql: str, dbname: str = "postgres") -> str:
        out = subprocess.run(
            [
                "psql",
                "-X",
                "-q",
                "-t",
                "-A",
                "-v",
                "ON_ERROR_STOP=1",
                *self.libpq_args(dbname),
                "-c",
                sql,
            ],
            check=True,
            capture_output=True,
            text=True,
            env=self.env(),
        )
        return out.stdout.strip()

    def recreate(self) -> None:
        if (self.parts.hostname or "") not in ("127.0.0.1", "localhost"):
            raise SystemExit("refusing a non-local database")
        self.drop()
        self.psql(f'CREATE DATABASE "{self.name}"')

    def drop(self) -> None:
        self.psql(f'DROP DATABASE IF EXISTS "{self.name}" WITH (FORCE)')


def app_env(db: Db, **extra: str) -> dict[str, str]:
    env = dict(os.environ)
    env.update(
        DATABASE_URL=db.url,
        DJANGO_SETTINGS_MODULE="huying.settings",
        HUYING_CONN_MAX_AGE="60",
        HUYING_LOG_LEVEL="WARNING",
        HUYING_DEBUG="0",
        HUYING_DEMO="1",  # a bench server: the public default secret key is fine
        PYTHONPATH=str(ROOT),
    )
    env.update(extra)
    return env


def migrated_with_district(db: Db, setup_path: Path) -> dict:
    """``db`` migrated, with the small demo district and API tokens (bench/setup_data.py);
    what setup_data wrote to ``setup_path``."""
    log("migrate")
    subprocess.run([HUYING, "migrate", "-v0"], cwd=ROOT, env=app_env(db), check=True)
    log("build small district + tokens")
    subprocess.run(
        [PY, str(HERE / "setup_data.py"), str(setup_path)], cwd=ROOT, env=app_env(db), check=True
    )
    return json.loads(setup_path.read_text())


# --- gunicorn ---------------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@dataclass
class Server:
    worker_class: str
    workers: int
    threads: int
    proc: subprocess.Popen | None = None
    port: int = 0
    #: The source tree the server runs (another commit's, for an A/B) and its settings module.
    tree: Path = ROOT
    settings: str = "huying.settings"

    @property
    def label(self) -> str:
        if self.worker_class == "sync":
            return f"sync ×{self.workers}"
        return f"{self.worker_class} {self.workers}w×{self.threads}t"

    def start(self, db: Db, token: str, logfile: Path) -> None:
        self.port = free_port()
        cmd = [
            GUNICORN,
            "huying.wsgi:application",
            "--bind",
            f"127.0.0.1:{self.port}",
            "--workers",
            str(self.workers),
            "-k",
            self.worker_class,
            "--log-level",
            "warning",
            "--backlog",
            "2048",
            "--keep-alive",
            "30",
        ]
        if self.worker_class == "gthread":
            cmd += ["--threads", str(self.threads)]
        self._log = open(logfile, "ab")  # noqa: SIM115 - held open for the server's lifetime
        env = app_env(db, DJANGO_SETTINGS_MODULE=self.settings)
        env["PYTHONPATH"] = os.pathsep.join(dict.fromkeys([str(self.tree), str(ROOT)]))
        self.proc = subprocess.Popen(
            cmd, cwd=self.tree, env=env, stdout=self._log, stderr=subprocess.STDOUT
        )
        deadline = time.time() + 60
        while time.time() < deadline:
            if self.proc.poll() is not None:
                raise SystemExit(f"gunicorn exited ({self.proc.returncode}); see {logfile}")
            try:
                c = http.client.HTTPConnection("127.0.0.1", self.port, timeout=5)
                c.request(
                    "GET", "/api/v1/cases?limit=1", headers={"Authorization": f"Bearer {token}"}
                )
                r = c.getresponse()
                r.read()
                c.close()
                if r.status == 200:
                    break
            except OSError:
                pass
            time.sleep(0.2)
        else:
            raise SystemExit("gunicorn did not answer within 60 s")
        # Warm every worker (imports, connection, ninja schema caches).
        for _ in range(self.workers * 4):
            c = http.client.HTTPConnection("127.0.0.1", self.port, timeout=10)
            c.request("GET", "/api/v1/cases?limit=1", headers={"Authorization": f"Bearer {token}"})
            c.getresponse().read()
            c.close()

    def cpu_seconds(self) -> float:
        """CPU (user + system) used so far by the server's worker processes: what a request
        costs the application, apart from the database and the load generator."""
        if self.proc is None:
            return 0.0
        tick = os.sysconf("SC_CLK_TCK")
        total = 0.0
        for stat in Path("/proc").glob("[0-9]*/stat"):
            try:
                fields = stat.read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            if int(fields[1]) == self.proc.pid:  # ppid: a worker of this master
                total += (int(fields[11]) + int(fields[12])) / tick
        return total

    def worker_rss_mb(self) -> float:
        """The largest resident set among the server's workers, in MB."""
        if self.proc is None:
            return 0.0
        largest = 0
        for status in Path("/proc").glob("[0-9]*/status"):
            try:
                lines = dict(
                    line.split(":", 1) for line in status.read_text().splitlines() if ":" in line
                )
            except OSError:
                continue
            if lines.get("PPid", "").strip() == str(self.proc.pid) and "VmRSS" in lines:
                largest = max(largest, int(lines["VmRSS"].split()[0]))
        return round(largest / 1024, 1)

    def stop(self) -> None:
        if self.proc and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)  # only the master we started
            try:
                self.proc.wait(30)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.proc = None


# --- HTTP load --------------------------------------------------------------------------------


class ApiError(Exception):
    pass


class Client:
    """One keep-alive connection; reconnects when the server closes it."""

    def __init__(self, port: int) -> None:
        self.port = port
        self.conn: http.client.HTTPConnection | None = None

    def call(
        self, method: str, path: str, token: str, body: dict | None = None
    ) -> tuple[int, bytes]:
        payload = json.dumps(body).encode() if body is not None else None
        headers = {"Authorization": f"Bearer {token}", "Accept": "application/json"}
        if payload is not None:
            headers["Content-Type"] = "application/json"
        for attempt in (1, 2):
            if self.conn is None:
                self.conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=60)
            try:
                self.conn.request(method, "/api/v1" + path, body=payload, headers=headers)
                r = self.conn.getresponse()
                data = r.read()
                if r.getheader("Connection", "").lower() == "close" or r.will_close:
                    self.conn.close()
                    self.conn = None
                return r.status, data
            except (http.client.RemoteDisconnected, ConnectionResetError, BrokenPipeError):
                # A keep-alive connection the server had already closed: retry once.
                self.conn.close()
                self.conn = None
                if attempt == 2:
                    raise
        raise AssertionError

    def close(self) -> None:
        if self.conn:
            self.conn.close()


def pct(values: list[float], p: float) -> float:
    if not values:
        return float("nan")
    s = sorted(values)
    k = (len(s) - 1) * p / 100
    lo, hi = int(k), min(int(k) + 1, len(s) - 1)
    return s[lo] + (s[hi] - s[lo]) * (k - lo)


@dataclass
class PhaseResult:
    name: str
    clients: int
    seconds: float
    ok: int = 0
    errors: int = 0
    latencies: list[float] = field(default_factory=list)  # seconds, successful units only
    step_latencies: dict[str, list[float]] = field(default_factory=dict)
    error_samples: list[str] = field(default_factory=list)

    def summary(self) -> dict:
        lat = [x * 1000 for x in self.latencies]
        out = {
            "name": self.name,
            "clients": self.clients,
            "seconds": round(self.seconds, 2),
            "ok": self.ok,
            "errors": self.errors,
            "per_second": round(self.ok / self.seconds, 2) if self.seconds else 0,
            "p50_ms": round(pct(lat, 50), 1),
            "p95_ms": round(pct(lat, 95), 1),
            "p99_ms": round(pct(lat, 99), 1),
            "mean_ms": round(statistics.fmean(lat), 1) if lat else None,
            "error_samples": self.error_samples[:5],
        }
        if self.step_latencies:
            out["steps"] = {
                k: {
                    "p50_ms": round(pct([x * 1000 for x in v], 50), 1),
                    "p95_ms": round(pct([x * 1000 for x in v], 95), 1),
                    "n": len(v),
                }
                for k, v in self.step_latencies.items()
            }
        return out


ANALYZE_DB: Db | None = None


def run_phase(
    name: str, clients: int, duration: float, port: int, unit, setup: dict
) -> PhaseResult:
    """``clients`` threads each call ``unit(client, rng, record_step)`` until ``duration`` ends."""
    if ANALYZE_DB is not None:
        # This PostgreSQL runs with autovacuum=off: without fresh statistics the planner keeps
        # using plans made for empty tables (e.g. the case-detail lookup walks every case of
        # the reporter via cases_case_reporter_id instead of the primary key), so each phase
        # would get slower as cases pile up. ANALYZE stands in for autovacuum's auto-analyze.
        ANALYZE_DB.psql("ANALYZE", ANALYZE_DB.name)
    res = PhaseResult(name, clients, duration)
    lock = threading.Lock()
    start_evt = threading.Event()
    t_end = [0.0]

    def worker(i: int) -> None:
        c = Client(port)
        rng = random.Random(i)
        local_lat: list[float] = []
        local_steps: dict[str, list[float]] = {}
        ok = err = 0
        samples: list[str] = []

        def step(label: str, dt: float) -> None:
            local_steps.setdefault(label, []).append(dt)

        start_evt.wait()
        while True:
            t0 = time.perf_counter()
            if t0 >= t_end[0]:
                break
            try:
                unit(c, rng, step)
                dt = time.perf_counter() - t0
                if t0 + dt <= t_end[0] + 5:  # count units that finish (nearly) in the window
                    ok += 1
                    local_lat.append(dt)
            except Exception as e:
                err += 1
                if len(samples) < 3:
                    samples.append(f"{type(e).__name__}: {str(e)[:200]}")
                c.close()
                c = Client(port)
        c.close()
        with lock:
            res.ok += ok
            res.errors += err
            res.latencies += local_lat
            for k, v in local_steps.items():
                res.step_latencies.setdefault(k, []).extend(v)
            res.error_samples += samples

    threads = [threading.Thread(target=worker, args=(i,), daemon=True) for i in range(clients)]
    for t in threads:
        t.start()
    t_start = time.perf_counter()
    t_end[0] = t_start + duration
    start_evt.set()
    for t in threads:
        t.join()
    res.seconds = time.perf_counter() - t_start  # includes the tail of in-flight units
    return res


def _expect(status: int, data: bytes, want: int, what: str) -> dict:
    if status != want:
        raise ApiError(f"{what}: HTTP {status} {data[:200]!r}")
    return json.loads(data)


def make_intake(setup: dict):
    tok = setup["tokens"]["resident"]
    points = setup["points"]

    def unit(c: Client, rng: random.Random, step) -> None:
        p = rng.choice(points)
        body = {
            "title": "路灯不亮",
            "description": "bench intake",
            "lat": p["lat"],
            "lng": p["lng"],
        }
        status, data = c.call("POST", "/cases", tok, body)
        if status != 201:
            raise ApiError(f"intake: HTTP {status} {data[:200]!r}")

    return unit


def make_lifecycle(setup: dict):
    t = setup["tokens"]
    points = setup["points"]
    item_id = setup["item_id"]

    def unit(c: Client, rng: random.Random, step) -> None:
        def do(label: str, method: str, path: str, tok: str, body: dict | None, want: int = 200):
            t0 = time.perf_counter()
            status, data = c.call(method, path, tok, body)
            step(label, time.perf_counter() - t0)
            return _expect(status, data, want, label)

        p = rng.choice(points)
        case = do(
            "intake",
            "POST",
            "/cases",
            t["resident"],
            {
                "title": "违章搭建",
                "description": "bench lifecycle",
                "lat": p["lat"],
                "lng": p["lng"],
            },
            201,
        )
        cid = case["id"]
        do("triage", "POST", f"/cases/{cid}/triage", t["street"], {"item_id": item_id})
        case = do("call", "POST", f"/cases/{cid}/call", t["street"], {})
        aid = case["assignments"][0]["id"]
        do("report-in", "POST", f"/assignments/{aid}/report-in", t["handler"], {})
        do("accept", "POST", f"/assignments/{aid}/accept", t["handler"], {})
        do("result", "POST", f"/assignments/{aid}/result", t["handler"], {"result": "已拆除"})
        do("verify", "POST", f"/cases/{cid}/verify", t["street"], {"passed": True})
        case = do(
            "follow-up",
            "POST",
            f"/cases/{cid}/follow-up",
            t["street"],
            {"satisfaction": "satisfied"},
        )
        if case["state"] != "closed":
            raise ApiError(f"lifecycle ended in state {case['state']}")

    return unit


def make_list(setup: dict):
    tok = setup["tokens"]["street"]

    def unit(c: Client, rng: random.Random, step) -> None:
        status, data = c.call("GET", "/cases?limit=50", tok)
        if status != 200:
            raise ApiError(f"list: HTTP {status} {data[:200]!r}")

    return unit


# --- PostgreSQL ceiling -----------------------------------------------------------------------


def pg_ceiling(db: Db, clients: int, duration: int) -> dict:
    db.psql(
        "CREATE TABLE IF NOT EXISTS bench_ceiling (id bigserial PRIMARY KEY, title text NOT NULL,"
        " created_at timestamptz NOT NULL DEFAULT now())",
        db.name,
    )
    if shutil.which("pgbench"):
        with tempfile.NamedTemporaryFile("w", suffix=".sql", delete=False) as f:
            f.write("INSERT INTO bench_ceiling (title) VALUES ('路灯不亮');\n")
            script = f.name
        try:
            out = subprocess.run(
                [
                    "pgbench",
                    "-n",
                    "-c",
                    str(clients),
                    "-j",
                    str(min(clients, 2)),
                    "-T",
                    str(duration),
                    "-f",
                    script,
                    *db.libpq_args(db.name),
                ],
                check=True,
                capture_output=True,
                text=True,
                env=db.env(),
            ).stdout
        finally:
            os.unlink(script)
        tps = float(re.search(r"tps = ([\d.]+) \(without initial", out).group(1))
        lat = re.search(r"latency average = ([\d.]+) ms", out)
        return {
            "tool": "pgbench",
            "clients": clients,
            "inserts_per_s": round(tps, 1),
            "latency_avg_ms": float(lat.group(1)) if lat else None,
        }
    # Fallback: psycopg threads, autocommit (each INSERT is its own transaction).
    import psycopg

    count = [0]
    lock = threading.Lock()
    t_end = time.perf_counter() + duration

    def worker() -> None:
        n = 0
        with psycopg.connect(db.url, autocommit=True) as conn:
            while time.perf_counter() < t_end:
                conn.execute("INSERT INTO bench_ceiling (title) VALUES ('路灯不亮')")
                n += 1
        with lock:
            count[0] += n

    ts = [threading.Thread(target=worker) for _ in range(clients)]
    for t in ts:
        t.start()
    for t in ts:
        t.join()
    return {"tool": "psycopg", "clients": clients, "inserts_per_s": round(count[0] / duration, 1)}


# --- report -----------------------------------------------------------------------------------


def machine() -> dict:
    info = {
        "cpus": os.cpu_count(),
        "python": platform.python_version(),
        "platform": platform.platform(),
    }
    try:
        with open("/proc/meminfo") as f:
            kb = int(f.readline().split()[1])
        info["mem_gib"] = round(kb / 1024 / 1024, 1)
    except OSError:
        pass
    with contextlib.suppress(OSError):
        info["psql"] = subprocess.run(
            ["psql", "--version"], capture_output=True, text=True
        ).stdout.strip()
    return info


def markdown(report: dict) -> str:
    m = report["machine"]
    lines = [
        f"# huying API benchmark — {report['started']}",
        "",
        f"Machine: {m.get('cpus')} CPUs, {m.get('mem_gib')} GiB, {m.get('psql')} (server {report.get('pg_server')}),"
        f" Python {m.get('python')}. Server: gunicorn `{report['server']}`, CONN_MAX_AGE=60."
        f" {report['duration']} s per phase; load generator in the same machine."
        f" PostgreSQL autovacuum={report.get('pg_autovacuum')}; ANALYZE before each phase: {'no' if ANALYZE_DB is None else 'yes'}.",
        "",
        "| Scenario | Clients | Throughput | p50 ms | p95 ms | p99 ms | Errors |",
        "|---|---:|---:|---:|---:|---:|---:|",
    ]
    for r in report["intake"]:
        lines.append(
            f"| Intake `POST /cases` | {r['clients']} | {r['per_second']:.1f} req/s | {r['p50_ms']} |"
            f" {r['p95_ms']} | {r['p99_ms']} | {r['errors']} |"
        )
    lc = report.get("lifecycle")
    if lc:
        lines.append(
            f"| Lifecycle (8 calls/case) | {lc['clients']} | {lc['per_second']:.2f} cases/s"
            f" ({lc['per_second'] * 8:.1f} req/s) | {lc['p50_ms']} | {lc['p95_ms']} | {lc['p99_ms']} | {lc['errors']} |"
        )
    for r in report.get("list", []):
        lines.append(
            f"| List `GET /cases?limit=50` | {r['clients']} | {r['per_second']:.1f} req/s | {r['p50_ms']} |"
            f" {r['p95_ms']} | {r['p99_ms']} | {r['errors']} |"
        )
    for r in report["ceiling"]:
        lat = f"{r['latency_avg_ms']} (avg)" if r.get("latency_avg_ms") is not None else "–"
        lines.append(
            f"| Ceiling: raw INSERT+COMMIT ({r['tool']}) | {r['clients']} | {r['inserts_per_s']:.0f} inserts/s |"
            f" {lat} | – | – | – |"
        )
    lines.append("")
    by_c = {r["clients"]: r for r in report["ceiling"]}
    lines.append("| Clients | Intake req/s | Ceiling inserts/s | Intake as % of ceiling |")
    lines.append("|---:|---:|---:|---:|")
    for r in report["intake"]:
        ceil = by_c.get(r["clients"])
        if ceil:
            lines.append(
                f"| {r['clients']} | {r['per_second']:.1f} | {ceil['inserts_per_s']:.0f} |"
                f" {100 * r['per_second'] / ceil['inserts_per_s']:.1f} % |"
            )
    lines.append("")
    if lc and lc.get("steps"):
        lines.append("Lifecycle steps (8 clients):")
        lines.append("")
        lines.append("| Step | p50 ms | p95 ms | SQL queries |")
        lines.append("|---|---:|---:|---:|")
        q = report.get("queries", {})
        for k, v in lc["steps"].items():
            lines.append(
                f"| {k} | {v['p50_ms']} | {v['p95_ms']} | {q.get(k, {}).get('queries', '–')} |"
            )
        lines.append("")
    probe = report.get("bearer_post_probe")
    if probe and probe["status"] != 201:
        lines.append(
            f"**Bearer-only POST /cases over HTTP returned {probe['status']}** ({probe['body']})."
        )
        lines.append("")
    if report.get("queries"):
        qi = report["queries"]["intake"]
        lines.append(f"SQL queries per intake request: **{qi['queries']}** ({qi['by_kind']}).")
        total = sum(v["queries"] for v in report["queries"].values())
        lines.append(f"SQL queries per full lifecycle (8 calls): **{total}**.")
        lines.append("")
    if report.get("inproc_ms"):
        lines.append(
            f"In-process intake (Django test client, one thread, no HTTP): {report['inproc_ms']}"
        )
        lines.append("")
    if report.get("sweep"):
        lines.append("Server settings tried (intake, 32 clients, short run):")
        lines.append("")
        lines.append("| gunicorn | req/s | p50 ms | p95 ms | errors |")
        lines.append("|---|---:|---:|---:|---:|")
        for s in report["sweep"]:
            lines.append(
                f"| `{s['server']}` | {s['per_second']:.1f} | {s['p50_ms']} | {s['p95_ms']} | {s['errors']} |"
            )
        lines.append("")
    return "\n".join(lines) + "\n"


# --- main -------------------------------------------------------------------------------------


def parse_server(spec: str) -> Server:
    kind, workers, threads = ([*spec.split(":"), "1", "1"])[:3]
    return Server(kind, int(workers), int(threads))


def main() -> None:
    ap = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    ap.add_argument("--database-url", default=DEFAULT_DB)
    ap.add_argument("--duration", type=int, default=15, help="seconds per phase")
    ap.add_argument("--workers", type=int, default=4)
    ap.add_argument("--threads", type=int, default=4)
    ap.add_argument("--worker-class", default="gthread", choices=["gthread", "sync"])
    ap.add_argument("--clients", default="1,8,32", help="intake / ceiling concurrency levels")
    ap.add_argument("--lifecycle-clients", type=int, default=8)
    ap.add_argument(
        "--sweep",
        action="store_true",
        help="first try several gunicorn settings (intake, 32 clients) and keep the best",
    )
    ap.add_argument("--sweep-configs", default="sync:4,gthread:2:8,gthread:4:4,gthread:8:2")
    ap.add_argument("--sweep-duration", type=int, default=8)
    ap.add_argument("--profile", action="store_true", help="also cProfile in-process intake")
    ap.add_argument("--list", action="store_true", help="also measure GET /cases?limit=50")
    ap.add_argument("--keep-db", action="store_true")
    ap.add_argument(
        "--no-analyze",
        action="store_true",
        help="do not ANALYZE before each phase (autovacuum may be off)",
    )
    ap.add_argument("--out", default=str(RESULTS / "latest.md"))
    args = ap.parse_args()

    levels = [int(x) for x in args.clients.split(",")]

    def _interrupt(signum, frame):
        raise KeyboardInterrupt(f"signal {signum}")

    signal.signal(signal.SIGTERM, _interrupt)
    signal.signal(signal.SIGINT, _interrupt)
    global ANALYZE_DB
    db = Db(args.database_url)
    RESULTS.mkdir(parents=True, exist_ok=True)
    work = Path(tempfile.mkdtemp(prefix="huying-bench-"))
    report: dict = {
        "started": datetime.now().astimezone().isoformat(timespec="seconds"),
        "machine": machine(),
        "duration": args.duration,
        "database": db.name,
    }
    server: Server | None = None
    try:
        log(f"fresh database {db.name}")
        db.recreate()
        report["pg_server"] = db.psql("SHOW server_version")
        report["pg_autovacuum"] = db.psql("SHOW autovacuum")
        if not args.no_analyze:
            ANALYZE_DB = db
        setup_path = work / "setup.json"
        setup = migrated_with_district(db, setup_path)
        (RESULTS / "setup.json").write_text(
            json.dumps(
                {k: v for k, v in setup.items() if k != "tokens"}, ensure_ascii=False, indent=1
            )
        )

        log("SQL queries per call (in-process test client)")
        qpath = work / "queries.json"
        subprocess.run(
            [PY, str(HERE / "inproc.py"), "count", str(setup_path), str(qpath)],
            cwd=ROOT,
            env=app_env(db),
            check=True,
        )
        report["queries"] = json.loads(qpath.read_text())
        if args.profile:
            log("cProfile in-process intake")
            prof = subprocess.run(
                [
                    PY,
                    str(HERE / "inproc.py"),
                    "profile",
                    str(setup_path),
                    str(RESULTS / "profile_intake.txt"),
                    "300",
                ],
                cwd=ROOT,
                env=app_env(db),
                check=True,
                capture_output=True,
                text=True,
            )
            print(prof.stdout, end="")
            report["inproc_ms"] = prof.stdout.strip()

        token = setup["tokens"]["street"]
        gunicorn_log = RESULTS / "gunicorn.log"
        gunicorn_log.write_text("")
        chosen = Server(args.worker_class, args.workers, args.threads)
        if args.sweep:
            sweep = []
            for spec in args.sweep_configs.split(","):
                s = parse_server(spec)
                server = s
                s.start(db, token, gunicorn_log)
                try:
                    r = run_phase(
                        "sweep", 32, args.sweep_duration, s.port, make_intake(setup), setup
                    )
                finally:
                    s.stop()
                    server = None
                row = r.summary() | {"server": s.label, "spec": spec}
                sweep.append(row)
                log(
                    f"  sweep {s.label:18s} {row['per_second']:7.1f} req/s  p95 {row['p95_ms']} ms"
                    f"  errors {row['errors']}"
                )
            report["sweep"] = sweep
            best = max(sweep, key=lambda r: (r["errors"] == 0, r["per_second"]))
            chosen = parse_server(best["spec"])
            log(f"best: {chosen.label}")

        server = chosen
        server.start(db, token, gunicorn_log)
        report["server"] = server.label
        log(f"gunicorn {server.label} on 127.0.0.1:{server.port}")
        # Probe: does a plain bearer-token POST (no cookies, no CSRF header) work over HTTP?
        probe = http.client.HTTPConnection("127.0.0.1", server.port, timeout=10)
        p0 = setup["points"][0]
        probe.request(
            "POST",
            "/api/v1/cases",
            body=json.dumps({"title": "probe", "lat": p0["lat"], "lng": p0["lng"]}).encode(),
            headers={
                "Authorization": f"Bearer {setup['tokens']['resident']}",
                "Content-Type": "application/json",
            },
        )
        pr = probe.getresponse()
        report["bearer_post_probe"] = {
            "status": pr.status,
            "body": pr.read()[:200].decode("utf-8", "replace"),
        }
        probe.close()
        log(
            f"bearer-only POST /cases -> HTTP {pr.status}"
            + ("" if pr.status == 201 else f" {report['bearer_post_probe']['body']}")
        )

        report["intake"] = []
        for n in levels:
            r = run_phase(
                "intake", n, args.duration, server.port, make_intake(setup), setup
            ).summary()
            report["intake"].append(r)
            log(
                f"intake  c={n:<3d} {r['per_second']:8.1f} req/s  p50 {r['p50_ms']} p95 {r['p95_ms']}"
                f" p99 {r['p99_ms']} ms  errors {r['errors']} {r['error_samples'][:1]}"
            )
        r = run_phase(
            "lifecycle",
            args.lifecycle_clients,
            args.duration,
            server.port,
            make_lifecycle(setup),
            setup,
        ).summary()
        report["lifecycle"] = r
        log(
            f"lifecycle c={args.lifecycle_clients} {r['per_second']:.2f} cases/s  p50 {r['p50_ms']}"
            f" p95 {r['p95_ms']} ms  errors {r['errors']} {r['error_samples'][:1]}"
        )
        if args.list:
            report["list"] = []
            for n in (1, 8):
                r = run_phase(
                    "list", n, args.duration, server.port, make_list(setup), setup
                ).summary()
                report["list"].append(r)
                log(
                    f"list    c={n:<3d} {r['per_second']:8.1f} req/s  p50 {r['p50_ms']} p95 {r['p95_ms']}"
                )
        server.stop()
        server = None
        report["rows"] = (
            {"cases": int(db.psql("SELECT count(*) FROM cases_case", db.name) or 0)}
            if db.psql("SELECT to_regclass('cases_case') IS NOT NULL", db.name) == "t"
            else {}
        )

        report["ceiling"] = []
        for n in levels:
            r = pg_ceiling(db, n, args.duration)
            report["ceiling"].append(r)
            log(f"ceiling c={n:<3d} {r['inserts_per_s']:8.0f} inserts/s ({r['tool']})")

        md = markdown(report)
        print()
        print(md)
        out = Path(args.out)
        out.write_text(md)
        out.with_suffix(".json").write_text(json.dumps(report, ensure_ascii=False, indent=1))
        log(f"wrote {out} and {out.with_suffix('.json')}")
    finally:
        if server:
            server.stop()
        shutil.rmtree(work, ignore_errors=True)
        if not args.keep_db:
            try:
                db.drop()
                log(f"dropped database {db.name}")
            except subprocess.CalledProcessError as e:
                log(f"could not drop {db.name}: {e.stderr}")


if __name__ == "__main__":
    main()
