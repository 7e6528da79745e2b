from django.urls import path

from huying.access import views

app_name = "access"

urlpatterns = [
    # Public: the certificates a community no longer issues, no sign-in.
    path("access/certificates/", views.certificates, name="certificates"),
    path("m/certificates", views.certificates_phone, name="certificates_phone"),
]
