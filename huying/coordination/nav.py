"""会商执法 in the top bar of those who may read it (``huying.core.navigation``)."""

from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from huying.coordination.selectors import READER_ROLES
from huying.core.navigation import NavLink, register

register(
    NavLink(
        "coordination",
        _("会商执法"),
        lambda actor: reverse("coordination:home") if actor.role in READER_ROLES else None,
        order=90,
    )
)
