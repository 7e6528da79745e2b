from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class EvaluationConfig(AppConfig):
    name = "huying.evaluation"
    label = "evaluation"
    verbose_name = _("考核评议")

    def ready(self) -> None:
        # The case list (a layer below) narrows to the cases behind an indicator's number.
        from huying.cases.hooks import register_restriction
        from huying.evaluation.drilldown import DrillDown

        register_restriction(DrillDown.parse)
