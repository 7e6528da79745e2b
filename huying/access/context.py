"""Template context: the roles with a 社区准入 link in the top bar."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest

from huying.access.rules import PAGE_ROLES


def access_context(request: HttpRequest) -> dict[str, Any]:
    return {"access_roles": PAGE_ROLES}
