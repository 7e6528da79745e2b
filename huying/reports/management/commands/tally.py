"""``huying tally``: bring the dashboards' rollups up to date (the worker does it every
minute); ``--rebuild`` recounts all history, e.g. after a restore or a bulk load."""

from __future__ import annotations

import time
from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from huying.reports.tally import tally_rebuild, tally_refresh


class Command(BaseCommand):
    help = "统计汇总：更新（或 --rebuild 全部重算）驾驶舱的汇总表"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--rebuild", action="store_true", help="recount every day")

    def handle(self, *args: Any, **options: Any) -> None:
        started = time.perf_counter()
        report = tally_rebuild() if options["rebuild"] else tally_refresh()
        self.stdout.write(
            f"tally: {report.events} events, {report.days} days, {report.months} months "
            f"in {time.perf_counter() - started:.1f}s"
        )
