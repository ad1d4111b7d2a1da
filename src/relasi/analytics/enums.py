from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


class PurchaseSource(models.TextChoices):
    INVOICE = "invoice", _("Paid invoice")  # a paid invoice, net of credit notes, on its date
    RECEIPT = "receipt", _("Receipt")  # a kwitansi for a payment not tied to an invoice
    IMPORT = "import", _("Imported order")  # history brought from CSV/XLSX


class RfmSegment(models.TextChoices):
    CHAMPIONS = "champions", _("Champions")  # bought recently, often, much
    LOYAL = "loyal", _("Loyal")
    POTENTIAL = "potential", _("Potential")  # recent, not yet frequent
    NEW = "new", _("New")  # first purchase recently
    AT_RISK = "at_risk", _("At risk")  # used to buy often, not lately
    CANT_LOSE = "cant_lose", _("Can't lose")  # the best customers of the past, gone quiet
    HIBERNATING = "hibernating", _("Hibernating")
    LOST = "lost", pgettext_lazy("RFM segment", "Lost")
    OTHER = "", _("Other")  # no rule of an edited table matched


class CustomerType(models.TextChoices):
    LOYAL = "loyal", _("Loyal customer")
    DISCOUNT = "discount", _("Discount customer")
    IMPULSE = "impulse", _("Impulse customer")
    NEED_BASED = "need_based", _("Need-based customer")
    WANDERING = "wandering", _("Wandering customer")
    UNKNOWN = "", _("Not enough history")


class LifecycleStage(models.TextChoices):
    REACH = "reach", _("Reach")  # known: the first contact
    ACQUISITION = "acquisition", _("Acquisition")  # a conversation or a quotation
    CONVERSION = "conversion", _("Conversion")  # the first paid purchase
    RETENTION = "retention", _("Retention")  # a repeat purchase
    LOYALTY = "loyalty", _("Loyalty")  # high RFM and a promoter score


class ChurnRisk(models.TextChoices):
    LOW = "low", pgettext_lazy("churn risk", "Low")
    MEDIUM = "medium", pgettext_lazy("churn risk", "Medium")
    HIGH = "high", pgettext_lazy("churn risk", "High")
    LOST = "lost", pgettext_lazy("churn risk", "Lost")
    NONE = "", pgettext_lazy("churn risk", "No purchase yet")


class TimeUnit(models.TextChoices):
    DAYS = "days", _("days")
    WEEKS = "weeks", _("weeks")
    MONTHS = "months", _("months")


class RunStatus(models.TextChoices):
    RUNNING = "running", _("Running")
    DONE = "done", _("Done")
    FAILED = "failed", _("Failed")
