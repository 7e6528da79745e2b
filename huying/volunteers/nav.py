"""志愿服务 under the top bar's 社区治理 menu (``huying.core.navigation``)."""

from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from huying.core.navigation import NavLink, register
from huying.volunteers.rules import DESK_ROLES

register(
    NavLink(
        "volunteers",
        _("志愿服务"),
        lambda actor: reverse("volunteers:desk") if actor.role in DESK_ROLES else None,
        order=103,
        group="community",
    )
)
