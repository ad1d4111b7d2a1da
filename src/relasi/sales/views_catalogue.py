"""Catalogue pages: list (search, filters, export), create, detail, edit, activate/deactivate,
delete (unused only), the line editors' product search (JSON), and import.

Thin views: the form shapes the input, one service or selector does the work. Viewing needs
``SALES_VIEW``, changing ``SALES_EDIT``.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.http import FileResponse, Http404, HttpResponse, JsonResponse, StreamingHttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.http import content_disposition_header
from django.utils.text import slugify
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from relasi.accounts.decorators import WorkspaceRequest, workspace_view
from relasi.accounts.permissions import Perm
from relasi.core.exceptions import ApplicationError, ValidationError
from relasi.core.pagination import paginate_keyset
from relasi.sales import product_io, selectors_catalogue, services_catalogue
from relasi.sales.enums import ProductKind
from relasi.sales.forms_catalogue import ProductForm, ProductImportMappingForm, ProductImportUploadForm
from relasi.sales.models import Product
from relasi.web.forms import apply_errors, form_status

PAGE_SIZE = 50
ERRORS_SHOWN = 200
_GET_POST = require_http_methods(["GET", "POST"])


def _product_or_404(request: WorkspaceRequest, product_id: int) -> Product:
    product = selectors_catalogue.product_get(workspace=request.workspace, product_id=product_id)
    if product is None:
        raise Http404(_("Product not found."))
    return product


@require_GET
@workspace_view(Perm.SALES_VIEW)
def product_list_view(request: WorkspaceRequest) -> HttpResponse:
    filters = selectors_catalogue.product_filters_from(request.GET)
    try:
        page = paginate_keyset(
            selectors_catalogue.product_list(workspace=request.workspace, filters=filters),
            cursor=request.GET.get("cursor") or None,
            limit=PAGE_SIZE,
        )
    except ApplicationError as error:
        messages.error(request, str(error.message))
        return redirect("sales:product_list", request.workspace.slug)
    query = request.GET.copy()
    query.pop("cursor", None)
    context: dict[str, Any] = {
        "products": page.items,
        "next_cursor": page.next_cursor,
        "query_string": query.urlencode(),
        "filters": filters,
        "active_param": {True: "1", False: "0", None: "all"}[filters.active],
        "kinds": ProductKind.choices,
        "can_edit": request.membership.can(Perm.SALES_EDIT),
        "sales_tab": "products",
    }
    if request.htmx and request.htmx.target in ("product-rows", "more-row"):
        return render(request, "sales/product_list_rows.html", context)
    return render(request, "sales/product_list.html", context)


@_GET_POST
@workspace_view(Perm.SALES_EDIT)
def product_create_view(request: WorkspaceRequest) -> HttpResponse:
    form = ProductForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            product = services_catalogue.product_create(
                workspace=request.workspace, actor=request.user, values=form.values()
            )
        except ApplicationError as error:
            apply_errors(form, error)
        else:
            messages.success(request, _("Product %(name)s saved.") % {"name": product.name})
            return redirect("sales:product_detail", request.workspace.slug, product.pk)
    context = {"form": form, "product": None, "sales_tab": "products"}
    return render(request, "sales/product_form.html", context, status=form_status(request))


@require_GET
@workspace_view(Perm.SALES_VIEW)
def product_detail_view(request: WorkspaceRequest, product_id: int) -> HttpResponse:
    product = _product_or_404(request, product_id)
    can_edit = request.membership.can(Perm.SALES_EDIT)
    context = {
        "product": product,
        "can_edit": can_edit,
        "can_delete": can_edit and not selectors_catalogue.product_is_used(product=product),
        "sales_tab": "products",
    }
    return render(request, "sales/product_detail.html", context)


@_GET_POST
@workspace_view(Perm.SALES_EDIT)
def product_edit_view(request: WorkspaceRequest, product_id: int) -> HttpResponse:
    product = _product_or_404(request, product_id)
    form = ProductForm(request.POST or None, initial=ProductForm.initial_for(product))
    if request.method == "POST" and form.is_valid():
        try:
            services_catalogue.product_update(product=product, actor=request.user, values=form.values())
        except ApplicationError as error:
            apply_errors(form, error)
        else:
            messages.success(request, _("Changes saved."))
            return redirect("sales:product_detail", request.workspace.slug, product.pk)
    context = {"form": form, "product": product, "sales_tab": "products"}
    return render(request, "sales/product_form.html", context, status=form_status(request))


@require_POST
@workspace_view(Perm.SALES_EDIT)
def product_active_view(request: WorkspaceRequest, product_id: int) -> HttpResponse:
    """POST ``active=0`` deactivates (hidden from pickers), ``active=1`` reactivates."""
    product = _product_or_404(request, product_id)
    if request.POST.get("active") == "1":
        services_catalogue.product_activate(product=product, actor=request.user)
        messages.success(request, _("%(name)s is active again.") % {"name": product.name})
    else:
        services_catalogue.product_deactivate(product=product, actor=request.user)
        messages.success(
            request,
            _("%(name)s is deactivated: it no longer appears when adding lines.") % {"name": product.name},
        )
    return redirect("sales:product_detail", request.workspace.slug, product.pk)


@require_POST
@workspace_view(Perm.SALES_EDIT)
def product_delete_view(request: WorkspaceRequest, product_id: int) -> HttpResponse:
    product = _product_or_404(request, product_id)
    try:
        services_catalogue.product_delete(product=product, actor=request.user)
    except ApplicationError as error:
        messages.error(request, str(error.message))
        return redirect("sales:product_detail", request.workspace.slug, product.pk)
    messages.success(request, _("Product %(name)s deleted.") % {"name": product.name})
    return redirect("sales:product_list", request.workspace.slug)


@require_GET
@workspace_view(Perm.SALES_VIEW)
def product_search_view(request: WorkspaceRequest) -> JsonResponse:
    """``?q=`` → ``{"results": [{id, sku, name, unit, price, tax_treatment, kind}]}`` (active
    products; price as a decimal string) for the line editors' autocomplete."""
    results = selectors_catalogue.product_search(workspace=request.workspace, q=request.GET.get("q", ""))
    return JsonResponse({"results": results})


@require_GET
@workspace_view(Perm.SALES_VIEW)
def product_export_view(request: WorkspaceRequest) -> HttpResponse:
    """``?format=csv|xlsx`` plus the list's filters (``q``, ``active``, ``kind``)."""
    file_format = request.GET.get("format", "csv")
    if file_format not in ("csv", "xlsx"):
        return HttpResponse(_("Choose format=csv or format=xlsx."), status=400, content_type="text/plain")
    filters = selectors_catalogue.product_filters_from(request.GET)
    stamp = timezone.localtime().strftime("%Y%m%d-%H%M")
    filename = f"{slugify(_('products'))}-{request.workspace.slug}-{stamp}.{file_format}"
    response: HttpResponse | StreamingHttpResponse
    if file_format == "xlsx":
        response = FileResponse(
            product_io.product_export_xlsx(workspace=request.workspace, filters=filters),
            as_attachment=True,
            filename=filename,
            content_type=product_io.XLSX_CONTENT_TYPE,
        )
    else:
        delimiter = ";" if request.GET.get("delimiter") == "semicolon" else ","
        response = StreamingHttpResponse(
            product_io.product_export_csv(workspace=request.workspace, filters=filters, delimiter=delimiter),
            content_type="text/csv; charset=utf-8",
        )
        response["Content-Disposition"] = content_disposition_header(as_attachment=True, filename=filename)
    response["Cache-Control"] = "no-store"
    return response  # type: ignore[return-value]


# Import ------------------------------------------------------------------------------------


def _session_key(request: WorkspaceRequest) -> str:
    return f"product_import:{request.workspace.pk}"


@_GET_POST
@workspace_view(Perm.SALES_EDIT)
def product_import_view(request: WorkspaceRequest) -> HttpResponse:
    """Step 1: upload a CSV or XLSX file."""
    is_post = request.method == "POST"
    form = ProductImportUploadForm(request.POST if is_post else None, request.FILES if is_post else None)
    if is_post and form.is_valid():
        try:
            upload = product_io.product_import_store(
                workspace=request.workspace, uploaded_file=form.cleaned_data["file"]
            )
        except ApplicationError as error:
            form.add_error("file", str(error.fields.get("file", error.message)))
        else:
            previous = request.session.get(_session_key(request))
            if previous:
                product_io.product_import_discard(
                    workspace=request.workspace, token=previous["token"], file_format=previous["file_format"]
                )
            request.session[_session_key(request)] = {
                "token": upload.token,
                "file_name": upload.file_name,
                "file_format": upload.file_format,
                "headers": upload.headers,
                "total_rows": upload.total_rows,
                "mapping": upload.mapping,
            }
            return redirect("sales:product_import_review", request.workspace.slug)
    context = {"form": form, "sales_tab": "products", "max_rows": product_io.MAX_IMPORT_ROWS}
    return render(request, "sales/product_import.html", context, status=400 if form.errors else 200)


@_GET_POST
@workspace_view(Perm.SALES_EDIT)
def product_import_review_view(request: WorkspaceRequest) -> HttpResponse:
    """Step 2 and 3: choose the columns, see the dry run, confirm (all rows or none)."""
    pending = request.session.get(_session_key(request))
    if not pending:
        messages.error(request, _("Upload the file first."))
        return redirect("sales:product_import", request.workspace.slug)
    headers: list[str] = pending["headers"]
    form = ProductImportMappingForm(
        request.POST or None,
        headers=headers,
        choices=[(name, label) for name, label in product_io.IMPORT_TARGETS],
        initial=ProductImportMappingForm.initial_for(headers, pending["mapping"]),
    )
    mapping: dict[str, str] = pending["mapping"]
    if request.method == "POST":
        if not form.is_valid():
            return _review_page(request, form, pending, None, status=400)
        mapping = form.mapping()
        pending["mapping"] = mapping
        request.session[_session_key(request)] = pending
    arguments = {
        "workspace": request.workspace,
        "token": pending["token"],
        "file_format": pending["file_format"],
        "headers": headers,
        "mapping": mapping,
    }
    if request.method == "POST" and request.POST.get("action") == "confirm":
        try:
            report = product_io.product_import_confirm(
                actor=request.user, file_name=pending["file_name"], **arguments
            )
        except ValidationError as error:
            if "mapping" in error.fields:
                form.add_error(None, str(error.fields["mapping"]))
                return _review_page(request, form, pending, None, status=400)
            if error.code == "invalid_file":
                request.session.pop(_session_key(request), None)
                messages.error(request, str(error.message))
                return redirect("sales:product_import", request.workspace.slug)
            messages.error(request, str(error.message))
            report = product_io.product_import_check(**arguments)
            return _review_page(request, form, pending, report, status=400)
        request.session.pop(_session_key(request), None)
        messages.success(
            request,
            _("Import finished: %(created)d products added, %(updated)d updated.")
            % {"created": report.creates, "updated": report.updates},
        )
        return redirect("sales:product_list", request.workspace.slug)
    try:
        report = product_io.product_import_check(**arguments)
    except ValidationError as error:
        if error.code == "invalid_file":
            request.session.pop(_session_key(request), None)
            messages.error(request, str(error.message))
            return redirect("sales:product_import", request.workspace.slug)
        form.add_error(None, str(error.fields.get("mapping", error.message)))
        return _review_page(request, form, pending, None, status=form_status(request))
    return _review_page(request, form, pending, report, status=200)


def _review_page(
    request: WorkspaceRequest,
    form: ProductImportMappingForm,
    pending: dict[str, Any],
    report: product_io.ImportReport | None,
    *,
    status: int,
) -> HttpResponse:
    context = {
        "form": form,
        "pending": pending,
        "report": report,
        "errors_shown": report.errors[:ERRORS_SHOWN] if report else [],
        "errors_hidden": max(len(report.errors) - ERRORS_SHOWN, 0) if report else 0,
        "sales_tab": "products",
    }
    return render(request, "sales/product_import_review.html", context, status=status)
