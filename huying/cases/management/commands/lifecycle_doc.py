from typing import Any

from django.core.management.base import BaseCommand

from huying.cases.lifecycle_doc import render


class Command(BaseCommand):
    help = "把生命周期规则表输出为 Markdown / print the transition table as Markdown"

    def handle(self, *args: Any, **options: Any) -> None:
        self.stdout.write(render(), ending="")
