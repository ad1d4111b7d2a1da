"""The HTTP API: ``/api/v1/``, bearer tokens, OpenAPI at ``/api/v1/openapi.json`` and docs
at ``/api/docs``. Errors are ``{"code", "message", "fields"}`` with a 4xx status."""

from __future__ import annotations

import zoneinfo
from typing import Any

from django.http import HttpRequest, HttpResponse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, HttpError
from ninja.errors import ValidationError as NinjaValidationError
from ninja.security import HttpBearer

from relasi.accounts.enums import Language
from relasi.accounts.models import ApiToken, Membership
from relasi.accounts.services import api_token_authenticate
from relasi.core.exceptions import ApplicationError


class TokenAuth(HttpBearer):
    """``Authorization: Bearer rls_…``: the token's user, in the token's workspace, with the
    role the user has there now (a removed member's token stops working)."""

    def authenticate(self, request: HttpRequest, token: str) -> ApiToken | None:
        api_token = api_token_authenticate(raw=token)
        if api_token is None:
            return None
        membership = (
            Membership.objects.select_related("workspace", "user")
            .filter(user=api_token.user, workspace=api_token.workspace)
            .first()
        )
        if membership is None:
            return None
        request.workspace = membership.workspace  # type: ignore[attr-defined]
        request.membership = membership  # type: ignore[attr-defined]
        request.user = api_token.user
        language = request.headers.get("Accept-Language", "")[:2].lower()
        if language not in Language.values:
            language = api_token.user.language
        translation.activate(language)
        timezone.activate(zoneinfo.ZoneInfo(membership.workspace.timezone))
        return api_token


api = NinjaAPI(
    title="Relasi API",
    version="1",
    urls_namespace="api",
    auth=TokenAuth(),
    docs_url="/docs",
    openapi_url="/v1/openapi.json",
)


@api.exception_handler(ApplicationError)
def application_error(request: HttpRequest, exc: ApplicationError) -> HttpResponse:
    return api.create_response(request, exc.as_dict(), status=exc.status)


@api.exception_handler(NinjaValidationError)
def schema_error(request: HttpRequest, exc: NinjaValidationError) -> HttpResponse:
    fields: dict[str, str] = {}
    for error in exc.errors:
        loc = [str(p) for p in error.get("loc", []) if p not in ("body", "payload", "query", "path")]
        fields[".".join(loc) or "body"] = _("Invalid value: %(detail)s") % {"detail": error.get("msg", "")}
    body: dict[str, Any] = {
        "code": "invalid",
        "message": _("The request is not in the expected shape. Check the fields listed."),
        "fields": fields,
    }
    return api.create_response(request, body, status=422)


@api.exception_handler(AuthenticationError)
def auth_error(request: HttpRequest, exc: AuthenticationError) -> HttpResponse:
    body = {
        "code": "unauthorized",
        "message": _("Send a valid API token: Authorization: Bearer <token>."),
        "fields": {},
    }
    return api.create_response(request, body, status=401)


@api.exception_handler(HttpError)
def http_error(request: HttpRequest, exc: HttpError) -> HttpResponse:
    return api.create_response(
        request, {"code": "error", "message": str(exc), "fields": {}}, status=exc.status_code
    )


def _register_routers() -> None:
    import relasi.contacts.api_merge  # noqa: F401  (adds the merge routes to contacts_router)
    from relasi.contacts.api import companies_router, contacts_router, departments_router

    api.add_router("/v1/contacts", contacts_router, tags=["contacts"])
    api.add_router("/v1/companies", companies_router, tags=["companies"])
    api.add_router("/v1/departments", departments_router, tags=["departments"])
    from relasi.contacts.api_custom_fields import custom_fields_router

    api.add_router("/v1/custom-fields", custom_fields_router, tags=["custom fields"])
    from relasi.sales import api_deals, api_invoices, api_payments, api_products, api_quotations

    api.add_router("/v1/products", api_products.products_router, tags=["products"])
    api.add_router("/v1/quotations", api_quotations.quotations_router, tags=["quotations"])
    api.add_router("/v1/sales-orders", api_quotations.sales_orders_router, tags=["sales orders"])
    api.add_router("/v1/invoices", api_invoices.invoices_router, tags=["invoices"])
    api.add_router("/v1/credit-notes", api_invoices.credit_notes_router, tags=["credit notes"])
    api.add_router("/v1/payments", api_payments.payments_router, tags=["payments"])
    api.add_router("/v1/receipts", api_payments.receipts_router, tags=["receipts"])
    api.add_router("/v1/deals", api_deals.deals_router, tags=["deals"])
    api.add_router("/v1/activities", api_deals.activities_router, tags=["activities"])
    from relasi.channels.whatsapp import api as whatsapp_api
    from relasi.conversations import api as conversations_api
    from relasi.conversations import api_reports  # also adds /conversations/{id}/csat, /inboxes/{id}/csat

    api.add_router("/v1/inboxes", conversations_api.inboxes_router, tags=["inboxes"])
    api.add_router("/v1/conversations", conversations_api.conversations_router, tags=["conversations"])
    api.add_router("/v1/quick-replies", conversations_api.quick_replies_router, tags=["quick replies"])
    api.add_router("/v1/reports", api_reports.reports_router, tags=["reports"])
    api.add_router("/v1/whatsapp-templates", whatsapp_api.templates_router, tags=["WhatsApp templates"])
    from relasi.channels.email.api import email_inboxes_router

    api.add_router("/v1/email-inboxes", email_inboxes_router, tags=["e-mail inboxes"])
    from relasi.channels.webchat.api import webchat_inboxes_router

    api.add_router("/v1/webchat-inboxes", webchat_inboxes_router, tags=["web-chat inboxes"])
    from relasi.analytics.api import analytics_router

    api.add_router("/v1/analytics", analytics_router, tags=["analytics"])
    from relasi.surveys import api as surveys_api

    api.add_router("/v1/surveys", surveys_api.surveys_router, tags=["surveys"])
    api.add_router("/v1/survey-responses", surveys_api.survey_responses_router, tags=["surveys"])


_register_routers()
