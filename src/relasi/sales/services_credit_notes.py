"""Credit notes (nota kredit): credit part or all of an issued invoice.

A credit note is issued on creation (numbered from the CN series, immutable). It is priced
with the invoice's own PPN rule (the rate printed on the invoice and the base of the table
row in force on the invoice date), never today's, so crediting a line gives back exactly the
tax that was charged on it. A line can never be credited for more than what remains of it.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping, Sequence
from decimal import Decimal
from fractions import Fraction
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from relasi.accounts.models import User
from relasi.core.exceptions import Conflict, fields_invalid
from relasi.core.money import MoneyParseError, parse_api_decimal
from relasi.sales import numbering, selectors_invoices
from relasi.sales.calculations import SEN, LineAmounts, LineInput, TaxRule, line_amounts, rule_on
from relasi.sales.enums import DocumentEventKind, DocumentType, InvoiceStatus, Series
from relasi.sales.events import document_event_record
from relasi.sales.models import CreditNote, CreditNoteLine, Invoice, InvoiceLine
from relasi.sales.pdf import pdf_render_later
from relasi.sales.services_invoices import BUYER_FIELDS, invoice_balance_refresh
from relasi.sales.tax import tax_rules

ZERO = Decimal("0")


def invoice_tax_rule(*, invoice: Invoice) -> TaxRule | None:
    """The rule the invoice was priced with: its own stored rate, on the base fractions of the
    table row in force on its date. ``None`` when no PPN was charged (non-PKP)."""
    if not invoice.tax_applied:
        return None
    rule = rule_on(tax_rules(), invoice.issue_date)
    return dataclasses.replace(rule, rate=Fraction(str(invoice.ppn_rate)))


def _quantity(raw: Any) -> Decimal | None:
    if isinstance(raw, Decimal):
        return raw
    if isinstance(raw, int) and not isinstance(raw, bool):
        return Decimal(raw)
    if isinstance(raw, str):
        text = raw.strip()
        try:
            return parse_api_decimal(text)
        except MoneyParseError:
            try:
                return parse_api_decimal(text.replace(".", "").replace(",", "."))
            except MoneyParseError:
                return None
    return None


@dataclasses.dataclass(frozen=True)
class _Credit:
    line: InvoiceLine
    quantity: Decimal
    amounts: LineAmounts


def _credit_amounts(line: InvoiceLine, quantity: Decimal, rule: TaxRule | None) -> LineAmounts:
    """A whole line credited at once gives back its stored amounts exactly; a part is priced
    like the line, its fixed discount prorated by quantity."""
    if quantity == line.quantity:
        return LineAmounts(line.gross, line.discount, line.net, line.other_base, line.ppn, line.total)
    discount_amount = (line.discount_amount * quantity / line.quantity).quantize(SEN)
    return line_amounts(
        LineInput(
            quantity=quantity,
            unit_price=line.unit_price,
            discount_percent=line.discount_percent,
            discount_amount=discount_amount,
            tax_treatment=line.tax_treatment,
        ),
        rule=rule,
    )


@transaction.atomic
def credit_note_create(
    *,
    invoice: Invoice,
    actor: User | None,
    reason: str,
    lines: Sequence[Mapping[str, Any]] | None = None,
    full: bool = False,
) -> CreditNote:
    """Credit an issued, non-void invoice: ``full=True`` credits everything not yet credited
    (lines, shipping and other costs); otherwise ``lines`` is ``[{"invoice_line_id",
    "quantity"}]``. Errors name ``lines.<n>.quantity`` when more is asked than remains. The
    balance of the invoice is refreshed; CREDITED on the invoice, CREATED on the note."""
    reason = (reason or "").strip()
    errors: dict[str, str] = {}
    if not reason:
        errors["reason"] = _("Say why this credit note is issued.")
    locked = Invoice.objects.select_for_update(of=("self",)).select_related("contact").get(pk=invoice.pk)
    if locked.status == InvoiceStatus.DRAFT:
        raise Conflict(
            _("Only an issued invoice can be credited; change the draft instead."), code="invoice_draft"
        )
    if locked.status == InvoiceStatus.VOID:
        raise Conflict(_("A void invoice cannot be credited."), code="invoice_void")
    invoice_lines = {line.pk: line for line in locked.lines.all()}
    credited = selectors_invoices.credited_quantities(invoice=locked)
    remaining = {pk: line.quantity - credited.get(line.position, ZERO) for pk, line in invoice_lines.items()}
    rule = invoice_tax_rule(invoice=locked)
    requests: list[tuple[InvoiceLine, Decimal]] = []
    shipping = other_costs = ZERO
    if full:
        requests = [(line, remaining[pk]) for pk, line in invoice_lines.items() if remaining[pk] > 0]
        shipping_done, other_done = selectors_invoices.credited_charges(invoice=locked)
        shipping = locked.shipping_cost - shipping_done
        other_costs = locked.other_costs - other_done
    else:
        if not lines:
            errors["lines"] = _("Choose at least one line to credit, or credit the whole invoice.")
        seen: set[int] = set()
        for n, row in enumerate(lines or [], start=1):
            key = f"lines.{n}."
            raw_id = row.get("invoice_line_id")
            line_id = int(str(raw_id)) if str(raw_id).isdigit() else None
            line = invoice_lines.get(line_id) if line_id is not None else None
            if line is None:
                errors[key + "invoice_line_id"] = _("Choose a line of this invoice.")
                continue
            if line.pk in seen:
                errors[key + "invoice_line_id"] = _("This line is listed twice; list it once.")
                continue
            seen.add(line.pk)
            quantity = _quantity(row.get("quantity"))
            if quantity is None:
                errors[key + "quantity"] = _("Write the quantity as a number, for example 2 or 1.5.")
            elif quantity <= 0:
                errors[key + "quantity"] = _("The quantity must be more than zero.")
            elif quantity != quantity.quantize(Decimal("0.001")):
                errors[key + "quantity"] = _("Use at most three decimals in the quantity.")
            elif quantity > remaining[line.pk]:
                errors[key + "quantity"] = _(
                    "At most %(left)s of this line can still be credited (%(done)s already credited)."
                ) % {"left": _plain(remaining[line.pk]), "done": _plain(line.quantity - remaining[line.pk])}
            else:
                requests.append((line, quantity))
    if errors:
        raise fields_invalid(errors)
    credits = [_Credit(line, quantity, _credit_amounts(line, quantity, rule)) for line, quantity in requests]
    charges = [
        line_amounts(LineInput(quantity=Decimal(1), unit_price=amount), rule=rule)
        for amount in (shipping, other_costs)
    ]
    every = [credit.amounts for credit in credits] + charges
    grand_total = sum((a.total for a in every), ZERO)
    if not credits and grand_total <= 0:
        raise Conflict(_("Everything on this invoice has already been credited."), code="nothing_to_credit")
    issue_date = timezone.localdate()
    note = CreditNote(
        workspace=locked.workspace,
        invoice=locked,
        issue_date=issue_date,
        reason=reason[:2000],
        created_by=actor,
        number=numbering.number_allocate(
            workspace=locked.workspace, series=Series.CREDIT_NOTE, day=issue_date
        ),
        tax_applied=locked.tax_applied,
        ppn_rate=locked.ppn_rate,
        shipping_cost=shipping,
        other_costs=other_costs,
        other_costs_label=locked.other_costs_label,
        subtotal=sum((c.amounts.gross for c in credits), ZERO),
        discount_total=sum((a.discount for a in every), ZERO),
        net_total=sum((a.net for a in every), ZERO),
        other_base_total=sum((a.other_base for a in every), ZERO),
        ppn_total=sum((a.ppn for a in every), ZERO),
        grand_total=grand_total,
    )
    for name in BUYER_FIELDS:
        setattr(note, name, getattr(locked, name))
    note.save()  # one INSERT with its totals: the row is immutable from here on
    CreditNoteLine.objects.bulk_create(
        [
            CreditNoteLine(
                credit_note=note,
                position=c.line.position,
                product_id=c.line.product_id,
                description=c.line.description,
                quantity=c.quantity,
                unit=c.line.unit,
                unit_price=c.line.unit_price,
                discount_percent=c.line.discount_percent,
                discount_amount=(c.line.discount_amount * c.quantity / c.line.quantity).quantize(SEN),
                tax_treatment=c.line.tax_treatment,
                product_kind=c.line.product_kind,
                djp_code=c.line.djp_code,
                djp_unit_code=c.line.djp_unit_code,
                gross=c.amounts.gross,
                discount=c.amounts.discount,
                net=c.amounts.net,
                other_base=c.amounts.other_base,
                ppn=c.amounts.ppn,
                total=c.amounts.total,
            )
            for c in credits
        ]
    )
    invoice_balance_refresh(invoice=locked)
    document_event_record(
        contact=locked.contact,
        document_type=DocumentType.INVOICE,
        document_id=locked.pk,
        number=locked.number,
        kind=DocumentEventKind.CREDITED,
        actor=actor,
        data={"credit_note_id": note.pk, "credit_note": note.number, "amount": str(note.grand_total)},
    )
    document_event_record(
        contact=locked.contact,
        document_type=DocumentType.CREDIT_NOTE,
        document_id=note.pk,
        number=note.number,
        kind=DocumentEventKind.CREATED,
        actor=actor,
        data={"invoice_id": locked.pk, "invoice": locked.number, "reason": note.reason},
    )
    pdf_render_later(document=note)
    return note


def _plain(value: Decimal) -> str:
    text = format(value.normalize(), "f")
    return text
