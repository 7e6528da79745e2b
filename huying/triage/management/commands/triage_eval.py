import json
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from huying.catalogue.management.districts import add_district_option, district_named
from huying.catalogue.models import CatalogueItem
from huying.core.errors import DomainError
from huying.triage.evaluation import FOLDS, Report, evaluate, read_labelled

HEADS = ("top1", "top3", "level", "department", "all_three")


class Command(BaseCommand):
    help = (
        "用标注过的反映评估研判建议（k 折交叉验证与冷启动）/ measure the triage suggestion "
        "on labelled reports: k-fold cross-validation, and the cold start apart"
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", help="JSONL 或 XLSX / JSONL or XLSX of labelled reports")
        parser.add_argument(
            "--catalogue",
            type=int,
            metavar="VERSION",
            help="用哪一版清单（默认现行版）/ catalogue version (default: the current one)",
        )
        add_district_option(parser)
        parser.add_argument("--folds", type=int, default=FOLDS)
        parser.add_argument(
            "--detail",
            action="store_true",
            help="逐事项列出 / a row per item as well",
        )
        parser.add_argument("--json", action="store_true", help="JSON 输出 / print JSON")

    def handle(self, *args: Any, **options: Any) -> None:
        district = district_named(options["district"])
        items = (
            CatalogueItem.objects.filter(klass__catalogue__district=district)
            .select_related("lead_department")
            .prefetch_related("co_departments")
        )
        if options["catalogue"] is not None:
            items = items.filter(klass__catalogue__version=options["catalogue"])
        else:
            items = items.filter(klass__catalogue__is_current=True)
        chosen = list(items)
        if not chosen:
            raise CommandError("清单中没有事项 / the catalogue has no items")
        if options["folds"] < 2:
            raise CommandError("--folds 至少为 2 / at least 2 folds")
        try:
            labelled = read_labelled(Path(options["file"]))
            reports = evaluate(labelled, chosen, k=options["folds"])
        except (DomainError, OSError) as exc:
            raise CommandError(str(exc)) from None
        if options["json"]:
            self.stdout.write(
                json.dumps({k: r.as_dict() for k, r in reports.items()}, ensure_ascii=False)
            )
            return
        self.stdout.write(f"{len(labelled)} 条标注 / labelled reports, {len(chosen)} 个事项 items")
        for name, title in (
            ("kfold", f"{options['folds']} 折交叉验证 / k-fold"),
            ("cold", "冷启动 / cold start"),
        ):
            self.stdout.write(f"\n## {title}")
            self.table(reports[name], detail=options["detail"])

    def table(self, report: Report, *, detail: bool) -> None:
        self.stdout.write(f"{'':14}{'n':>6}" + "".join(f"{h:>11}" for h in HEADS))
        rows: list[tuple[str, Any]] = [("all", report.overall)]
        rows += [(f"level {k}", t) for k, t in sorted(report.by_level.items())]
        rows += [(k, t) for k, t in sorted(report.by_source.items())]
        if detail:
            rows += [(k, t) for k, t in sorted(report.by_item.items())]
        for label, tally in rows:
            rates = tally.rates()
            self.stdout.write(
                f"{label:14}{tally.n:>6}" + "".join(f"{100 * rates[h]:>10.1f}%" for h in HEADS)
            )
