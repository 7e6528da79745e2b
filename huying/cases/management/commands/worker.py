"""``huying worker``: the django-tasks database worker plus a small scheduler.

The scheduler enqueues the deadline sweep, notification delivery, the dashboards' rollups
and the trail anchors at fixed intervals.
Several workers may run: a period is claimed by compare-and-set on a counter row, so each
period's job is enqueued once across all of them.
"""

from __future__ import annotations

import logging
import threading
import time
from typing import Any

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandParser
from django.db import close_old_connections

from huying.cases.tasks import (
    case_export_sweep_task,
    deliver_notifications_task,
    sweep_deadlines_task,
    trail_anchor_task,
)
from huying.core.models import Counter
from huying.reports.tasks import circular_sweep_task, tally_refresh_task

logger = logging.getLogger("huying.worker")


def claim_period(name: str, interval: int, now: float) -> bool:
    """True for exactly one caller per interval, across processes."""
    key = f"schedule:{name}"
    Counter.objects.get_or_create(key=key, defaults={"value": 0})
    return (
        Counter.objects.filter(key=key, value__lte=int(now) - interval).update(value=int(now)) == 1
    )


class Command(BaseCommand):
    help = "后台任务：时限巡检、通知发送 / run background tasks and the schedule"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--sweep-interval", type=int, default=60)
        parser.add_argument("--notify-interval", type=int, default=10)
        parser.add_argument("--tally-interval", type=int, default=60)

    def handle(self, *args: Any, **options: Any) -> None:
        jobs: list[tuple[str, int, Any]] = [
            ("sweep", options["sweep_interval"], sweep_deadlines_task),
            ("notify", options["notify_interval"], deliver_notifications_task),
            ("tally", options["tally_interval"], tally_refresh_task),
            # Old export files removed; exports and circulars whose worker died marked failed.
            ("exports", 3600, case_export_sweep_task),
            ("circulars", 3600, circular_sweep_task),
            # The trail heads, to files the database user cannot rewrite (cases.anchors).
            ("anchor", settings.HUYING_TRAIL_ANCHOR_INTERVAL, trail_anchor_task),
        ]

        def schedule() -> None:
            while True:
                close_old_connections()
                for name, interval, job in jobs:
                    try:
                        if claim_period(name, interval, time.time()):
                            job.enqueue()
                    except Exception:
                        logger.exception("scheduling %s failed", name)
                time.sleep(min(i for _, i, _ in jobs))

        threading.Thread(target=schedule, name="huying-scheduler", daemon=True).start()
        self.stdout.write(
            f"worker started: deadline sweep every {options['sweep_interval']}s, "
            f"notifications every {options['notify_interval']}s, "
            f"dashboard rollups every {options['tally_interval']}s"
        )
        call_command("db_worker", interval=1)
