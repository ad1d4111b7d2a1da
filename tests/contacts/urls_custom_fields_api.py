"""Test-only URLconf: the project's URLs with ``/api/v1/custom-fields`` mounted in front, for
as long as ``config/api.py`` does not register ``custom_fields_router`` itself.

The router is mounted on a second NinjaAPI carrying the project API's bearer auth and error
handlers, so requests go through the same code path. Once the project registers the router,
the ``custom_fields_api`` fixture uses the real URLconf and this module can be deleted.
"""

from __future__ import annotations

from django.urls import path
from ninja import NinjaAPI

from relasi.config import api as project_api
from relasi.config import urls as project_urls
from relasi.contacts.api_custom_fields import custom_fields_router

_api = NinjaAPI(urls_namespace="api_custom_fields_only", auth=project_api.TokenAuth(), docs_url=None)
for _exc, _handler in project_api.api._exception_handlers.items():
    _api.add_exception_handler(_exc, _handler)
_api.add_router("/v1/custom-fields", custom_fields_router, tags=["custom fields"])

urlpatterns = [path("api/", _api.urls), *project_urls.urlpatterns]
handler404 = project_urls.handler404
handler403 = project_urls.handler403
