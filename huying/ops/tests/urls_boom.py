"""The project's URLs plus two that fail, for the 500 tests."""

from django.http import HttpRequest, HttpResponse
from django.urls import path

from huying.urls import handler500, urlpatterns


def boom(request: HttpRequest) -> HttpResponse:
    raise RuntimeError("the printer caught fire")


urlpatterns = [
    path("boom/", boom),
    path("api/v1/boom", boom),
    *urlpatterns,
]

__all__ = ["handler500", "urlpatterns"]
