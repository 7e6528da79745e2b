from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AccessConfig(AppConfig):
    name = "huying.access"
    label = "access"
    verbose_name = _("社区工作准入")
