from django.urls import path

from huying.coordination import views

app_name = "coordination"

urlpatterns = [
    path("", views.home, name="home"),
    path("meetings/new/", views.meeting_new, name="meeting_new"),
    path("meetings/<int:meeting_id>/", views.meeting_detail, name="meeting"),
    path("meetings/<int:meeting_id>/agenda/", views.agenda_edit, name="agenda"),
    path(
        "meetings/<int:meeting_id>/items/<int:item_id>/decide/",
        views.meeting_decide,
        name="decide",
    ),
    path("operations/new/", views.operation_new, name="operation_new"),
    path("operations/<int:operation_id>/", views.operation_detail, name="operation"),
    path("operations/<int:operation_id>/photos/", views.operation_photos, name="operation_photos"),
    path("photos/<int:photo_id>/", views.operation_photo, name="photo"),
]
