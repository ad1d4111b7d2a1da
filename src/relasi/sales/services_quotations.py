"""Quotations and proforma invoices: a pre-sale offer the buyer reviews (reference §1.8, R10).

A quotation is numbered from its own series at creation (``QUO`` or ``PI``), is never
revenue and never a tax invoice. Life cycle::

    draft ──send──▶ sent ──accept──▶ accepted ──convert──▶ converted (a SalesOrder exists)
      ▲               │ ╲──decline──▶ declined
      │               ╰──(valid_until passed: quotations_expire)──▶ expired
      ╰──revise (version + 1, previous version kept)── sent / declined / expired
    any state but converted ──cancel──▶ cancelled

Every service writes the document's timeline (``events.document_event_record``). Nothing
leaves the process inside the transaction: mail goes out in ``transaction.on_commit``.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any
from urllib.parse import quote

from django.conf import settings
from django.db import transaction
from django.urls import NoReverseMatch, reverse
from django.utils import formats, timezone
from django.utils.translation import gettext as _

from relasi.accounts.models import User, Workspace
from relasi.contacts.models import Contact
from relasi.core.exceptions import Conflict, fields_invalid
from relasi.core.mail import send_workspace_mail
from relasi.core.money import format_rupiah
from relasi.core.phone import normalize_phone
from relasi.sales import documents, events, numbering
from relasi.sales.calculations import TaxRule, deposit_amount, rule_on
from relasi.sales.enums import (
    DepositKind,
    DocumentEventKind,
    DocumentType,
    QuotationKind,
    QuotationStatus,
    Series,
)
from relasi.sales.inputs import (
    FORM,
    MAX_TEXT,
    Parsers,
    charges_clean,
    contact_clean,
    date_clean,
    lines_clean_collect,
    parsers_for,
    text_clean,
)
from relasi.sales.models import Deal, Quotation, QuotationVersion, SalesOrder
from relasi.sales.profile import sales_profile_get
from relasi.sales.tax import tax_rule_for, tax_rules

ZERO = Decimal("0")

SEND_CHANNELS = ("email", "whatsapp", "link")
BUYER_FIELDS = documents.BUYER_FIELDS
REVISABLE = frozenset({QuotationStatus.SENT, QuotationStatus.DECLINED, QuotationStatus.EXPIRED})
CANCELLABLE = frozenset(
    {
        QuotationStatus.DRAFT,
        QuotationStatus.SENT,
        QuotationStatus.ACCEPTED,
        QuotationStatus.DECLINED,
        QuotationStatus.EXPIRED,
    }
)


def public_url(quotation: Quotation) -> str:
    """The buyer's link (no login): ``<base>/d/penawaran/<token>/``."""
    path = reverse("sales:public_quotation", args=[quotation.public_token])
    return str(settings.RELASI_BASE_URL).rstrip("/") + path


def public_pdf_url(quotation: Quotation) -> str | None:
    """The buyer's PDF link, when the PDF area (``sales:public_pdf``) is wired in."""
    try:
        path = reverse("sales:public_pdf", args=[quotation.public_token])
    except NoReverseMatch:
        return None
    return str(settings.RELASI_BASE_URL).rstrip("/") + path


def kind_label(quotation: Quotation) -> str:
    return _("proforma invoice") if quotation.kind == QuotationKind.PROFORMA else _("quotation")


def _record(quotation: Quotation, kind: str, actor: User | None, data: dict[str, Any] | None = None) -> None:
    events.document_event_record(
        contact=quotation.contact,
        document_type=DocumentType.QUOTATION,
        document_id=quotation.pk,
        number=quotation.number,
        kind=kind,
        actor=actor,
        data=data,
    )


# Create and update -------------------------------------------------------------------------


@dataclass
class _Header:
    contact: Contact
    kind: str
    issue_date: dt.date
    valid_until: dt.date
    payment_terms_days: int
    shipping_cost: Decimal
    other_costs: Decimal
    other_costs_label: str
    deposit_kind: str
    deposit_value: Decimal
    notes: str
    terms: str
    deal: Deal | None
    customer_po_number: str


def _header_clean(
    *, workspace: Workspace, values: Mapping[str, Any], parsers: Parsers, errors: dict[str, str]
) -> _Header | None:
    profile = sales_profile_get(workspace=workspace)
    deal: Deal | None = None
    raw_deal = values.get("deal")
    if isinstance(raw_deal, Deal):
        raw_deal = raw_deal.pk
    if raw_deal not in (None, ""):
        deal = (
            Deal.objects.filter(workspace=workspace, pk=int(raw_deal)).first()
            if str(raw_deal).isdigit()
            else None
        )
        if deal is None:
            errors["deal"] = _("Choose a deal of this workspace.")
    raw_contact = values.get("contact")
    if raw_contact in (None, "") and deal is not None:
        raw_contact = deal.contact_id  # a quotation made from a deal is for the deal's customer
    contact = contact_clean(workspace=workspace, raw=raw_contact, errors=errors)
    kind = str(values.get("kind") or QuotationKind.QUOTATION)
    if kind not in QuotationKind.values:
        errors["kind"] = _("Choose one of: %(choices)s.") % {"choices": ", ".join(QuotationKind.values)}
    issue_date = (
        date_clean(values.get("issue_date"), field="issue_date", errors=errors) or timezone.localdate()
    )
    valid_until = date_clean(values.get("valid_until"), field="valid_until", errors=errors)
    if valid_until is None and "valid_until" not in errors:
        valid_until = issue_date + dt.timedelta(days=profile.quotation_validity_days)
    if valid_until is not None and valid_until < issue_date:
        errors["valid_until"] = _("The offer cannot end before its date. Pick a day on or after the date.")
    charges = charges_clean(values, parsers=parsers, errors=errors)
    deposit_kind = str(values.get("deposit_kind") or DepositKind.NONE)
    deposit_value = ZERO
    if deposit_kind not in DepositKind.values:
        errors["deposit_kind"] = _("Choose one of: %(choices)s.") % {"choices": ", ".join(DepositKind.values)}
    elif deposit_kind != DepositKind.NONE:
        if kind == QuotationKind.QUOTATION:
            errors["deposit_kind"] = _(
                "Only a proforma invoice can request a deposit. Change the kind to proforma."
            )
        parse = parsers.quantity if deposit_kind == DepositKind.PERCENT else parsers.money
        hint = parsers.percent_hint if deposit_kind == DepositKind.PERCENT else parsers.money_hint
        deposit_value = documents.money_clean(
            values.get("deposit_value"), field="deposit_value", parse=parse, hint=hint, errors=errors
        )
        if "deposit_value" not in errors and deposit_value <= 0:
            errors["deposit_value"] = _("Enter the deposit requested (more than zero).")
        elif deposit_kind == DepositKind.PERCENT and deposit_value > 100:
            errors["deposit_value"] = _("A deposit percentage must be between 0 and 100.")
    terms = text_clean(values.get("terms"), field="terms", errors=errors, max_length=MAX_TEXT)
    if errors or contact is None or valid_until is None:
        return None
    return _Header(
        contact=contact,
        kind=kind,
        issue_date=issue_date,
        valid_until=valid_until,
        payment_terms_days=(
            charges.payment_terms_days
            if charges.payment_terms_days is not None
            else profile.payment_terms_days
        ),
        shipping_cost=charges.shipping_cost,
        other_costs=charges.other_costs,
        other_costs_label=charges.other_costs_label,
        deposit_kind=deposit_kind,
        deposit_value=deposit_value,
        notes=charges.notes,
        terms=terms,
        deal=deal,
        customer_po_number=charges.customer_po_number,
    )


def _apply(
    *,
    quotation: Quotation,
    header: _Header,
    lines: Sequence[documents.LineData],
    rule: TaxRule | None,
    errors: dict[str, str],
) -> None:
    """Set the header, store lines and totals, compute the deposit (``calculations.deposit_amount``)."""
    quotation.contact = header.contact
    for name, value in documents.buyer_snapshot(header.contact).items():
        setattr(quotation, name, value)
    quotation.issue_date = header.issue_date
    quotation.valid_until = header.valid_until
    quotation.payment_terms_days = header.payment_terms_days
    quotation.shipping_cost = header.shipping_cost
    quotation.other_costs = header.other_costs
    quotation.other_costs_label = header.other_costs_label
    quotation.deposit_kind = header.deposit_kind
    quotation.deposit_value = header.deposit_value
    quotation.notes = header.notes
    quotation.terms = header.terms
    quotation.deal = header.deal
    quotation.customer_po_number = header.customer_po_number
    documents.lines_store(document=quotation, lines=lines, rule=rule)
    if header.deposit_kind == DepositKind.AMOUNT and header.deposit_value > quotation.grand_total:
        errors["deposit_value"] = _(
            "The deposit (%(deposit)s) cannot be more than the total (%(total)s)."
        ) % {
            "deposit": format_rupiah(header.deposit_value),
            "total": format_rupiah(quotation.grand_total),
        }
        return
    quotation.deposit_amount = deposit_amount(
        total=quotation.grand_total, kind=header.deposit_kind, value=header.deposit_value
    )


@transaction.atomic
def quotation_create(
    *,
    workspace: Workspace,
    actor: User | None,
    values: Mapping[str, Any],
    lines: Sequence[Mapping[str, Any]],
    input_format: str = FORM,
) -> Quotation:
    """Create a draft quotation or proforma numbered from its series (QUO / PI) on its date.

    PPN only when the seller is PKP on the issue date (``tax.tax_rule_for``). Validity
    defaults to the date + the profile's ``quotation_validity_days``. A deposit (percent
    0–100 or an amount up to the total) is allowed on a proforma only.
    """
    parsers = parsers_for(input_format)
    errors: dict[str, str] = {}
    header = _header_clean(workspace=workspace, values=values, parsers=parsers, errors=errors)
    cleaned = lines_clean_collect(workspace=workspace, rows=lines, parsers=parsers, errors=errors)
    if errors or header is None:
        raise fields_invalid(errors)
    profile = sales_profile_get(workspace=workspace)
    rule = tax_rule_for(profile=profile, day=header.issue_date)
    series = Series.PROFORMA if header.kind == QuotationKind.PROFORMA else Series.QUOTATION
    quotation = Quotation(
        workspace=workspace,
        kind=header.kind,
        number=numbering.number_allocate(workspace=workspace, series=series, day=header.issue_date),
        public_token=documents.public_token_new(),
        created_by=actor,
        contact=header.contact,
        valid_until=header.valid_until,
    )
    quotation.save()
    _apply(quotation=quotation, header=header, lines=cleaned, rule=rule, errors=errors)
    if errors:
        raise fields_invalid(errors)
    quotation.save()
    _record(
        quotation,
        DocumentEventKind.CREATED,
        actor,
        {"kind": quotation.kind, "total": str(quotation.grand_total)},
    )
    return quotation


def _current_values(quotation: Quotation) -> dict[str, Any]:
    return {
        "contact": quotation.contact_id,
        "kind": quotation.kind,
        "issue_date": quotation.issue_date,
        "valid_until": quotation.valid_until,
        "payment_terms_days": quotation.payment_terms_days,
        "shipping_cost": quotation.shipping_cost,
        "other_costs": quotation.other_costs,
        "other_costs_label": quotation.other_costs_label,
        "deposit_kind": quotation.deposit_kind,
        "deposit_value": quotation.deposit_value,
        "notes": quotation.notes,
        "terms": quotation.terms,
        "deal": quotation.deal_id,
        "customer_po_number": quotation.customer_po_number,
    }


def _locked(quotation: Quotation) -> Quotation:
    """The quotation's row, locked until the transaction ends (double clicks, two tabs)."""
    return Quotation.objects.select_for_update().select_related("contact").get(pk=quotation.pk)


@transaction.atomic
def quotation_update(
    *,
    quotation: Quotation,
    actor: User | None,
    values: Mapping[str, Any],
    lines: Sequence[Mapping[str, Any]] | None = None,
    input_format: str = FORM,
) -> Quotation:
    """Change a draft: only the fields given (``lines=None`` keeps the lines, re-priced). The
    buyer is copied again from the contact. The kind cannot change: the number is from its
    series."""
    locked = _locked(quotation)
    if locked.status != QuotationStatus.DRAFT:
        raise Conflict(
            _("Only a draft can be changed. Revise the quotation to make a new version."), code="not_draft"
        )
    merged = {**_current_values(locked), **dict(values)}
    if str(merged.get("kind") or locked.kind) != locked.kind:
        raise fields_invalid(
            {"kind": _("The kind cannot change after the number is given. Create a new document instead.")}
        )
    parsers = parsers_for(input_format)
    errors: dict[str, str] = {}
    # Amounts read back from the row are Decimals already; documents.money_clean passes them through.
    header = _header_clean(workspace=locked.workspace, values=merged, parsers=parsers, errors=errors)
    if lines is None:
        cleaned = documents.lines_of(locked)
    else:
        cleaned = lines_clean_collect(workspace=locked.workspace, rows=lines, parsers=parsers, errors=errors)
    if errors or header is None:
        raise fields_invalid(errors)
    profile = sales_profile_get(workspace=locked.workspace)
    rule = tax_rule_for(profile=profile, day=header.issue_date)
    _apply(quotation=locked, header=header, lines=cleaned, rule=rule, errors=errors)
    if errors:
        raise fields_invalid(errors)
    locked.save()
    _record(locked, DocumentEventKind.UPDATED, actor, {"total": str(locked.grand_total)})
    return locked


# Revise ------------------------------------------------------------------------------------


def _money(value: Decimal) -> str:
    return str(value)


def quotation_snapshot(quotation: Quotation) -> dict[str, Any]:
    """The quotation as it stands: header, buyer, lines and totals, JSON-ready (amounts as
    decimal strings, dates ISO)."""
    header_fields = (
        "kind",
        "number",
        "version",
        "status",
        "payment_terms_days",
        "deposit_kind",
        "other_costs_label",
        "notes",
        "terms",
        "customer_po_number",
        "answered_by_name",
        "decline_reason",
        *documents.BUYER_FIELDS,
    )
    header: dict[str, Any] = {name: getattr(quotation, name) for name in header_fields}
    header.update(
        contact_id=quotation.contact_id,
        deal_id=quotation.deal_id,
        issue_date=quotation.issue_date.isoformat(),
        valid_until=quotation.valid_until.isoformat(),
        deposit_value=_money(quotation.deposit_value),
        deposit_amount=_money(quotation.deposit_amount),
        sent_at=quotation.sent_at.isoformat() if quotation.sent_at else None,
        viewed_at=quotation.viewed_at.isoformat() if quotation.viewed_at else None,
        answered_at=quotation.answered_at.isoformat() if quotation.answered_at else None,
    )
    totals = {
        "tax_applied": quotation.tax_applied,
        "ppn_rate": _money(quotation.ppn_rate),
        "shipping_cost": _money(quotation.shipping_cost),
        "other_costs": _money(quotation.other_costs),
        "subtotal": _money(quotation.subtotal),
        "discount_total": _money(quotation.discount_total),
        "net_total": _money(quotation.net_total),
        "other_base_total": _money(quotation.other_base_total),
        "ppn_total": _money(quotation.ppn_total),
        "grand_total": _money(quotation.grand_total),
    }
    lines = [
        {
            "position": line.position,
            "product_id": line.product_id,
            "description": line.description,
            "quantity": str(line.quantity),
            "unit": line.unit,
            "unit_price": _money(line.unit_price),
            "discount_percent": str(line.discount_percent),
            "discount_amount": _money(line.discount_amount),
            "tax_treatment": line.tax_treatment,
            "gross": _money(line.gross),
            "discount": _money(line.discount),
            "net": _money(line.net),
            "other_base": _money(line.other_base),
            "ppn": _money(line.ppn),
            "total": _money(line.total),
        }
        for line in quotation.lines.all()
    ]
    return {"header": header, "lines": lines, "totals": totals}


@transaction.atomic
def quotation_revise(*, quotation: Quotation, actor: User | None) -> Quotation:
    """Reopen a sent, declined or expired quotation as a draft of the next version. The
    previous version (header, lines, totals) is kept in ``QuotationVersion``; the number and
    the public link stay. A validity date already past moves to today + the profile's
    validity, so the new version can be sent. Accepted, converted and cancelled quotations
    cannot be revised."""
    locked = _locked(quotation)
    if locked.status not in REVISABLE:
        raise Conflict(
            _("A quotation that is %(status)s cannot be revised. Only sent, declined or expired ones can.")
            % {"status": locked.get_status_display().lower()},
            code="not_revisable",
        )
    previous = locked.version
    QuotationVersion.objects.create(
        quotation=locked, version=previous, snapshot=quotation_snapshot(locked), created_by=actor
    )
    locked.version = previous + 1
    locked.status = QuotationStatus.DRAFT
    locked.sent_at = None
    locked.viewed_at = None
    locked.answered_at = None
    locked.answered_by_name = ""
    locked.decline_reason = ""
    today = timezone.localdate()
    if locked.valid_until < today:  # an expired offer is revised to be offered again
        validity = sales_profile_get(workspace=locked.workspace).quotation_validity_days
        locked.valid_until = today + dt.timedelta(days=validity)
    locked.save()
    _record(locked, DocumentEventKind.REVISED, actor, {"from_version": previous, "version": locked.version})
    return locked


# Send --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class SendResult:
    status: str
    public_url: str
    whatsapp_url: str | None = None


def whatsapp_text(quotation: Quotation) -> str:
    """The prefilled WhatsApp text: number, total, validity and the public link. Never NIK,
    NPWP or account numbers (R25): the document itself is behind the link."""
    return _(
        "Hello %(name)s, here is our %(kind)s %(number)s for %(total)s, valid until %(date)s. "
        "View, download or accept it here: %(url)s"
    ) % {
        "name": quotation.buyer_name,
        "kind": kind_label(quotation),
        "number": quotation.number,
        "total": format_rupiah(quotation.grand_total),
        "date": formats.date_format(quotation.valid_until, "j F Y"),
        "url": public_url(quotation),
    }


def whatsapp_link(quotation: Quotation) -> str:
    """``https://wa.me/<wa_id>?text=…`` (R20, R26): wa_id is the buyer's E.164 number
    without ``+``."""
    number = normalize_phone(quotation.buyer_phone or "")
    if number is None:
        raise fields_invalid(
            {
                "buyer_phone": _(
                    "The customer has no valid WhatsApp number. Add a mobile number to the contact."
                )
            }
        )
    return f"https://wa.me/{number.whatsapp_id}?text={quote(whatsapp_text(quotation), safe='')}"


def _mail(quotation: Quotation, *, to: str, seller: str) -> tuple[str, str]:
    subject = _("%(kind)s %(number)s from %(seller)s") % {
        "kind": kind_label(quotation).capitalize(),
        "number": quotation.number,
        "seller": seller,
    }
    parts = [
        _("Dear %(name)s,") % {"name": quotation.buyer_name},
        "",
        _("Please find our %(kind)s %(number)s for %(total)s, valid until %(date)s.")
        % {
            "kind": kind_label(quotation),
            "number": quotation.number,
            "total": format_rupiah(quotation.grand_total),
            "date": formats.date_format(quotation.valid_until, "j F Y"),
        },
        "",
        _("View it and accept or decline it here: %(url)s") % {"url": public_url(quotation)},
    ]
    pdf = public_pdf_url(quotation)
    if pdf:
        parts.append(_("Download the PDF: %(url)s") % {"url": pdf})
    parts += ["", _("Regards,"), seller]
    return subject, "\n".join(parts)


@transaction.atomic
def quotation_send(
    *, quotation: Quotation, actor: User | None, channel: str, email: str | None = None
) -> SendResult:
    """Share a draft or sent quotation: ``email`` (mailed after commit with the public and
    PDF links), ``whatsapp`` (returns a wa.me link with a prefilled text) or ``link`` (returns
    the public URL). A draft becomes sent; ``sent_at`` is set on the first send."""
    if channel not in SEND_CHANNELS:
        raise fields_invalid(
            {"channel": _("Choose one of: %(choices)s.") % {"choices": ", ".join(SEND_CHANNELS)}}
        )
    locked = _locked(quotation)
    if locked.status not in (QuotationStatus.DRAFT, QuotationStatus.SENT):
        raise Conflict(
            _("A quotation that is %(status)s cannot be sent. Revise it first to send a new version.")
            % {"status": locked.get_status_display().lower()},
            code="not_sendable",
        )
    if locked.valid_until < timezone.localdate():
        raise fields_invalid(
            {"valid_until": _("The offer's validity date has passed. Change it before sending.")}
        )
    result_whatsapp: str | None = None
    recipient = ""
    if channel == "whatsapp":
        result_whatsapp = whatsapp_link(locked)
    elif channel == "email":
        recipient = (email or locked.buyer_email or "").strip()
        if not recipient or "@" not in recipient:
            raise fields_invalid(
                {
                    "email": _(
                        "The customer has no e-mail address. Add one to the contact or send by WhatsApp."
                    )
                }
            )
    if locked.status == QuotationStatus.DRAFT:
        locked.status = QuotationStatus.SENT
    if locked.sent_at is None:
        locked.sent_at = timezone.now()
    locked.save(update_fields=["status", "sent_at", "updated_at"])
    data: dict[str, Any] = {"channel": channel, "version": locked.version}
    if recipient:
        data["to"] = recipient
        profile = sales_profile_get(workspace=locked.workspace)
        subject, body = _mail(locked, to=recipient, seller=profile.legal_name or locked.workspace.name)
        workspace_id = locked.workspace_id
        transaction.on_commit(
            lambda: send_workspace_mail(workspace_id=workspace_id, subject=subject, body=body, to=[recipient])
        )
    _record(locked, DocumentEventKind.SENT, actor, data)
    return SendResult(status=locked.status, public_url=public_url(locked), whatsapp_url=result_whatsapp)


# The buyer's answer ------------------------------------------------------------------------


def quotation_view_record(*, quotation: Quotation) -> bool:
    """Record the buyer's first opening of the public link (``viewed_at`` + a VIEWED event);
    later openings record nothing. Returns whether this was the first. Race-free: a
    conditional UPDATE claims the first view."""
    with transaction.atomic():
        now = timezone.now()
        claimed = Quotation.objects.filter(pk=quotation.pk, viewed_at__isnull=True).update(viewed_at=now)
        if not claimed:
            return False
        quotation.viewed_at = now
        _record(quotation, DocumentEventKind.VIEWED, None, {"version": quotation.version})
        return True


def _answerable(locked: Quotation) -> None:
    if locked.status != QuotationStatus.SENT:
        raise Conflict(
            _("This %(kind)s is %(status)s and can no longer be answered.")
            % {"kind": kind_label(locked), "status": locked.get_status_display().lower()},
            code="not_answerable",
        )
    if locked.valid_until < timezone.localdate():
        raise Conflict(
            _("This %(kind)s expired on %(date)s. Ask the seller for a new one.")
            % {"kind": kind_label(locked), "date": formats.date_format(locked.valid_until, "j F Y")},
            code="expired",
        )


@transaction.atomic
def quotation_accept(
    *, quotation: Quotation, actor: User | None, name: str, po_number: str = ""
) -> Quotation:
    """The buyer accepts (on the public page, ``actor=None``) or the seller records it on the
    buyer's behalf: who accepted and the buyer's PO number. Only a sent quotation within its
    validity; the row is locked so two clicks accept once."""
    errors: dict[str, str] = {}
    name = text_clean(name, field="name", errors=errors, max_length=120)
    po_number = text_clean(po_number, field="po_number", errors=errors, max_length=60)
    if not name and "name" not in errors:
        errors["name"] = _("Write the name of the person accepting.")
    if errors:
        raise fields_invalid(errors)
    locked = _locked(quotation)
    _answerable(locked)
    locked.status = QuotationStatus.ACCEPTED
    locked.answered_at = timezone.now()
    locked.answered_by_name = name
    if po_number:
        locked.customer_po_number = po_number
    locked.save()
    _record(
        locked,
        DocumentEventKind.ACCEPTED,
        actor,
        {"name": name, "po_number": po_number, "on_behalf": actor is not None, "version": locked.version},
    )
    return locked


@transaction.atomic
def quotation_decline(
    *, quotation: Quotation, actor: User | None, reason: str = "", name: str = ""
) -> Quotation:
    """The buyer declines a sent quotation, with a reason (optional, kept for the seller)."""
    errors: dict[str, str] = {}
    reason = text_clean(reason, field="reason", errors=errors, max_length=MAX_TEXT)
    name = text_clean(name, field="name", errors=errors, max_length=120)
    if errors:
        raise fields_invalid(errors)
    locked = _locked(quotation)
    _answerable(locked)
    locked.status = QuotationStatus.DECLINED
    locked.answered_at = timezone.now()
    locked.answered_by_name = name
    locked.decline_reason = reason
    locked.save()
    _record(locked, DocumentEventKind.DECLINED, actor, {"reason": reason, "version": locked.version})
    return locked


@transaction.atomic
def quotation_cancel(*, quotation: Quotation, actor: User | None, reason: str = "") -> Quotation:
    """The seller withdraws the quotation. A converted one cannot be cancelled (cancel the
    sales order instead); the public link stops working."""
    locked = _locked(quotation)
    if locked.status not in CANCELLABLE:
        raise Conflict(
            _("A quotation that is %(status)s cannot be cancelled.")
            % {"status": locked.get_status_display().lower()},
            code="not_cancellable",
        )
    locked.status = QuotationStatus.CANCELLED
    locked.save(update_fields=["status", "updated_at"])
    _record(locked, DocumentEventKind.CANCELLED, actor, {"reason": reason[:500]})
    return locked


def quotations_expire(*, today: dt.date | None = None) -> int:
    """Mark sent quotations whose validity ended before ``today`` as expired (all
    workspaces), one EXPIRED event each. Safe to run twice. Returns how many expired."""
    day = today or timezone.localdate()
    expired = 0
    ids = list(
        Quotation.objects.filter(status=QuotationStatus.SENT, valid_until__lt=day).values_list(
            "pk", flat=True
        )
    )
    for pk in ids:
        with transaction.atomic():
            quotation = (
                Quotation.objects.select_for_update()
                .select_related("contact")
                .filter(pk=pk, status=QuotationStatus.SENT, valid_until__lt=day)
                .first()
            )
            if quotation is None:  # answered or revised meanwhile
                continue
            quotation.status = QuotationStatus.EXPIRED
            quotation.save(update_fields=["status", "updated_at"])
            _record(
                quotation, DocumentEventKind.EXPIRED, None, {"valid_until": quotation.valid_until.isoformat()}
            )
            expired += 1
    return expired


# Convert -----------------------------------------------------------------------------------


def _rule_of(quotation: Quotation) -> TaxRule | None:
    """The PPN rule the quotation was priced under, so the order repeats the agreed totals."""
    return rule_on(tax_rules(), quotation.issue_date) if quotation.tax_applied else None


@transaction.atomic
def quotation_convert(*, quotation: Quotation, actor: User | None) -> SalesOrder:
    """Turn an accepted quotation into a sales order (series SO): same buyer, lines, charges,
    totals and PO number; the quotation becomes converted. Once only: the quotation row is
    locked, and a second call is a ``Conflict``."""
    locked = _locked(quotation)
    existing = SalesOrder.objects.filter(quotation=locked).first()
    if existing is not None or locked.status == QuotationStatus.CONVERTED:
        raise Conflict(
            _("This quotation was already converted into sales order %(number)s.")
            % {"number": existing.number if existing else "?"},
            code="already_converted",
        )
    if locked.status != QuotationStatus.ACCEPTED:
        raise Conflict(
            _("Only an accepted quotation can become a sales order. This one is %(status)s.")
            % {"status": locked.get_status_display().lower()},
            code="not_accepted",
        )
    day = timezone.localdate()
    order = SalesOrder(
        workspace=locked.workspace,
        number=numbering.number_allocate(workspace=locked.workspace, series=Series.SALES_ORDER, day=day),
        order_date=day,
        quotation=locked,
        contact=locked.contact,
        customer_po_number=locked.customer_po_number,
        payment_terms_days=locked.payment_terms_days,
        notes=locked.notes,
        shipping_cost=locked.shipping_cost,
        other_costs=locked.other_costs,
        other_costs_label=locked.other_costs_label,
        created_by=actor,
    )
    for name in BUYER_FIELDS:
        setattr(order, name, getattr(locked, name))
    order.save()
    documents.lines_store(document=order, lines=documents.lines_of(locked), rule=_rule_of(locked))
    order.save()
    locked.status = QuotationStatus.CONVERTED
    locked.save(update_fields=["status", "updated_at"])
    _record(
        locked,
        DocumentEventKind.CONVERTED,
        actor,
        {"sales_order_id": order.pk, "sales_order_number": order.number},
    )
    events.document_event_record(
        contact=locked.contact,
        document_type=DocumentType.SALES_ORDER,
        document_id=order.pk,
        number=order.number,
        kind=DocumentEventKind.CREATED,
        actor=actor,
        data={"quotation_id": locked.pk, "quotation_number": locked.number},
    )
    return order
