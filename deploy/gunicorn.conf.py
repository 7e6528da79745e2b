"""gunicorn for Huying: ``gunicorn -c deploy/gunicorn.conf.py huying.wsgi:application``.

Everything a machine may want to change comes from the environment (the systemd unit's
EnvironmentFile), so one file serves every web machine and the deployment test:

    HUYING_WEB_BIND        address:port nginx proxies to (127.0.0.1:8000)
    HUYING_WEB_WORKERS     processes (2; about one per core: the work is CPU in Python)
    HUYING_WEB_THREADS     threads per process (8: requests mostly wait on the database)
    HUYING_WEB_TIMEOUT     seconds a request may take before its worker is killed (60)
    HUYING_WEB_ACCESS_LOG  file for the access log ("-": standard output, i.e. journald)
    PROMETHEUS_MULTIPROC_DIR  where the processes keep their request counts for /metrics
                           (a fresh temporary directory when unset; emptied at start)
"""

from __future__ import annotations

import gc
import os
import shutil
import sys
import tempfile
from pathlib import Path
from typing import Any


def _int(name: str, default: int) -> int:
    return int(os.environ.get(name, default))


bind = os.environ.get("HUYING_WEB_BIND", "127.0.0.1:8000")
worker_class = "gthread"
workers = _int("HUYING_WEB_WORKERS", 2)
threads = _int("HUYING_WEB_THREADS", 8)
# nginx's proxy_read_timeout is 5 s longer, so a slow request ends as gunicorn's 500 with a
# traceback in the log rather than nginx's bare 504.
timeout = _int("HUYING_WEB_TIMEOUT", 60)
graceful_timeout = 30
# nginx keeps connections to gunicorn open (upstream keepalive); longer than nginx's idle.
keepalive = 75
# Import Django once in the master: workers fork ready (faster start, shared pages). New code
# then needs a restart, not a HUP.
preload_app = True
# A worker is replaced after this many requests (jitter spreads the restarts), which bounds
# memory growth over a day.
max_requests = 20_000
max_requests_jitter = 2_000
# gunicorn's control socket defaults to one path per user: two servers of one user (web
# machines in containers, the deployment test) would fight over it, and nothing uses it.
control_socket_disable = True

accesslog = os.environ.get("HUYING_WEB_ACCESS_LOG", "-")
# The request id is the one nginx made ($request_id, sent as X-Request-ID) and Django echoes:
# nginx's line, gunicorn's line, the app's log lines and the 500 page all carry it.
access_log_format = '%(h)s "%(r)s" %(s)s %(B)s %(M)sms rid=%({x-request-id}o)s'

# prometheus-client reads this when it is first imported (in the master, preloading):
# each worker then keeps its counts in files there, and /metrics adds them up.
metrics_dir = os.environ.get("PROMETHEUS_MULTIPROC_DIR") or tempfile.mkdtemp(
    prefix="huying-metrics-"
)
os.environ["PROMETHEUS_MULTIPROC_DIR"] = metrics_dir


def on_starting(server: Any) -> None:
    """Counts left by an earlier run would be added to this one's: start empty."""
    path = Path(metrics_dir)
    if path.exists():
        shutil.rmtree(path)
    path.mkdir(parents=True)


def pre_fork(server: Any, worker: Any) -> None:
    """What the master preloaded (Django, every view, the tokenizer's dictionary) is never
    freed: out of the garbage collector's sight, a worker's collections do not write to those
    objects, and the pages the workers share stay shared."""
    gc.freeze()


def post_fork(server: Any, worker: Any) -> None:
    """A connection the master opened while preloading must not be shared by the workers."""
    from django.conf import settings

    if settings.configured:
        from django.db import connections

        connections.close_all()


def worker_exit(server: Any, worker: Any) -> None:
    """The worker's last step: leave without Python's orderly teardown. A preloaded worker's
    heap is the whole application (Django, numpy, scikit-learn, jieba's dictionary); freeing
    it object by object kept each exiting worker busy for 3–5 s of CPU on this 2-core
    machine, which every restart and every max_requests recycling paid. Requests are done
    and connections closed by now; the logs are flushed first, the exit code kept."""
    import logging

    exc = sys.exc_info()[1]
    code = exc.code if isinstance(exc, SystemExit) else (1 if exc else 0)
    logging.shutdown()
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(code if isinstance(code, int) else 1)


def child_exit(server: Any, worker: Any) -> None:
    """A replaced worker's counters stay (they are totals); its live gauges go."""
    from prometheus_client import multiprocess

    multiprocess.mark_process_dead(worker.pid)
