"""``huying hotline-replies --since DATE --until DATE OUT.xlsx [--as USER]``: write 回传, the
results of the 12345 tickets whose cases ended in the period, in the city platform's shape
(``huying.hotline.replies``). Without ``--as`` every ticket; with it, the account's scope."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError, CommandParser

from huying.core.errors import DomainError
from huying.hotline.replies import all_replies, replies_workbook
from huying.org.actors import actor_for


def _date(text: str) -> dt.date:
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise CommandError(f"日期格式应为 YYYY-MM-DD / not a date: {text}") from None


class Command(BaseCommand):
    help = "导出 12345 工单办理结果回传（XLSX）/ write the 12345 replies of a period"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("out", help="XLSX 路径 / output file")
        parser.add_argument("--since", required=True, help="起始日期 YYYY-MM-DD（含）")
        parser.add_argument("--until", required=True, help="截止日期 YYYY-MM-DD（含）")
        parser.add_argument("--as", dest="username", default="", help="以此账号的范围 / user")

    def handle(self, *args: Any, **options: Any) -> None:
        since, until = _date(options["since"]), _date(options["until"])
        actor = None
        if options["username"]:
            user = get_user_model().objects.filter(username=options["username"]).first()
            if user is None:
                raise CommandError(f"没有此账号 / no such user: {options['username']}")
            actor = actor_for(user)
        count = 0

        def counted() -> Any:
            nonlocal count
            for reply in all_replies(since, until, actor=actor):
                count += 1
                yield reply

        try:
            data = replies_workbook(counted())
        except DomainError as exc:
            raise CommandError(exc.message) from None
        Path(options["out"]).write_bytes(data)
        self.stdout.write(f"已导出 written: {count}")
