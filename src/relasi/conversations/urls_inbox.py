"""The inbox pages under ``/w/<slug>/percakapan/``."""

from __future__ import annotations

from django.urls import URLPattern, path

from relasi.conversations import views

P = "w/<slug:slug>/percakapan/"
C = P + "<int:conversation_id>/"

urlpatterns: list[URLPattern] = [
    path(P, views.inbox_view, name="inbox"),
    path(P + "daftar/", views.conversation_list_view, name="conversation_list"),
    path(C, views.conversation_view, name="conversation"),
    path(C + "pesan/", views.messages_poll_view, name="messages_poll"),
    path(C + "kirim/", views.message_send_view, name="message_send"),
    path(C + "tugaskan/", views.assign_view, name="assign"),
    path(C + "kirim-dokumen/", views.document_send_view, name="document_send"),
    path(C + "selesai/", views.resolve_view, name="resolve"),
    path(C + "buka/", views.reopen_view, name="reopen"),
    path(C + "tunda/", views.snooze_view, name="snooze"),
    path(C + "label/", views.labels_view, name="labels"),
    path(P + "lampiran/<int:attachment_id>/", views.attachment_view, name="attachment"),
]
