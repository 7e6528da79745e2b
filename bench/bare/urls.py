from django.urls import include, path

from bench.bare.views import bare_insert

urlpatterns = [
    path("api/v1/bench/bare-insert", bare_insert),
    path("", include("huying.urls")),
]
