"""Choices of the surveys app, with a comment per value on when it applies, and the texts
customers see for each scale."""

from __future__ import annotations

from django.db import models
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from relasi.surveys import scoring


class SurveyKind(models.TextChoices):
    NPS = scoring.NPS, _("NPS (0–10)")  # "how likely are you to recommend us": loyalty
    CSAT = scoring.CSAT, _("CSAT (1–5)")  # "how satisfied are you": one experience
    CES = scoring.CES, _("CES (1–7)")  # "how easy was it": effort, 1 very difficult … 7 very easy


class SurveyChannel(models.TextChoices):
    """How an invitation reaches the customer."""

    WHATSAPP = "whatsapp", _("WhatsApp")  # a list to tap (CSAT, CES) or the link (NPS) in the chat
    EMAIL = "email", _("E-mail")  # an e-mail with the survey link
    WEBCHAT = "webchat", _("Web chat")  # a message with the link in the open web-chat conversation
    LINK = "link", _("Link to copy")  # nothing is sent: staff share the link themselves


class InvitationStatus(models.TextChoices):
    CREATED = "created", _("Link created")  # a link to copy; Relasi sent nothing
    SENT = "sent", _("Sent")  # handed to WhatsApp, e-mail or web chat
    VIEWED = "viewed", _("Opened")  # the customer opened the survey page
    ANSWERED = "answered", _("Answered")  # a response was recorded (the first one is final)


class ResponseSource(models.TextChoices):
    """The channel the customer was asked and answered through."""

    WHATSAPP = "whatsapp", _("WhatsApp")  # a tap in the chat, or the page reached from WhatsApp
    EMAIL = "email", _("E-mail")  # the page, from the e-mailed link
    WEBCHAT = "webchat", _("Web chat")  # the page, from the link in the web chat
    LINK = "link", _("Public link")  # the page, from a copied link or the survey's open link
    MANUAL = "manual", _("Recorded by staff")  # told by phone or in person, entered by staff


class ResponseCategory(models.TextChoices):
    PROMOTER = scoring.PROMOTER, _("Promoter")  # NPS 9–10
    PASSIVE = scoring.PASSIVE, _("Passive")  # NPS 7–8
    DETRACTOR = scoring.DETRACTOR, _("Detractor")  # NPS 0–6
    SATISFIED = scoring.SATISFIED, _("Satisfied")  # CSAT 4–5
    NEUTRAL = scoring.NEUTRAL, _("Neutral")  # CSAT 3, CES 4
    UNSATISFIED = scoring.UNSATISFIED, _("Unsatisfied")  # CSAT 1–2
    EASY = scoring.EASY, _("Easy")  # CES 5–7
    HARD = scoring.HARD, _("Hard")  # CES 1–3


# Follow-up: the unhappy answers of each kind.
NEGATIVE_CATEGORIES: tuple[str, ...] = tuple(scoring.NEGATIVE.values())

DEFAULT_QUESTIONS: dict[str, Promise] = {
    SurveyKind.NPS: _("How likely are you to recommend %(business)s to a friend or colleague?"),
    SurveyKind.CSAT: _("How satisfied are you with our service?"),
    SurveyKind.CES: _("How easy was it to get what you needed from %(business)s?"),
}
DEFAULT_COMMENT_QUESTION: Promise = _("What is the main reason for your score?")

# The words at the ends of each scale (the page shows them under the buttons).
SCALE_ENDS: dict[str, tuple[Promise, Promise]] = {
    SurveyKind.NPS: (_("Not at all likely"), _("Extremely likely")),
    SurveyKind.CSAT: (_("Very dissatisfied"), _("Very satisfied")),
    SurveyKind.CES: (_("Very difficult"), _("Very easy")),
}

# The label of every score where one is shown (a WhatsApp list row: "5 – Very satisfied").
SCORE_LABELS: dict[str, dict[int, Promise]] = {
    SurveyKind.CSAT: {
        5: _("Very satisfied"),
        4: _("Satisfied"),
        3: _("Neutral"),
        2: _("Dissatisfied"),
        1: _("Very dissatisfied"),
    },
    SurveyKind.CES: {
        7: _("Very easy"),
        6: _("Easy"),
        5: _("Somewhat easy"),
        4: _("Neutral"),
        3: _("Somewhat difficult"),
        2: _("Difficult"),
        1: _("Very difficult"),
    },
    SurveyKind.NPS: {0: _("Not at all likely"), 10: _("Extremely likely")},
}

DEFAULT_TOPIC_LABELS: dict[str, Promise] = {
    "price": _("Price"),
    "delivery": _("Delivery"),
    "quality": _("Quality"),
    "service": _("Service"),
    "stock": _("Stock"),
}
