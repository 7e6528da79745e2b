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
        # 三陪同 (grid, a layer below): a chief's grid worker is one of his segments'.
        from huying.grid.hooks import register_chief_grid_workers
        from huying.roads.selectors import chief_grid_workers

        register_chief_grid_workers(chief_grid_workers)
