"""/reports/: dashboards (dashboards.py), indicator tables and rankings (tables.py), the
monthly circular (circulars.py), a meeting's minutes (minutes.py). Each part keeps its own
url list."""

from django.urls import include, path

from huying.reports import circular_urls, coverage_views, dashboard_urls, minutes, table_urls

app_name = "reports"

urlpatterns = [
    path("", include(dashboard_urls)),
    path("indicators/", include(table_urls)),
    path("circulars/", include(circular_urls)),
    *(
        path(
            f"minutes/<int:meeting_id>/{kind}/",
            minutes.minutes_download,
            {"kind": kind},
            name=f"minutes_{kind}",
        )
        for kind in ("docx", "pdf")
    ),
    path("coverage/", coverage_views.coverage_page, name="coverage"),
    path("coverage/export/", coverage_views.coverage_export, name="coverage_export"),
]
