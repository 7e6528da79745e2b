from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class Open311Config(AppConfig):
    name = "huying.open311"
    label = "open311"
    verbose_name = _("Open311 接口")

    def ready(self) -> None:
        # Refusals at the input door, and the 500 page, in the spec's error list.
        from huying.core.web import register_machine_door
        from huying.open311.formats import PREFIX, error_response

        register_machine_door(PREFIX, error_response)
