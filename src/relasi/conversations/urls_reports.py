"""Report pages under ``/w/<slug>/laporan/`` and the customer's survey page ``/d/survei/``."""

from __future__ import annotations

from django.urls import URLPattern, path

from relasi.conversations import views_csat_public, views_reports

P = "w/<slug:slug>/laporan/"

urlpatterns: list[URLPattern] = [
    path(P, views_reports.conversation_report_view, name="reports"),
    path(P + "ekspor/", views_reports.conversation_export_view, name="reports_export"),
    path(P + "kepuasan/", views_reports.csat_report_view, name="reports_csat"),
    path(P + "kepuasan/<int:inbox_id>/", views_reports.csat_settings_view, name="csat_settings"),
    path("d/survei/<str:token>/", views_csat_public.csat_survey_view, name="csat_survey"),
]
