"""A/B of intake and the lifecycle over HTTP: an earlier commit against this tree, in one run,
on one database, beside the practical ceiling (a bare Django view doing one INSERT with the
same authentication) and the raw one (pgbench's INSERT+COMMIT).

    .venv/bin/python bench/ab.py --base 9fe145e [--clients 32] [--duration 15] [--rounds 3]
        [--workers 2] [--threads 8] [--lifecycle-clients 8]
        [--database-url postgres://postgres@127.0.0.1:5432/huying_ab] [--out bench/results/ab.md]

Steps: the base commit is exported (``git archive``) to a scratch folder; a fresh database is
migrated and given the small demo district and tokens by this tree (the base must read the same
schema: compare commits whose migrations agree); then, round after round, each server runs
alone on the machine — gunicorn from the base tree, from this tree, and this tree with the bare
view — warms up (one lifecycle per client, so the triage model is loaded), takes intake at
``--clients`` and (base and this tree) the lifecycle at ``--lifecycle-clients``. Rounds alternate
the servers, so a machine that gets busier or quieter mid-run shifts all of them alike. Each
phase also records the CPU the gunicorn workers used per request. The medians over the rounds
and the ratios go to ``--out`` (Markdown, and JSON beside it). Only 127.0.0.1 is contacted.
"""

from __future__ import annotations

import argparse
import json
import shutil
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.bare import CREATE as BARE_TABLE
from bench.run import (
    RESULTS,
    ROOT,
    ApiError,
    Client,
    Db,
    Server,
    log,
    make_intake,
    make_lifecycle,
    migrated_with_district,
    pg_ceiling,
    run_phase,
)


def export(ref: str, into: Path) -> str:
    """The tree of ``ref`` in ``into``; returns its short commit id."""
    sha = subprocess.run(
        ["git", "rev-parse", "--short", ref], cwd=ROOT, check=True, capture_output=True, text=True
    ).stdout.strip()
    archive = subprocess.run(["git", "archive", sha], cwd=ROOT, check=True, capture_output=True)
    subprocess.run(["tar", "-x", "-C", str(into)], input=archive.stdout, check=True)
    return sha


def make_bare(setup: dict):
    tok = setup["tokens"]["resident"]

    def unit(c: Client, rng, step) -> None:
        status, data = c.call("POST", "/bench/bare-insert", tok, {"title": "路灯不亮"})
        if status != 201:
            raise ApiError(f"bare: HTTP {status} {data[:200]!r}")

    return unit


def measured(server: Server, name: str, clients: int, duration: int, unit, setup: dict) -> dict:
    cpu0 = server.cpu_seconds()
    r = run_phase(name, clients, duration, server.port, unit, setup).summary()
    cpu = server.cpu_seconds() - cpu0
    done = r["ok"] * (8 if name == "lifecycle" else 1)
    r["worker_cpu_ms_per_request"] = round(cpu / done * 1000, 2) if done else None
    return r


def main() -> None:
    ap = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    ap.add_argument("--base", required=True, help="the earlier commit (A)")
    ap.add_argument("--database-url", default="postgres://postgres@127.0.0.1:5432/huying_ab")
    ap.add_argument("--clients", type=int, default=32)
    ap.add_argument("--lifecycle-clients", type=int, default=8)
    ap.add_argument("--duration", type=int, default=15, help="seconds per phase")
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--threads", type=int, default=8)
    ap.add_argument("--out", default=str(RESULTS / "ab.md"))
    args = ap.parse_args()

    db = Db(args.database_url)
    work = Path(tempfile.mkdtemp(prefix="huying-ab-"))
    base_tree = work / "base"
    base_tree.mkdir()
    base = export(args.base, base_tree)
    head = subprocess.run(
        ["git", "describe", "--always", "--dirty"],
        cwd=ROOT,
        check=True,
        capture_output=True,
        text=True,
    ).stdout.strip()
    servers = {
        f"A {base}": Server("gthread", args.workers, args.threads, tree=base_tree),
        f"B {head}": Server("gthread", args.workers, args.threads),
        "bare view": Server("gthread", args.workers, args.threads, settings="bench.bare.settings"),
    }
    results: dict[str, list[dict]] = {name: [] for name in servers}
    running: Server | None = None
    try:
        log(f"fresh database {db.name}; base {base} in {base_tree}")
        db.recreate()
        setup = migrated_with_district(db, work / "setup.json")
        db.psql(BARE_TABLE, db.name)
        token = setup["tokens"]["street"]
        logfile = work / "gunicorn.log"
        for round_no in range(1, args.rounds + 1):
            order = list(servers.items())
            if round_no % 2 == 0:
                order.reverse()
            for name, server in order:
                running = server
                server.start(db, token, logfile)
                bare = server.settings != "huying.settings"
                if not bare:  # warm-up: every worker loads the triage model before the clock runs
                    run_phase(
                        "warm", args.lifecycle_clients, 3, server.port, make_lifecycle(setup), setup
                    )
                row = {"round": round_no}
                unit = make_bare(setup) if bare else make_intake(setup)
                row["intake"] = measured(server, "intake", args.clients, args.duration, unit, setup)
                if not bare:
                    row["lifecycle"] = measured(
                        server,
                        "lifecycle",
                        args.lifecycle_clients,
                        args.duration,
                        make_lifecycle(setup),
                        setup,
                    )
                row["worker_rss_mb"] = server.worker_rss_mb()
                server.stop()
                running = None
                results[name].append(row)
                i = row["intake"]
                lc = row.get("lifecycle")
                log(
                    f"round {round_no} {name:14s} intake {i['per_second']:7.1f}/s p95 {i['p95_ms']} ms"
                    f" cpu {i['worker_cpu_ms_per_request']} ms/req errors {i['errors']}"
                    + (
                        f" | lifecycle {lc['per_second']:.2f} cases/s cpu {lc['worker_cpu_ms_per_request']} ms/req"
                        f" errors {lc['errors']}"
                        if lc
                        else ""
                    )
                )
        ceiling = pg_ceiling(db, args.clients, args.duration)
        report = {
            "base": base,
            "head": head,
            "args": vars(args),
            "results": results,
            "ceiling": ceiling,
        }
        out = Path(args.out)
        out.write_text(markdown(report))
        out.with_suffix(".json").write_text(json.dumps(report, ensure_ascii=False, indent=1))
        print(out.read_text())
    finally:
        if running is not None:
            running.stop()
        shutil.rmtree(work, ignore_errors=True)
        db.drop()


def median(rows: list[dict], phase: str, key: str) -> float:
    values = [r[phase][key] for r in rows if phase in r and r[phase].get(key) is not None]
    return statistics.median(values) if values else float("nan")


def markdown(report: dict) -> str:
    args = report["args"]
    names = list(report["results"])
    lines = [
        f"# Intake and lifecycle A/B — base {report['base']} vs {report['head']}",
        "",
        f"gunicorn gthread {args['workers']}w×{args['threads']}t, PostgreSQL, {args['rounds']} rounds of"
        f" {args['duration']} s phases, servers alternating; medians over the rounds.",
        "",
        f"| Server | Intake @{args['clients']} req/s | p95 ms | worker CPU ms/intake |"
        f" Lifecycle @{args['lifecycle_clients']} cases/s | worker CPU ms/call |"
        " worker RSS MB (largest) | errors |",
        "|---|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for name in names:
        rows = report["results"][name]
        errors = sum(r[p]["errors"] for r in rows for p in ("intake", "lifecycle") if p in r)
        lifecycle = median(rows, "lifecycle", "per_second")
        lines.append(
            f"| {name} | {median(rows, 'intake', 'per_second'):.1f} | {median(rows, 'intake', 'p95_ms'):.0f} |"
            f" {median(rows, 'intake', 'worker_cpu_ms_per_request'):.2f} |"
            + (
                f" {lifecycle:.2f} | {median(rows, 'lifecycle', 'worker_cpu_ms_per_request'):.2f} |"
                if lifecycle == lifecycle
                else " – | – |"
            )
            + f" {max(r.get('worker_rss_mb', 0) for r in rows):.0f} | {errors} |"
        )
    ceiling = report["ceiling"]
    lines.append(
        f"| raw INSERT+COMMIT ({ceiling['tool']}) | {ceiling['inserts_per_s']:.0f} | | | | | | |"
    )
    a_name, b_name, _ = names
    ratio = median(report["results"][b_name], "intake", "per_second") / median(
        report["results"][a_name], "intake", "per_second"
    )
    of_bare = median(report["results"][b_name], "intake", "per_second") / median(
        report["results"]["bare view"], "intake", "per_second"
    )
    lc_ratio = median(report["results"][b_name], "lifecycle", "per_second") / median(
        report["results"][a_name], "lifecycle", "per_second"
    )
    lines += [
        "",
        f"Intake B/A: **{ratio:.2f}×**; B as a share of the bare view: **{of_bare:.0%}**;"
        f" lifecycle B/A: **{lc_ratio:.2f}×**.",
        "",
    ]
    return "\n".join(lines)


if __name__ == "__main__":
    main()
