"""居民议事 under the top bar's 社区治理 menu (``huying.core.navigation``)."""

from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from huying.core.navigation import NavLink, register
from huying.org.models import Role

ROLES = {Role.COMMUNITY_STAFF, Role.STREET_CALLER, Role.STREET_LEADER}

register(
    NavLink(
        "deliberation",
        _("居民议事"),
        lambda actor: reverse("deliberation:desk") if actor.role in ROLES else None,
        order=104,
        group="community",
    )
)
