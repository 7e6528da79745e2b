"""/evaluation/: 逆向评议, 申诉与裁定, 年度评议 and 群众评价 pages."""

from django.urls import path

from huying.evaluation import views

app_name = "evaluation"

urlpatterns = [
    path("", views.home, name="home"),
    path("due/", views.due, name="due"),
    path("rate/<int:case_id>/<int:department_id>/", views.rate, name="rate"),
    path("given/", views.given, name="given"),
    path("received/", views.received, name="received"),
    path("appeals/", views.appeals, name="appeals"),
    path("ratings/<int:rating_id>/", views.rating_detail, name="rating"),
    path("ratings/<int:rating_id>/correct", views.rating_correct, name="correct"),
    path("ratings/<int:rating_id>/appeal", views.rating_appeal, name="appeal"),
    path("ratings/<int:rating_id>/rule", views.rating_rule, name="rule"),
    path("annual/", views.annual, name="annual"),
    path("survey/", views.survey, name="survey"),
    path("survey/form/", views.survey_form, name="survey_form"),
    path("survey/template.xlsx", views.survey_template_download, name="survey_template"),
]
