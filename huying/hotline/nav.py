"""12345工单 in the hub's top bar (``huying.core.navigation``)."""

from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from huying.core.navigation import NavLink, register

register(
    NavLink(
        "hotline",
        _("12345工单"),
        lambda actor: reverse("hotline:imports") if actor.in_hub else None,
        order=80,
    )
)
