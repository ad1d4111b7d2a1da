"""URL patterns of the sales app's pipeline pages (included by ``sales/urls.py``): deals
("peluang") and activities ("aktivitas")."""

from __future__ import annotations

from django.urls import URLPattern, path

from relasi.sales import views_deals as v

_DEALS = "w/<slug:slug>/penjualan/peluang/"
_ACTIVITIES = "w/<slug:slug>/penjualan/aktivitas/"

urlpatterns: list[URLPattern] = [
    path(_DEALS, v.deal_board_view, name="deal_board"),
    path(_DEALS + "baru/", v.deal_create_view, name="deal_create"),
    path(_DEALS + "alasan/", v.deal_reasons_view, name="deal_reasons"),
    path(_DEALS + "statistik/", v.pipeline_stats_view, name="pipeline_stats"),
    path(_DEALS + "<int:deal_id>/", v.deal_detail_view, name="deal_detail"),
    path(_DEALS + "<int:deal_id>/ubah/", v.deal_edit_view, name="deal_edit"),
    path(_DEALS + "<int:deal_id>/pindah/", v.deal_move_view, name="deal_move"),
    path(_DEALS + "<int:deal_id>/hapus/", v.deal_delete_view, name="deal_delete"),
    path(_ACTIVITIES, v.activity_list_view, name="activity_list"),
    path(_ACTIVITIES + "baru/", v.activity_create_view, name="activity_create"),
    path(_ACTIVITIES + "<int:activity_id>/ubah/", v.activity_edit_view, name="activity_edit"),
    path(_ACTIVITIES + "<int:activity_id>/selesai/", v.activity_complete_view, name="activity_complete"),
    path(_ACTIVITIES + "<int:activity_id>/buka/", v.activity_reopen_view, name="activity_reopen"),
    path(_ACTIVITIES + "<int:activity_id>/hapus/", v.activity_delete_view, name="activity_delete"),
]
