from django.urls import URLPattern, path

from huying.reports import circulars

urlpatterns: list[URLPattern] = [
    path("", circulars.circular_list, name="circulars"),
    *(
        path(
            f"<int:circular_id>/{kind}/",
            circulars.circular_download,
            {"kind": kind},
            name=f"circular_{kind}",
        )
        for kind in circulars.FILE_TYPES
    ),
]
