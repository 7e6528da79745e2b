from django.apps import AppConfig


class GridConfig(AppConfig):
    name = "huying.grid"
    label = "grid"
    verbose_name = "网格巡查"
