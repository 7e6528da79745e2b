from django.urls import path

from huying.cases import phone

app_name = "phone"

urlpatterns = [
    path("", phone.mine, name="mine"),
    path("login", phone.phone_login, name="login"),
    path("report", phone.report, name="report"),
    path("fixed", phone.fixed, name="fixed"),
    path("track", phone.track, name="track"),
    path("base.json", phone.base_map, name="base_map"),
    path("where", phone.where, name="where"),
    path("c/<str:number>", phone.case, name="case"),
    path("c/<str:number>/sent", phone.sent, name="sent"),
    path("c/<str:number>/rate", phone.rate, name="rate"),
    path("c/<str:number>/reopen", phone.reopen, name="reopen"),
    path("sw.js", phone.service_worker, name="sw"),
    path("manifest.webmanifest", phone.manifest, name="manifest"),
]
