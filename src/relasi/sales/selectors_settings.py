"""Reads for the seller's settings: bank accounts, number series, the QRIS on file and the
PKP turnover warning (R2). Every read is scoped to the workspace."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from django.db.models import DecimalField, ExpressionWrapper, F, QuerySet, Sum
from django.db.models.functions import Coalesce
from django.utils import timezone

from relasi.accounts.models import Workspace
from relasi.core.qris import QrisError, QrisMerchant, qris_merchant
from relasi.sales import numbering
from relasi.sales.enums import ISSUED_INVOICE_STATUSES, Series
from relasi.sales.models import BankAccount, DocumentSequence, Invoice, SalesProfile
from relasi.sales.profile import sales_profile_get

TURNOVER_WINDOW_DAYS = 365
TURNOVER_WARNING_SHARE = Decimal("0.8")  # warn from 80% of the threshold


@dataclass(frozen=True)
class TurnoverWarning:
    """A non-PKP seller nearing (or past) the PKP threshold (R2)."""

    turnover: Decimal  # invoiced in the last 365 days, net of credit notes
    threshold: Decimal
    since: dt.date
    percent: int  # turnover as a whole percentage of the threshold

    @property
    def exceeded(self) -> bool:
        return self.turnover > self.threshold


def invoiced_turnover(*, workspace: Workspace, since: dt.date, until: dt.date) -> Decimal:
    """Σ (grand_total − amount_credited) of issued, not voided invoices dated in
    [``since``, ``until``]. Drafts and void invoices are not turnover."""
    net = ExpressionWrapper(
        F("grand_total") - F("amount_credited"), output_field=DecimalField(max_digits=18, decimal_places=2)
    )
    total = Invoice.objects.filter(
        workspace=workspace, status__in=ISSUED_INVOICE_STATUSES, issue_date__gte=since, issue_date__lte=until
    ).aggregate(total=Coalesce(Sum(net), Decimal("0"), output_field=DecimalField()))["total"]
    return Decimal(total or 0)


def turnover_warning(
    *, workspace: Workspace, profile: SalesProfile | None = None, today: dt.date | None = None
) -> TurnoverWarning | None:
    """R2: for a non-PKP seller, the rolling 12-month invoiced turnover (invoices dated in the
    last 365 days, today included) once it reaches 80% of ``profile.turnover_threshold``
    (Rp4,8 miliar by default; above it registering as PKP is mandatory). ``None`` for a PKP,
    below 80%, or without a threshold. One query (two when the profile is not given)."""
    profile = profile or sales_profile_get(workspace=workspace)
    threshold = profile.turnover_threshold
    if profile.is_pkp or threshold <= 0:
        return None
    today = today or timezone.localdate()
    since = today - dt.timedelta(days=TURNOVER_WINDOW_DAYS - 1)
    turnover = invoiced_turnover(workspace=workspace, since=since, until=today)
    if turnover < threshold * TURNOVER_WARNING_SHARE:
        return None
    return TurnoverWarning(
        turnover=turnover, threshold=threshold, since=since, percent=int(turnover * 100 / threshold)
    )


def bank_account_list(*, workspace: Workspace, active_only: bool = False) -> QuerySet[BankAccount]:
    accounts = BankAccount.objects.filter(workspace=workspace)
    if active_only:
        accounts = accounts.filter(is_active=True)
    return accounts.order_by("-is_active", "position", "id")


def bank_account_get(*, workspace: Workspace, account_id: int) -> BankAccount | None:
    return BankAccount.objects.filter(workspace=workspace, pk=account_id).first()


@dataclass(frozen=True)
class SequenceRow:
    sequence: DocumentSequence
    label: str
    example: str  # the next number if a document were numbered today


def document_sequence_list(*, workspace: Workspace, day: dt.date | None = None) -> list[SequenceRow]:
    """The six number series with an example of the next number (creating missing series
    with their default templates)."""
    numbering.sequences_ensure(workspace=workspace)
    day = day or timezone.localdate()
    labels = dict(Series.choices)
    order = list(numbering.DEFAULT_TEMPLATES)
    rows = []
    for sequence in DocumentSequence.objects.filter(workspace=workspace):
        following = numbering.sequence_next_value(sequence=sequence, day=day)
        rows.append(
            SequenceRow(
                sequence=sequence,
                label=str(labels.get(sequence.series, sequence.series)),
                example=numbering.number_format(
                    template=sequence.template, seq=following, padding=sequence.padding, day=day
                ),
            )
        )
    rows.sort(key=lambda r: order.index(r.sequence.series) if r.sequence.series in order else 99)
    return rows


def document_sequence_get(*, workspace: Workspace, series: str) -> DocumentSequence | None:
    if series not in numbering.DEFAULT_TEMPLATES:
        return None
    numbering.sequences_ensure(workspace=workspace)
    return DocumentSequence.objects.filter(workspace=workspace, series=series).first()


def qris_merchant_of(profile: SalesProfile) -> QrisMerchant | None:
    """The merchant (name, city, NMID) of the QRIS on file, or ``None`` if none or invalid."""
    if not profile.qris_payload:
        return None
    try:
        return qris_merchant(profile.qris_payload)
    except QrisError:
        return None
