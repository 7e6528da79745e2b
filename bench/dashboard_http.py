"""The 统计 page as a browser loads it: a fresh server, the page, then its chart calls all at
once, over HTTP, on the database DATABASE_URL names (the demo district, say).

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/NAME HUYING_DATA_DIR=DIR HUYING_DEMO=1 \
        .venv/bin/python bench/dashboard_http.py [--rounds 5] [--busy 4]

``--busy N`` runs N spinning processes meanwhile (a busy machine). Prints, per round, the
page's time and the slowest of the parallel calls; and the in-process CPU the calls cost.
"""

from __future__ import annotations

import argparse
import multiprocessing
import os
import socket
import subprocess
import sys
import time
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PORT = 8795
CALLS = [
    "kpis",
    "trend",
    "trend?step=month",
    "breakdown?dim=street",
    "breakdown?dim=item",
    "departments",
    "ranking",
    "heat",
    "overdue",
]


def spin() -> None:
    while True:
        pass


def session_cookie() -> str:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "huying.settings")
    import django

    django.setup()
    from django.contrib.auth import get_user_model
    from django.test import Client

    client = Client()
    client.force_login(get_user_model().objects.get(username="hub"))
    return client.cookies["sessionid"].value


def fetch(url: str, cookie: str) -> float:
    request = urllib.request.Request(url, headers={"Cookie": f"sessionid={cookie}"})
    start = time.perf_counter()
    with urllib.request.urlopen(request) as response:
        response.read()
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--busy", type=int, default=0)
    args = parser.parse_args()
    cookie = session_cookie()
    spinners = [multiprocessing.Process(target=spin, daemon=True) for _ in range(args.busy)]
    for s in spinners:
        s.start()
    huying = str(ROOT / ".venv" / "bin" / "huying")
    base = f"http://127.0.0.1:{PORT}"
    try:
        for n in range(args.rounds):
            server = subprocess.Popen(
                [huying, "runserver", "--insecure", f"127.0.0.1:{PORT}", "--noreload"],
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
            )
            try:
                for _ in range(240):
                    with socket.socket() as probe:
                        if probe.connect_ex(("127.0.0.1", PORT)) == 0:
                            break
                    time.sleep(0.25)
                page = fetch(f"{base}/reports/", cookie)
                start = time.perf_counter()
                with ThreadPoolExecutor(len(CALLS)) as pool:
                    times = list(
                        pool.map(lambda c: fetch(f"{base}/api/v1/dashboard/{c}", cookie), CALLS)
                    )
                wall = time.perf_counter() - start
                slowest = max(zip(times, CALLS, strict=True))
                print(
                    f"round {n + 1}: page {page * 1000:.0f} ms; {len(CALLS)} calls at once "
                    f"{wall * 1000:.0f} ms (slowest {slowest[1]} {slowest[0] * 1000:.0f} ms)"
                )
            finally:
                server.terminate()
                server.wait()
    finally:
        for s in spinners:
            s.terminate()
    sys.stdout.flush()


if __name__ == "__main__":
    main()
