"""Settings pages of the inbox under ``/w/<slug>/pengaturan/``: inboxes, quick replies,
labels, teams."""

from __future__ import annotations

from django.urls import URLPattern, path

from relasi.conversations import views_inboxes as views
from relasi.conversations.views_hours import urlpatterns as hours_urlpatterns

P = "w/<slug:slug>/pengaturan/"

urlpatterns: list[URLPattern] = [
    path(P + "kotak-masuk/", views.inbox_list_view, name="inbox_list"),
    path(P + "kotak-masuk/baru/", views.inbox_create_view, name="inbox_create"),
    path(P + "kotak-masuk/<int:inbox_id>/", views.inbox_edit_view, name="inbox_edit"),
    path(P + "kotak-masuk/<int:inbox_id>/uji-koneksi/", views.inbox_test_view, name="inbox_test"),
    path(P + "balasan-cepat/", views.quick_reply_list_view, name="quick_reply_list"),
    path(P + "balasan-cepat/<int:item_id>/", views.quick_reply_edit_view, name="quick_reply_edit"),
    path(P + "balasan-cepat/<int:item_id>/hapus/", views.quick_reply_delete_view, name="quick_reply_delete"),
    path(P + "label/", views.label_list_view, name="label_list"),
    path(P + "label/<int:item_id>/", views.label_edit_view, name="label_edit"),
    path(P + "label/<int:item_id>/hapus/", views.label_delete_view, name="label_delete"),
    path(P + "tim/", views.team_list_view, name="team_list"),
    path(P + "tim/<int:item_id>/", views.team_edit_view, name="team_edit"),
    path(P + "tim/<int:item_id>/hapus/", views.team_delete_view, name="team_delete"),
]
urlpatterns += hours_urlpatterns
