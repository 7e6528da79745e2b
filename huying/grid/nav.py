"""巡查 in the top bar for territorial staff and the district (``huying.core.navigation``)."""

from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from huying.core.navigation import NavLink, register

register(
    NavLink(
        "patrols",
        _("巡查"),
        lambda actor: reverse("grids:compliance") if actor.follows_patrols else None,
        order=60,
    )
)
