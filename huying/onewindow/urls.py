app_name = "onewindow"

urlpatterns: list[object] = []
