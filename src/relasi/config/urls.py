from django.contrib import admin
from django.urls import include, path

from relasi.config.api import api

urlpatterns = [
    path("api/", api.urls),
    path("admin/", admin.site.urls),  # operators (is_staff) only
    path("akun/", include("relasi.accounts.urls")),
    path("", include("relasi.accounts.urls_settings")),
    path("", include("relasi.contacts.urls")),
    path("", include("relasi.sales.urls")),
    path("", include("relasi.conversations.urls")),
    path("", include("relasi.analytics.urls")),
    path("", include("relasi.surveys.urls")),
    path("", include("relasi.channels.email.urls")),
    path("", include("relasi.channels.webchat.urls")),
    path("", include(("relasi.channels.whatsapp.views_simulator", "whatsapp_simulator"))),
    path("", include("relasi.web.urls")),
]

handler404 = "relasi.web.errors.not_found"
handler403 = "relasi.web.errors.forbidden"
