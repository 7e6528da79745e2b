"""Background work on the database queue and on Redis: how fast tasks are queued and run.

    .venv/bin/python bench/task_queues.py \
        [--database-url postgres://postgres@127.0.0.1:5432/huying_queues] \
        [--redis-url redis://127.0.0.1:6379/12] [--tasks 2000]

Fresh PostgreSQL database → ``huying migrate`` → for each queue (``HUYING_TASK_BACKEND=db``,
then ``redis``), in a child process of its own: ``--tasks`` times ``deliver_notifications_task
.enqueue()`` (each its own transaction, as after a request; with nothing to deliver, a task is one
SELECT), then one worker the way ``huying worker --burst`` runs it until the queue is empty →
tasks per second for each phase → bench/results/task_queues.md → database dropped, the Redis
database emptied (FLUSHDB: give the bench a database number nothing else uses).
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
from datetime import datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from run import HUYING, PY, RESULTS, ROOT, Db, app_env, log

DEFAULT_DB = "postgres://postgres@127.0.0.1:5432/huying_queues"
DEFAULT_REDIS = "redis://127.0.0.1:6379/12"

CHILD = """
import json, sys, time
import django
django.setup()
from django.utils.crypto import get_random_string
from django_tasks import DEFAULT_TASK_BACKEND_ALIAS, DEFAULT_TASK_QUEUE_NAME
from django_tasks_db.models import DBTaskResult
from huying.cases.tasks import deliver_notifications_task
from huying.ops.redis_queue import run_task_worker, uses_redis
from huying.ops.worker import SupervisedWorker, run_supervised

n = int(sys.argv[1])
started = time.perf_counter()
for _ in range(n):
    deliver_notifications_task.enqueue()
queued = time.perf_counter() - started
started = time.perf_counter()
if uses_redis():
    run_task_worker("bench", burst=True, logging_level="WARNING")
    import django_rq
    left = django_rq.get_queue(DEFAULT_TASK_QUEUE_NAME).count
else:
    run_supervised(SupervisedWorker(
        queue_names=[DEFAULT_TASK_QUEUE_NAME], interval=1, batch=True,
        backend_name=DEFAULT_TASK_BACKEND_ALIAS, startup_delay=False, max_tasks=None,
        worker_id=get_random_string(32), excluded_queue_names=[],
    ))
    left = DBTaskResult.objects.ready().count()
ran = time.perf_counter() - started
print(json.dumps({"enqueue_s": queued, "run_s": ran, "left": left}))
"""


def flush(redis_url: str) -> None:
    import redis

    redis.Redis.from_url(redis_url).flushdb()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--database-url", default=DEFAULT_DB)
    parser.add_argument("--redis-url", default=DEFAULT_REDIS)
    parser.add_argument("--tasks", type=int, default=2000)
    args = parser.parse_args()
    db = Db(args.database_url)
    db.recreate()
    rows = []
    try:
        env = app_env(db, HUYING_REDIS_URL=args.redis_url)
        subprocess.run([HUYING, "migrate", "-v0"], check=True, env=env, cwd=ROOT)
        for backend in ("db", "redis"):
            flush(args.redis_url)
            log(f"{backend}: {args.tasks} tasks")
            out = subprocess.run(
                [PY, "-c", CHILD, str(args.tasks)],
                check=True,
                capture_output=True,
                text=True,
                env={**env, "HUYING_TASK_BACKEND": backend},
                cwd=ROOT,
            )
            got = json.loads(out.stdout.strip().splitlines()[-1])
            assert got["left"] == 0, got
            rows.append((backend, got))
            log(
                f"{backend}: enqueue {args.tasks / got['enqueue_s']:.0f}/s, "
                f"run {args.tasks / got['run_s']:.0f}/s"
            )
    finally:
        flush(args.redis_url)
        db.drop()
    lines = [
        f"# Task queues, {args.tasks} tasks ({datetime.now():%Y-%m-%d %H:%M})",
        "",
        "| queue | enqueue (tasks/s) | run by one worker (tasks/s) |",
        "| --- | ---: | ---: |",
        *(
            f"| {b} | {args.tasks / g['enqueue_s']:.0f} | {args.tasks / g['run_s']:.0f} |"
            for b, g in rows
        ),
    ]
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "task_queues.md").write_text("\n".join(lines) + "\n", encoding="utf-8")
    print("\n".join(lines))


if __name__ == "__main__":
    main()
