from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class GazetteerConfig(AppConfig):
    name = "huying.gazetteer"
    label = "gazetteer"
    verbose_name = _("地址库")
