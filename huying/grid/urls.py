from django.urls import path

from huying.grid import views

app_name = "grid"

urlpatterns = [
    path("", views.patrol_home, name="patrol"),
    path("start", views.patrol_start, name="patrol_start"),
    path("<int:patrol_id>/end", views.patrol_end, name="patrol_end"),
]
