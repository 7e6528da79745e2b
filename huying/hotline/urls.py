from django.urls import path

from huying.hotline import views

app_name = "hotline"

urlpatterns = [
    path("replies/", views.replies, name="replies"),
]
