"""/open311/v2/: GeoReport v2, every resource as ``.json`` or ``.xml``."""

from django.urls import path, re_path, register_converter

from huying.open311 import views


class Format:
    regex = "json|xml"

    def to_python(self, value: str) -> str:
        return value

    def to_url(self, value: str) -> str:
        return value


register_converter(Format, "fmt")

app_name = "open311"
urlpatterns = [
    path("", views.discovery, name="root"),
    path("discovery.<fmt:fmt>", views.discovery, name="discovery"),
    path("services.<fmt:fmt>", views.service_list, name="services"),
    path("services/<str:code>.<fmt:fmt>", views.service_definition, name="service"),
    path("requests.<fmt:fmt>", views.requests, name="requests"),
    path("requests/<str:number>.<fmt:fmt>", views.request_detail, name="request"),
    path("tokens/<str:token>.<fmt:fmt>", views.token, name="token"),
    path("media/<str:token>/<int:attachment_id>", views.media, name="media"),
    re_path(r"^(?P<rest>.*)$", views.unknown),
]
