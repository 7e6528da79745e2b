"""Who is calling, remembered for a few seconds: the bearer token with its owner, and the
role grant a person acts under.

Every API request used to resolve both with a SELECT each, and building those two queries
cost more worker CPU than an intake's own writes. The answers change only when a token is
revoked or created, a password or a person's active flag changes, a role grant is granted,
edited or withdrawn, or a unit (whose path is a role's data scope) changes; each of those
forgets them all at once (``huying.core.remembered``), in this process at once and in the
others within ``HUYING_AUTH_CACHE_SECONDS`` (at once with a shared cache such as Redis).
"""

from __future__ import annotations

from typing import Any

from huying.core.remembered import Remembered

auth = Remembered("org:auth", "HUYING_AUTH_CACHE_SECONDS")


def auth_changed(**_: Any) -> None:
    auth.forget()


def user_saved(update_fields: frozenset[str] | None = None, **kwargs: Any) -> None:
    """A sign-in writes only ``last_login``: that changes nobody's rights."""
    if update_fields is not None and set(update_fields) <= {"last_login"}:
        return
    auth_changed()
