from django.db import models
from django.utils.translation import gettext_lazy as _


class ContactKind(models.TextChoices):
    EXTERNAL = "external", _("External customer")  # a buyer outside the business
    INTERNAL = "internal", _("Internal customer")  # a colleague in a department that requests work


class Gender(models.TextChoices):
    UNKNOWN = "", _("Not stated")
    FEMALE = "female", _("Female")
    MALE = "male", _("Male")


class BuyerType(models.TextChoices):
    """Buyer identity for tax documents (reference/indonesia.md R3)."""

    ID_ENTITY = "id_entity", _("Indonesian entity")  # identified by NPWP
    ID_INDIVIDUAL = "id_individual", _("Indonesian individual")  # NIK or NPWP
    FOREIGN_INDIVIDUAL = "foreign_individual", _("Foreign individual")  # passport
    FOREIGN_ENTITY = "foreign_entity", _("Foreign entity")


class Source(models.TextChoices):
    """How the customer found us."""

    UNKNOWN = "", _("Unknown")
    WALK_IN = "walk_in", _("Walk-in")
    REFERRAL = "referral", _("Referral")
    WHATSAPP = "whatsapp", _("WhatsApp")
    INSTAGRAM = "instagram", _("Instagram")
    TIKTOK = "tiktok", _("TikTok")
    FACEBOOK = "facebook", _("Facebook")
    MARKETPLACE = "marketplace", _("Marketplace (Tokopedia, Shopee, …)")
    WEBSITE = "website", _("Website")
    EXHIBITION = "exhibition", _("Exhibition / bazaar")
    SALES_VISIT = "sales_visit", _("Sales visit")
    IMPORT = "import", _("Imported")
    OTHER = "other", _("Other")


class Channel(models.TextChoices):
    WHATSAPP = "whatsapp", _("WhatsApp")  # address: wa_id (E.164 without +)
    EMAIL = "email", _("E-mail")  # address: lower-case e-mail
    WEBCHAT = "webchat", _("Web chat")  # address: the widget's visitor id


class CustomFieldType(models.TextChoices):
    TEXT = "text", _("Text")
    NUMBER = "number", _("Number")
    DATE = "date", _("Date")
    CHOICE = "choice", _("Choice")


class TimelineKind(models.TextChoices):
    CREATED = "created", _("Created")
    UPDATED = "updated", _("Edited")
    NOTE_ADDED = "note_added", _("Note added")
    MERGED = "merged", _("Merged")  # another contact was merged into this one
    UNMERGED = "unmerged", _("Merge undone")
    IMPORTED = "imported", _("Imported")
    IDENTITY_ADDED = "identity_added", _("Channel address linked")
    DOCUMENT = "document", _("Sales document")  # data: document_type, document_id, number, event
    # Later apps add: message, survey, …


class ImportStatus(models.TextChoices):
    UPLOADED = "uploaded", _("Uploaded")  # file stored, columns read, waiting for the mapping
    VALIDATED = "validated", _("Checked")  # dry run done; errors and duplicates reported
    QUEUED = "queued", _("Queued")  # confirmed by the user, waiting for a worker
    RUNNING = "running", _("Importing")
    DONE = "done", _("Done")
    FAILED = "failed", _("Failed")
    CANCELLED = "cancelled", _("Cancelled")
