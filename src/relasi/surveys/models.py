"""Satisfaction surveys: a ``Survey`` (NPS, CSAT or CES), the ``SurveyInvitation`` sent to one
customer (once per conversation), the ``SurveyResponse`` (one per invitation: the first answer
is final) and the workspace's ``FeedbackTopic`` keyword rules.

The inbox's CSAT (``conversations.csat``) writes here too, into the workspace's one survey
with ``is_inbox_csat``: an invitation when the rating request goes out, a response when it is
answered, linked to the contact, the conversation and the agent rated."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext as gettext_now
from django.utils.translation import gettext_lazy as _

from relasi.core.models import WorkspaceScopedModel
from relasi.surveys import scoring
from relasi.surveys.enums import (
    DEFAULT_COMMENT_QUESTION,
    DEFAULT_QUESTIONS,
    DEFAULT_TOPIC_LABELS,
    InvitationStatus,
    ResponseCategory,
    ResponseSource,
    SurveyChannel,
    SurveyKind,
)


def _score_in_scale() -> Q:
    """The database's copy of ``scoring.SCALES``: a score on its kind's scale."""
    condition = Q()
    for kind, (low, high) in scoring.SCALES.items():
        condition |= Q(kind=kind, score__gte=low, score__lte=high)
    return condition


class Survey(WorkspaceScopedModel):
    """One question on one scale, asked over any channel. ``question`` and
    ``comment_question`` blank: the default of the kind, in the customer's language.
    ``public_token`` is the key of the survey's open link (``/d/survei-pelanggan/umum/<token>/``),
    answerable while ``is_active`` and ``public_link_enabled``."""

    kind = models.CharField(_("kind"), max_length=4, choices=SurveyKind.choices)
    name = models.CharField(_("name"), max_length=120)
    question = models.CharField(_("question"), max_length=300, blank=True)
    comment_question = models.CharField(_("follow-up question for the comment"), max_length=300, blank=True)
    is_active = models.BooleanField(_("active"), default=True)
    public_link_enabled = models.BooleanField(_("open public link"), default=True)
    public_token = models.CharField(max_length=64, unique=True)
    # The workspace's survey that the inbox's CSAT (after a conversation is resolved) fills.
    is_inbox_csat = models.BooleanField(default=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        verbose_name = _("survey")
        verbose_name_plural = _("surveys")
        ordering = ("-created_at", "-id")
        constraints = [
            models.UniqueConstraint(
                fields=["workspace"], condition=Q(is_inbox_csat=True), name="survey_one_inbox_csat"
            ),
            models.CheckConstraint(
                condition=Q(is_inbox_csat=False) | Q(kind=SurveyKind.CSAT), name="survey_inbox_csat_is_csat"
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def question_text(self, business: str = "") -> str:
        """The question as asked, in the active language (the kind's default when blank)."""
        if self.question:
            return self.question
        return str(DEFAULT_QUESTIONS[self.kind]) % {"business": business or gettext_now("us")}

    def comment_question_text(self) -> str:
        return self.comment_question or str(DEFAULT_COMMENT_QUESTION)

    @property
    def scale(self) -> tuple[int, int]:
        return scoring.SCALES[self.kind]


class SurveyInvitation(WorkspaceScopedModel):
    """One customer asked once. ``token`` is the signed key of the invitation's page
    (``/d/survei-pelanggan/<token>/``); a conversation is asked once per survey."""

    survey = models.ForeignKey(Survey, on_delete=models.CASCADE, related_name="invitations")
    contact = models.ForeignKey(
        "contacts.Contact", on_delete=models.CASCADE, related_name="+", verbose_name=_("customer")
    )
    conversation = models.ForeignKey(
        "conversations.Conversation", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    agent = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("agent"),
    )
    channel = models.CharField(_("channel"), max_length=10, choices=SurveyChannel.choices)
    token = models.CharField(max_length=120, unique=True)
    status = models.CharField(
        _("status"), max_length=10, choices=InvitationStatus.choices, default=InvitationStatus.CREATED
    )
    sent_to = models.CharField(_("sent to"), max_length=254, blank=True)  # the e-mail address
    # The message that carried it (WhatsApp, web chat, the inbox's e-mail), when there was one.
    message = models.ForeignKey(
        "conversations.Message", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    note = models.CharField(max_length=300, blank=True)  # e.g. why it went by e-mail instead
    sent_at = models.DateTimeField(_("sent"), null=True, blank=True)
    first_viewed_at = models.DateTimeField(_("opened"), null=True, blank=True)
    answered_at = models.DateTimeField(_("answered"), null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        verbose_name = _("survey invitation")
        verbose_name_plural = _("survey invitations")
        indexes = [models.Index(fields=["survey", "-created_at"], name="survey_invitation_recent")]
        constraints = [
            models.UniqueConstraint(
                fields=["survey", "conversation"],
                condition=Q(conversation__isnull=False),
                name="survey_invitation_once_per_conversation",
            )
        ]

    def __str__(self) -> str:
        return f"{self.survey_id}:{self.contact_id} ({self.status})"


class SurveyResponse(WorkspaceScopedModel):
    """One answer. ``kind`` is the survey's (kept here for the queries by kind);
    ``category`` follows from the score (``scoring.category``); ``topics`` lists the keys of
    the feedback topics found in the comment and ``topic_keywords`` the words that put it
    there (the reason shown). ``invitation`` is empty for the survey's open link and for some
    answers recorded by staff; ``contact`` is empty for an anonymous answer to the open link."""

    survey = models.ForeignKey(Survey, on_delete=models.CASCADE, related_name="responses")
    invitation = models.OneToOneField(
        SurveyInvitation, on_delete=models.CASCADE, null=True, blank=True, related_name="response"
    )
    contact = models.ForeignKey(
        "contacts.Contact",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("customer"),
    )
    conversation = models.ForeignKey(
        "conversations.Conversation", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    agent = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("agent"),
    )
    kind = models.CharField(_("kind"), max_length=4, choices=SurveyKind.choices)
    score = models.PositiveSmallIntegerField(_("score"))
    comment = models.TextField(_("comment"), blank=True)
    topics = models.JSONField(_("topics"), default=list, blank=True)
    topic_keywords = models.JSONField(default=dict, blank=True)
    category = models.CharField(_("category"), max_length=12, choices=ResponseCategory.choices)
    source = models.CharField(_("source"), max_length=10, choices=ResponseSource.choices)
    answered_at = models.DateTimeField(_("answered"))
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    followed_up_at = models.DateTimeField(_("followed up"), null=True, blank=True)
    followed_up_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    follow_up_note = models.TextField(_("follow-up note"), blank=True)

    class Meta:
        verbose_name = _("survey response")
        verbose_name_plural = _("survey responses")
        indexes = [
            # A customer's latest answer of a kind (latest NPS per contact, the contact's page).
            models.Index(fields=["workspace", "contact", "kind", "-answered_at"], name="survey_resp_contact"),
            # One survey's answers in a period (the survey page, its table and export).
            models.Index(fields=["survey", "answered_at"], name="survey_resp_period"),
            # All answers of a kind in a period (the analytics home).
            models.Index(fields=["workspace", "kind", "answered_at"], name="survey_resp_kind_period"),
            # The follow-up list: unhappy answers nobody has followed up yet.
            models.Index(
                fields=["workspace", "-answered_at"],
                name="survey_resp_to_follow_up",
                condition=Q(followed_up_at__isnull=True, category__in=["detractor", "unsatisfied", "hard"]),
            ),
        ]
        constraints = [
            models.CheckConstraint(condition=_score_in_scale(), name="survey_response_score_in_scale"),
            models.UniqueConstraint(
                fields=["survey", "conversation"],
                condition=Q(conversation__isnull=False),
                name="survey_response_once_per_conversation",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.score} ({self.contact_id})"

    @property
    def needs_follow_up(self) -> bool:
        return self.category == scoring.NEGATIVE[self.kind] and self.followed_up_at is None


class SurveySettings(WorkspaceScopedModel):
    """Per-workspace state of the surveys app: when the default feedback topics were seeded
    (once: topics the owner deleted stay deleted)."""

    topics_seeded_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["workspace"], name="survey_settings_one_per_workspace")
        ]

    def __str__(self) -> str:
        return f"survey settings {self.workspace_id}"


class FeedbackTopic(WorkspaceScopedModel):
    """What customers talk about (price, delivery, …) and the words that say so. ``label``
    blank: the default topic's name in the active language."""

    key = models.SlugField(_("key"), max_length=40)
    label = models.CharField(_("name"), max_length=60, blank=True)
    keywords = models.JSONField(_("keywords"), default=list)
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        verbose_name = _("feedback topic")
        verbose_name_plural = _("feedback topics")
        ordering = ("position", "id")
        constraints = [models.UniqueConstraint(fields=["workspace", "key"], name="feedback_topic_unique_key")]

    def __str__(self) -> str:
        return self.display_label

    @property
    def display_label(self) -> str:
        if self.label:
            return self.label
        default = DEFAULT_TOPIC_LABELS.get(self.key)
        return str(default) if default is not None else self.key
