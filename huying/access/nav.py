"""社区准入 under the top bar's 社区治理 menu: a community's received tasks, everyone else's
figures (``huying.core.navigation``)."""

from typing import Any

from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from huying.access.rules import PAGE_ROLES
from huying.core.navigation import NavLink, register
from huying.org.models import Role


def _target(actor: Any) -> str | None:
    if actor.role not in PAGE_ROLES:
        return None
    if actor.role in {Role.COMMUNITY_STAFF, Role.GRID_LEADER}:
        return reverse("access:tasks")
    return reverse("access:figures")


register(NavLink("access", _("社区准入"), _target, order=102, group="community"))
