"""街长制 in the top bar of those who keep a street's roads (``huying.core.navigation``)."""

from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from huying.core.navigation import NavLink, register
from huying.roads.services import ROAD_KEEPERS

register(
    NavLink(
        "roads",
        _("街长制"),
        lambda actor: reverse("roads:manage") if actor.role in ROAD_KEEPERS else None,
        order=120,
    )
)
