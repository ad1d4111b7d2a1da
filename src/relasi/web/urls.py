from django.urls import path

from relasi.web import views

app_name = "web"

urlpatterns = [
    path("", views.home_view, name="home"),
    path("ganti-workspace/", views.switch_view, name="switch"),
    path("w/<slug:slug>/pengaturan/", views.settings_view, name="settings"),
]
