"""The buyer's page of a quotation / proforma (no login): ``/d/penawaran/<token>/``.

It shows the paper, a PDF link, and forms to accept (name, optional PO number) or decline
(reason). The token is the only key (256 bits); drafts and cancelled quotations are a 404.
The first opening by someone who is not a member of the workspace is recorded as viewed.
"""

from __future__ import annotations

from typing import Any

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from relasi.accounts.models import Membership
from relasi.core.exceptions import ApplicationError
from relasi.sales import selectors_quotations, services_quotations
from relasi.sales.enums import QuotationStatus
from relasi.sales.forms_quotations import AcceptForm, DeclineForm
from relasi.sales.models import Quotation
from relasi.sales.paper import paper_context


def _is_member(request: HttpRequest, quotation: Quotation) -> bool:
    user = request.user
    return bool(
        user.is_authenticated
        and Membership.objects.filter(user_id=user.pk, workspace_id=quotation.workspace_id).exists()
    )


def _page(
    request: HttpRequest,
    quotation: Quotation,
    *,
    accept_form: AcceptForm,
    decline_form: DeclineForm,
    error: str = "",
    status: int = 200,
) -> HttpResponse:
    answerable = quotation.status == QuotationStatus.SENT and quotation.valid_until >= timezone.localdate()
    context: dict[str, Any] = {
        "quotation": quotation,
        "accept_form": accept_form,
        "decline_form": decline_form,
        "answerable": answerable,
        "page_error": error,
        "kind_label": services_quotations.kind_label(quotation),
    }
    context.update(paper_context(document=quotation))
    response = render(request, "sales/public_quotation.html", context, status=status)
    response["X-Robots-Tag"] = "noindex, nofollow"
    # The token must not leak to other sites; "no-referrer" would also make the browser send
    # "Origin: null" with the accept/decline forms, which the CSRF check rightly refuses.
    response["Referrer-Policy"] = "same-origin"
    response["Cache-Control"] = "private, no-store"
    return response


@require_http_methods(["GET", "POST"])
def public_quotation_view(request: HttpRequest, token: str) -> HttpResponse:
    quotation = selectors_quotations.quotation_get_public(token=token)
    if quotation is None:
        raise Http404(_("This document does not exist or is no longer available."))
    accept_form = AcceptForm(
        request.POST if request.POST.get("action") == "accept" else None, prefix="accept"
    )
    decline_form = DeclineForm(
        request.POST if request.POST.get("action") == "decline" else None, prefix="decline"
    )
    if request.method == "GET":
        if quotation.viewed_at is None and not _is_member(request, quotation):
            services_quotations.quotation_view_record(quotation=quotation)
        return _page(request, quotation, accept_form=accept_form, decline_form=decline_form)
    action = request.POST.get("action")
    form: AcceptForm | DeclineForm = accept_form if action == "accept" else decline_form
    if action not in ("accept", "decline") or not form.is_valid():
        return _page(request, quotation, accept_form=accept_form, decline_form=decline_form, status=400)
    try:
        if action == "accept":
            services_quotations.quotation_accept(
                quotation=quotation,
                actor=None,
                name=accept_form.cleaned_data["name"],
                po_number=accept_form.cleaned_data["po_number"],
            )
        else:
            services_quotations.quotation_decline(
                quotation=quotation, actor=None, reason=decline_form.cleaned_data["reason"]
            )
    except ApplicationError as error:
        refreshed = selectors_quotations.quotation_get_public(token=token) or quotation
        for name, message in error.fields.items():
            field = {"po_number": "po_number", "name": "name", "reason": "reason"}.get(name)
            if field and field in form.fields:
                form.add_error(field, str(message))
        return _page(
            request,
            refreshed,
            accept_form=accept_form,
            decline_form=decline_form,
            error=str(error.message),
            status=error.status,
        )
    return redirect("sales:public_quotation", token)
