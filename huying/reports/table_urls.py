"""/reports/indicators/: the indicator tables (指标) and the rankings (排名)."""

from django.urls import path

from huying.reports import tables

urlpatterns = [
    path("", tables.indicators, name="indicators"),
    path("export/", tables.indicators_export, name="indicators_export"),
    path("rankings/", tables.rankings, name="rankings"),
    path("rankings/export/", tables.rankings_export, name="rankings_export"),
]
