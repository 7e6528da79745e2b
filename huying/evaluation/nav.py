"""考评 in the top bar of those who rate, appeal or rule (``huying.core.navigation``)."""

from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from huying.core.navigation import NavLink, register

register(
    NavLink(
        "evaluation",
        _("考评"),
        lambda actor: reverse("evaluation:home") if actor.takes_part_in_evaluation else None,
        order=110,
    )
)
