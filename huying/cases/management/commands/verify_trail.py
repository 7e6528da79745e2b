from typing import Any

from django.core.management.base import BaseCommand, CommandError

from huying.cases.models import Case
from huying.cases.trail import verify_trails


class Command(BaseCommand):
    help = "校验所有事件轨迹的哈希链 / verify every case's hash-chained trail"

    def handle(self, *args: Any, **options: Any) -> None:
        breaks = 0
        for b in verify_trails():
            breaks += 1
            self.stdout.write(f"{b.case_number} #{b.seq}: {b.problem}")
        total = Case.objects.count()
        if breaks:
            raise CommandError(f"{breaks} 处断链 / breaks in {total} cases")
        self.stdout.write(
            self.style.SUCCESS(f"轨迹完整：{total} 个事件全部校验通过 / all {total} trails intact")
        )
