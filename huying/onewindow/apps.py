from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class OneWindowConfig(AppConfig):
    name = "huying.onewindow"
    label = "onewindow"
    verbose_name = _("一口受理")
