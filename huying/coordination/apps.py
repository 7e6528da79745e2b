from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CoordinationConfig(AppConfig):
    name = "huying.coordination"
    label = "coordination"
    verbose_name = _("会商与联合执法")
