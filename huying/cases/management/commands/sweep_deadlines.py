from dataclasses import asdict
from typing import Any

from django.core.management.base import BaseCommand
from django.utils import timezone

from huying.cases.sweep import sweep_deadlines


class Command(BaseCommand):
    help = "时限巡检：临期预警、超期标记、自动升级 / run the deadline sweep once"

    def handle(self, *args: Any, **options: Any) -> None:
        report = sweep_deadlines(now=timezone.now())
        self.stdout.write(str(asdict(report)))
