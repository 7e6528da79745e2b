from django.urls import path

from huying.deliberation import views

app_name = "deliberation"

urlpatterns = [
    path("deliberation/", views.desk, name="desk"),
    path("deliberation/proposals/<int:proposal_id>/", views.proposal, name="proposal"),
    path(
        "deliberation/recognitions/<int:recognition_id>/decide",
        views.recognition_decide,
        name="recognition_decide",
    ),
    path("deliberation/photos/<int:photo_id>", views.photo, name="photo"),
    path("deliberation/update-photos/<int:photo_id>", views.update_photo, name="update_photo"),
    # Public: a community's published results, no sign-in.
    path("deliberation/public/<int:community_id>/", views.public, name="public"),
    path("m/deliberation/", views.phone_home, name="phone_home"),
    path("m/deliberation/new", views.phone_propose, name="phone_propose"),
    path("m/deliberation/projects", views.phone_projects, name="phone_projects"),
    path("m/deliberation/<int:proposal_id>/", views.phone_proposal, name="phone_proposal"),
]
