from django.urls import path

from huying.cases import phone

app_name = "phone"

urlpatterns = [
    path("", phone.mine, name="mine"),
    path("report", phone.report, name="report"),
    path("track", phone.track, name="track"),
    path("c/<str:number>", phone.case, name="case"),
    path("c/<str:number>/rate", phone.rate, name="rate"),
    path("c/<str:number>/reopen", phone.reopen, name="reopen"),
    path("sw.js", phone.service_worker, name="sw"),
    path("manifest.webmanifest", phone.manifest, name="manifest"),
]
