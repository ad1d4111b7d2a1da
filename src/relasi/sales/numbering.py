"""Document numbers (R9): per-workspace series with a template, gap-free and unique under
concurrency.

``number_allocate`` must run inside the transaction that issues the document: it locks the
series row (``SELECT … FOR UPDATE``), so concurrent issues queue on that row, and a rolled
back issue releases its number with the rest of the transaction. No number is skipped and
none is handed out twice.
"""

from __future__ import annotations

import re
from datetime import date

from django.db import transaction
from django.utils.translation import gettext as _

from relasi.accounts.models import Workspace
from relasi.core.exceptions import ValidationError
from relasi.sales.enums import SequenceReset, Series
from relasi.sales.models import DocumentCounter, DocumentSequence

DEFAULT_TEMPLATES: dict[str, str] = {
    Series.QUOTATION: "PH/{seq}/{ROMAN_MM}/{YYYY}",
    Series.PROFORMA: "PI/{seq}/{ROMAN_MM}/{YYYY}",
    Series.SALES_ORDER: "SO/{seq}/{ROMAN_MM}/{YYYY}",
    Series.INVOICE: "INV/{seq}/{ROMAN_MM}/{YYYY}",
    Series.RECEIPT: "KW/{seq}/{ROMAN_MM}/{YYYY}",
    Series.CREDIT_NOTE: "CN/{seq}/{ROMAN_MM}/{YYYY}",
}

ROMAN_MONTHS = ("I", "II", "III", "IV", "V", "VI", "VII", "VIII", "IX", "X", "XI", "XII")
_PLACEHOLDER = re.compile(r"\{([A-Z_a-z]+)\}")
_KNOWN = {"seq", "MM", "ROMAN_MM", "YYYY", "YY"}


def sequences_ensure(*, workspace: Workspace) -> None:
    """Create the workspace's series rows with the default templates if missing. Race-free:
    ``INSERT … ON CONFLICT DO NOTHING``."""
    DocumentSequence.objects.bulk_create(
        [
            DocumentSequence(workspace=workspace, series=series, template=template)
            for series, template in DEFAULT_TEMPLATES.items()
        ],
        ignore_conflicts=True,
    )


def period_key(*, reset: str, day: date) -> str:
    if reset == SequenceReset.YEARLY:
        return f"{day.year:04d}"
    if reset == SequenceReset.MONTHLY:
        return f"{day.year:04d}-{day.month:02d}"
    return ""


def number_format(*, template: str, seq: int, padding: int, day: date) -> str:
    """``number_format(template="INV/{seq}/{ROMAN_MM}/{YYYY}", seq=7, padding=4, day=…)`` →
    ``INV/0007/XI/2026``."""
    values = {
        "seq": str(seq).zfill(padding),
        "MM": f"{day.month:02d}",
        "ROMAN_MM": ROMAN_MONTHS[day.month - 1],
        "YYYY": f"{day.year:04d}",
        "YY": f"{day.year % 100:02d}",
    }
    return _PLACEHOLDER.sub(lambda m: values.get(m.group(1), m.group(0)), template)


def template_errors(*, template: str, reset: str) -> list[str]:
    """Why a template cannot give unique numbers, in the user's language (empty if fine)."""
    errors: list[str] = []
    used = set(_PLACEHOLDER.findall(template))
    unknown = used - _KNOWN
    if unknown:
        errors.append(
            _("Unknown placeholder %(names)s. Use {seq}, {MM}, {ROMAN_MM}, {YYYY} or {YY}.")
            % {"names": ", ".join("{" + name + "}" for name in sorted(unknown))}
        )
    if "seq" not in used:
        errors.append(_("The template must contain {seq}, the running number."))
    has_year = bool(used & {"YYYY", "YY"})
    has_month = bool(used & {"MM", "ROMAN_MM"})
    if reset == SequenceReset.YEARLY and not has_year:
        errors.append(_("Numbering restarts every year, so the template must contain {YYYY} or {YY}."))
    if reset == SequenceReset.MONTHLY and not (has_year and has_month):
        errors.append(
            _("Numbering restarts every month, so the template must contain the year and the month.")
        )
    if len(template) > 40:
        errors.append(_("Keep the template to 40 characters or fewer."))
    return errors


def number_allocate(*, workspace: Workspace, series: str, day: date) -> str:
    """The next number of ``series`` for a document dated ``day``. Call inside the
    transaction that saves the document."""
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("number_allocate must run inside the issuing transaction")
    locked = DocumentSequence.objects.select_for_update().filter(workspace=workspace, series=series)
    sequence = locked.first()
    if sequence is None:  # the workspace's first document of any series
        sequences_ensure(workspace=workspace)
        sequence = locked.get()
    # The series row is locked: nobody else can create or bump this period's counter now.
    counter, _created = DocumentCounter.objects.get_or_create(
        sequence=sequence, period=period_key(reset=sequence.reset, day=day)
    )
    counter.last_value += 1
    counter.save(update_fields=["last_value"])
    return number_format(
        template=sequence.template, seq=counter.last_value, padding=sequence.padding, day=day
    )


def sequence_next_value(*, sequence: DocumentSequence, day: date) -> int:
    """The running number the next document of ``sequence`` dated ``day`` would get."""
    counter = DocumentCounter.objects.filter(
        sequence=sequence, period=period_key(reset=sequence.reset, day=day)
    ).first()
    return (counter.last_value if counter else 0) + 1


def sequence_update(
    *, workspace: Workspace, series: str, template: str, padding: int, reset: str
) -> DocumentSequence:
    """Change a series' template. Numbers already issued stay as they are."""
    errors = template_errors(template=template, reset=reset)
    if errors:
        raise ValidationError(" ".join(errors), fields={"template": " ".join(errors)})
    if not 1 <= padding <= 8:
        raise ValidationError(
            _("Digits must be between 1 and 8."), fields={"padding": _("Digits must be between 1 and 8.")}
        )
    with transaction.atomic():
        sequences_ensure(workspace=workspace)
        sequence = DocumentSequence.objects.select_for_update().get(workspace=workspace, series=series)
        if reset != sequence.reset and sequence.counters.filter(last_value__gt=0).exists():
            # The counters are per period: a new period shape would start again at 1 and could
            # repeat a number already issued in the old one.
            message = _(
                "Documents of this series are already numbered, so when numbering restarts can no "
                "longer change (numbers could repeat). Keep the current setting; the template can "
                "still change."
            )
            raise ValidationError(message, fields={"reset": message})
        sequence.template = template
        sequence.padding = padding
        sequence.reset = reset
        sequence.save(update_fields=["template", "padding", "reset", "updated_at"])
    return sequence
