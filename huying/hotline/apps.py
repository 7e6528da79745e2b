from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class HotlineConfig(AppConfig):
    name = "huying.hotline"
    label = "hotline"
    verbose_name = _("12345工单")

    def ready(self) -> None:
        from huying.cases import hooks
        from huying.hotline import casework

        hooks.register_suggestion_context(casework.suggestion_context)
        hooks.register_case_marks(casework.case_marks)
        hooks.register_urgency(casework.urgent_ticket)
        hooks.register_report_details(casework.report_details)
