"""生活圈 under the top bar's 社区治理 menu: the points for those who keep them, coverage for
the others who read it (``huying.core.navigation``)."""

from typing import Any

from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from huying.core.navigation import NavLink, register
from huying.lifecircle.rules import COVERAGE_ROLES, EDITOR_ROLES


def _target(actor: Any) -> str | None:
    if actor.role not in COVERAGE_ROLES:
        return None
    return reverse("lifecircle:manage" if actor.role in EDITOR_ROLES else "lifecircle:coverage")


register(NavLink("lifecircle", _("生活圈"), _target, order=105, group="community"))
