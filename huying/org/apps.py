from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class OrgConfig(AppConfig):
    name = "huying.org"
    label = "org"
    verbose_name = _("组织与网格")

    def ready(self) -> None:
        from huying.core.notify import register_role_defaults
        from huying.org.selectors import notify_defaults

        register_role_defaults(notify_defaults)
