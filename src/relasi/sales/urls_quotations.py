"""URL patterns of quotations / proforma invoices, sales orders and the buyer's public page
(included by ``sales/urls.py``)."""

from __future__ import annotations

from django.urls import URLPattern, path

from relasi.sales import views_public
from relasi.sales import views_quotations as v

_Q = "w/<slug:slug>/penjualan/penawaran/"
_QI = _Q + "<int:quotation_id>/"
_O = "w/<slug:slug>/penjualan/pesanan/"

urlpatterns: list[URLPattern] = [
    path(_Q, v.quotation_list_view, name="quotation_list"),
    path(_Q + "baru/", v.quotation_create_view, name="quotation_create"),
    path(_Q + "pilih-pelanggan/", v.quotation_contact_options_view, name="quotation_contact_options"),
    path(_QI, v.quotation_detail_view, name="quotation_detail"),
    path(_QI + "ubah/", v.quotation_edit_view, name="quotation_edit"),
    path(_QI + "kirim/", v.quotation_send_view, name="quotation_send"),
    path(_QI + "revisi/", v.quotation_revise_view, name="quotation_revise"),
    path(_QI + "batal/", v.quotation_cancel_view, name="quotation_cancel"),
    path(_QI + "terima/", v.quotation_accept_view, name="quotation_accept"),
    path(_QI + "tolak/", v.quotation_decline_view, name="quotation_decline"),
    path(_QI + "jadikan-pesanan/", v.quotation_convert_view, name="quotation_convert"),
    path(_O, v.order_list_view, name="order_list"),
    path(_O + "baru/", v.order_create_view, name="order_create"),
    path(_O + "<int:order_id>/", v.order_detail_view, name="order_detail"),
    path(_O + "<int:order_id>/batal/", v.order_cancel_view, name="order_cancel"),
    path("d/penawaran/<str:token>/", views_public.public_quotation_view, name="public_quotation"),
]
