"""Template context: the roles with a 生活圈 link in the top bar, and those who keep points."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest

from huying.lifecircle.rules import COVERAGE_ROLES, EDITOR_ROLES


def lifecircle_context(request: HttpRequest) -> dict[str, Any]:
    return {"lifecircle_roles": COVERAGE_ROLES, "lifecircle_editor_roles": EDITOR_ROLES}
