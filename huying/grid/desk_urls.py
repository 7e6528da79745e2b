from django.urls import path

from huying.grid import desk_views

app_name = "grids"

urlpatterns = [
    path("patrols/", desk_views.compliance_page, name="compliance"),
    path("patrols/compliance.xlsx", desk_views.compliance_export, name="compliance_xlsx"),
    path("patrols/<int:patrol_id>/", desk_views.patrol_page, name="patrol"),
    path("patrols/<int:patrol_id>/geo", desk_views.patrol_geo, name="patrol_geo"),
    path("duty-template/", desk_views.template_page, name="template"),
    path("duty-template/add", desk_views.template_add, name="template_add"),
    path("duty-template/copy", desk_views.template_copy, name="template_copy"),
    path("duty-template/<int:line_id>", desk_views.template_edit, name="template_edit"),
    path("<int:grid_id>/", desk_views.grid_page, name="grid"),
    path("<int:grid_id>/duties/add", desk_views.duty_add, name="duty_add"),
    path("<int:grid_id>/duties/<int:duty_id>", desk_views.duty_edit, name="duty_edit"),
]
