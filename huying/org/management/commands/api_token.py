"""``huying api-token USERNAME``: issue a token for a machine (the API's bearer, Open311's
api_key). The secret is printed once and never stored; the token acts as its holder."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError, CommandParser

from huying.core.errors import DomainError
from huying.org.actors import actor_for
from huying.org.api_auth import token_create
from huying.org.models import Role


class Command(BaseCommand):
    help = (
        "签发接口令牌（API 的 Bearer、Open311 的 api_key），只打印一次 / issue an API token "
        "(the API's bearer, Open311's api_key), printed once"
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("username", help="令牌持有人 / the account the token acts as")
        parser.add_argument("--name", default="", help="用途 / what it is for (default: username)")
        parser.add_argument(
            "--days",
            type=int,
            default=None,
            help=f"有效天数 / days it lives (default HUYING_API_TOKEN_DAYS, "
            f"{settings.HUYING_API_TOKEN_DAYS})",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        user = get_user_model().objects.filter(username=options["username"]).first()
        if user is None or not user.is_active:
            raise CommandError(f"没有可用的账号 / no active account {options['username']!r}")
        days = options["days"]
        if days is not None and not 1 <= days <= 3650:
            raise CommandError("--days 须在 1–3650 之间 / must be 1–3650")
        try:
            actor = actor_for(user)
        except DomainError as exc:  # an account without a role could do nothing with it
            raise CommandError(exc.message) from None
        token, raw = token_create(user=user, name=options["name"] or user.username, days=days)
        self.stdout.write(raw)
        self.stderr.write(
            f"{token.name}: {user.username} · {Role(actor.role).label} / {actor.unit.name}, "
            f"有效期至 expires {token.expires_at:%Y-%m-%d}"
        )
