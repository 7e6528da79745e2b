from django.urls import path

from huying.org import calendar_views as views

app_name = "workcalendar"

urlpatterns = [
    path("", views.calendar_page, name="page"),
    path("template.xlsx", views.template_download, name="template"),
    path("<int:year>/days", views.day_save, name="day_save"),
    path("<int:year>/days/<str:date>/delete", views.day_delete, name="day_delete"),
    path("<int:year>/confirm", views.year_confirm, name="confirm"),
    path("<int:year>/import", views.calendar_import, name="import"),
]
