"""一口受理 under the top bar's 社区治理 menu (``huying.core.navigation``)."""

from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from huying.core.navigation import NavLink, register
from huying.onewindow.rules import DESK_ROLES

register(
    NavLink(
        "onewindow",
        _("一口受理"),
        lambda actor: reverse("onewindow:window") if actor.role in DESK_ROLES else None,
        order=101,
        group="community",
    )
)
