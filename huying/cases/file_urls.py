from django.urls import path

from huying.cases import file_views

app_name = "files"

urlpatterns = [
    path("<int:attachment_id>", file_views.attachment_file, name="file"),
    path("<int:attachment_id>/thumbnail", file_views.attachment_thumbnail, name="thumbnail"),
]
