from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class TriageConfig(AppConfig):
    name = "huying.triage"
    label = "triage"
    verbose_name = _("研判建议")

    def ready(self) -> None:
        from huying.cases import hooks
        from huying.triage.suggest import suggest_current

        hooks.register_suggester(suggest_current)
