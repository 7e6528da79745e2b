"""考评 in the top bar of those who rate, appeal or rule (``huying.core.navigation``)."""

from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from huying.core.navigation import NavLink, register
from huying.evaluation.selectors import takes_part

register(
    NavLink(
        "evaluation",
        _("考评"),
        lambda actor: reverse("evaluation:home") if takes_part(actor) else None,
        order=110,
    )
)
