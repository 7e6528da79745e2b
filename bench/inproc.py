"""In-process checks against the bench database (run by bench/run.py in a subprocess).

    python bench/inproc.py count SETUP.json OUT.json      # SQL queries per API call
    python bench/inproc.py profile SETUP.json OUT.txt [N]  # cProfile N intake POSTs

Uses Django's test client (the full middleware + ninja stack, no HTTP server), so the
numbers are the application's own cost.
"""

from __future__ import annotations

import cProfile
import io
import json
import os
import pstats
import sys
import time
from collections import Counter

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "huying.settings")
os.environ.setdefault("HUYING_LOG_LEVEL", "WARNING")

import django

django.setup()

from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402


def _clients(setup: dict) -> dict[str, Client]:
    return {who: Client(HTTP_AUTHORIZATION=f"Bearer {tok}") for who, tok in setup["tokens"].items()}


def _post(c: Client, path: str, body: dict) -> dict:
    r = c.post("/api/v1" + path, data=json.dumps(body), content_type="application/json")
    if r.status_code >= 300:
        raise SystemExit(f"{path}: {r.status_code} {r.content[:300]!r}")
    return r.json()


def _kind(sql: str) -> str:
    s = sql.lstrip().upper()
    for k in ("SELECT", "INSERT", "UPDATE", "DELETE", "SAVEPOINT", "RELEASE SAVEPOINT"):
        if s.startswith(k):
            return k
    return s.split(" ", 1)[0]


def count(setup: dict, out: str) -> None:
    c = _clients(setup)
    p = setup["points"][0]
    intake_body = {"title": "井盖缺失", "description": "bench", "lat": p["lat"], "lng": p["lng"]}
    # Warm up: a first lifecycle imports and compiles things and fills the caches a running
    # server has filled long before (each client's token and acting role, the calendar, the
    # recipients, the catalogue's items, the active triage model); the second is counted.
    for client in c.values():
        client.get("/api/v1/me")

    steps: list[tuple[str, str, str, dict]] = [
        ("intake", "resident", "/cases", intake_body),
        ("triage", "street", "/cases/{case}/triage", {"item_id": setup["item_id"]}),
        ("call", "street", "/cases/{case}/call", {}),
        ("report-in", "handler", "/assignments/{asg}/report-in", {}),
        ("accept", "handler", "/assignments/{asg}/accept", {}),
        ("result", "handler", "/assignments/{asg}/result", {"result": "已处置"}),
        ("verify", "street", "/cases/{case}/verify", {"passed": True}),
        ("follow-up", "street", "/cases/{case}/follow-up", {"satisfaction": "satisfied"}),
    ]
    for _warm_up_first in (True, False):
        result = _counted(c, steps)
    with open(out, "w") as f:
        json.dump(result, f, ensure_ascii=False, indent=1)
    for name, r in result.items():
        print(f"{name:10s} {r['queries']:3d} queries  {r['by_kind']}")


def _counted(c: dict[str, Client], steps: list[tuple[str, str, str, dict]]) -> dict[str, dict]:
    ids: dict[str, int] = {}
    result: dict[str, dict] = {}
    for name, who, path, body in steps:
        with CaptureQueriesContext(connection) as ctx:
            data = _post(c[who], path.format(**ids), body)
        if name == "intake":
            ids["case"] = data["id"]
        if name == "call":
            ids["asg"] = data["assignments"][0]["id"]
        kinds = Counter(_kind(q["sql"]) for q in ctx.captured_queries)
        tables = Counter()
        for q in ctx.captured_queries:
            sql = q["sql"]
            for marker in (" FROM ", "INSERT INTO ", "UPDATE "):
                if marker in sql:
                    tables[sql.split(marker, 1)[1].split()[0].strip('"')] += 1
                    break
        result[name] = {
            "queries": len(ctx.captured_queries),
            "by_kind": dict(kinds),
            "by_table": dict(tables.most_common()),
        }
        result[name]["sql"] = [q["sql"][:300] for q in ctx.captured_queries]
    return result


def profile(setup: dict, out: str, n: int) -> None:
    c = _clients(setup)["resident"]
    p = setup["points"][0]
    body = json.dumps(
        {"title": "井盖缺失", "description": "bench", "lat": p["lat"], "lng": p["lng"]}
    )
    for _ in range(20):  # warm-up
        c.post("/api/v1/cases", data=body, content_type="application/json")
    t0 = time.perf_counter()
    for _ in range(n):
        c.post("/api/v1/cases", data=body, content_type="application/json")
    plain = (time.perf_counter() - t0) / n
    prof = cProfile.Profile()
    prof.enable()
    for _ in range(n):
        c.post("/api/v1/cases", data=body, content_type="application/json")
    prof.disable()
    buf = io.StringIO()
    buf.write(
        f"# {n} intake POSTs via the test client; {plain * 1000:.2f} ms/request unprofiled\n\n"
    )
    st = pstats.Stats(prof, stream=buf)
    st.sort_stats("cumulative").print_stats(60)
    st.sort_stats("tottime").print_stats(40)
    with open(out, "w") as f:
        f.write(buf.getvalue())
    print(f"in-process intake: {plain * 1000:.2f} ms/request (single thread, no HTTP)")


if __name__ == "__main__":
    mode, setup_path, out = sys.argv[1:4]
    with open(setup_path) as f:
        setup = json.load(f)
    if mode == "count":
        count(setup, out)
    elif mode == "profile":
        profile(setup, out, int(sys.argv[4]) if len(sys.argv) > 4 else 200)
    else:
        raise SystemExit(f"unknown mode {mode}")
