from django.urls import path

from huying.roads import views

app_name = "roads"

urlpatterns = [
    # Public: the boards (街长公示栏), no sign-in.
    path("roads/", views.boards, name="boards"),
    path("roads/<int:road_id>/", views.board, name="board"),
    path("roads/<int:road_id>/board.pdf", views.board_pdf, name="board_pdf"),
    # The keepers' pages.
    path("manage/roads/", views.manage, name="manage"),
    path("manage/roads/import", views.segments_import, name="import"),
    path("manage/roads/<int:road_id>/", views.road_page, name="road"),
    path("manage/roads/segments/<int:segment_id>/", views.segment_edit, name="segment"),
    path("manage/roads/segments/<int:segment_id>/people", views.person_add, name="person_add"),
    path("manage/roads/people/<int:person_id>/remove", views.person_remove, name="person_remove"),
]
