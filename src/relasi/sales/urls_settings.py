"""URL patterns of the sales app's settings pages (included by ``sales/urls.py``)."""

from __future__ import annotations

from django.urls import URLPattern

urlpatterns: list[URLPattern] = []
