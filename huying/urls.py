from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path

from huying.api import api
from huying.cases.views import home, landing
from huying.ops.views import healthz, livez, metrics
from huying.org import web
from huying.org.signin_views import SignInView

urlpatterns = [
    # First: a URL is matched against the patterns in order, and the API is what machines
    # call most (the ``include("")`` lists below are walked through for every miss).
    path("api/v1/", api.urls),
    path("", home, name="home"),
    path("start/", landing, name="landing"),
    path("healthz", healthz, name="healthz"),
    path("livez", livez, name="livez"),
    path("metrics", metrics, name="metrics"),
    path("login/", SignInView.as_view(), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("role/", web.role_switch, name="role_switch"),
    # set_language (POST): the top bar's language switcher; the choice lives in a cookie.
    path("i18n/", include("django.conf.urls.i18n")),
    path("cases/", include("huying.cases.urls")),
    # A case's files, scope-checked (nothing is served from MEDIA_URL).
    path("files/", include("huying.cases.file_urls")),
    path("gazetteer/", include("huying.gazetteer.urls")),
    path("grids/", include("huying.grid.desk_urls")),
    path("m/patrol/", include("huying.grid.urls")),
    # 街长制: the public boards and the keepers' pages.
    path("", include("huying.roads.urls")),
    # 社区工作准入: the public certificate list (desk and phone).
    path("", include("huying.access.urls")),
    # 众人议事: the community's desk, the residents' phone pages, the public results.
    path("", include("huying.deliberation.urls")),
    # 十五分钟生活圈: the keepers' pages and the residents' 身边的服务 (/m/nearby).
    path("", include("huying.lifecircle.urls")),
    path("m/informants/", include("huying.grid.informant_urls")),
    path("m/", include("huying.cases.phone_urls")),
    path("reports/", include("huying.reports.urls")),
    path("evaluation/", include("huying.evaluation.urls")),
    path("coordination/", include("huying.coordination.urls")),
    path("onewindow/", include("huying.onewindow.urls")),
    # 志愿服务: the community desk and the volunteers' and requesters' phone pages (/m/volunteers/).
    path("", include("huying.volunteers.urls")),
    # 12345 工单导入 (the hub's).
    path("hotline/", include("huying.hotline.urls")),
    path("manage/catalogue/", include("huying.catalogue.urls")),
    path("manage/org/", include("huying.org.urls")),
    path("manage/calendar/", include("huying.org.calendar_urls")),
    path("admin/", admin.site.urls),
    # Open311 GeoReport v2: its own formats and error list (huying.open311).
    path("open311/v2/", include("huying.open311.urls")),
]

# The 500 page shows the request id; the API answers a 400 or a 500 in JSON (huying.ops.views).
handler500 = "huying.ops.views.server_error"
handler400 = "huying.ops.views.bad_request"
