"""URL patterns of the sales app's settings pages (included by ``sales/urls.py``)."""

from __future__ import annotations

from django.urls import URLPattern, path

from relasi.sales import views_settings

urlpatterns: list[URLPattern] = [
    path("w/<slug:slug>/penjualan/pengaturan/pajak/", views_settings.settings_tax_view, name="settings_tax"),
    path(
        "w/<slug:slug>/penjualan/pengaturan/rekening/",
        views_settings.settings_bank_list_view,
        name="settings_bank_list",
    ),
    path(
        "w/<slug:slug>/penjualan/pengaturan/rekening/<int:account_id>/ubah/",
        views_settings.settings_bank_edit_view,
        name="settings_bank_edit",
    ),
    path(
        "w/<slug:slug>/penjualan/pengaturan/rekening/<int:account_id>/aktif/",
        views_settings.settings_bank_active_view,
        name="settings_bank_active",
    ),
    path(
        "w/<slug:slug>/penjualan/pengaturan/penomoran/",
        views_settings.settings_numbering_view,
        name="settings_numbering",
    ),
    path(
        "w/<slug:slug>/penjualan/pengaturan/penomoran/<str:series>/",
        views_settings.settings_sequence_edit_view,
        name="settings_sequence_edit",
    ),
]
