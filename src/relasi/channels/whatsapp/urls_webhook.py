"""URL patterns (filled by the area's author; included by the app's ``urls.py``)."""

from __future__ import annotations

from django.urls import URLPattern

urlpatterns: list[URLPattern] = []
