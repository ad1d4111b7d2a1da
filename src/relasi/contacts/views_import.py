"""Import and export pages. Import: upload → choose columns → check (dry run) → confirm →
progress bar (htmx polling) → report. Export: the list's filters as CSV (streamed) or XLSX.

Thin views: the forms give the input its shape, ``contacts.imports`` / ``contacts.exports``
hold every rule, ``contacts.selectors`` scope every read to the workspace."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib import messages
from django.http import FileResponse, Http404, HttpResponse, StreamingHttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.http import content_disposition_header
from django.utils.text import slugify
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from relasi.accounts.decorators import WorkspaceRequest, workspace_view
from relasi.accounts.permissions import Perm
from relasi.contacts import exports, imports, selectors
from relasi.contacts.enums import ImportStatus
from relasi.contacts.forms_import import ImportMappingForm, ImportUploadForm
from relasi.contacts.models import ImportJob
from relasi.contacts.views import filters_from_request
from relasi.core.exceptions import ApplicationError
from relasi.core.spreadsheets import XLSX_CONTENT_TYPE

HISTORY_SIZE = 10
ACTIVE_STATUSES = (ImportStatus.QUEUED, ImportStatus.RUNNING)
EDITABLE_STATUSES = (ImportStatus.UPLOADED, ImportStatus.VALIDATED)


def _get_job(request: WorkspaceRequest, job_id: int) -> ImportJob:
    job = selectors.import_job_get(workspace=request.workspace, job_id=job_id)
    if job is None:
        raise Http404(_("Import not found."))
    return job


@workspace_view(Perm.CONTACTS_IMPORT)
def contact_import_start_view(request: WorkspaceRequest) -> HttpResponse:
    is_post = request.method == "POST"
    form = ImportUploadForm(request.POST if is_post else None, request.FILES if is_post else None)
    if is_post and form.is_valid():
        try:
            job = imports.import_job_create(
                workspace=request.workspace, actor=request.user, uploaded_file=form.cleaned_data["file"]
            )
        except ApplicationError as error:
            form.add_error("file", str(error.fields.get("file", error.message)))
        else:
            return redirect("contacts:import_detail", request.workspace.slug, job.pk)
    context = {
        "form": form,
        "jobs": selectors.import_job_list(workspace=request.workspace)[:HISTORY_SIZE],
        "max_mb": int(settings.RELASI_IMPORT_MAX_BYTES) // 1_000_000,
    }
    return render(request, "contacts/import_start.html", context, status=400 if form.errors else 200)


def _issues(job: ImportJob, kind: str) -> list[dict[str, Any]]:
    return [issue for issue in job.errors if issue.get("kind") == kind]


def _preview_table(job: ImportJob, preview: imports.ImportPreview, labels: dict[str, str]) -> dict[str, Any]:
    """The first rows as they will be read: mapped columns only, each row marked with its fate."""
    positions = [(preview.headers.index(h), h, t) for h, t in job.mapping.items() if h in preview.headers]
    fate: dict[int, str] = {}
    for issue in job.errors:
        if issue.get("kind") == imports.IssueKind.ERROR:
            fate[issue["row"]] = "error"
        elif issue.get("kind") == imports.IssueKind.DUPLICATE:
            fate.setdefault(issue["row"], "duplicate")
    return {
        "columns": [(header, labels.get(target, target)) for _p, header, target in positions],
        "rows": [
            {
                "number": row.number,
                "cells": [row.cells[p] for p, _h, _t in positions],
                "fate": fate.get(row.number, "ok"),
            }
            for row in preview.rows
        ],
    }


@workspace_view(Perm.CONTACTS_IMPORT)
def contact_import_detail_view(request: WorkspaceRequest, job_id: int) -> HttpResponse:
    job = _get_job(request, job_id)
    choices = imports.import_field_choices(workspace=request.workspace)
    form = None
    status = 200
    if job.status in EDITABLE_STATUSES:
        form = ImportMappingForm(request.POST if request.method == "POST" else None, job=job, choices=choices)
        if request.method == "POST" and form.is_valid():
            try:
                job = imports.import_job_set_mapping(
                    job=job, mapping=form.mapping(), duplicate_policy=form.cleaned_data["duplicate_policy"]
                )
                job = imports.import_job_dry_run(job=job)
            except ApplicationError as error:
                messages.error(request, str(error.message))
                status = 400
            else:
                messages.success(
                    request, _("The file has been checked. Nothing is imported until you confirm.")
                )
                return redirect("contacts:import_detail", request.workspace.slug, job.pk)
        elif request.method == "POST":
            status = 400
    elif request.method == "POST":
        messages.error(request, _("This import has already been confirmed."))
        return redirect("contacts:import_detail", request.workspace.slug, job.pk)
    labels = dict(choices)
    preview = imports.import_job_preview(job=job, limit=imports.PREVIEW_ROWS)
    context = {
        "job": job,
        "form": form,
        "samples": preview.samples(),
        "preview": _preview_table(job, preview, labels) if job.status == ImportStatus.VALIDATED else None,
        "errors": _issues(job, imports.IssueKind.ERROR),
        "duplicates": _issues(job, imports.IssueKind.DUPLICATE),
        "failures": _issues(job, imports.IssueKind.FAILURE),
        "actions": dict(imports.DuplicatePolicy.choices),
        "is_active": job.status in ACTIVE_STATUSES,
        "will_import": job.created_count + job.updated_count,
    }
    return render(request, "contacts/import_detail.html", context, status=status)


@require_POST
@workspace_view(Perm.CONTACTS_IMPORT)
def contact_import_confirm_view(request: WorkspaceRequest, job_id: int) -> HttpResponse:
    job = _get_job(request, job_id)
    try:
        imports.import_job_confirm(job=job, actor=request.user)
    except ApplicationError as error:
        messages.error(request, str(error.message))
    else:
        messages.success(request, _("The import has started. You can leave this page; it continues."))
    return redirect("contacts:import_detail", request.workspace.slug, job.pk)


@require_GET
@workspace_view(Perm.CONTACTS_IMPORT)
def contact_import_progress_view(request: WorkspaceRequest, job_id: int) -> HttpResponse:
    """The progress partial htmx polls every second; once the job ends the partial comes back
    without the polling attributes and htmx reloads the page to show the report."""
    job = _get_job(request, job_id)
    is_active = job.status in ACTIVE_STATUSES
    response = render(request, "contacts/import_progress.html", {"job": job, "is_active": is_active})
    if not is_active and request.headers.get("HX-Request"):
        response["HX-Refresh"] = "true"
    return response


@require_GET
@workspace_view(Perm.CONTACTS_EXPORT)
def contact_export_view(request: WorkspaceRequest) -> HttpResponse:
    """``?format=csv|xlsx`` plus the list page's filters (``q``, ``tag``, ``owner``, …)."""
    file_format = request.GET.get("format", "csv")
    if file_format not in ("csv", "xlsx"):
        return HttpResponse(_("Choose format=csv or format=xlsx."), status=400, content_type="text/plain")
    filters = filters_from_request(request)
    stamp = timezone.localtime().strftime("%Y%m%d-%H%M")
    filename = f"{slugify(_('customers'))}-{request.workspace.slug}-{stamp}.{file_format}"
    ip_address = request.META.get("REMOTE_ADDR")
    response: HttpResponse | StreamingHttpResponse
    if file_format == "xlsx":
        response = FileResponse(
            exports.contact_export_xlsx(
                workspace=request.workspace, actor=request.user, filters=filters, ip_address=ip_address
            ),
            as_attachment=True,
            filename=filename,
            content_type=XLSX_CONTENT_TYPE,
        )
    else:
        delimiter = exports.CSV_DELIMITERS.get(request.GET.get("delimiter", ""), ",")
        response = StreamingHttpResponse(
            exports.contact_export_csv(
                workspace=request.workspace,
                actor=request.user,
                filters=filters,
                delimiter=delimiter,
                ip_address=ip_address,
            ),
            content_type="text/csv; charset=utf-8",
        )
        response["Content-Disposition"] = content_disposition_header(as_attachment=True, filename=filename)
    response["Cache-Control"] = "no-store"  # personal data: never kept by a shared cache
    return response  # type: ignore[return-value]
