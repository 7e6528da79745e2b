from django.urls import path

from huying.gazetteer import views

app_name = "gazetteer"

urlpatterns = [
    path("unplaced/", views.unplaced_queue, name="unplaced"),
    path("unplaced/<int:case_id>/place", views.unplaced_place, name="place"),
    path("manage/", views.entries, name="entries"),
    path("manage/template.xlsx", views.entries_template, name="template"),
    path("manage/errors.xlsx", views.entries_errors, name="errors"),
]
