from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class Open311Config(AppConfig):
    name = "huying.open311"
    label = "open311"
    verbose_name = _("Open311 接口")

    def ready(self) -> None:
        # Refusals at the input door, and the 500 page, in the spec's error list.
        from huying.cases.hooks import register_report_details, register_reporter_contacts
        from huying.core.web import register_machine_door
        from huying.open311.formats import PREFIX, error_response
        from huying.open311.selectors import report_details, reporter_contacts

        register_machine_door(PREFIX, error_response)
        # The staff see the e-mail an Open311 client passed beside the reporter's phone.
        register_reporter_contacts(reporter_contacts)
        # The answers to the service's attributes, under the report's description.
        register_report_details(report_details)
