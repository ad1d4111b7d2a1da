"""All sales pages under ``/w/<slug>/penjualan/`` (and public document links under ``/d/``).
Each area keeps its patterns in its own module."""

from __future__ import annotations

from relasi.sales import (
    urls_catalogue,
    urls_invoices,
    urls_paper,
    urls_payments,
    urls_pipeline,
    urls_quotations,
    urls_settings,
)

app_name = "sales"

urlpatterns = [
    *urls_catalogue.urlpatterns,
    *urls_quotations.urlpatterns,
    *urls_invoices.urlpatterns,
    *urls_payments.urlpatterns,
    *urls_pipeline.urlpatterns,
    *urls_paper.urlpatterns,
    *urls_settings.urlpatterns,
]
