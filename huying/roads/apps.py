from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class RoadsConfig(AppConfig):
    name = "huying.roads"
    label = "roads"
    verbose_name = _("街长制")

    def ready(self) -> None:
        # The phone report (cases, a layer below) takes a board's QR link: the segment is
        # preset on the form and recorded with the case; the case page names it.
        from huying.cases.hooks import register_report_details, register_report_preset
        from huying.roads.services import SEGMENT_PRESET, segment_details

        register_report_preset(SEGMENT_PRESET)
        register_report_details(segment_details)
