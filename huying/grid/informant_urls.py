from django.urls import path

from huying.grid import informant_views as views

app_name = "informants"

urlpatterns = [
    path("", views.informant_list, name="list"),
    path("enrol", views.informant_enrol, name="enrol"),
    path("<int:grant_id>/active", views.informant_toggle, name="toggle"),
]
