from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CoreConfig(AppConfig):
    name = "huying.core"
    label = "core"
    verbose_name = _("基础")

    def ready(self) -> None:
        from django.core.checks import register

        from huying.core import checks  # noqa: F401  (registers the start-up checks)
        from huying.core.trailkey import check_trail_key

        register(check_trail_key)

        from huying.core.navigation import discover

        discover()  # every app's top-bar links (``huying.core.navigation``)
