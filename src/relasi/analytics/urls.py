"""The analytics pages under ``/w/<slug>/analitik/``."""

from django.urls import path

from relasi.analytics import (
    urls_import,
    views_customers,
    views_home,
    views_reports,
    views_segments,
    views_settings,
)

app_name = "analytics"

_BASE = "w/<slug:slug>/analitik/"

urlpatterns = [
    path(_BASE, views_home.analytics_home_view, name="home"),
    path(f"{_BASE}segarkan/", views_home.metrics_refresh_view, name="refresh"),
    # Customers behind a figure, and the panel on a customer's page
    path(f"{_BASE}pelanggan/", views_customers.customer_list_view, name="customer_list"),
    path(f"{_BASE}pelanggan/ekspor/", views_customers.customer_export_view, name="customer_export"),
    path(f"{_BASE}pelanggan/simpan-segmen/", views_customers.segment_save_view, name="segment_save"),
    path(
        f"{_BASE}pelanggan/<int:contact_id>/panel/",
        views_customers.customer_panel_view,
        name="customer_panel",
    ),
    path(
        f"{_BASE}pelanggan/<int:contact_id>/hitung-ulang/",
        views_customers.customer_recompute_view,
        name="customer_recompute",
    ),
    # Saved segments
    path(f"{_BASE}segmen/", views_segments.segment_list_view, name="segment_list"),
    path(f"{_BASE}segmen/baru/", views_segments.segment_create_view, name="segment_create"),
    path(f"{_BASE}segmen/<int:segment_id>/ubah/", views_segments.segment_edit_view, name="segment_edit"),
    path(f"{_BASE}segmen/<int:segment_id>/hapus/", views_segments.segment_delete_view, name="segment_delete"),
    # Reports
    path(f"{_BASE}siklus/", views_reports.lifecycle_board_view, name="lifecycle"),
    path(f"{_BASE}kohort/", views_reports.cohort_view, name="cohorts"),
    path(f"{_BASE}kohort/ekspor/", views_reports.cohort_export_view, name="cohort_export"),
    path(f"{_BASE}akuisisi/", views_reports.acquisition_view, name="acquisition"),
    path(f"{_BASE}akuisisi/biaya/", views_reports.acquisition_cost_set_view, name="acquisition_cost_set"),
    path(
        f"{_BASE}akuisisi/biaya/<int:cost_id>/hapus/",
        views_reports.acquisition_cost_delete_view,
        name="acquisition_cost_delete",
    ),
    path(f"{_BASE}waktu-siklus/", views_reports.cycle_time_view, name="cycle_time"),
    path(
        f"{_BASE}waktu-siklus/catat/",
        views_reports.cycle_time_record_create_view,
        name="cycle_time_record_create",
    ),
    path(
        f"{_BASE}waktu-siklus/<int:record_id>/hapus/",
        views_reports.cycle_time_record_delete_view,
        name="cycle_time_record_delete",
    ),
    path(f"{_BASE}pengaturan/", views_settings.analytics_settings_view, name="settings"),
    # Past orders from CSV/XLSX (the lead's pages)
    *urls_import.urlpatterns,
]
