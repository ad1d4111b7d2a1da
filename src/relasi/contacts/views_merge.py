"""Merge pages: suggested duplicates with recent merges, "merge with…" (search and similar
customers), the side-by-side preview that performs the merge, and undo.

Everything works without JavaScript; with htmx the preview refreshes when a choice changes
and the search refreshes while typing.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.contrib import messages
from django.db.models import Field
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils import formats
from django.utils.text import capfirst
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from relasi.accounts.decorators import WorkspaceRequest, workspace_view
from relasi.accounts.permissions import Perm
from relasi.contacts import duplicates, selectors
from relasi.contacts.merge import (
    MERGED,
    SURVIVOR,
    MergeFieldResult,
    MergePreview,
    contact_merge,
    contact_merge_preview,
    contact_merge_undo,
)
from relasi.contacts.models import Contact
from relasi.core.exceptions import ApplicationError
from relasi.core.phone import format_phone_national

SEARCH_LIMIT = 20
CHOICE_PREFIX = "choice_"


def _live_contact(request: WorkspaceRequest, contact_id: int) -> Contact:
    contact = selectors.contact_get(workspace=request.workspace, contact_id=contact_id)
    if contact is None:
        raise Http404(_("Customer not found."))
    return contact


@workspace_view(Perm.CONTACTS_MERGE)
def contact_duplicate_list_view(request: WorkspaceRequest) -> HttpResponse:
    context = {
        "pairs": duplicates.duplicate_pair_list(workspace=request.workspace),
        "merges": duplicates.contact_merge_recent_list(workspace=request.workspace),
        "undo_days": duplicates.MERGE_UNDO_DAYS,
    }
    return render(request, "contacts/duplicates.html", context)


@workspace_view(Perm.CONTACTS_MERGE)
def contact_merge_choose_view(request: WorkspaceRequest, contact_id: int) -> HttpResponse:
    contact = _live_contact(request, contact_id)
    q = request.GET.get("q", "").strip()[:200]
    results: list[duplicates.SimilarContact] = []
    if q:
        found = selectors.contact_list(
            workspace=request.workspace, filters=selectors.ContactFilters(q=q)
        ).order_by("-id")[: SEARCH_LIMIT + 1]
        results = [duplicates.SimilarContact(contact=c, reasons=()) for c in found if c.pk != contact.pk][
            :SEARCH_LIMIT
        ]
    context = {
        "contact": contact,
        "q": q,
        "results": results,
        "similar": duplicates.contact_similar_list(workspace=request.workspace, contact=contact),
    }
    return render(request, "contacts/merge_choose.html", context)


@dataclass(frozen=True)
class PreviewRow:
    """One line of the side-by-side table, with display text for both sides and the result."""

    name: str
    label: str
    survivor_text: str
    merged_text: str
    result_text: str
    source: str
    differs: bool

    @property
    def input_name(self) -> str:
        return CHOICE_PREFIX + self.name


def _display(contact: Contact, item: MergeFieldResult, side: str) -> str:
    value = item.survivor_value if side == SURVIVOR else item.merged_value
    if value in (None, ""):
        return ""
    if item.custom_key:
        return str(value)
    if item.name in ("company", "department", "owner"):
        return str(getattr(contact, item.name) or "")
    if item.name in ("phone", "phone_alt"):
        return format_phone_national(str(value))
    if item.name == "birthday":
        return formats.date_format(value, "DATE_FORMAT")
    display = getattr(contact, f"get_{item.name}_display", None)
    return str(display()) if display is not None else str(value)


def _label(item: MergeFieldResult, custom_labels: dict[str, str]) -> str:
    if item.custom_key:
        return custom_labels.get(item.custom_key, item.custom_key)
    field = Contact._meta.get_field(item.name)
    assert isinstance(field, Field)
    return capfirst(str(field.verbose_name))


def _preview_rows(
    *, preview: MergePreview, survivor: Contact, merged: Contact, custom_labels: dict[str, str]
) -> list[PreviewRow]:
    rows = []
    for item in preview.fields:
        survivor_text = _display(survivor, item, SURVIVOR)
        merged_text = _display(merged, item, MERGED)
        if not survivor_text and not merged_text:
            continue
        rows.append(
            PreviewRow(
                name=item.name,
                label=_label(item, custom_labels),
                survivor_text=survivor_text,
                merged_text=merged_text,
                result_text=survivor_text if item.source == SURVIVOR else merged_text,
                source=item.source,
                differs=item.differs,
            )
        )
    return rows


@workspace_view(Perm.CONTACTS_MERGE)
def contact_merge_preview_view(request: WorkspaceRequest, contact_id: int, other_id: int) -> HttpResponse:
    """GET shows the preview; POST with ``refresh`` (or from htmx) recomputes it with the
    chosen values; POST with ``confirm`` merges ``other_id`` into ``contact_id``."""
    survivor = _live_contact(request, contact_id)
    merged = _live_contact(request, other_id)
    if survivor.pk == merged.pk:
        messages.error(request, _("A customer cannot be merged with itself. Choose another customer."))
        return redirect("contacts:merge_choose", request.workspace.slug, survivor.pk)
    data = request.POST if request.method == "POST" else request.GET
    choices = {
        key[len(CHOICE_PREFIX) :]: str(data.get(key, "")) for key in data if key.startswith(CHOICE_PREFIX)
    }
    status = 200
    error_message = ""
    try:
        preview = contact_merge_preview(survivor=survivor, merged=merged, choices=choices)
    except ApplicationError as error:
        error_message, status = str(error.message), error.status
        preview = contact_merge_preview(survivor=survivor, merged=merged)
    confirmed = request.method == "POST" and "confirm" in request.POST
    if confirmed and not error_message:
        try:
            record = contact_merge(
                survivor=survivor,
                merged=merged,
                actor=request.user,
                choices=choices,
                ip_address=request.META.get("REMOTE_ADDR"),
            )
        except ApplicationError as error:
            error_message, status = str(error.message), error.status
        else:
            messages.success(
                request,
                _(
                    "%(merged)s was merged into %(survivor)s. "
                    "You can undo this for %(days)d days on the Duplicates page."
                )
                % {
                    "merged": record.merged.full_name,
                    "survivor": record.survivor.full_name,
                    "days": duplicates.MERGE_UNDO_DAYS,
                },
            )
            return redirect("contacts:detail", request.workspace.slug, survivor.pk)
    partial = bool(request.htmx) and request.htmx.target == "merge-result" and not confirmed
    custom_labels = {d.key: d.label for d in selectors.custom_field_list(workspace=request.workspace)}
    context: dict[str, Any] = {
        "survivor": survivor,
        "merged": merged,
        "rows": _preview_rows(preview=preview, survivor=survivor, merged=merged, custom_labels=custom_labels),
        "preview": preview,
        "survivor_tags": list(survivor.tags.all()),
        "merged_tags": list(merged.tags.all()),
        "moving": [] if partial else duplicates.contact_related_counts(contact=merged),
        "error_message": error_message,
        "undo_days": duplicates.MERGE_UNDO_DAYS,
    }
    template = "contacts/merge_result.html" if partial else "contacts/merge_preview.html"
    return render(request, template, context, status=status)


@require_POST
@workspace_view(Perm.CONTACTS_MERGE)
def contact_merge_undo_view(request: WorkspaceRequest, merge_id: int) -> HttpResponse:
    record = duplicates.contact_merge_get(workspace=request.workspace, merge_id=merge_id)
    if record is None:
        raise Http404(_("Merge not found."))
    try:
        contact_merge_undo(merge=record, actor=request.user, ip_address=request.META.get("REMOTE_ADDR"))
    except ApplicationError as error:
        messages.error(request, str(error.message))
    else:
        messages.success(
            request,
            _("The merge was undone: %(name)s is a separate customer again.")
            % {"name": record.merged.full_name},
        )
    return redirect("contacts:duplicates", request.workspace.slug)
