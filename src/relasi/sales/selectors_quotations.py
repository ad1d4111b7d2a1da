"""Reads of quotations and proforma invoices, always scoped to one workspace (the public
page finds a quotation by its unguessable token instead)."""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Prefetch, QuerySet

from relasi.accounts.models import Workspace
from relasi.contacts.models import Contact
from relasi.sales.enums import DocumentType, QuotationKind, QuotationStatus
from relasi.sales.models import Deal, DocumentEvent, Quotation, QuotationLine, QuotationVersion

PUBLIC_HIDDEN = (QuotationStatus.DRAFT, QuotationStatus.CANCELLED)


@dataclass(frozen=True)
class QuotationFilters:
    status: str = ""
    kind: str = ""
    contact_id: int | None = None


def quotation_list(*, workspace: Workspace, filters: QuotationFilters | None = None) -> QuerySet[Quotation]:
    """The workspace's quotations, newest first, with the customer (one query per page)."""
    f = filters or QuotationFilters()
    qs = Quotation.objects.filter(workspace=workspace).select_related("contact")
    if f.status in QuotationStatus.values:
        qs = qs.filter(status=f.status)
    if f.kind in QuotationKind.values:
        qs = qs.filter(kind=f.kind)
    if f.contact_id:
        qs = qs.filter(contact_id=f.contact_id)
    return qs.order_by("-id")


def _with_lines(qs: QuerySet[Quotation]) -> QuerySet[Quotation]:
    return qs.select_related("contact", "deal", "workspace").prefetch_related(
        Prefetch("lines", queryset=QuotationLine.objects.select_related("product").order_by("position", "id"))
    )


def quotation_get(*, workspace: Workspace, quotation_id: int) -> Quotation | None:
    return _with_lines(Quotation.objects.filter(workspace=workspace, pk=quotation_id)).first()


def quotation_get_public(*, token: str) -> Quotation | None:
    """A quotation the buyer may see through its link: not a draft, not cancelled."""
    if not token or len(token) > 64:
        return None
    return _with_lines(Quotation.objects.filter(public_token=token).exclude(status__in=PUBLIC_HIDDEN)).first()


def quotation_versions(*, quotation: Quotation) -> list[QuotationVersion]:
    return list(
        QuotationVersion.objects.filter(quotation=quotation).select_related("created_by").order_by("-version")
    )


def document_events(*, workspace: Workspace, document_type: str, document_id: int) -> list[DocumentEvent]:
    """A document's own timeline, newest first."""
    return list(
        DocumentEvent.objects.filter(
            workspace=workspace, document_type=document_type, document_id=document_id
        )
        .select_related("actor")
        .order_by("-created_at", "-id")
    )


def quotation_events(*, quotation: Quotation) -> list[DocumentEvent]:
    return document_events(
        workspace=quotation.workspace, document_type=DocumentType.QUOTATION, document_id=quotation.pk
    )


def deal_choices(*, workspace: Workspace, include_id: int | None = None, limit: int = 200) -> list[Deal]:
    """Deals offered in the quotation form: the open ones, newest first (plus the chosen one)."""
    from relasi.sales.enums import OPEN_STAGES

    deals = list(
        Deal.objects.filter(workspace=workspace, stage__in=OPEN_STAGES)
        .select_related("contact")
        .order_by("-id")[:limit]
    )
    if include_id and all(d.pk != include_id for d in deals):
        extra = Deal.objects.filter(workspace=workspace, pk=include_id).select_related("contact").first()
        if extra is not None:
            deals.insert(0, extra)
    return deals


def deal_get(*, workspace: Workspace, deal_id: int) -> Deal | None:
    return Deal.objects.filter(workspace=workspace, pk=deal_id).select_related("contact").first()


def contact_choices(
    *, workspace: Workspace, q: str = "", include_id: int | None = None, limit: int = 50
) -> list[Contact]:
    """Customers offered in the customer picker: matching ``q`` (name, phone, e-mail) or the
    most recent ones, plus the one already chosen."""
    from relasi.contacts.selectors import ContactFilters, contact_list

    qs = (
        contact_list(workspace=workspace, filters=ContactFilters(q=q))
        if q
        else Contact.objects.filter(workspace=workspace, merged_into__isnull=True)
    )
    contacts = list(qs.select_related("company").order_by("-id")[:limit])
    if include_id and all(c.pk != include_id for c in contacts):
        extra = Contact.objects.filter(workspace=workspace, pk=include_id, merged_into__isnull=True).first()
        if extra is not None:
            contacts.insert(0, extra)
    return contacts
