from django.urls import path

from huying.grid import views

app_name = "grid"

urlpatterns = [
    path("", views.patrol_home, name="patrol"),
    path("start", views.patrol_start, name="patrol_start"),
    path("<int:patrol_id>/end", views.patrol_end, name="patrol_end"),
    path("<int:patrol_id>/checklist", views.patrol_checklist, name="patrol_checklist"),
    path("<int:patrol_id>/companions", views.companion_add, name="companion_add"),
    path(
        "<int:patrol_id>/companions/<int:companion_id>/remove",
        views.companion_remove,
        name="companion_remove",
    ),
]
