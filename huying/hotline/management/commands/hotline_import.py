"""``huying hotline-import FILE --as USER [--source CODE] [--dry-run] [--errors OUT.xlsx]
[--bulk]``: import a 12345 export (工单导入) from the command line, acting as a hub
dispatcher's account; ``--source`` reads the file by that source's saved column mapping
(default: the common export's headers).

``--bulk`` takes the bulk path (``huying.hotline.bulk``): the file is streamed, with no limit
on its rows, and written with COPY and set-based statements on PostgreSQL.

Prints what would be (``--dry-run``) or was created, updated, left unchanged and refused;
``--errors`` writes the refused rows as an XLSX to fix and send again.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError, CommandParser

from huying.core import importplan
from huying.core.errors import DomainError
from huying.hotline.bulk import bulk_import
from huying.hotline.importing import Plan, error_report, plan_import, read_rows, run_import
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
        parser.add_argument(
            "--bulk", action="store_true", help="大批量导入（流式读取）/ bulk path, streamed"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        path = Path(options["file"])
        if options["bulk"]:
            self._bulk(path, options)
            return
        try:
            data = path.read_bytes()
        except OSError as exc:
            raise CommandError(f"无法读取文件 / cannot read {path}: {exc}") from None
        user = self._user(options)
        mapping = self._mapping(options)
        try:
            actor = actor_for(user)
            plan = plan_import(read_rows(data, path.name, mapping), mapping)
            if not options["dry_run"]:
                run_import(plan, actor=actor)
        except DomainError as exc:
            raise CommandError(exc.message) from None
        self._report(plan, options)

    def _user(self, options: dict[str, Any]) -> Any:
        user = get_user_model().objects.filter(username=options["username"]).first()
        if user is None:
            raise CommandError(f"没有此账号 / no such user: {options['username']}")
        return user

    def _mapping(self, options: dict[str, Any]) -> dict[str, str]:
        source = None
        if options["source"]:
            source = HotlineSource.objects.filter(code=options["source"]).first()
            if source is None:
                raise CommandError(f"没有此来源 / no such source: {options['source']}")
        return mapping_of(source)

    def _bulk(self, path: Path, options: dict[str, Any]) -> None:
        if not path.is_file():
            raise CommandError(f"无法读取文件 / cannot read {path}")
        user = self._user(options)
        try:
            result = bulk_import(
                path,
                actor=actor_for(user),
                dry_run=options["dry_run"],
                mapping=self._mapping(options),
            )
        except DomainError as exc:
            raise CommandError(exc.message) from None
        self._report(result.plan(), options, counts=result.counts())
        self.stdout.write(
            f"读取校验 parse: {result.parse_seconds:.1f} s  "
            f"封存事件 build: {result.build_seconds:.1f} s  "
            f"数据库 database: {result.db_seconds:.1f} s"
        )

    def _report(
        self, plan: Plan, options: dict[str, Any], counts: dict[str, int] | None = None
    ) -> None:
        importplan.tell(self.stdout.write, plan, dry_run=options["dry_run"], counts=counts)
        if options["errors"]:
            Path(options["errors"]).write_bytes(error_report(plan))
