"""居民议事 under the top bar's 社区治理 menu, for those who read the desk
(``rules.READER_ROLES``; ``huying.core.navigation``)."""

from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from huying.core.navigation import NavLink, register
from huying.deliberation.rules import READER_ROLES

register(
    NavLink(
        "deliberation",
        _("居民议事"),
        lambda actor: reverse("deliberation:desk") if actor.role in READER_ROLES else None,
        order=104,
        group="community",
    )
)
