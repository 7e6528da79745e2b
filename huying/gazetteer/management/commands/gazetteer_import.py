"""``huying gazetteer-import FILE.xlsx [--dry-run] [--errors OUT.xlsx] [--template OUT.xlsx]``:
import the district's gazetteer (地址库导入) from the command line.

Prints what would be (``--dry-run``) or was created, updated, left unchanged and refused;
``--errors`` writes the refused rows as an XLSX to fix and send again. ``--template`` writes
an empty gazetteer to fill in instead.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from huying.core import importplan
from huying.core.errors import DomainError
from huying.gazetteer.importing import error_report, plan_import, read_rows, run_import, template


class Command(BaseCommand):
    help = "导入地址库（XLSX）/ import the address gazetteer"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", nargs="?", default="")
        parser.add_argument("--dry-run", action="store_true", help="只检查，不写入 / check only")
        parser.add_argument("--errors", default="", help="错误报告 XLSX 路径 / error report")
        parser.add_argument("--template", default="", help="写出空白模板 / write a template")

    def handle(self, *args: Any, **options: Any) -> None:
        if options["template"]:
            Path(options["template"]).write_bytes(template())
            self.stdout.write(f"模板 template: {options['template']}")
            return
        if not options["file"]:
            raise CommandError("请给出文件 / give a file (or --template OUT.xlsx)")
        path = Path(options["file"])
        try:
            data = path.read_bytes()
        except OSError as exc:
            raise CommandError(f"无法读取文件 / cannot read {path}: {exc}") from None
        try:
            plan = plan_import(read_rows(data))
            if not options["dry_run"]:
                run_import(plan)
        except DomainError as exc:
            raise CommandError(exc.message) from None
        importplan.tell(self.stdout.write, plan, dry_run=options["dry_run"])
        if options["errors"]:
            Path(options["errors"]).write_bytes(error_report(plan))
