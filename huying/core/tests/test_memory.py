"""Memory handed back after a large piece of work (a PDF's layout), not kept all day."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from huying.core import memory

# The database plays no part here: CI runs these in the SQLite run only.
pytestmark = pytest.mark.once


def rss_mib() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    pytest.skip("no /proc/self/status")


def test_freed_heap_pages_go_back_to_the_system() -> None:
    if memory._malloc_trim() is None:
        pytest.skip("not glibc")
    blocks = [bytes(2048) for _ in range(60_000)]  # ~120 MB from malloc, not Python's arenas
    keep = bytes(2048)  # above them in the heap, so that glibc cannot shrink the heap's top
    blocks.clear()
    before = rss_mib()
    memory.give_back()
    assert before - rss_mib() > 60, "the freed pages stayed in the process"
    assert keep


FORKED_WORKER = """
import gc, os, sys
import huying.wsgi
import jieba
from django.db import connections

connections.close_all()
gc.freeze()  # deploy/gunicorn.conf.py's pre_fork
print("loaded" if jieba.dt.initialized else "unloaded", flush=True)
pid = os.fork()
if pid == 0:
    from huying.core.text import cut
    for n in range(200):
        cut(f"第{n}小区门口路灯不亮，垃圾桶满了没人清运")
    rollup = dict(
        (line.split(":")[0], int(line.split()[1]))
        for line in open("/proc/self/smaps_rollup").read().splitlines()[1:]
    )
    print((rollup["Private_Clean"] + rollup["Private_Dirty"]) // 1024, flush=True)
    os._exit(0)
os.waitpid(pid, 0)
"""


def test_workers_share_the_dictionary_their_master_loaded(tmp_path: Path) -> None:
    """gunicorn imports ``huying.wsgi`` once and forks its workers (``preload_app``): the
    tokenizer's dictionary (≈ 60 MB) is loaded then, so a worker that cuts words uses the
    master's pages instead of building a copy of its own."""
    out = subprocess.run(
        [sys.executable, "-c", FORKED_WORKER],
        capture_output=True,
        text=True,
        check=True,
        env={
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "huying.settings",
            "HUYING_DEMO": "1",
            "HUYING_DATA_DIR": str(tmp_path),
            "HUYING_LOG_LEVEL": "WARNING",
        },
    )
    lines = out.stdout.split()
    loaded, private = lines[0], lines[-1]
    assert loaded == "loaded", out.stderr
    assert int(private) < 30, f"the worker holds {private} MiB of its own"
