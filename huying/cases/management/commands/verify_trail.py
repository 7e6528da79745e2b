from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from huying.cases.anchors import write_anchor
from huying.cases.trail import RekeyRefused, TrailReport, check_trails, rekey


class Command(BaseCommand):
    help = (
        "校验所有事件轨迹的哈希链、锚点和事件/派单数据 / verify every case's trail: its "
        "hash chain, the anchors, and the case and assignment rows against the events"
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--anchor",
            action="store_true",
            help="写入当前链尾锚点 / append an anchor of the current trail heads first",
        )
        parser.add_argument(
            "--rekey",
            action="store_true",
            help=(
                "校验通过后用密钥重新封存旧事件 / after a clean verification, reseal the "
                "events still sealed without the key"
            ),
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if options["rekey"]:
            try:
                resealed = rekey()
            except RekeyRefused as refused:
                self.show(refused.report)
                raise CommandError(
                    "轨迹校验未通过，未重新封存 / trail does not verify: not resealed"
                ) from None
            self.stdout.write(
                f"重新封存 {resealed} 条事件 / resealed {resealed} events with the key"
            )
        if options["anchor"]:
            count = write_anchor(now=timezone.now())
            self.stdout.write(f"锚定 {count} 个事件的链尾 / anchored the heads of {count} cases")
        report = check_trails()
        self.show(report)
        problems = len(report.breaks) + len(report.mismatches) + len(report.anchor_problems)
        if problems:
            raise CommandError(f"{problems} 处问题 / problems in {report.cases} cases")
        self.stdout.write(
            self.style.SUCCESS(
                f"轨迹完整：{report.cases} 个事件全部校验通过 / all {report.cases} trails intact"
            )
        )

    def show(self, report: TrailReport) -> None:
        for b in report.breaks:
            self.stdout.write(f"{b.case_number} #{b.seq}: {b.problem}")
        for m in report.mismatches:
            self.stdout.write(
                f"{m.case_number} {m.row}.{m.field}: 数据为 / row {m.row_value!r}，"
                f"事件记录为 / events say {m.implied!r}"
            )
        for p in report.anchor_problems:
            self.stdout.write(f"anchors: {p}")
        self.stdout.write(
            f"{report.cases} cases, {report.events} events, {report.anchored_cases} cases anchored"
        )
        if report.unkeyed_events:
            self.stdout.write(
                self.style.WARNING(
                    f"{report.unkeyed_events} 条事件未用密钥封存，可由改库者重算；校验后运行 "
                    f"--rekey / {report.unkeyed_events} events are sealed without the key "
                    "(anyone who can write the database can recompute them): run --rekey"
                )
            )
        if report.partly_replayed:
            self.stdout.write(
                self.style.WARNING(
                    f"{report.partly_replayed} 个事件的早期轨迹未记录数据变化，只核对状态 / "
                    f"{report.partly_replayed} cases began before events recorded row changes: "
                    "only their state and their assignments' states are compared with the rows"
                )
            )
        if not report.anchored_cases and report.cases:
            self.stdout.write(
                self.style.WARNING(
                    "没有锚点：持有密钥的改写无法发现；运行 worker 或 --anchor / no anchors: a "
                    "rewrite resealed with the key would go unnoticed (run the worker, or --anchor)"
                )
            )
