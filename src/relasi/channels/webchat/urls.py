"""Pages, public endpoints and webhooks of the Web chat channel (namespace ``webchat``): the
widget's public side under ``/widget/`` and the settings under
``/w/<slug>/pengaturan/kotak-masuk/webchat/``."""

from __future__ import annotations

from django.urls import URLPattern, path, re_path

from relasi.channels.webchat import views, views_settings

app_name = "webchat"

P = "w/<slug:slug>/pengaturan/kotak-masuk/webchat/"
W = "widget/<str:token>/"

urlpatterns: list[URLPattern] = [
    re_path(r"^widget/(?P<token>[A-Za-z0-9_-]{16,64})\.js$", views.loader_view, name="loader"),
    path(W, views.frame_view, name="frame"),
    path(W + "visitor", views.visitor_start_view, name="visitor_start"),
    path(W + "messages", views.messages_view, name="messages"),
    path(W + "receipts", views.receipts_view, name="receipts"),
    path(W + "files/<int:attachment_id>", views.file_view, name="file"),
    path(P + "baru/", views_settings.inbox_create_view, name="inbox_create"),
    path(P + "<int:inbox_id>/", views_settings.inbox_edit_view, name="inbox_edit"),
    path(P + "<int:inbox_id>/pratinjau/", views_settings.inbox_preview_view, name="inbox_preview"),
]
