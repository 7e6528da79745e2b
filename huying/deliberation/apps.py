from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DeliberationConfig(AppConfig):
    name = "huying.deliberation"
    label = "deliberation"
    verbose_name = _("众人议事")
