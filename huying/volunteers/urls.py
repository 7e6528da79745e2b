from django.urls import path

from huying.volunteers import views

app_name = "volunteers"

urlpatterns = [
    # The community desk, the figures (rankings, the monthly report, 双报到).
    path("volunteers/", views.desk, name="desk"),
    path("volunteers/orders/<int:order_id>/", views.order, name="order"),
    path("volunteers/orders/<int:order_id>/<str:action>", views.order_action, name="order_action"),
    path("volunteers/people/", views.people, name="people"),
    path("volunteers/people/<int:volunteer_id>/", views.person, name="person"),
    path("volunteers/people/<int:volunteer_id>/decide", views.person_decide, name="person_decide"),
    path("volunteers/people/<int:volunteer_id>/correct", views.person_correct, name="correct"),
    path("volunteers/cases/", views.case_lookup, name="case_lookup"),
    path("volunteers/cases/<int:case_id>/", views.case_orders, name="case_orders"),
    path("volunteers/teams/new", views.team_new, name="team_new"),
    path("volunteers/rankings/", views.rankings, name="rankings"),
    path("volunteers/report/", views.report, name="report"),
    path("volunteers/report.xlsx", views.report_xlsx, name="report_xlsx"),
    path("volunteers/employers.xlsx", views.employers_xlsx, name="employers_xlsx"),
    # Phone: volunteers (available orders, mine, check-in/out, points) and requesters.
    path("m/volunteers/", views.phone_home, name="phone"),
    path("m/volunteers/apply", views.phone_apply, name="phone_apply"),
    path("m/volunteers/post", views.phone_post, name="phone_post"),
    path("m/volunteers/points", views.phone_points, name="phone_points"),
    path("m/volunteers/orders/<int:order_id>/", views.phone_order, name="phone_order"),
]
