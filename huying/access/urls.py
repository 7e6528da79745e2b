from django.urls import path

from huying.access import views

app_name = "access"

urlpatterns = [
    # Public: the certificates a community no longer issues, no sign-in.
    path("access/certificates/", views.certificates, name="certificates"),
    path("m/certificates", views.certificates_phone, name="certificates_phone"),
    # The gate's figures and the tasks (senders, the district, the receiving communities).
    path("access/", views.figures, name="figures"),
    path("access/figures.xlsx", views.figures_xlsx, name="figures_xlsx"),
    path("access/tasks/", views.tasks, name="tasks"),
    path("access/lists/", views.lists, name="lists"),
    path("access/lists/<str:kind>/publish", views.list_publish, name="list_publish"),
    path("access/lists/<str:kind>/items", views.item_add, name="item_add"),
    path("access/lists/<str:kind>/withdraw", views.item_withdraw, name="item_withdraw"),
    path("access/applications/", views.applications, name="applications"),
    path(
        "access/applications/<int:application_id>/review",
        views.application_review,
        name="application_review",
    ),
    path("access/tasks/new", views.task_new, name="task_new"),
    path("access/files/<int:attachment_id>", views.task_file, name="task_file"),
    path("access/tasks/<int:task_id>/flag", views.task_flag, name="task_flag"),
    path("access/tasks/<int:task_id>/resolve", views.task_flag_resolve, name="task_flag_resolve"),
]
