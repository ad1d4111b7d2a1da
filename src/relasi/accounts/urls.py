from django.urls import path

from relasi.accounts import views

app_name = "accounts"

urlpatterns = [
    path("masuk/", views.sign_in_view, name="login"),
    path("keluar/", views.sign_out_view, name="logout"),
    path("bahasa/", views.language_view, name="language"),
    path("undangan/<str:token>/", views.invitation_accept_view, name="invitation_accept"),
]
