"""Survey pages under ``/w/<slug>/survei/`` and the customer's pages under
``/d/survei-pelanggan/`` (``/d/survei/`` is the inbox's CSAT page)."""

from __future__ import annotations

from django.urls import URLPattern, path

from relasi.surveys import views, views_public

app_name = "surveys"

P = "w/<slug:slug>/survei/"

urlpatterns: list[URLPattern] = [
    path(P, views.survey_list_view, name="list"),
    path(P + "baru/", views.survey_create_view, name="create"),
    path(P + "kirim/", views.survey_send_view, name="send"),
    path(P + "tindak-lanjut/", views.follow_up_list_view, name="follow_up_list"),
    path(P + "tanggapan/<int:response_id>/tindak-lanjut/", views.follow_up_view, name="follow_up"),
    path(P + "topik/", views.topic_list_view, name="topics"),
    path(P + "topik/tandai-ulang/", views.topics_retag_view, name="topics_retag"),
    path(P + "topik/<int:topic_id>/", views.topic_edit_view, name="topic_edit"),
    path(P + "topik/<int:topic_id>/hapus/", views.topic_delete_view, name="topic_delete"),
    path(P + "<int:survey_id>/", views.survey_detail_view, name="detail"),
    path(P + "<int:survey_id>/ubah/", views.survey_edit_view, name="edit"),
    path(P + "<int:survey_id>/tanggapan/", views.response_list_view, name="responses"),
    path(P + "<int:survey_id>/tanggapan/ekspor/", views.response_export_view, name="responses_export"),
    path("d/survei-pelanggan/umum/<str:public_token>/", views_public.survey_public_view, name="public"),
    path("d/survei-pelanggan/<str:token>/", views_public.survey_answer_view, name="answer"),
]
