from django.urls import path

from huying.cases import views

app_name = "cases"

urlpatterns = [
    path("", views.case_list, name="list"),
    path("<int:case_id>/", views.case_detail, name="detail"),
    path("<int:case_id>/act/<slug:action>", views.case_act, name="act"),
    path(
        "assignments/<int:assignment_id>/act/<slug:action>",
        views.assignment_act,
        name="assignment_act",
    ),
]
