"""统计 in the top bar: the dashboard where the role has one, else the indicator tables
(``huying.core.navigation``)."""

from typing import Any

from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from huying.core.navigation import NavLink, register
from huying.org.models import Role


def _target(actor: Any) -> str | None:
    if actor.role == Role.RESIDENT:
        return None
    return reverse("reports:dashboard" if actor.has_dashboard else "reports:indicators")


register(NavLink("reports", _("统计"), _target, order=70))
