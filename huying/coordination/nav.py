"""会商执法 in the top bar of the streets, the hub and the district (``huying.core.navigation``)."""

from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from huying.core.navigation import NavLink, register
from huying.org.models import Role

ROLES = {
    Role.STREET_CALLER,
    Role.STREET_LEADER,
    Role.HUB_DISPATCHER,
    Role.HUB_SUPERVISOR,
    Role.DISTRICT_LEADER,
}

register(
    NavLink(
        "coordination",
        _("会商执法"),
        lambda actor: reverse("coordination:home") if actor.role in ROLES else None,
        order=90,
    )
)
