"""A web worker's memory (RSS) from start-up through a day's mix of requests, in one process as
a gunicorn worker runs them: start-up with every view loaded (as the WSGI module does before
the first request), then rounds of every page and read of bench/pages.py for each role, the
triage suggestion of new reports, the warnings' Excel export and a street board's PDF (both made in the web process).

    HUYING_DATA_DIR=/tmp/d .venv/bin/python bench/rss.py [--rounds 3]     # the SQLite demo

Prints VmRSS and the peak (VmHWM) after each stage, and which of the heavy libraries the
process has loaded (scikit-learn and scipy belong to training, in the worker; pypinyin's
phrase dictionary is never needed).

    HUYING_DEMO=1 HUYING_DATA_DIR=/tmp/d .venv/bin/python bench/rss.py --workers 2 [--rounds 3]

As gunicorn runs them (``preload_app``): ``huying.wsgi`` imported once, the collector frozen
(``deploy/gunicorn.conf.py``'s ``pre_fork``), then that many forked workers each doing the
rounds; for each, at the end, its RSS, its PSS (shared pages counted in part) and what it
holds alone (private pages: what one more worker costs).
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from django.conf import settings
from django.contrib.auth import get_user_model
from django.test import Client
from django.test.utils import setup_test_environment
from django.urls import get_resolver
from pages import pages

from huying.org.models import OrgUnit
from huying.roads.models import Road
from huying.triage.suggest import suggest_current

REPORTS = [
    "东大街路灯晚上不亮，走路看不见",
    "小区垃圾桶满了三天没人清运",
    "楼下烧烤摊油烟太大，半夜还很吵",
    "人行道上有辆共享单车乱停挡路",
    "河边护栏断了一截，孩子容易掉下去",
]


def status() -> dict[str, int]:
    out = {}
    for line in Path("/proc/self/status").read_text().splitlines():
        key, _, value = line.partition(":")
        if key in ("VmRSS", "VmHWM"):
            out[key] = int(value.split()[0]) // 1024
    return out


def report(stage: str) -> None:
    now = status()
    heavy = sorted(
        name
        for name in ("sklearn", "scipy", "openpyxl", "docx", "weasyprint", "jieba", "shapely")
        if name in sys.modules
    )
    phrases = bool(getattr(sys.modules.get("pypinyin.constants"), "PHRASES_DICT", None))
    print(
        f"| {stage} | {now['VmRSS']} | {now['VmHWM']} | {', '.join(heavy) or '—'}"
        f"{', pypinyin phrases' if phrases else ''} |",
        flush=True,
    )


def rollup() -> dict[str, int]:
    """This process's memory from /proc/self/smaps_rollup, MiB."""
    out = {}
    for line in Path("/proc/self/smaps_rollup").read_text().splitlines()[1:]:
        key, _, value = line.partition(":")
        out[key] = int(value.split()[0]) // 1024
    return out


def forked(workers: int, rounds: int, *, freeze: bool) -> int:
    import gc

    from django.db import connections

    import huying.wsgi  # noqa: F401  (what gunicorn's master preloads)

    connections.close_all()
    if freeze:
        gc.freeze()
    parent = rollup()
    print(f"master after preloading: RSS {parent['Rss']} MiB")
    children = []
    for n in range(workers):
        pid = os.fork()
        if pid == 0:
            try:
                mix(rounds, quiet=True)
                mem = rollup()
                private = mem["Private_Clean"] + mem["Private_Dirty"]
                print(f"| worker {n + 1} | {mem['Rss']} | {mem['Pss']} | {private} |", flush=True)
            finally:
                os._exit(0)
        children.append(pid)
        if n == 0:
            print("| After the rounds | RSS MiB | PSS MiB | private MiB |")
            print("|---|---:|---:|---:|", flush=True)
    for pid in children:
        os.waitpid(pid, 0)
    return 0


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--workers", type=int, default=0, help="forked as gunicorn forks them")
    parser.add_argument("--no-freeze", action="store_true", help="without gc.freeze() (A/B)")
    args = parser.parse_args()
    if args.workers:
        return forked(args.workers, args.rounds, freeze=not args.no_freeze)
    print("| Stage | RSS MiB | peak MiB | heavy libraries loaded |")
    print("|---|---:|---:|---|")
    report("django.setup()")
    get_resolver().url_patterns  # noqa: B018 (what huying.wsgi does before the first request)
    report("every view loaded")
    return mix(args.rounds, quiet=False)


def mix(rounds: int, *, quiet: bool) -> int:
    """Rounds of every page, the warnings' export, a board's PDF and suggestions."""
    say = (lambda stage: None) if quiet else report
    setup_test_environment()
    settings.ALLOWED_HOSTS = ["testserver"]
    users = get_user_model().objects
    clients: dict[str | None, Client] = {}
    district = OrgUnit.objects.filter(parent__isnull=True).order_by("pk").first()
    road = Road.objects.order_by("pk").values_list("pk", flat=True).first()
    groups: list[tuple[str, list[tuple[str | None, str]]]] = [
        ("every page of bench/pages.py", [(p.who, p.url) for p in pages()]),
        ("warnings' Excel export", [("hub", "/cases/warnings/export.xlsx")]),
        ("a street board's PDF", [(None, f"/roads/{road}/board.pdf")] if road else []),
    ]
    for round_ in range(1, rounds + 1):
        for name, requests in groups:
            for who, url in requests:
                client = clients.get(who)
                if client is None:
                    client = clients[who] = Client()
                    if who is not None:
                        client.force_login(users.get(username=who))
                response = client.get(url)
                if response.status_code >= 500:
                    raise SystemExit(f"{url} as {who}: HTTP {response.status_code}")
                if response.streaming:
                    b"".join(response.streaming_content)  # type: ignore[arg-type]
            say(f"round {round_}: {name}")
        if district is not None:
            for text in REPORTS:
                suggest_current(text, "", district.pk)
            say(f"round {round_}: triage suggestions")
    return 0


if __name__ == "__main__":
    sys.exit(main())
