from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class VolunteersConfig(AppConfig):
    name = "huying.volunteers"
    label = "volunteers"
    verbose_name = _("志愿服务")

    def ready(self) -> None:
        # An order started from a case (cases, a layer below): the case page lists them.
        from huying.cases.hooks import register_report_details
        from huying.volunteers.selectors import case_details

        register_report_details(case_details)
