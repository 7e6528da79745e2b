from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DeliberationConfig(AppConfig):
    name = "huying.deliberation"
    label = "deliberation"
    verbose_name = _("众人议事")

    def ready(self) -> None:
        # A proposal passed to a department is a case (cases, a layer below): the case page
        # names the proposal and its vote, the proposal links the case.
        from huying.cases.hooks import register_report_details
        from huying.deliberation.selectors import case_details

        register_report_details(case_details)
