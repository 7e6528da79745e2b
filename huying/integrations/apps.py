from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class IntegrationsConfig(AppConfig):
    name = "huying.integrations"
    label = "integrations"
    verbose_name = _("对接其他系统")

    def ready(self) -> None:
        from huying.cases import hooks
        from huying.integrations.webhooks import enqueue_deliveries, enqueue_many_deliveries

        hooks.register_event_listener(enqueue_deliveries, many=enqueue_many_deliveries)
