"""Template context: the roles with a 志愿服务 link in the top bar."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest

from huying.volunteers.rules import DESK_ROLES


def volunteers_context(request: HttpRequest) -> dict[str, Any]:
    return {"volunteer_roles": DESK_ROLES}
