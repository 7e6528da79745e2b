from django.urls import path

from huying.org import signin_views, views

app_name = "org"

urlpatterns = [
    path("", views.org_index, name="index"),
    path("departments/", views.department_list, name="departments"),
    path("departments/<int:unit_id>/", views.department_edit, name="department"),
    path(
        "departments/<int:unit_id>/field-units/new",
        views.field_unit_create,
        name="field_unit_create",
    ),
    path("grids/", views.grid_list, name="grids"),
    path("grids/<int:grid_id>/", views.grid_edit, name="grid"),
    path("sign-ins/", signin_views.signin_log, name="signins"),
    path("sign-ins/unlock", signin_views.signin_unlock, name="signin_unlock"),
]
