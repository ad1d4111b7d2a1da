"""Cleaning raw input (web form or API) for the sales services: ids, dates, whole numbers,
text, amounts and the customer.

Every cleaner takes the raw value and an ``errors`` dict, writes a message that names the fix
under the field's name when the value is bad, and returns the typed value (or ``None``). The
service collects all problems and raises one ``fields_invalid(errors)``.

Amounts come in two ways (``Parsers``): forms take Indonesian grouping (``1.250.000,50``,
reference R18); the API takes decimal strings (``"1250000.50"``, DESIGN §7).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.utils.translation import gettext as _

from relasi.accounts.models import Membership, Workspace
from relasi.contacts.models import Contact
from relasi.core.exceptions import ValidationError
from relasi.core.money import parse_api_decimal, parse_money, parse_quantity
from relasi.sales import documents

Errors = dict[str, str]

FORM = "form"
API = "api"

MONEY_MAX = Decimal("9999999999999999.99")  # what a MoneyField (max_digits=18, decimal_places=2) holds
MAX_TERMS_DAYS = 365
MAX_TEXT = 5000
DATE_FORMATS = ("%Y-%m-%d", "%d/%m/%Y", "%d-%m-%Y")
CENT = Decimal("0.01")


# Amounts ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Parsers:
    """How amounts are written in the input, with the hint shown when one cannot be read."""

    money: Callable[[str], Decimal]
    quantity: Callable[[str], Decimal]
    money_hint: str
    percent_hint: str


def parsers_for(input_format: str) -> Parsers:
    """The amount parsers of a form (``FORM``: Indonesian grouping) or of the API (``API``:
    decimal strings)."""
    if input_format == API:
        return Parsers(
            money=parse_api_decimal,
            quantity=parse_api_decimal,
            money_hint=_('Send the amount as a decimal string, for example "1250000.00".'),
            percent_hint=_('Send a number, for example "10.5".'),
        )
    return Parsers(
        money=parse_money,
        quantity=parse_quantity,
        money_hint=_(
            "Write the amount like 1.250.000 or 1.250.000,50 "
            "(full stops between thousands, a comma before sen)."
        ),
        percent_hint=_("Write the percentage as a number between 0 and 100, for example 30 or 2,5."),
    )


def amount_check(amount: Decimal, *, field: str, errors: Errors, negative: str, too_precise: str) -> bool:
    """``amount`` fits a money column: not below zero (else ``negative``), at most
    ``MONEY_MAX`` and two decimals (else ``too_precise``). True when it fits."""
    if amount < 0:
        errors[field] = negative
        return False
    if amount > MONEY_MAX or amount != amount.quantize(CENT):
        errors[field] = too_precise
        return False
    return True


def lines_clean_collect(
    *, workspace: Workspace, rows: Sequence[Mapping[str, Any]], parsers: Parsers, errors: Errors
) -> list[documents.LineData]:
    """``documents.lines_clean`` with its field errors merged into ``errors`` (then ``[]``)."""
    try:
        return documents.lines_clean(
            workspace=workspace,
            rows=rows,
            parse_money=parsers.money,
            parse_quantity=parsers.quantity,
            money_hint=parsers.money_hint,
        )
    except ValidationError as error:
        errors.update({k: str(v) for k, v in error.fields.items()})
        return []


# Ids, dates, numbers, text ------------------------------------------------------------------


def id_clean(value: Any) -> int | None:
    """An id given as a number or text: ``None`` when empty, ``0`` (matches nothing) when it
    is not a number, so the caller's existence check reports it."""
    if value in (None, ""):
        return None
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    text = str(value).strip()
    return int(text) if text.isdigit() else 0


def date_clean(
    raw: Any,
    *,
    field: str,
    errors: Errors,
    required: bool = False,
    message: str | None = None,
) -> dt.date | None:
    """A date from a form/API value: a ``date``, ISO ``2025-01-31`` or day-first ``31/01/2025``.
    Empty is ``None`` (an error when ``required``); ``message`` replaces the default hint."""
    if raw in (None, ""):
        if required:
            errors[field] = _("Enter a date, for example 31/01/2025.")
        return None
    if isinstance(raw, dt.datetime):
        return raw.date()
    if isinstance(raw, dt.date):
        return raw
    text = str(raw).strip()
    for pattern in DATE_FORMATS:
        try:
            return dt.datetime.strptime(text, pattern).date()  # noqa: DTZ007  (a date, no time zone)
        except ValueError:
            continue
    errors[field] = message or _("Write the date as 31/01/2025 (day/month/year).")
    return None


def int_clean(raw: Any, *, field: str, errors: Errors, low: int, high: int, hint: str) -> int | None:
    """A whole number from ``low`` to ``high``; empty is ``None``; otherwise ``hint``."""
    if raw in (None, ""):
        return None
    try:
        value = int(str(raw).strip())
    except ValueError:
        errors[field] = hint
        return None
    if not low <= value <= high:
        errors[field] = hint
        return None
    return value


def text_clean(raw: Any, *, field: str, errors: Errors, max_length: int) -> str:
    """Stripped text of at most ``max_length`` characters; ``None`` is ``""``."""
    value = "" if raw is None else str(raw).strip()
    if len(value) > max_length:
        errors[field] = _("Keep this to %(n)d characters or fewer.") % {"n": max_length}
    return value


def terms_days_clean(raw: Any, *, errors: Errors, field: str = "payment_terms_days") -> int | None:
    """Payment terms in whole days (0–365); empty is ``None`` (the seller's default)."""
    return int_clean(
        raw,
        field=field,
        errors=errors,
        low=0,
        high=MAX_TERMS_DAYS,
        hint=_("Write the payment terms as whole days between 0 and 365."),
    )


# The customer -------------------------------------------------------------------------------


def contact_clean(
    *,
    workspace: Workspace,
    raw: Any,
    errors: Errors,
    field: str = "contact",
    missing: str | None = None,
) -> Contact | None:
    """The customer, from an id (or a ``Contact``) of this workspace; a merged-away contact is
    not offered. ``missing`` replaces the message when none is given."""
    if isinstance(raw, Contact):
        raw = raw.pk
    contact_id = id_clean(raw)
    if contact_id is None:
        errors[field] = missing or _("Choose the customer.")
        return None
    return contact_check(workspace=workspace, contact_id=contact_id, field=field, errors=errors)


def member_check(*, workspace: Workspace, user_id: int | None, field: str, errors: Errors) -> None:
    """``user_id`` must be a member of the workspace (an owner of a deal or an activity)."""
    if user_id is not None and not Membership.objects.filter(workspace=workspace, user_id=user_id).exists():
        errors[field] = _("The owner must be a member of this workspace.")


def contact_check(
    *, workspace: Workspace, contact_id: int | None, field: str, errors: Errors
) -> Contact | None:
    """The workspace's live (not merged) contact with this id, or a field error."""
    if contact_id is None:
        return None
    contact = (
        Contact.objects.filter(workspace=workspace, pk=contact_id, merged_into__isnull=True)
        .select_related("company")
        .first()
    )
    if contact is None:
        errors[field] = _("Choose a customer of this workspace.")
    return contact


# Header fields shared by quotations and sales orders ----------------------------------------


@dataclass(frozen=True)
class Charges:
    """The header fields every priced document has besides its buyer and dates."""

    payment_terms_days: int | None
    shipping_cost: Decimal
    other_costs: Decimal
    other_costs_label: str
    customer_po_number: str
    notes: str


def charges_clean(values: Mapping[str, Any], *, parsers: Parsers, errors: Errors) -> Charges:
    """Payment terms, shipping, other costs (with what they are for), the buyer's PO number and
    notes, as a quotation or a sales order takes them."""
    terms_days = terms_days_clean(values.get("payment_terms_days"), errors=errors)
    shipping = documents.money_clean(
        values.get("shipping_cost"),
        field="shipping_cost",
        parse=parsers.money,
        hint=parsers.money_hint,
        errors=errors,
    )
    other_costs = documents.money_clean(
        values.get("other_costs"),
        field="other_costs",
        parse=parsers.money,
        hint=parsers.money_hint,
        errors=errors,
    )
    other_label = text_clean(
        values.get("other_costs_label"), field="other_costs_label", errors=errors, max_length=100
    )
    if other_costs > 0 and not other_label:
        errors["other_costs_label"] = _("Say what the other costs are for, for example “Installation”.")
    po_number = text_clean(
        values.get("customer_po_number"), field="customer_po_number", errors=errors, max_length=60
    )
    notes = text_clean(values.get("notes"), field="notes", errors=errors, max_length=MAX_TEXT)
    return Charges(
        payment_terms_days=terms_days,
        shipping_cost=shipping,
        other_costs=other_costs,
        other_costs_label=other_label,
        customer_po_number=po_number,
        notes=notes,
    )
