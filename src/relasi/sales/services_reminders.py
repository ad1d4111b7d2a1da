"""Payment reminders, one invoice at a time, sent by a person (no automatic dunning).

By e-mail (sent after commit) or as a WhatsApp click-to-chat link the user opens in their
own WhatsApp (R26). The text is a utility message (R23): the invoice number, the amount
due, the due date, how late it is and the public link; no promotion, and never the buyer's
NIK or NPWP (R25).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from urllib.parse import quote

from django.conf import settings
from django.db import transaction
from django.template.loader import render_to_string
from django.urls import NoReverseMatch, reverse
from django.utils import formats, timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from relasi.accounts.models import User
from relasi.core.exceptions import Conflict, ValidationError, fields_invalid
from relasi.core.mail import send_workspace_mail
from relasi.core.phone import normalize_phone
from relasi.sales.enums import OPEN_INVOICE_STATUSES, DocumentEventKind, InvoiceStatus
from relasi.sales.events import document_event_record
from relasi.sales.models import DocumentEvent, Invoice
from relasi.sales.profile import sales_profile_get
from relasi.sales.selectors_receivables import workspace_today
from relasi.sales.services_payments import rupiah_text

CHANNEL_EMAIL = "email"
CHANNEL_WHATSAPP = "whatsapp"
CHANNELS = (CHANNEL_EMAIL, CHANNEL_WHATSAPP)
EMAIL_INTERVAL = timedelta(hours=24)


@dataclass(frozen=True)
class ReminderSent:
    channel: str
    to: str  # the e-mail address or the WhatsApp id
    link: str  # the wa.me link for WhatsApp, "" for e-mail
    text: str


def invoice_public_url(*, invoice: Invoice) -> str:
    """The buyer's link to the invoice (``sales:public_invoice``)."""
    try:
        path = reverse("sales:public_invoice", args=[invoice.public_token])
    except NoReverseMatch:
        # TODO(lead): H3's public invoice page; until it is wired the link is left out.
        return ""
    return settings.RELASI_BASE_URL.rstrip("/") + path


def _facts(invoice: Invoice) -> dict[str, object]:
    today = workspace_today(workspace=invoice.workspace)
    days = (today - invoice.due_date).days
    profile = sales_profile_get(workspace=invoice.workspace)
    return {
        "seller": profile.legal_name or invoice.workspace.name,
        "buyer": invoice.buyer_name,
        "number": invoice.number,
        "amount_due": rupiah_text(invoice.balance_due),
        "due_date": formats.date_format(invoice.due_date, "DATE_FORMAT"),
        "days_overdue": max(days, 0),
        "url": invoice_public_url(invoice=invoice),
    }


def _lateness(days: int) -> str:
    if days <= 0:
        return _("The invoice is not overdue yet.")
    return ngettext("It is %(days)d day overdue.", "It is %(days)d days overdue.", days) % {"days": days}


def reminder_text(*, invoice: Invoice) -> tuple[str, str]:
    """``(subject, body)`` of the reminder, in the documents' language (Bahasa Indonesia)."""
    with translation.override(settings.LANGUAGE_CODE):
        facts = _facts(invoice)
        facts["lateness"] = _lateness(int(str(facts["days_overdue"])))
        subject = _("Payment reminder: invoice %(number)s") % facts
        body = render_to_string("sales/receivables_reminder.txt", facts).strip()
    return subject, body


def _whatsapp_id(invoice: Invoice) -> str:
    for raw in (invoice.buyer_phone, invoice.contact.phone):
        number = normalize_phone(raw or "")
        if number is not None and number.is_mobile:
            return number.whatsapp_id
    raise fields_invalid(
        {"channel": _("The buyer has no mobile number for WhatsApp. Add one to the customer.")}
    )


def _last_email_reminder(invoice: Invoice) -> DocumentEvent | None:
    return (
        DocumentEvent.objects.filter(
            workspace_id=invoice.workspace_id,
            document_type=invoice.document_type,
            document_id=invoice.pk,
            kind=DocumentEventKind.REMINDER_SENT,
            data__channel=CHANNEL_EMAIL,
        )
        .order_by("-created_at", "-id")
        .first()
    )


@transaction.atomic
def invoice_reminder_send(*, invoice: Invoice, actor: User | None, channel: str) -> ReminderSent:
    """Remind the buyer of an unpaid or partly paid invoice.

    ``email``: mails the buyer after commit; a second e-mail within 24 hours is refused.
    ``whatsapp``: returns a ``https://wa.me/<wa_id>?text=…`` link with the same facts.
    Draft, paid and void invoices are refused. Sets ``last_reminder_at`` and writes a
    REMINDER_SENT event with the channel.
    """
    if channel not in CHANNELS:
        raise fields_invalid({"channel": _("Choose e-mail or WhatsApp.")})
    locked = (
        Invoice.objects.select_for_update(of=("self",))
        .select_related("workspace", "contact")
        .get(pk=invoice.pk)
    )
    if locked.status not in OPEN_INVOICE_STATUSES or locked.balance_due <= 0:
        status = InvoiceStatus(locked.status).label
        raise ValidationError(
            _("Invoice %(number)s is %(status)s; only unpaid invoices get reminders.")
            % {"number": locked.number or _("(draft)"), "status": status},
            code="not_open",
        )
    subject, body = reminder_text(invoice=locked)
    if channel == CHANNEL_EMAIL:
        to = (locked.buyer_email or locked.contact.email or "").strip()
        if not to:
            raise fields_invalid({"channel": _("The buyer has no e-mail address. Add one to the customer.")})
        last = _last_email_reminder(locked)
        if last is not None and timezone.now() - last.created_at < EMAIL_INTERVAL:
            next_at = timezone.localtime(last.created_at + EMAIL_INTERVAL)
            raise Conflict(
                _("A reminder was already e-mailed in the last 24 hours. Try again after %(time)s.")
                % {"time": formats.date_format(next_at, "DATETIME_FORMAT")},
                code="reminder_too_soon",
            )
        workspace_id = locked.workspace_id
        transaction.on_commit(
            lambda: send_workspace_mail(workspace_id=workspace_id, subject=subject, body=body, to=[to])
        )
        result = ReminderSent(channel=channel, to=to, link="", text=body)
    else:
        wa_id = _whatsapp_id(locked)
        link = f"https://wa.me/{wa_id}?text={quote(body, safe='')}"
        result = ReminderSent(channel=channel, to=wa_id, link=link, text=body)
    locked.last_reminder_at = timezone.now()
    locked.save(update_fields=["last_reminder_at", "updated_at"])
    invoice.last_reminder_at = locked.last_reminder_at
    document_event_record(
        contact=locked.contact,
        document_type=locked.document_type,
        document_id=locked.pk,
        number=locked.number,
        kind=DocumentEventKind.REMINDER_SENT,
        actor=actor,
        data={"channel": channel, "amount_due": str(locked.balance_due)},
    )
    return result
