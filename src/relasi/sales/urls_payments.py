"""URL patterns of the sales app's payments pages (included by ``sales/urls.py``): payments,
kwitansi, receivables and invoice reminders."""

from __future__ import annotations

from django.urls import URLPattern, path

from relasi.sales import views_payments, views_receivables

P = "w/<slug:slug>/penjualan/"

urlpatterns: list[URLPattern] = [
    path(P + "pembayaran/", views_payments.payment_list_view, name="payment_list"),
    path(P + "pembayaran/baru/", views_payments.payment_create_view, name="payment_create"),
    path(P + "pembayaran/<int:payment_id>/", views_payments.payment_detail_view, name="payment_detail"),
    path(P + "pembayaran/<int:payment_id>/batal/", views_payments.payment_cancel_view, name="payment_cancel"),
    path(P + "kwitansi/", views_payments.receipt_list_view, name="receipt_list"),
    path(P + "kwitansi/<int:receipt_id>/", views_payments.receipt_detail_view, name="receipt_detail"),
    path(P + "piutang/", views_receivables.receivables_view, name="receivables"),
    path(
        P + "faktur/<int:invoice_id>/pengingat/", views_receivables.invoice_remind_view, name="invoice_remind"
    ),
]
