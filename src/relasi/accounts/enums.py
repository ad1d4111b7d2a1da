from django.db import models
from django.utils.translation import gettext_lazy as _


class Role(models.TextChoices):
    OWNER = "owner", _("Owner")  # everything, including deleting the workspace and billing
    ADMIN = "admin", _("Admin")  # everything in the workspace except removing an owner
    SALES = "sales", _("Sales")  # customers, deals and sales documents
    FINANCE = "finance", _("Finance")  # invoices, payments, receipts; reads customers
    AGENT = "agent", _("Agent")  # conversations and the customers in them
    VIEWER = "viewer", _("Viewer")  # reads, never writes


class TimeZone(models.TextChoices):
    WIB = "Asia/Jakarta", _("WIB (UTC+7) — Western Indonesia")  # Sumatra, Java, West/Central Kalimantan
    WITA = "Asia/Makassar", _("WITA (UTC+8) — Central Indonesia")  # Bali, NTB, NTT, Sulawesi, …
    WIT = "Asia/Jayapura", _("WIT (UTC+9) — Eastern Indonesia")  # Maluku, Papua


class Language(models.TextChoices):
    INDONESIAN = "id", "Bahasa Indonesia"  # the default
    ENGLISH = "en", "English"
