"""URL patterns of the sales app's catalogue pages (included by ``sales/urls.py``)."""

from __future__ import annotations

from django.urls import URLPattern, path

from relasi.sales import views_catalogue as views

_BASE = "w/<slug:slug>/penjualan/produk/"

urlpatterns: list[URLPattern] = [
    path(_BASE, views.product_list_view, name="product_list"),
    path(_BASE + "baru/", views.product_create_view, name="product_create"),
    path(_BASE + "cari/", views.product_search_view, name="product_search"),
    path(_BASE + "ekspor/", views.product_export_view, name="product_export"),
    path(_BASE + "impor/", views.product_import_view, name="product_import"),
    path(_BASE + "impor/periksa/", views.product_import_review_view, name="product_import_review"),
    path(_BASE + "<int:product_id>/", views.product_detail_view, name="product_detail"),
    path(_BASE + "<int:product_id>/ubah/", views.product_edit_view, name="product_edit"),
    path(_BASE + "<int:product_id>/aktif/", views.product_active_view, name="product_active"),
    path(_BASE + "<int:product_id>/hapus/", views.product_delete_view, name="product_delete"),
]
