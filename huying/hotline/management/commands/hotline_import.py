"""``huying hotline-import FILE --as USER [--source CODE] [--dry-run] [--errors OUT.xlsx]``:
import a 12345 export (工单导入) from the command line, acting as a hub dispatcher's account;
``--source`` reads the file by that source's saved column mapping (default: the common
export's headers).

Prints what would be (``--dry-run``) or was created, updated, left unchanged and refused;
``--errors`` writes the refused rows as an XLSX to fix and send again.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError, CommandParser

from huying.core.errors import DomainError
from huying.hotline.importing import error_report, plan_import, read_rows, run_import
from huying.hotline.models import HotlineSource
from huying.hotline.services import mapping_of
from huying.org.actors import actor_for


class Command(BaseCommand):
    help = "导入 12345 工单（XLSX 或 CSV）/ import 12345 hotline tickets"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file")
        parser.add_argument("--as", dest="username", required=True, help="以此账号导入 / user")
        parser.add_argument("--source", default="", help="来源编码（列对应）/ source code")
        parser.add_argument("--dry-run", action="store_true", help="只检查，不写入 / check only")
        parser.add_argument("--errors", default="", help="错误报告 XLSX 路径 / error report")

    def handle(self, *args: Any, **options: Any) -> None:
        path = Path(options["file"])
        try:
            data = path.read_bytes()
        except OSError as exc:
            raise CommandError(f"无法读取文件 / cannot read {path}: {exc}") from None
        user = get_user_model().objects.filter(username=options["username"]).first()
        if user is None:
            raise CommandError(f"没有此账号 / no such user: {options['username']}")
        source = None
        if options["source"]:
            source = HotlineSource.objects.filter(code=options["source"]).first()
            if source is None:
                raise CommandError(f"没有此来源 / no such source: {options['source']}")
        mapping = mapping_of(source)
        try:
            actor = actor_for(user)
            plan = plan_import(read_rows(data, path.name, mapping), mapping)
            if not options["dry_run"]:
                run_import(plan, actor=actor)
        except DomainError as exc:
            raise CommandError(exc.message) from None
        c = plan.counts()
        verb = "将" if options["dry_run"] else "已"
        self.stdout.write(
            f"{verb}新建 create: {c['create']}  {verb}更新 update: {c['update']}  "
            f"未变 unchanged: {c['unchanged']}  错误 errors: {c['error']}"
        )
        for row in plan.rows:
            for column, message in row.errors:
                self.stdout.write(f"  第 {row.line} 行 {column}: {message}")
        if options["errors"]:
            Path(options["errors"]).write_bytes(error_report(plan))
