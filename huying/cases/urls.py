from django.urls import path

from huying.cases import document_views, inbox_views, map_views, views, warning_views

app_name = "cases"

urlpatterns = [
    path("", views.case_list, name="list"),
    path("<int:case_id>/", views.case_detail, name="detail"),
    path("<int:case_id>/geo.json", map_views.case_geo, name="geo"),
    path("map/", map_views.case_map, name="map"),
    path("inbox/", inbox_views.inbox_page, name="inbox"),
    path("inbox/badge", inbox_views.inbox_badge, name="inbox_badge"),
    path("inbox/read", inbox_views.inbox_read, name="inbox_read"),
    path("inbox/settings/", inbox_views.inbox_settings, name="inbox_settings"),
    path("warnings/", warning_views.warning_list, name="warnings"),
    path("warnings/export.xlsx", warning_views.warning_export, name="warnings_export"),
    path("warnings/systemic", warning_views.open_systemic, name="open_systemic"),
    path("map/points.json", map_views.map_points, name="map_points"),
    path("map/grids.json", map_views.map_grids, name="map_grids"),
    path("map/warnings.json", map_views.map_warnings, name="map_warnings"),
    path("<int:case_id>/act/<slug:action>", views.case_act, name="act"),
    path("<int:case_id>/call-sheet/", document_views.call_sheet, name="call_sheet"),
    path("<int:case_id>/call-sheet.pdf", document_views.call_sheet_pdf, name="call_sheet_pdf"),
    path("export/", document_views.case_export, name="export"),
    path("exports/<int:export_id>/", document_views.export_status, name="export_status"),
    path(
        "exports/<int:export_id>/download/",
        document_views.export_download,
        name="export_download",
    ),
    path(
        "assignments/<int:assignment_id>/act/<slug:action>",
        views.assignment_act,
        name="assignment_act",
    ),
]
