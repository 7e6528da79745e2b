from django.urls import path

from huying.catalogue import views

app_name = "catalogue"

urlpatterns = [
    path("", views.version_list, name="versions"),
    path("<int:catalogue_id>/", views.version_detail, name="version"),
    path("<int:catalogue_id>/draft", views.draft_create, name="draft"),
    path("<int:catalogue_id>/publish", views.publish, name="publish"),
    path("<int:catalogue_id>/items/new", views.item_create, name="item_create"),
    path("items/<int:item_id>/", views.item_edit, name="item"),
    path("<int:catalogue_id>/export", views.export, name="export"),
    path("import", views.import_check, name="import"),
    path("import/confirm", views.import_confirm, name="import_confirm"),
    path("import/errors.xlsx", views.import_errors, name="import_errors"),
]
