"""The hub's 待定位 queue in the top bar (``huying.core.navigation``)."""

from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from huying.core.navigation import NavLink, register
from huying.org.models import Role

register(
    NavLink(
        "unplaced",
        _("待定位"),
        lambda actor: (
            reverse("gazetteer:unplaced")
            if actor.role in {Role.HUB_DISPATCHER, Role.HUB_SUPERVISOR}
            else None
        ),
        order=40,
    )
)
