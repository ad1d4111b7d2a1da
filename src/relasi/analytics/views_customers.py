"""The customers behind a figure: the filtered list (``/analitik/pelanggan/?<filter>``), its
CSV/XLSX export, "save as segment", and the analytics panel on a customer's page with its
"recompute this customer" button.

The list pages by keyset (``core.pagination``: no OFFSET, no COUNT) and reads each page in two
queries (the ids, then the rows with their contact). A bad filter is named in a message with
status 400.
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django.contrib import messages
from django.http import FileResponse, Http404, HttpResponse, QueryDict, StreamingHttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import content_disposition_header
from django.utils.text import slugify
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from relasi.accounts.decorators import WorkspaceRequest, workspace_view
from relasi.accounts.permissions import Perm
from relasi.analytics import exports
from relasi.analytics.enums import TimeUnit
from relasi.analytics.explain import customer_explanation
from relasi.analytics.forms import SegmentSaveForm, filters_from_query
from relasi.analytics.models import CustomerMetrics
from relasi.analytics.refresh import customer_metrics_refresh
from relasi.analytics.segments import segment_create, segment_filters_clean, segment_members
from relasi.analytics.selectors import customer_metrics_get, lifecycle_history, metrics_run_latest
from relasi.analytics.settings import analytics_settings_get
from relasi.analytics.views import can_see_money, describe_filters, show_error, tag_names
from relasi.contacts.models import Contact
from relasi.core.exceptions import ApplicationError
from relasi.core.pagination import Page, paginate_keyset
from relasi.core.spreadsheets import XLSX_CONTENT_TYPE
from relasi.surveys.selectors import contact_survey_responses

PAGE_SIZE = 50
DAYS_PER_WEEK = Decimal("7")
DAYS_PER_MONTH = Decimal("365.25") / 12  # the average calendar month, 30,44 days


@require_GET
@workspace_view(Perm.CONTACTS_VIEW)
def customer_list_view(request: WorkspaceRequest) -> HttpResponse:
    workspace = request.workspace
    status = 200
    try:
        filters = segment_filters_clean(filters_from_query(request.GET))
        page = paginate_keyset(
            segment_members(workspace=workspace, filters=filters),
            cursor=request.GET.get("cursor") or None,
            limit=PAGE_SIZE,
        )
    except ApplicationError as error:
        show_error(request, error)
        filters, status = {}, 400
        page = Page[CustomerMetrics](items=[], next_cursor=None)
    query = request.GET.copy()
    query.pop("cursor", None)
    query.pop("format", None)
    query_string = query.urlencode()
    context: dict[str, Any] = {
        "rows": page.items,
        "next_cursor": page.next_cursor,
        "query_string": query_string,
        "filters": filters,
        "filter_chips": describe_filters(
            filters, tag_names=tag_names(workspace) if "tag" in filters else None
        ),
        "failed": status != 200,
        "show_money": can_see_money(request),
        "can_export": request.membership.can(Perm.CONTACTS_EXPORT),
        "can_save": request.membership.can(Perm.CONTACTS_EDIT),
        "save_form": SegmentSaveForm(initial={"query": query_string}),
        "run": metrics_run_latest(workspace=workspace),
        "is_first_page": not request.GET.get("cursor"),
        "analytics_tab": "customers",
    }
    more = bool(request.htmx) and request.htmx.target == "more-row"
    template = "analytics/_customer_rows.html" if more else "analytics/customers.html"
    return render(request, template, context, status=status)


@require_GET
@workspace_view(Perm.CONTACTS_EXPORT)
def customer_export_view(request: WorkspaceRequest) -> HttpResponse:
    """``?format=csv|xlsx`` with the list's filter: exactly the customers the list shows."""
    file_format = request.GET.get("format", "csv")
    if file_format not in ("csv", "xlsx"):
        return HttpResponse(_("Choose format=csv or format=xlsx."), status=400, content_type="text/plain")
    try:
        filters = segment_filters_clean(filters_from_query(request.GET))
    except ApplicationError as error:
        details = "; ".join(f"{key}: {value}" for key, value in error.fields.items())
        return HttpResponse(f"{error.message} {details}".strip(), status=400, content_type="text/plain")
    workspace = request.workspace
    filename = f"{slugify(_('customers'))}-{workspace.slug}-{timezone.localdate():%Y%m%d}.{file_format}"
    arguments: dict[str, Any] = {
        "workspace": workspace,
        "actor": request.user,
        "filters": filters,
        "include_money": can_see_money(request),
        "ip_address": request.META.get("REMOTE_ADDR"),
    }
    response: HttpResponse | StreamingHttpResponse
    if file_format == "xlsx":
        response = FileResponse(
            exports.customer_export_xlsx(**arguments),
            as_attachment=True,
            filename=filename,
            content_type=XLSX_CONTENT_TYPE,
        )
    else:
        response = StreamingHttpResponse(
            exports.customer_export_csv(**arguments), content_type="text/csv; charset=utf-8"
        )
        response["Content-Disposition"] = content_disposition_header(as_attachment=True, filename=filename)
    response["Cache-Control"] = "no-store"  # personal data: never kept by a shared cache
    return response  # type: ignore[return-value]


@require_POST
@workspace_view(Perm.CONTACTS_EDIT)
def segment_save_view(request: WorkspaceRequest) -> HttpResponse:
    """ "Save as segment" on the customer list: the list's filter under a name."""
    form = SegmentSaveForm(request.POST)
    form.is_valid()
    query_string = str(form.cleaned_data.get("query") or "")
    back = reverse("analytics:customer_list", args=[request.workspace.slug])
    back = f"{back}?{query_string}" if query_string else back
    try:
        segment = segment_create(
            workspace=request.workspace,
            actor=request.user,
            name=str(form.cleaned_data.get("name") or ""),
            filters=filters_from_query(QueryDict(query_string)),
        )
    except ApplicationError as error:
        show_error(request, error)
    else:
        messages.success(request, _("Segment %(name)s saved.") % {"name": segment.name})
    return redirect(back)


# The panel on a customer's page ----------------------------------------------------------------


def _get_contact(request: WorkspaceRequest, contact_id: int) -> Contact:
    # A plain read (the contact page's own selector prefetches what the panel does not show).
    contact = Contact.objects.filter(
        workspace=request.workspace, pk=contact_id, merged_into__isnull=True
    ).first()
    if contact is None:
        raise Http404(_("Customer not found."))
    return contact


def in_unit(days: int | None, unit: str) -> Decimal | None:
    """Days in the owner's time unit (weeks of 7 days, average months of 30,44 days), to one
    decimal."""
    if days is None:
        return None
    value = Decimal(days)
    if unit == TimeUnit.WEEKS:
        value /= DAYS_PER_WEEK
    elif unit == TimeUnit.MONTHS:
        value /= DAYS_PER_MONTH
    return value.quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)


def panel_context(request: WorkspaceRequest, contact: Contact, *, notice: str = "") -> dict[str, Any]:
    """What the panel shows: the snapshot as of the last refresh, with its explanations."""
    workspace = request.workspace
    metrics = customer_metrics_get(workspace=workspace, contact_id=contact.pk)
    settings = analytics_settings_get(workspace=workspace)
    unit = settings.time_unit
    times: list[tuple[str, Decimal | None]] = []
    if metrics is not None and metrics.orders:
        times = [
            (_("Last purchase, ago"), in_unit(metrics.days_since_last, unit)),
            (_("Recency (first to last purchase)"), in_unit(metrics.recency_days, unit)),
            (_("Tenure T (since the first purchase)"), in_unit(metrics.tenure_days, unit)),
        ]
    can_surveys = request.membership.can(Perm.SURVEYS_VIEW)
    return {
        "contact": contact,
        "metrics": metrics,
        "settings": settings,
        "unit_label": TimeUnit(unit).label,
        "times": times,
        "explanation": customer_explanation(metrics=metrics, settings=settings) if metrics else None,
        "history": lifecycle_history(workspace=workspace, contact_id=contact.pk)[:10] if metrics else [],
        "run": metrics_run_latest(workspace=workspace),
        "responses": (
            contact_survey_responses(workspace=workspace, contact=contact, limit=5) if can_surveys else []
        ),
        "show_surveys": can_surveys,
        "can_send_survey": request.membership.can(Perm.SURVEYS_MANAGE),
        "show_money": can_see_money(request),
        "can_recompute": request.membership.can(Perm.CONTACTS_EDIT),
        "notice": notice,
    }


@require_GET
@workspace_view(Perm.CONTACTS_VIEW)
def customer_panel_view(request: WorkspaceRequest, contact_id: int) -> HttpResponse:
    """The htmx fragment on the contact page (``contacts.panels``): reads the snapshot only."""
    contact = _get_contact(request, contact_id)
    return render(request, "analytics/_customer_panel.html", panel_context(request, contact))


@require_POST
@workspace_view(Perm.CONTACTS_EDIT)
def customer_recompute_view(request: WorkspaceRequest, contact_id: int) -> HttpResponse:
    """Recompute one customer now with the last refresh's scale and fitted models (no fit)."""
    contact = _get_contact(request, contact_id)
    result = customer_metrics_refresh(contact=contact)
    if result is None:
        notice = _("No refresh has run yet. Refresh all metrics on the analytics page first.")
    else:
        notice = _("Recomputed as of %(date)s.") % {"date": result.as_of.strftime("%d-%m-%Y")}
    if request.htmx:
        return render(
            request, "analytics/_customer_panel.html", panel_context(request, contact, notice=notice)
        )
    if result is None:
        messages.warning(request, notice)
    else:
        messages.success(request, notice)
    return redirect("contacts:detail", request.workspace.slug, contact.pk)
