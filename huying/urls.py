from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path

from huying.api import api
from huying.core import web
from huying.core.views import home
from huying.org.signin_views import SignInView

urlpatterns = [
    path("", home, name="home"),
    path("login/", SignInView.as_view(), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("role/", web.role_switch, name="role_switch"),
    # set_language (POST): the top bar's language switcher; the choice lives in a cookie.
    path("i18n/", include("django.conf.urls.i18n")),
    path("cases/", include("huying.cases.urls")),
    path("m/patrol/", include("huying.grid.urls")),
    path("m/", include("huying.cases.phone_urls")),
    path("reports/", include("huying.reports.urls")),
    path("evaluation/", include("huying.evaluation.urls")),
    path("manage/catalogue/", include("huying.catalogue.urls")),
    path("manage/org/", include("huying.org.urls")),
    path("manage/calendar/", include("huying.core.calendar_urls")),
    path("admin/", admin.site.urls),
    path("api/v1/", api.urls),
]
