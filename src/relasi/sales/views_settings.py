"""Settings pages of the seller: tax and letterhead, bank accounts, document numbering.

Thin views (``Perm.SETTINGS_MANAGE``): the form shapes the input, one service in
``sales.services_settings`` checks and saves it, its field errors go back on the form.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from relasi.accounts.decorators import WorkspaceRequest, workspace_view
from relasi.accounts.permissions import Perm
from relasi.core.exceptions import ApplicationError
from relasi.sales import selectors_settings, services_settings
from relasi.sales.forms_settings import BankAccountForm, SalesProfileForm, SequenceForm
from relasi.sales.models import BankAccount
from relasi.sales.profile import sales_profile_get
from relasi.web.forms import apply_errors, form_status

_GET_POST = require_http_methods(["GET", "POST"])


def _ip(request: WorkspaceRequest) -> str | None:
    return request.META.get("REMOTE_ADDR")


# Tax and letterhead ----------------------------------------------------------------------


@_GET_POST
@workspace_view(Perm.SETTINGS_MANAGE)
def settings_tax_view(request: WorkspaceRequest) -> HttpResponse:
    """The seller profile: identity, PKP/NPWP/NITKU, document defaults, meterai and QRIS."""
    profile = sales_profile_get(workspace=request.workspace)
    is_post = request.method == "POST"
    form = SalesProfileForm(
        request.POST if is_post else None,
        request.FILES if is_post else None,
        initial=SalesProfileForm.initial_for(profile),
    )
    if is_post and form.is_valid():
        try:
            services_settings.sales_profile_update(
                workspace=request.workspace, actor=request.user, values=form.values(), ip_address=_ip(request)
            )
        except ApplicationError as error:
            apply_errors(form, error)
        else:
            messages.success(request, _("Changes saved."))
            return redirect("sales:settings_tax", request.workspace.slug)
    context = {
        "form": form,
        "profile": profile,
        "qris_merchant": selectors_settings.qris_merchant_of(profile),
        "turnover_warning": selectors_settings.turnover_warning(workspace=request.workspace, profile=profile),
    }
    return render(request, "sales/settings_tax.html", context, status=form_status(request))


# Bank accounts ---------------------------------------------------------------------------


def _account_or_404(request: WorkspaceRequest, account_id: int) -> BankAccount:
    account = selectors_settings.bank_account_get(workspace=request.workspace, account_id=account_id)
    if account is None:
        raise Http404(_("Bank account not found."))
    return account


@_GET_POST
@workspace_view(Perm.SETTINGS_MANAGE)
def settings_bank_list_view(request: WorkspaceRequest) -> HttpResponse:
    """The accounts printed on invoices, with a form to add one."""
    form = BankAccountForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            account = services_settings.bank_account_create(
                workspace=request.workspace, actor=request.user, values=form.values(), ip_address=_ip(request)
            )
        except ApplicationError as error:
            apply_errors(form, error)
        else:
            messages.success(request, _("Account %(account)s added.") % {"account": account})
            return redirect("sales:settings_bank_list", request.workspace.slug)
    context: dict[str, Any] = {
        "form": form,
        "accounts": selectors_settings.bank_account_list(workspace=request.workspace),
    }
    return render(request, "sales/settings_bank_list.html", context, status=form_status(request))


@_GET_POST
@workspace_view(Perm.SETTINGS_MANAGE)
def settings_bank_edit_view(request: WorkspaceRequest, account_id: int) -> HttpResponse:
    account = _account_or_404(request, account_id)
    form = BankAccountForm(request.POST or None, initial=BankAccountForm.initial_for(account))
    if request.method == "POST" and form.is_valid():
        try:
            services_settings.bank_account_update(
                account=account, actor=request.user, values=form.values(), ip_address=_ip(request)
            )
        except ApplicationError as error:
            apply_errors(form, error)
        else:
            messages.success(request, _("Changes saved."))
            return redirect("sales:settings_bank_list", request.workspace.slug)
    return render(
        request,
        "sales/settings_bank_form.html",
        {"form": form, "account": account},
        status=form_status(request),
    )


@require_POST
@workspace_view(Perm.SETTINGS_MANAGE)
def settings_bank_active_view(request: WorkspaceRequest, account_id: int) -> HttpResponse:
    """POST ``active=0`` stops printing the account on new documents; ``active=1`` resumes."""
    account = _account_or_404(request, account_id)
    active = request.POST.get("active") == "1"
    services_settings.bank_account_set_active(
        account=account, actor=request.user, active=active, ip_address=_ip(request)
    )
    if active:
        messages.success(request, _("%(account)s is printed on new documents again.") % {"account": account})
    else:
        messages.success(
            request, _("%(account)s is no longer printed on new documents.") % {"account": account}
        )
    return redirect("sales:settings_bank_list", request.workspace.slug)


# Numbering -------------------------------------------------------------------------------


@workspace_view(Perm.SETTINGS_MANAGE)
def settings_numbering_view(request: WorkspaceRequest) -> HttpResponse:
    """The six number series with their templates and the next number as an example."""
    rows = selectors_settings.document_sequence_list(workspace=request.workspace)
    return render(request, "sales/settings_numbering.html", {"rows": rows})


@_GET_POST
@workspace_view(Perm.SETTINGS_MANAGE)
def settings_sequence_edit_view(request: WorkspaceRequest, series: str) -> HttpResponse:
    sequence = selectors_settings.document_sequence_get(workspace=request.workspace, series=series)
    if sequence is None:
        raise Http404(_("Number series not found."))
    form = SequenceForm(request.POST or None, initial=SequenceForm.initial_for(sequence))
    if request.method == "POST" and form.is_valid():
        try:
            services_settings.document_sequence_update(
                workspace=request.workspace,
                actor=request.user,
                series=sequence.series,
                template=form.cleaned_data["template"],
                padding=form.cleaned_data["padding"],
                reset=form.cleaned_data["reset"],
                ip_address=_ip(request),
            )
        except ApplicationError as error:
            apply_errors(form, error)
        else:
            messages.success(request, _("Changes saved. Numbers already issued stay as they are."))
            return redirect("sales:settings_numbering", request.workspace.slug)
    context = {
        "form": form,
        "sequence": sequence,
        "label": sequence.get_series_display(),
    }
    return render(request, "sales/settings_sequence_form.html", context, status=form_status(request))
