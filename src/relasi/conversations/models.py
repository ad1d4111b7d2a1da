"""The inbox: inboxes (one per channel account), conversations per contact identity, their
messages and attachments, labels, teams and quick replies."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.db.models.functions import Lower
from django.utils.translation import gettext_lazy as _

from relasi.conversations.enums import (
    ChannelType,
    ConversationStatus,
    DeliveryStatus,
    MessageDirection,
    MessageKind,
)
from relasi.core.models import TimestampedModel, WorkspaceScopedModel


class Inbox(WorkspaceScopedModel):
    """One channel account the business answers from (a WhatsApp number, a mailbox, a web
    chat widget). Channel settings live in the channel app (e.g. ``whatsapp.WhatsAppAccount``)."""

    name = models.CharField(_("name"), max_length=120)
    channel_type = models.CharField(_("channel"), max_length=10, choices=ChannelType.choices)
    is_active = models.BooleanField(_("active"), default=True)
    greeting_message = models.TextField(_("greeting for new conversations"), blank=True)
    away_message = models.TextField(_("away message outside office hours"), blank=True)
    auto_assign = models.BooleanField(_("assign new conversations automatically"), default=True)
    assignment_capacity = models.PositiveSmallIntegerField(
        _("open conversations per agent (0 = no limit)"), default=0
    )
    members = models.ManyToManyField(
        settings.AUTH_USER_MODEL, blank=True, related_name="inboxes", verbose_name=_("agents")
    )
    csat_enabled = models.BooleanField(_("ask for a rating (CSAT) after resolving"), default=True)
    # The approved UTILITY template sent when the WhatsApp window has closed; blank: ``csat_request``.
    csat_template_name = models.CharField(_("CSAT template"), max_length=512, blank=True)

    class Meta:
        verbose_name = _("inbox")
        verbose_name_plural = _("inboxes")
        constraints = [models.UniqueConstraint("workspace", Lower("name"), name="inbox_unique_name")]

    def __str__(self) -> str:
        return self.name


class Team(WorkspaceScopedModel):
    name = models.CharField(_("name"), max_length=80)
    members = models.ManyToManyField(settings.AUTH_USER_MODEL, blank=True, related_name="teams")

    class Meta:
        constraints = [models.UniqueConstraint("workspace", Lower("name"), name="team_unique_name")]

    def __str__(self) -> str:
        return self.name


class Label(WorkspaceScopedModel):
    name = models.CharField(_("name"), max_length=50)
    color = models.CharField(_("colour"), max_length=7, default="#64748b")

    class Meta:
        constraints = [models.UniqueConstraint("workspace", Lower("name"), name="label_unique_name")]

    def __str__(self) -> str:
        return self.name


class CsatSource(models.TextChoices):
    WHATSAPP = "whatsapp", _("WhatsApp")  # the customer picked a score in the list or template
    LINK = "link", _("Survey link")  # the public page /d/survei/<token>/ (e-mail, web chat, template)
    AGENT = "agent", _("Recorded by staff")  # told by phone or in person, entered by an admin


class Conversation(WorkspaceScopedModel):
    """A thread with one contact identity in one inbox. ``last_inbound_at`` opens the WhatsApp
    24-hour customer-service window. A new customer message reopens a pending or snoozed
    conversation; after one is resolved, the next message starts a new conversation (the
    history of the contact spans them all)."""

    inbox = models.ForeignKey(Inbox, on_delete=models.CASCADE, related_name="conversations")
    contact = models.ForeignKey(
        "contacts.Contact", on_delete=models.CASCADE, related_name="+", verbose_name=_("customer")
    )
    identity = models.ForeignKey(
        "contacts.ContactIdentity", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    status = models.CharField(
        _("status"), max_length=10, choices=ConversationStatus.choices, default=ConversationStatus.OPEN
    )
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("agent"),
    )
    team = models.ForeignKey(Team, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    labels = models.ManyToManyField(Label, blank=True, related_name="conversations")
    snoozed_until = models.DateTimeField(null=True, blank=True)
    last_message_at = models.DateTimeField(null=True, blank=True)
    last_inbound_at = models.DateTimeField(null=True, blank=True)
    first_response_at = models.DateTimeField(null=True, blank=True)
    resolved_at = models.DateTimeField(null=True, blank=True)
    unread_count = models.PositiveIntegerField(default=0)
    csat_requested_at = models.DateTimeField(null=True, blank=True)
    csat_score = models.PositiveSmallIntegerField(null=True, blank=True)  # 1–5
    csat_answered_at = models.DateTimeField(null=True, blank=True)
    csat_comment = models.TextField(blank=True)
    csat_source = models.CharField(max_length=10, choices=CsatSource.choices, blank=True)
    # "On the agent": who was assigned when the conversation was resolved (the one rated).
    csat_agent = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        verbose_name = _("conversation")
        verbose_name_plural = _("conversations")
        indexes = [
            # Agent lists: newest first per status, keyset on (last_message_at, id).
            models.Index(
                fields=["workspace", "status", "-last_message_at", "-id"], name="conv_status_recent"
            ),
            models.Index(
                fields=["workspace", "assignee", "status", "-last_message_at", "-id"],
                name="conv_assignee_recent",
            ),
            models.Index(
                fields=["workspace", "inbox", "status", "-last_message_at"], name="conv_inbox_recent"
            ),
            models.Index(fields=["contact", "-last_message_at"], name="conv_contact"),
            # The real-time database watch: what changed in a workspace lately (realtime.py).
            models.Index(fields=["workspace", "updated_at"], name="conv_updated"),
            # Reports: conversations opened / resolved / surveyed in a period.
            models.Index(fields=["workspace", "created_at"], name="conv_report_opened"),
            models.Index(fields=["workspace", "resolved_at"], name="conv_report_resolved"),
            models.Index(fields=["workspace", "csat_requested_at"], name="conv_report_csat"),
            # The sidebar's counts of open conversations (all, mine, unassigned): read from this
            # small index alone (an index-only scan), not from the table (selectors.conversation_counts).
            models.Index(
                fields=["workspace", "assignee"],
                name="conv_open_counts",
                condition=Q(status=ConversationStatus.OPEN),
            ),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["inbox", "identity"],
                condition=~Q(status=ConversationStatus.RESOLVED),
                name="conv_one_unresolved_per_identity",
            )
        ]

    def __str__(self) -> str:
        return f"#{self.pk} {self.contact_id} ({self.status})"


class Message(models.Model):
    """One message or private note. ``external_id`` is the provider's id (the WhatsApp
    ``wamid``, the e-mail Message-ID): unique per inbox, so a redelivery is stored once."""

    workspace = models.ForeignKey("accounts.Workspace", on_delete=models.CASCADE, related_name="+")
    inbox = models.ForeignKey(Inbox, on_delete=models.CASCADE, related_name="+")
    conversation = models.ForeignKey(Conversation, on_delete=models.CASCADE, related_name="messages")
    direction = models.CharField(max_length=10, choices=MessageDirection.choices)
    kind = models.CharField(max_length=12, choices=MessageKind.choices, default=MessageKind.TEXT)
    body = models.TextField(blank=True)
    payload = models.JSONField(default=dict, blank=True)  # the typed content, as the provider sent it
    sender = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    is_private = models.BooleanField(default=False)  # a note for agents only
    reply_to = models.ForeignKey("self", on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    external_id = models.CharField(max_length=200, blank=True)
    status = models.CharField(max_length=10, choices=DeliveryStatus.choices, default=DeliveryStatus.QUEUED)
    error_code = models.CharField(max_length=20, blank=True)
    error_title = models.CharField(max_length=200, blank=True)
    error_detail = models.TextField(blank=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    idempotency_key = models.CharField(max_length=100, null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    delivered_at = models.DateTimeField(null=True, blank=True)
    read_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ("created_at", "id")
        indexes = [models.Index(fields=["conversation", "created_at", "id"], name="message_thread")]
        constraints = [
            models.UniqueConstraint(
                fields=["inbox", "external_id"],
                condition=~Q(external_id=""),
                name="message_unique_external_id",
            ),
            models.UniqueConstraint(
                fields=["workspace", "idempotency_key"],
                condition=Q(idempotency_key__isnull=False),
                name="message_unique_idempotency_key",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.direction} {self.kind} {self.external_id or self.pk}"


class Attachment(TimestampedModel):
    message = models.ForeignKey(Message, on_delete=models.CASCADE, related_name="attachments")
    file = models.FileField(upload_to="attachments/", blank=True)
    file_name = models.CharField(max_length=255, blank=True)
    content_type = models.CharField(max_length=120, blank=True)
    size = models.PositiveBigIntegerField(default=0)
    external_media_id = models.CharField(max_length=200, blank=True)  # WhatsApp media id
    sha256 = models.CharField(max_length=64, blank=True)

    def __str__(self) -> str:
        return self.file_name or self.external_media_id


class QuickReply(WorkspaceScopedModel):
    """A saved answer an agent inserts with ``/shortcut``; ``{{name}}`` and friends are filled
    from the contact."""

    shortcut = models.SlugField(_("shortcut"), max_length=40)
    body = models.TextField(_("text"))

    class Meta:
        verbose_name = _("quick reply")
        verbose_name_plural = _("quick replies")
        constraints = [models.UniqueConstraint("workspace", "shortcut", name="quick_reply_unique_shortcut")]

    def __str__(self) -> str:
        return f"/{self.shortcut}"


class HolidayKind(models.TextChoices):
    NATIONAL = "national", _("National holiday")  # libur nasional (SKB 3 Menteri)
    CUTI_BERSAMA = "cuti_bersama", _("Collective leave")  # cuti bersama (SKB 3 Menteri)
    CUSTOM = "custom", _("Own closing day")  # set by the business (stocktaking, company outing…)


class OfficeHours(models.Model):
    """One opening interval of an inbox on a weekday (Monday = 0), in the workspace's time
    zone. Several rows on one weekday are a split shift (08.00–12.00 and 13.00–17.00). An inbox
    without rows is always open."""

    inbox = models.ForeignKey(Inbox, on_delete=models.CASCADE, related_name="office_hours")
    weekday = models.PositiveSmallIntegerField(_("day"))  # 0 = Monday … 6 = Sunday
    opens = models.TimeField(_("opens"))
    closes = models.TimeField(_("closes"))

    class Meta:
        verbose_name = _("office hours")
        verbose_name_plural = _("office hours")
        ordering = ("weekday", "opens")
        constraints = [
            models.CheckConstraint(
                condition=Q(weekday__gte=0, weekday__lte=6), name="office_hours_weekday_range"
            ),
            models.CheckConstraint(
                condition=Q(opens__lt=models.F("closes")), name="office_hours_opens_first"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.weekday} {self.opens:%H:%M}–{self.closes:%H:%M}"


class Holiday(WorkspaceScopedModel):
    """A day the business may be closed: national holidays and cuti bersama are seeded from
    ``conversations.holidays_id`` and stay editable; ``is_closed`` = the inboxes are closed."""

    date = models.DateField(_("date"))
    name = models.CharField(_("name"), max_length=120)
    kind = models.CharField(_("kind"), max_length=12, choices=HolidayKind.choices, default=HolidayKind.CUSTOM)
    is_closed = models.BooleanField(_("closed"), default=True)

    class Meta:
        verbose_name = _("holiday")
        verbose_name_plural = _("holidays")
        ordering = ("date",)
        constraints = [models.UniqueConstraint("workspace", "date", name="holiday_unique_date")]

    def __str__(self) -> str:
        return f"{self.date} {self.name}"
