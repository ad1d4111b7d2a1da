"""The page that imports historical orders: upload a CSV/XLSX, see what was imported or every
row to fix, download a template. Thin: ``analytics.imports`` holds every rule."""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from relasi.accounts.decorators import WorkspaceRequest, workspace_view
from relasi.accounts.permissions import Perm
from relasi.analytics import imports
from relasi.analytics.models import PurchaseImport
from relasi.contacts.forms_import import ImportUploadForm
from relasi.core.exceptions import ApplicationError

HISTORY_SIZE = 10


def _page(
    request: WorkspaceRequest, *, form: ImportUploadForm, result: PurchaseImport | None, status: int = 200
) -> HttpResponse:
    context = {
        "form": form,
        "result": result,
        "errors": [e for e in (result.errors if result else []) if e.get("row") is not None],
        "more_errors": [e for e in (result.errors if result else []) if e.get("row") is None],
        "imports": imports.purchase_import_list(workspace=request.workspace, limit=HISTORY_SIZE),
        "max_mb": int(settings.RELASI_IMPORT_MAX_BYTES) // 1_000_000,
        "headers": imports.template_headers(),
        "analytics_tab": "import",
    }
    return render(request, "analytics/import.html", context, status=status)


@workspace_view(Perm.CONTACTS_IMPORT)
def purchase_import_view(request: WorkspaceRequest) -> HttpResponse:
    """GET: the form and the latest imports. POST: import the file; the rows to fix come back
    on the page (400, nothing imported), a successful import redirects to its result."""
    if request.method != "POST":
        return _page(request, form=ImportUploadForm(), result=None)
    form = ImportUploadForm(request.POST, request.FILES)
    if not form.is_valid():
        return _page(request, form=form, result=None, status=400)
    uploaded = form.cleaned_data["file"]
    try:
        result = imports.purchase_import(
            workspace=request.workspace,
            actor=request.user,
            file_name=uploaded.name or "",
            content=uploaded.read(),
        )
    except ApplicationError as error:
        form.add_error("file", str(error.fields.get("file", error.message)))
        return _page(request, form=form, result=None, status=400)
    if result.pk is None:
        return _page(request, form=form, result=result, status=400)
    messages.success(
        request,
        _("%(imported)d rows imported, %(skipped)d already imported before.")
        % {"imported": result.rows_imported, "skipped": result.rows_skipped},
    )
    return redirect("analytics:import_detail", request.workspace.slug, result.pk)


@require_GET
@workspace_view(Perm.CONTACTS_IMPORT)
def purchase_import_detail_view(request: WorkspaceRequest, import_id: int) -> HttpResponse:
    """The result of one import, with the form to import another file."""
    result = imports.purchase_import_get(workspace=request.workspace, import_id=import_id)
    if result is None:
        raise Http404(_("Import not found."))
    return _page(request, form=ImportUploadForm(), result=result)


@require_GET
@workspace_view(Perm.CONTACTS_IMPORT)
def purchase_import_template_view(request: WorkspaceRequest) -> HttpResponse:
    """A CSV with the column names and example rows, to fill in."""
    response = HttpResponse(imports.purchase_import_template_csv(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = content_disposition_header(
        as_attachment=True, filename=_("orders-template") + ".csv"
    )
    return response
