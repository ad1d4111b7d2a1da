"""The order import pages, for ``analytics/urls.py`` (namespace ``analytics``) to include."""

from django.urls import path

from relasi.analytics import views_import

urlpatterns = [
    path("w/<slug:slug>/analitik/impor/", views_import.purchase_import_view, name="import"),
    path(
        "w/<slug:slug>/analitik/impor/<int:import_id>/",
        views_import.purchase_import_detail_view,
        name="import_detail",
    ),
    path(
        "w/<slug:slug>/analitik/impor/template.csv",
        views_import.purchase_import_template_view,
        name="import_template",
    ),
]
