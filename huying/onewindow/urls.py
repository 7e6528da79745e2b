from django.urls import path

from huying.onewindow import views

app_name = "onewindow"

urlpatterns = [
    path("", views.window, name="window"),
    path("applications/<int:application_id>/", views.application, name="application"),
    path("applications/<int:application_id>/pass/", views.application_pass, name="pass"),
    path(
        "applications/<int:application_id>/handover/",
        views.application_handover,
        name="handover",
    ),
    path("applications/<int:application_id>/decide/", views.application_decide, name="decide"),
    path("calls/", views.calls, name="calls"),
    path("roster/", views.roster, name="roster"),
    path("qualifications/", views.qualifications, name="qualifications"),
    path("items/", views.manage_items, name="manage_items"),
    path("items/<int:item_id>/", views.manage_item, name="manage_item"),
    path("photos/<int:photo_id>/", views.photo, name="photo"),
    path("m/", views.items, name="items"),
    path("m/items/<int:item_id>/", views.item, name="item"),
    path("m/track", views.lookup, name="lookup"),
]
