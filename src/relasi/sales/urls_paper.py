"""URL patterns of the sales app's paper pages (included by ``sales/urls.py``): document PDFs
for members and for the buyer's public link."""

from __future__ import annotations

from django.urls import URLPattern, path

from relasi.sales import views_paper

urlpatterns: list[URLPattern] = [
    path(
        "w/<slug:slug>/penjualan/pdf/<str:document_type>/<int:document_id>/",
        views_paper.document_pdf_view,
        name="document_pdf",
    ),
    path("d/<str:token>/pdf/", views_paper.public_pdf_view, name="public_pdf"),
]
