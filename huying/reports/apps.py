from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ReportsConfig(AppConfig):
    name = "huying.reports"
    label = "reports"
    verbose_name = _("统计报表")

    def ready(self) -> None:
        # The street home (a layer below) reads its breakdowns' totals from the rollups.
        from huying.cases import hooks
        from huying.reports.homes import street_totals

        hooks.register_street_totals(street_totals)
