from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class LifeCircleConfig(AppConfig):
    name = "huying.lifecircle"
    label = "lifecircle"
    verbose_name = _("十五分钟生活圈")
