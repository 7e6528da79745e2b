from django.urls import path

from huying.hotline import views

app_name = "hotline"

urlpatterns = [
    path("imports/", views.imports, name="imports"),
    path("imports/<int:import_id>/", views.import_detail, name="import"),
    path("imports/<int:import_id>/confirm/", views.import_confirm, name="import_confirm"),
    path("imports/<int:import_id>/errors.xlsx", views.import_errors, name="import_errors"),
    path("sources/", views.sources, name="sources"),
    path("sources/<int:source_id>/", views.source_mapping, name="source"),
    path("replies/", views.replies, name="replies"),
]
