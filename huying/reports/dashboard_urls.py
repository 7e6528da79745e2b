from django.urls import path

from huying.reports import dashboards

urlpatterns = [
    path("", dashboards.dashboard, name="dashboard"),
    path("wall/", dashboards.wall, name="wall"),
]
