"""Pages and the webhook of the e-mail channel (namespace ``email``): the inbox settings under
``/w/<slug>/pengaturan/kotak-masuk/email/`` and ``/webhooks/email/<inbox_id>/``."""

from __future__ import annotations

from django.urls import URLPattern, path

from relasi.channels.email import views, webhook

app_name = "email"

P = "w/<slug:slug>/pengaturan/kotak-masuk/email/"
INBOX = P + "<int:inbox_id>/"

urlpatterns: list[URLPattern] = [
    path(P + "baru/", views.inbox_create_view, name="inbox_create"),
    path(INBOX, views.inbox_edit_view, name="inbox_edit"),
    path(INBOX + "uji-koneksi/", views.inbox_test_view, name="inbox_test"),
    path(INBOX + "rahasia-baru/", views.secret_rotate_view, name="secret_rotate"),
    path(INBOX + "ambil-surat/", views.poll_now_view, name="poll_now"),
    path("webhooks/email/<int:inbox_id>/", webhook.email_webhook, name="webhook"),
]
