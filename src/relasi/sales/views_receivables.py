"""The receivables page (ageing and overdue invoices) and the per-invoice reminder action."""

from __future__ import annotations

from django.contrib import messages
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from relasi.accounts.decorators import WorkspaceRequest, workspace_view
from relasi.accounts.permissions import Perm
from relasi.core.exceptions import ApplicationError
from relasi.sales import selectors_payments, selectors_receivables, services_reminders
from relasi.sales.forms_payments import ReminderForm


@workspace_view(Perm.SALES_VIEW)
def receivables_view(request: WorkspaceRequest) -> HttpResponse:
    today = selectors_receivables.workspace_today(workspace=request.workspace)
    context = {
        "ageing": selectors_receivables.receivables_ageing(workspace=request.workspace, today=today),
        "overdue": selectors_receivables.overdue_list(workspace=request.workspace, today=today),
        "overdue_limit": selectors_receivables.OVERDUE_SHOWN,
        "can_remind": request.membership.can(Perm.PAYMENTS_RECORD),
        "sales_tab": "receivables",
    }
    return render(request, "sales/receivables.html", context)


@require_POST
@workspace_view(Perm.PAYMENTS_RECORD)
def invoice_remind_view(request: WorkspaceRequest, invoice_id: int) -> HttpResponse:
    """Send a reminder by e-mail, or record it and open WhatsApp with the text prefilled."""
    invoice = selectors_payments.payable_invoice_get(workspace=request.workspace, invoice_id=invoice_id)
    if invoice is None:
        raise Http404(_("Invoice not found."))
    back = request.POST.get("next", "")
    if not url_has_allowed_host_and_scheme(
        back, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        back = ""
    form = ReminderForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Choose e-mail or WhatsApp."))
        return redirect(back or "sales:receivables", *([] if back else [request.workspace.slug]))
    try:
        sent = services_reminders.invoice_reminder_send(
            invoice=invoice, actor=request.user, channel=form.cleaned_data["channel"]
        )
    except ApplicationError as error:
        text = str(error.message)
        if error.fields:
            text = " ".join(str(m) for m in error.fields.values())
        messages.error(request, text)
        return redirect(back or "sales:receivables", *([] if back else [request.workspace.slug]))
    if sent.channel == services_reminders.CHANNEL_WHATSAPP:
        return redirect(sent.link)
    messages.success(
        request, _("Reminder for %(number)s e-mailed to %(to)s.") % {"number": invoice.number, "to": sent.to}
    )
    return redirect(back or "sales:receivables", *([] if back else [request.workspace.slug]))
