"""``huying catalogue-import FILE [--district CODE] [--dry-run] [--name NAME]``: an XLSX
catalogue (the format of ``huying catalogue-export``) as a new draft version of the district
(which may be left out where the installation has one).

All or nothing, like the page: every row is checked, and any problem is printed with its row
and column and nothing is written (exit status 1). ``--dry-run`` checks and prints what
would be created. The draft is then checked and published on /manage/catalogue/. Changes
are logged as the system's.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from huying.catalogue.management.districts import add_district_option, district_named
from huying.catalogue.xlsx import catalogue_import
from huying.core.errors import DomainError


class Command(BaseCommand):
    help = "从 XLSX 导入事项清单为新的草稿版本 / import an XLSX catalogue as a new draft"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", help="XLSX 文件 / the XLSX file")
        add_district_option(parser)
        parser.add_argument(
            "--dry-run", action="store_true", help="只检查，不写入 / check without writing"
        )
        parser.add_argument(
            "--name", default="", help="新版本名称，默认取文件名 / the draft's name (default: file)"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        district = district_named(options["district"])
        path = Path(options["file"])
        try:
            handle = path.open("rb")
        except OSError as exc:
            raise CommandError(f"无法打开文件 cannot open: {exc}") from None
        try:
            with handle:
                result = catalogue_import(
                    actor=None,
                    district=district,
                    file=handle,
                    now=timezone.now(),
                    dry_run=options["dry_run"],
                    name=options["name"],
                    file_name=path.name,
                )
        except DomainError as exc:
            raise CommandError(_explain(exc)) from None
        if result.dry_run:
            verb = "检查通过，未写入 checked, nothing written — 将导入为 would create"
        else:
            verb = "已导入 imported as"
        self.stdout.write(
            f"{verb} 草稿 draft v{result.version}「{result.name}」: "
            f"{len(result.classes)} 类 classes, {result.items} 项 items"
        )
        for klass in result.classes:
            self.stdout.write(f"  {klass.code} {klass.name}: {klass.items}")


def _explain(exc: DomainError) -> str:
    rows = exc.details.get("errors") or []
    lines = [exc.message]
    for e in rows:
        column = f" [{e['column']}]" if e.get("column") else ""
        lines.append(f"  第 {e['row']} 行 row {e['row']}{column}: {e['message']}")
    count = exc.details.get("error_count", 0)
    if count > len(rows):
        lines.append(f"  …… 共 {count} 处 ({count} in all)")
    return "\n".join(lines)
