"""街长制 in the top bar of the street and its grid centre (``huying.core.navigation``)."""

from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from huying.core.navigation import NavLink, register
from huying.org.models import Role

ROLES = {Role.STREET_CALLER, Role.STREET_LEADER, Role.GRID_CENTRE}

register(
    NavLink(
        "roads",
        _("街长制"),
        lambda actor: reverse("roads:manage") if actor.role in ROLES else None,
        order=120,
    )
)
