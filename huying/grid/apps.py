from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class GridConfig(AppConfig):
    name = "huying.grid"
    label = "grid"
    verbose_name = _("网格巡查")

    def ready(self) -> None:
        # The phone pages (cases, a layer below) show a field worker's patrol and file its
        # findings.
        from huying.cases.hooks import register_patrols
        from huying.grid.selectors import open_patrol
        from huying.grid.services import patrol_report

        register_patrols(open_patrol=open_patrol, report_finding=patrol_report)
