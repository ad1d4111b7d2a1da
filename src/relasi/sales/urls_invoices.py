"""URL patterns of the invoices pages (included by ``sales/urls.py``): invoices, credit notes,
the Coretax export and the buyer's public invoice link."""

from __future__ import annotations

from django.urls import URLPattern, path

from relasi.sales import views_invoices as views
from relasi.sales import views_public_invoice

_BASE = "w/<slug:slug>/penjualan/"

urlpatterns: list[URLPattern] = [
    path(_BASE + "faktur/", views.invoice_list_view, name="invoice_list"),
    path(_BASE + "faktur/baru/", views.invoice_create_view, name="invoice_create"),
    path(
        _BASE + "faktur/dari-pesanan/<int:order_id>/",
        views.invoice_create_from_order_view,
        name="invoice_create_from_order",
    ),
    path(_BASE + "faktur/coretax/", views.coretax_export_view, name="coretax_export"),
    path(_BASE + "faktur/<int:invoice_id>/", views.invoice_detail_view, name="invoice_detail"),
    path(_BASE + "faktur/<int:invoice_id>/ubah/", views.invoice_edit_view, name="invoice_edit"),
    path(_BASE + "faktur/<int:invoice_id>/terbitkan/", views.invoice_issue_view, name="invoice_issue"),
    path(_BASE + "faktur/<int:invoice_id>/batalkan/", views.invoice_void_view, name="invoice_void"),
    path(
        _BASE + "faktur/<int:invoice_id>/faktur-pajak/",
        views.invoice_tax_number_view,
        name="invoice_tax_number",
    ),
    path(
        _BASE + "faktur/<int:invoice_id>/nota-kredit/baru/",
        views.credit_note_create_view,
        name="credit_note_create",
    ),
    path(
        _BASE + "nota-kredit/<int:credit_note_id>/", views.credit_note_detail_view, name="credit_note_detail"
    ),
    path("d/faktur/<str:token>/", views_public_invoice.public_invoice_view, name="public_invoice"),
]
