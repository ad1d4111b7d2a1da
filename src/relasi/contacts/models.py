"""Customers: people (external and internal), companies and departments."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models.functions import Lower
from django.utils.translation import gettext_lazy as _

from relasi.contacts.enums import (
    BuyerType,
    Channel,
    ContactKind,
    CustomFieldType,
    Gender,
    ImportStatus,
    Source,
    TimelineKind,
)
from relasi.core.models import TimestampedModel, WorkspaceScopedModel


class Tag(WorkspaceScopedModel):
    name = models.CharField(_("name"), max_length=50)

    class Meta:
        constraints = [models.UniqueConstraint("workspace", Lower("name"), name="tag_unique_name")]

    def __str__(self) -> str:
        return self.name


class AddressFields(models.Model):
    address = models.TextField(_("address"), blank=True)
    province = models.CharField(_("province"), max_length=60, blank=True)
    city = models.CharField(_("city / regency"), max_length=80, blank=True)
    postal_code = models.CharField(_("postal code"), max_length=10, blank=True)

    class Meta:
        abstract = True


class Department(WorkspaceScopedModel):
    """An internal customer: a department that requests work from another department."""

    name = models.CharField(_("name"), max_length=120)
    code = models.CharField(_("code"), max_length=20, blank=True)
    parent = models.ForeignKey(
        "self", on_delete=models.SET_NULL, null=True, blank=True, related_name="children"
    )
    head = models.ForeignKey(
        "Contact",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("head"),
    )
    notes = models.TextField(_("notes"), blank=True)

    class Meta:
        constraints = [models.UniqueConstraint("workspace", Lower("name"), name="department_unique_name")]

    def __str__(self) -> str:
        return self.name


class Company(WorkspaceScopedModel, AddressFields):
    name = models.CharField(_("name"), max_length=200)
    npwp = models.CharField(_("NPWP"), max_length=16, blank=True)
    nitku = models.CharField(_("NITKU"), max_length=22, blank=True)
    email = models.EmailField(_("email"), blank=True)
    phone = models.CharField(_("phone"), max_length=20, blank=True)  # E.164
    phone_raw = models.CharField(max_length=40, blank=True)
    website = models.CharField(_("website"), max_length=200, blank=True)
    industry = models.CharField(_("industry"), max_length=80, blank=True)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("owner"),
    )
    tags = models.ManyToManyField(Tag, blank=True, related_name="companies")
    notes = models.TextField(_("notes"), blank=True)

    class Meta:
        verbose_name = _("company")
        verbose_name_plural = _("companies")
        indexes = [models.Index(fields=["workspace", "name"])]

    def __str__(self) -> str:
        return self.name


class Contact(WorkspaceScopedModel, AddressFields):
    """A customer: a person outside the business, or a colleague (internal customer).

    ``phone`` holds E.164 (``+6281234567890``) and ``phone_raw`` what was typed. ``email`` is
    stored lower-case. ``merged_into`` is set when this contact was merged into another; such
    a contact is hidden everywhere but can be restored for 30 days.
    """

    kind = models.CharField(
        _("kind"), max_length=10, choices=ContactKind.choices, default=ContactKind.EXTERNAL
    )
    full_name = models.CharField(_("full name"), max_length=200)
    company = models.ForeignKey(
        Company,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="contacts",
        verbose_name=_("company"),
    )
    department = models.ForeignKey(
        Department,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="members",
        verbose_name=_("department"),
    )
    job_title = models.CharField(_("job title"), max_length=100, blank=True)
    phone = models.CharField(_("phone"), max_length=20, blank=True)
    phone_raw = models.CharField(_("phone as typed"), max_length=40, blank=True)
    phone_alt = models.CharField(_("other phone"), max_length=20, blank=True)
    phone_alt_raw = models.CharField(max_length=40, blank=True)
    email = models.CharField(_("email"), max_length=254, blank=True)
    birthday = models.DateField(_("birthday"), null=True, blank=True)
    gender = models.CharField(_("gender"), max_length=10, choices=Gender.choices, blank=True)
    nik = models.CharField(_("NIK"), max_length=16, blank=True)
    npwp = models.CharField(_("NPWP"), max_length=16, blank=True)
    passport_no = models.CharField(_("passport number"), max_length=20, blank=True)
    buyer_type = models.CharField(
        _("buyer type"), max_length=20, choices=BuyerType.choices, default=BuyerType.ID_INDIVIDUAL
    )
    source = models.CharField(_("source"), max_length=20, choices=Source.choices, blank=True)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("owner"),
    )
    tags = models.ManyToManyField(Tag, blank=True, related_name="contacts")
    custom_fields = models.JSONField(_("custom fields"), default=dict, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    merged_into = models.ForeignKey(
        "self", on_delete=models.SET_NULL, null=True, blank=True, related_name="merged_contacts"
    )

    class Meta:
        verbose_name = _("contact")
        verbose_name_plural = _("contacts")
        indexes = [
            # The list's default order and keyset pages: (workspace, -id) for live contacts.
            models.Index(
                fields=["workspace", "-id"],
                name="contact_live_by_id",
                condition=models.Q(merged_into__isnull=True),
            ),
            models.Index(fields=["workspace", "phone"], name="contact_phone"),
            models.Index(fields=["workspace", "phone_alt"], name="contact_phone_alt"),
            models.Index(fields=["workspace", "email"], name="contact_email"),
            models.Index(fields=["workspace", "city"], name="contact_city"),
            models.Index(fields=["workspace", "owner"], name="contact_owner"),
            # PostgreSQL adds trigram and pattern indexes in migration 0002.
        ]

    def __str__(self) -> str:
        return self.full_name

    @property
    def whatsapp_id(self) -> str:
        return self.phone.lstrip("+")


class ContactIdentity(WorkspaceScopedModel):
    """A contact's address on one channel (a WhatsApp id, an e-mail, a web-chat visitor).
    Unique per workspace and channel, so an inbound message finds exactly one contact."""

    contact = models.ForeignKey(Contact, on_delete=models.CASCADE, related_name="identities")
    channel = models.CharField(_("channel"), max_length=20, choices=Channel.choices)
    address = models.CharField(_("address"), max_length=254)
    display_name = models.CharField(_("name on the channel"), max_length=200, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["workspace", "channel", "address"], name="identity_unique_address"
            )
        ]

    def __str__(self) -> str:
        return f"{self.channel}:{self.address}"


class ContactNote(WorkspaceScopedModel):
    contact = models.ForeignKey(Contact, on_delete=models.CASCADE, related_name="contact_notes")
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    body = models.TextField(_("note"))

    class Meta:
        indexes = [models.Index(fields=["contact", "-created_at"])]


class CustomFieldDefinition(WorkspaceScopedModel):
    """A field a workspace adds to its contacts; values live in ``Contact.custom_fields``."""

    key = models.SlugField(_("key"), max_length=40)
    label = models.CharField(_("label"), max_length=80)
    field_type = models.CharField(_("type"), max_length=10, choices=CustomFieldType.choices)
    choices = models.JSONField(_("choices"), default=list, blank=True)
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["position", "id"]
        constraints = [models.UniqueConstraint(fields=["workspace", "key"], name="customfield_unique_key")]

    def __str__(self) -> str:
        return self.label


class TimelineEvent(WorkspaceScopedModel):
    """One thing that happened to a contact. Append-only; written by ``contacts.events``
    and, later, by the other apps through it."""

    contact = models.ForeignKey(Contact, on_delete=models.CASCADE, related_name="timeline")
    kind = models.CharField(max_length=30, choices=TimelineKind.choices)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    data = models.JSONField(default=dict, blank=True)

    class Meta:
        indexes = [models.Index(fields=["contact", "-created_at"])]


class ContactMerge(WorkspaceScopedModel):
    """A merge of ``merged`` into ``survivor``, with what is needed to undo it for 30 days:
    the survivor's field values before, and the ids of every row that moved."""

    survivor = models.ForeignKey(Contact, on_delete=models.CASCADE, related_name="merges_won")
    merged = models.ForeignKey(Contact, on_delete=models.CASCADE, related_name="merges_lost")
    performed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    survivor_before = models.JSONField(default=dict)
    moved = models.JSONField(default=dict)  # {"identities": [ids], "notes": [...], "tags": [...], …}
    undone_at = models.DateTimeField(null=True, blank=True)
    undone_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )


class ImportJob(WorkspaceScopedModel):
    """A CSV/XLSX import: upload → mapping → dry run → confirmed run in the background."""

    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    file = models.FileField(upload_to="imports/%Y/%m/")
    file_name = models.CharField(max_length=255)
    status = models.CharField(max_length=20, choices=ImportStatus.choices, default=ImportStatus.UPLOADED)
    headers = models.JSONField(default=list, blank=True)
    mapping = models.JSONField(default=dict, blank=True)  # {column header: contact field}
    total_rows = models.PositiveIntegerField(default=0)
    processed_rows = models.PositiveIntegerField(default=0)
    created_count = models.PositiveIntegerField(default=0)
    updated_count = models.PositiveIntegerField(default=0)
    skipped_count = models.PositiveIntegerField(default=0)
    error_count = models.PositiveIntegerField(default=0)
    errors = models.JSONField(default=list, blank=True)  # [{"row": n, "field": f, "message": m}]
    duplicate_policy = models.CharField(max_length=10, default="skip")  # skip | update | create
    finished_at = models.DateTimeField(null=True, blank=True)

    @property
    def percent(self) -> int:
        return int(100 * self.processed_rows / self.total_rows) if self.total_rows else 0


__all__ = [
    "Company",
    "Contact",
    "ContactIdentity",
    "ContactMerge",
    "ContactNote",
    "CustomFieldDefinition",
    "Department",
    "ImportJob",
    "Tag",
    "TimelineEvent",
    "TimestampedModel",
]
