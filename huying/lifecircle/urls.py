from django.urls import path

from huying.lifecircle import views

app_name = "lifecircle"

urlpatterns = [
    path("lifecircle/", views.manage, name="manage"),
    path("lifecircle/points/<int:point_id>/", views.point_edit, name="point"),
    path("lifecircle/points/<int:point_id>/delete", views.point_delete, name="point_delete"),
    path("lifecircle/coverage/", views.coverage_page, name="coverage"),
    path(
        "lifecircle/coverage/<int:community_id>/",
        views.coverage_community,
        name="coverage_community",
    ),
    path("lifecircle/kinds/", views.kinds_page, name="kinds"),
    # 身边的服务: the residents' phone page, no sign-in.
    path("m/nearby", views.nearby, name="nearby"),
]
