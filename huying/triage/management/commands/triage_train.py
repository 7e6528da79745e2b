from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from huying.core.errors import DomainError
from huying.triage.models import ModelStatus, TriageModel
from huying.triage.services import activate, train


class Command(BaseCommand):
    help = (
        "用已研判的事件训练研判建议模型 / train the triage suggestion on the district's "
        "triaged cases (it becomes active unless it scores worse than the active one)"
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--force",
            action="store_true",
            help="即使不如现用模型也启用 / activate the new model even if it scores worse",
        )
        parser.add_argument(
            "--activate",
            type=int,
            metavar="VERSION",
            help="不训练，启用已有的某一版 / train nothing; make that kept version active",
        )
        parser.add_argument(
            "--list", action="store_true", help="列出各版模型 / list the model versions"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            if options["list"]:
                for row in TriageModel.objects.order_by("-version"):
                    self.stdout.write(_line(row))
                return
            if options["activate"] is not None:
                row = activate(version=options["activate"])
                self.stdout.write(self.style.SUCCESS(f"已启用 / active: {_line(row)}"))
                return
            row = train(now=timezone.now(), force=options["force"])
        except DomainError as exc:
            raise CommandError(str(exc)) from None
        style = self.style.SUCCESS if row.status == ModelStatus.ACTIVE else self.style.WARNING
        self.stdout.write(style(_line(row)))
        if row.status == ModelStatus.HELD:
            self.stdout.write(
                "新模型未启用；确认后可运行 / not activated; to use it anyway: "
                f"huying triage-train --activate {row.version}"
            )


def _line(row: TriageModel) -> str:
    pct = lambda v: "—" if v is None else f"{100 * v:.1f}%"  # noqa: E731
    return (
        f"v{row.version} {row.status} {row.trained_at:%Y-%m-%d %H:%M} "
        f"样本 examples {row.examples}, 留出 held out {row.held_out}: "
        f"top-1 {pct(row.top1)}, top-3 {pct(row.top3)}, 等级 level {pct(row.level_accuracy)}"
        f" (现用模型 active then: {pct(row.rival_top1)}); {row.seconds:.1f} s"
        + (f" — {row.note}" if row.note else "")
    )
