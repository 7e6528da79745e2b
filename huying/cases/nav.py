"""The top bar's 工作台, 事件, 地图 and, for field staff, 手机端 (``huying.core.navigation``)."""

from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from huying.core.navigation import NavLink, register

register(
    NavLink("home", _("工作台"), lambda actor: reverse("home"), order=10),
    NavLink("cases", _("事件"), lambda actor: reverse("cases:list"), order=20),
    NavLink("map", _("地图"), lambda actor: reverse("cases:map"), order=30),
    NavLink(
        "phone",
        _("手机端"),
        lambda actor: reverse("phone:mine") if actor.works_in_the_field else None,
        order=50,
    ),
)
