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

        from django.db.models.signals import post_delete, post_save

        from huying.integrations.models import WebhookSubscription
        from huying.integrations.webhooks import subscriptions_remembered
        from huying.org.models import RoleGrant

        for model in (WebhookSubscription, RoleGrant):
            for signal in (post_save, post_delete):
                signal.connect(
                    subscriptions_remembered.forget,
                    sender=model,
                    dispatch_uid=f"webhooks-{model.__name__}-{signal is post_save}",
                )
