"""管理 (the back office: catalogue, organisation, calendar) in the top bar of those who may
manage (``huying.core.navigation``)."""

from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from huying.core.navigation import NavLink, register

register(
    NavLink(
        "manage",
        _("管理"),
        lambda actor: reverse("catalogue:versions") if actor.can_manage else None,
        order=130,
    )
)
