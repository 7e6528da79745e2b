from django.urls import path

from huying.grid import desk_views

app_name = "grids"

urlpatterns = [
    path("patrols/", desk_views.compliance_page, name="compliance"),
    path("patrols/compliance.xlsx", desk_views.compliance_export, name="compliance_xlsx"),
    path("patrols/<int:patrol_id>/", desk_views.patrol_page, name="patrol"),
    path("patrols/<int:patrol_id>/geo", desk_views.patrol_geo, name="patrol_geo"),
    path("<int:grid_id>/", desk_views.grid_page, name="grid"),
    path("<int:grid_id>/duties/add", desk_views.duty_add, name="duty_add"),
    path("<int:grid_id>/duties/<int:duty_id>", desk_views.duty_edit, name="duty_edit"),
]
