from django.urls import path

from huying.roads import views

app_name = "roads"

urlpatterns = [
    # Public: the boards (街长公示栏), no sign-in.
    path("roads/", views.boards, name="boards"),
    path("roads/<int:road_id>/", views.board, name="board"),
    path("roads/<int:road_id>/board.pdf", views.board_pdf, name="board_pdf"),
    # The keepers' pages (street staff too: not the admins' /manage/ back office).
    path("roads/edit/", views.manage, name="manage"),
    path("roads/edit/import", views.segments_import, name="import"),
    path("roads/edit/<int:road_id>/", views.road_page, name="road"),
    path("roads/edit/segments/<int:segment_id>/", views.segment_edit, name="segment"),
    path("roads/edit/segments/<int:segment_id>/people", views.person_add, name="person_add"),
    path("roads/edit/people/<int:person_id>/remove", views.person_remove, name="person_remove"),
]
