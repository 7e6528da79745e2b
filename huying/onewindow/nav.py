"""一口受理 under the top bar's 社区治理 menu (``huying.core.navigation``)."""

from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from huying.core.navigation import NavLink, register
from huying.org.models import Role

ROLES = {
    Role.COMMUNITY_STAFF,
    Role.STREET_CALLER,
    Role.STREET_LEADER,
    Role.DEPT_HANDLER,
    Role.DEPT_LEADER,
    Role.ADMIN,
}

register(
    NavLink(
        "onewindow",
        _("一口受理"),
        lambda actor: reverse("onewindow:window") if actor.role in ROLES else None,
        order=101,
        group="community",
    )
)
