"""Writes of the surveys app: surveys, answers (one per invitation, the first one is final),
the follow-up of unhappy customers, feedback topics and their keyword tagging, and the hooks
the inbox's CSAT (``conversations.csat``) calls to record its requests and ratings here.

Sending an invitation over WhatsApp, e-mail or web chat lives in ``surveys.sending`` (it is
the one module of this app that uses the conversation services)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone, translation
from django.utils.text import slugify
from django.utils.translation import gettext as _

from relasi.accounts.models import Membership, User, Workspace
from relasi.contacts.models import Contact
from relasi.core.audit import audit_record, diff, snapshot
from relasi.core.exceptions import Conflict, ValidationError, fields_invalid
from relasi.core.models import AuditAction
from relasi.surveys import scoring, tokens
from relasi.surveys.enums import (
    NEGATIVE_CATEGORIES,
    InvitationStatus,
    ResponseSource,
    SurveyChannel,
    SurveyKind,
)
from relasi.surveys.models import (
    FeedbackTopic,
    Survey,
    SurveyInvitation,
    SurveyResponse,
    SurveySettings,
)
from relasi.surveys.topic_defaults import DEFAULT_TOPICS

if TYPE_CHECKING:
    from relasi.conversations.models import Conversation

NAME_MAX = 120
QUESTION_MAX = 300
COMMENT_MAX = 2000
NOTE_MAX = 2000
KEYWORD_MAX = 60
KEYWORDS_MAX = 100
TOPIC_LABEL_MAX = 60
RETAG_CHUNK = 500


def _as_bool(value: Any, field: str) -> bool:
    if isinstance(value, bool):
        return value
    text = str(value).strip().lower()
    if text in ("1", "true", "on", "yes", "ya"):
        return True
    if text in ("0", "false", "off", "no", "tidak", ""):
        return False
    raise fields_invalid({field: _("Use true or false.")})


def _text(values: Mapping[str, Any], name: str, limit: int) -> str:
    text = " ".join(str(values.get(name) or "").split())
    if len(text) > limit:
        raise fields_invalid({name: _("Keep it under %(max)s characters.") % {"max": limit}})
    return text


# Surveys ------------------------------------------------------------------------------------

_EDITABLE = ("name", "question", "comment_question", "is_active", "public_link_enabled")


def _survey_values(values: Mapping[str, Any], *, creating: bool) -> dict[str, Any]:
    clean: dict[str, Any] = {}
    errors: dict[str, str] = {}
    if creating or "kind" in values:
        kind = str(values.get("kind") or "").strip().lower()
        if kind not in SurveyKind.values:
            errors["kind"] = _("Choose nps, csat or ces.")
        clean["kind"] = kind
    if creating or "name" in values:
        try:
            name = _text(values, "name", NAME_MAX)
        except ValidationError as error:
            errors.update({k: str(v) for k, v in error.fields.items()})
            name = ""
        if not name and "name" not in errors:
            errors["name"] = _("Give the survey a name, e.g. “NPS after delivery”.")
        clean["name"] = name
    for name in ("question", "comment_question"):
        if name in values:
            try:
                clean[name] = _text(values, name, QUESTION_MAX)
            except ValidationError as error:
                errors.update({k: str(v) for k, v in error.fields.items()})
    for name in ("is_active", "public_link_enabled"):
        if name in values and values[name] is not None:
            try:
                clean[name] = _as_bool(values[name], name)
            except ValidationError as error:
                errors.update({k: str(v) for k, v in error.fields.items()})
    if errors:
        raise fields_invalid(errors)
    return clean


@transaction.atomic
def survey_create(*, workspace: Workspace, actor: User | None, values: Mapping[str, Any]) -> Survey:
    """A new survey: ``kind`` (nps, csat, ces) and ``name`` required; ``question`` and
    ``comment_question`` blank for the kind's default; ``is_active`` and
    ``public_link_enabled`` default to true."""
    unknown = set(values) - {"kind", *_EDITABLE}
    if unknown:
        raise fields_invalid({name: _("This field cannot be set.") for name in sorted(unknown)})
    clean = _survey_values(values, creating=True)
    survey = Survey.objects.create(
        workspace=workspace, public_token=tokens.public_token_new(), created_by=actor, **clean
    )
    audit_record(
        action=AuditAction.CREATE,
        actor=actor,
        workspace=workspace,
        instance=survey,
        changes={k: [None, v] for k, v in clean.items()},
    )
    return survey


@transaction.atomic
def survey_update(*, survey: Survey, actor: User | None, values: Mapping[str, Any]) -> Survey:
    """Change what ``values`` names. The kind can change only while nobody has answered; the
    inbox's CSAT survey keeps its kind and question (the inbox asks with its own text and the
    switch is per inbox), only its name changes."""
    locked = Survey.objects.select_for_update().get(pk=survey.pk)
    unknown = set(values) - {"kind", *_EDITABLE}
    if unknown:
        raise fields_invalid({name: _("This field cannot be set.") for name in sorted(unknown)})
    clean = _survey_values(values, creating=False)
    if locked.is_inbox_csat:
        fixed = sorted(k for k in clean if k != "name" and clean[k] != getattr(locked, k))
        if fixed:
            raise fields_invalid(
                {
                    name: _(
                        "The inbox's satisfaction survey is set per inbox (Reports → Customer "
                        "satisfaction); only its name can change here."
                    )
                    for name in fixed
                }
            )
    if "kind" in clean and clean["kind"] != locked.kind and locked.responses.exists():
        raise fields_invalid(
            {"kind": _("Customers have answered this survey: create a new survey for another kind.")}
        )
    changes = diff(snapshot(locked, clean), clean)
    if changes:
        for name, value in clean.items():
            setattr(locked, name, value)
        locked.save(update_fields=[*clean, "updated_at"])
        audit_record(
            action=AuditAction.UPDATE,
            actor=actor,
            workspace=locked.workspace,
            instance=locked,
            changes=changes,
        )
    return locked


@transaction.atomic
def inbox_csat_survey_get(*, workspace: Workspace) -> Survey:
    """The workspace's survey for the inbox's CSAT, created the first time it is needed
    (race-safe: one per workspace is a database constraint)."""
    survey = Survey.objects.filter(workspace=workspace, is_inbox_csat=True).first()
    if survey is not None:
        return survey
    with translation.override(settings.LANGUAGE_CODE):
        name = _("Conversation rating (inbox CSAT)")
    try:
        with transaction.atomic():
            return Survey.objects.create(
                workspace=workspace,
                kind=SurveyKind.CSAT,
                name=name,
                is_inbox_csat=True,
                public_link_enabled=False,
                public_token=tokens.public_token_new(),
            )
    except IntegrityError:
        return Survey.objects.get(workspace=workspace, is_inbox_csat=True)


# Feedback topics ----------------------------------------------------------------------------


@transaction.atomic
def feedback_topics_ensure(*, workspace: Workspace) -> list[FeedbackTopic]:
    """The workspace's topics; the default set (price, delivery, quality, service, stock with
    their Indonesian keywords) is written the first time, once: topics the owner deleted
    later are not brought back."""
    state, _created = SurveySettings.objects.get_or_create(workspace=workspace)
    if state.topics_seeded_at is None:
        state = SurveySettings.objects.select_for_update().get(pk=state.pk)
        if state.topics_seeded_at is None:
            existing = set(FeedbackTopic.objects.filter(workspace=workspace).values_list("key", flat=True))
            FeedbackTopic.objects.bulk_create(
                [
                    FeedbackTopic(workspace=workspace, key=key, keywords=list(keywords), position=index)
                    for index, (key, keywords) in enumerate(DEFAULT_TOPICS)
                    if key not in existing
                ]
            )
            state.topics_seeded_at = timezone.now()
            state.save(update_fields=["topics_seeded_at", "updated_at"])
    return list(FeedbackTopic.objects.filter(workspace=workspace).order_by("position", "id"))


def _rules(topics: Iterable[FeedbackTopic]) -> list[scoring.TopicRule]:
    return [scoring.TopicRule(topic.key, tuple(topic.keywords or ())) for topic in topics]


def _tags(comment: str, rules: list[scoring.TopicRule]) -> tuple[list[str], dict[str, list[str]]]:
    matches = scoring.topics_match(comment, rules)
    return [m.key for m in matches], {m.key: list(m.keywords) for m in matches}


def keywords_parse(raw: Any) -> list[str]:
    """Keywords from a list or from text separated by commas or new lines: lower-case,
    spaces collapsed, each once, in the order given. Raises ``ValidationError`` (field
    ``keywords``) when none is left, one is too long, or there are too many."""
    items = raw if isinstance(raw, list | tuple) else str(raw or "").replace("\n", ",").split(",")
    keywords: list[str] = []
    for item in items:
        keyword = scoring.keyword_normalize(str(item))
        if not keyword or keyword in keywords:
            continue
        if len(keyword) > KEYWORD_MAX:
            raise fields_invalid(
                {
                    "keywords": _("“%(word)s” is too long: at most %(max)s characters per keyword.")
                    % {"word": keyword[:30], "max": KEYWORD_MAX}
                }
            )
        keywords.append(keyword)
    if not keywords:
        raise fields_invalid({"keywords": _("Give at least one keyword, separated by commas.")})
    if len(keywords) > KEYWORDS_MAX:
        raise fields_invalid({"keywords": _("At most %(max)s keywords per topic.") % {"max": KEYWORDS_MAX}})
    return keywords


@transaction.atomic
def feedback_topic_create(
    *, workspace: Workspace, actor: User | None, label: str, keywords: Any, key: str = ""
) -> FeedbackTopic:
    """A new topic; ``key`` (letters, digits, dashes) defaults to the label's slug. Existing
    comments are tagged again."""
    feedback_topics_ensure(workspace=workspace)
    label = " ".join(str(label or "").split())
    errors: dict[str, str] = {}
    if not label:
        errors["label"] = _("Give the topic a name, e.g. “Packaging”.")
    elif len(label) > TOPIC_LABEL_MAX:
        errors["label"] = _("Keep it under %(max)s characters.") % {"max": TOPIC_LABEL_MAX}
    key = slugify(key or label)[:40]
    if label and not key:
        errors["key"] = _("Give a key of letters and digits, e.g. packaging.")
    elif key and FeedbackTopic.objects.filter(workspace=workspace, key=key).exists():
        errors["key"] = _("Another topic has the key %(key)s.") % {"key": key}
    try:
        words = keywords_parse(keywords)
    except ValidationError as error:
        errors.update({k: str(v) for k, v in error.fields.items()})
    if errors:
        raise fields_invalid(errors)
    position = (
        FeedbackTopic.objects.filter(workspace=workspace)
        .order_by("-position")
        .values_list("position", flat=True)
        .first()
        or 0
    ) + 1
    topic = FeedbackTopic.objects.create(
        workspace=workspace, key=key, label=label, keywords=words, position=position
    )
    audit_record(
        action=AuditAction.CREATE,
        actor=actor,
        workspace=workspace,
        instance=topic,
        changes={"key": [None, key], "label": [None, label], "keywords": [None, words]},
    )
    survey_responses_retag(workspace=workspace)
    return topic


@transaction.atomic
def feedback_topic_update(
    *, topic: FeedbackTopic, actor: User | None, label: str | None = None, keywords: Any = None
) -> FeedbackTopic:
    """Rename a topic or change its keywords; existing comments are tagged again."""
    locked = FeedbackTopic.objects.select_for_update().get(pk=topic.pk)
    after: dict[str, Any] = {}
    if label is not None:
        text = " ".join(str(label).split())
        if len(text) > TOPIC_LABEL_MAX:
            raise fields_invalid({"label": _("Keep it under %(max)s characters.") % {"max": TOPIC_LABEL_MAX}})
        after["label"] = text
    if keywords is not None:
        after["keywords"] = keywords_parse(keywords)
    changes = diff(snapshot(locked, after), after)
    if changes:
        for name, value in after.items():
            setattr(locked, name, value)
        locked.save(update_fields=[*after, "updated_at"])
        audit_record(
            action=AuditAction.UPDATE,
            actor=actor,
            workspace=locked.workspace,
            instance=locked,
            changes=changes,
        )
        if "keywords" in changes:
            survey_responses_retag(workspace=locked.workspace)
    return locked


@transaction.atomic
def feedback_topic_delete(*, topic: FeedbackTopic, actor: User | None) -> None:
    """Remove a topic; the comments under it lose it."""
    workspace = topic.workspace
    audit_record(
        action=AuditAction.DELETE,
        actor=actor,
        workspace=workspace,
        instance=topic,
        changes={"key": [topic.key, None], "keywords": [topic.keywords, None]},
    )
    topic.delete()
    survey_responses_retag(workspace=workspace)


@transaction.atomic
def survey_responses_retag(*, workspace: Workspace) -> int:
    """Tag every answer of the workspace again with the current topics (after the owner edited
    keywords); returns how many answers changed. Reads by id in chunks."""
    rules = _rules(feedback_topics_ensure(workspace=workspace))
    changed = 0
    last_id = 0
    rows = SurveyResponse.objects.filter(workspace=workspace).order_by("id")
    while chunk := list(
        rows.filter(id__gt=last_id).only("id", "comment", "topics", "topic_keywords")[:RETAG_CHUNK]
    ):
        last_id = chunk[-1].pk
        updates = []
        for response in chunk:
            topics, keywords = _tags(response.comment, rules)
            if topics != response.topics or keywords != response.topic_keywords:
                response.topics, response.topic_keywords = topics, keywords
                updates.append(response)
        SurveyResponse.objects.bulk_update(updates, ["topics", "topic_keywords"])
        changed += len(updates)
    return changed


# Invitations --------------------------------------------------------------------------------


def survey_invitation_create(
    *,
    survey: Survey,
    contact: Contact,
    channel: str,
    conversation: Conversation | None = None,
    agent: User | None = None,
    actor: User | None = None,
    status: str = InvitationStatus.CREATED,
    sent_to: str = "",
    note: str = "",
) -> SurveyInvitation:
    """Store an invitation and its signed token (no sending: ``surveys.sending`` does that).
    A conversation is asked once per survey (``Conflict``, code ``already_invited``)."""
    if (
        conversation is not None
        and SurveyInvitation.objects.filter(survey=survey, conversation=conversation).exists()
    ):
        raise Conflict(
            _("%(name)s was already asked this survey in this conversation.") % {"name": contact.full_name},
            code="already_invited",
            fields={"conversation": _("Choose another conversation, or send the survey without one.")},
        )
    now = timezone.now()
    invitation = SurveyInvitation.objects.create(
        workspace_id=survey.workspace_id,
        survey=survey,
        contact=contact,
        conversation=conversation,
        agent=agent,
        channel=channel,
        token=f"pending-{tokens.public_token_new()}",
        status=status,
        sent_to=sent_to,
        note=note[:300],
        sent_at=now if status == InvitationStatus.SENT else None,
        created_by=actor,
    )
    invitation.token = tokens.invitation_token(invitation.pk)
    invitation.save(update_fields=["token"])
    return invitation


def survey_invitation_view_record(*, invitation: SurveyInvitation) -> bool:
    """The customer's first opening of the invitation's page (``first_viewed_at``; status
    viewed unless already answered). Later openings record nothing; returns whether this was
    the first. A conditional UPDATE claims it, so two tabs record it once."""
    now = timezone.now()
    with transaction.atomic():
        claimed = SurveyInvitation.objects.filter(pk=invitation.pk, first_viewed_at__isnull=True).update(
            first_viewed_at=now, updated_at=now
        )
        if not claimed:
            return False
        SurveyInvitation.objects.filter(
            pk=invitation.pk, status__in=[InvitationStatus.CREATED, InvitationStatus.SENT]
        ).update(status=InvitationStatus.VIEWED)
    invitation.first_viewed_at = now
    if invitation.status in (InvitationStatus.CREATED, InvitationStatus.SENT):
        invitation.status = InvitationStatus.VIEWED
    return True


# Answers ------------------------------------------------------------------------------------


def member_check(*, workspace: Workspace, user_id: int | None, field: str = "agent") -> User | None:
    """The member ``user_id`` of the workspace (``None`` for none), or a ``ValidationError``
    naming ``field``."""
    if user_id is None:
        return None
    membership = (
        Membership.objects.select_related("user").filter(workspace=workspace, user_id=user_id).first()
    )
    if membership is None:
        raise fields_invalid({field: _("Choose a member of this workspace.")})
    return membership.user


def contact_check(
    *, workspace: Workspace, contact_id: int | None, field: str = "contact_id"
) -> Contact | None:
    """The live customer ``contact_id`` of the workspace, or a ``ValidationError``."""
    if contact_id is None:
        return None
    contact = Contact.objects.filter(workspace=workspace, pk=contact_id, merged_into__isnull=True).first()
    if contact is None:
        raise fields_invalid({field: _("Choose a customer of this workspace.")})
    return contact


def score_check(kind: str, score: Any) -> int:
    """``score`` as an integer on the scale of ``kind``, or a ``ValidationError`` naming the
    field ``score`` and the scale."""
    value: int | None = None
    if isinstance(score, int) and not isinstance(score, bool):
        value = score
    elif isinstance(score, str) and score.strip().isdigit():
        value = int(score.strip())
    if value is None or not scoring.score_valid(kind, value):
        low, high = scoring.SCALES[kind]
        message = _("Choose a score from %(low)s to %(high)s.") % {"low": low, "high": high}
        raise ValidationError(message, fields={"score": message})
    return value


def _comment_check(comment: Any) -> str:
    text = str(comment or "").strip()
    if len(text) > COMMENT_MAX:
        raise ValidationError(
            _("The comment is too long."),
            fields={"comment": _("Keep it under %(max)s characters.") % {"max": COMMENT_MAX}},
        )
    return text


@transaction.atomic
def survey_response_record(
    *,
    survey: Survey,
    score: Any,
    source: str,
    comment: Any = "",
    invitation: SurveyInvitation | None = None,
    contact: Contact | None = None,
    conversation: Conversation | None = None,
    agent: User | None = None,
    actor: User | None = None,
    answered_at: dt.datetime | None = None,
) -> SurveyResponse:
    """Store one answer: the score checked against the survey's scale (NPS 0–10, CSAT 1–5,
    CES 1–7), its category, the comment's feedback topics (with the keywords as the reason).

    With an ``invitation`` the customer, conversation and agent are the invitation's and the
    answer is final: a second one raises ``Conflict`` (code ``survey_answered``) and writes
    nothing. An answer about a ``conversation`` is likewise kept once per survey. Customers
    cannot answer a survey that is switched off (``Conflict``, code ``survey_closed``); staff
    can record one (``source=manual``, ``actor``, audited). ``contact``, ``conversation`` and
    ``agent`` are trusted here: the API and pages check what a person typed
    (``member_check``, ``contact_check``)."""
    if source not in ResponseSource.values:
        raise fields_invalid(
            {"source": _("Use one of: %(values)s.") % {"values": ", ".join(ResponseSource.values)}}
        )
    value = score_check(survey.kind, score)
    text = _comment_check(comment)
    if source != ResponseSource.MANUAL and not survey.is_active and not survey.is_inbox_csat:
        raise Conflict(_("This survey is closed and takes no more answers."), code="survey_closed")
    if invitation is not None:
        invitation = SurveyInvitation.objects.select_for_update().get(pk=invitation.pk)
        if invitation.survey_id != survey.pk:
            raise fields_invalid({"invitation": _("This invitation belongs to another survey.")})
        contact = invitation.contact
        conversation_id = invitation.conversation_id
        agent_id = invitation.agent_id if agent is None else agent.pk
        existing = SurveyResponse.objects.filter(invitation=invitation).first()
    else:
        conversation_id = conversation.pk if conversation is not None else None
        agent_id = agent.pk if agent is not None else None
        existing = None
        if conversation_id is not None:
            existing = SurveyResponse.objects.filter(survey=survey, conversation_id=conversation_id).first()
    if contact is not None and contact.workspace_id != survey.workspace_id:
        raise fields_invalid({"contact": _("Choose a customer of this workspace.")})
    if existing is not None:
        raise _answered(existing)
    now = timezone.now()
    rules = _rules(feedback_topics_ensure(workspace=survey.workspace)) if text else []
    topics, keywords = _tags(text, rules)
    try:
        with transaction.atomic():
            response = SurveyResponse.objects.create(
                workspace_id=survey.workspace_id,
                survey=survey,
                invitation=invitation,
                contact=contact,
                conversation_id=conversation_id,
                agent_id=agent_id,
                kind=survey.kind,
                score=value,
                comment=text,
                topics=topics,
                topic_keywords=keywords,
                category=scoring.category(survey.kind, value),
                source=source,
                answered_at=answered_at or now,
                recorded_by=actor if source == ResponseSource.MANUAL else None,
            )
    except IntegrityError:
        # Two answers at once: the other one won (one per invitation / conversation).
        winner = None
        if invitation is not None:
            winner = SurveyResponse.objects.filter(invitation=invitation).first()
        elif conversation_id is not None:
            winner = SurveyResponse.objects.filter(survey=survey, conversation_id=conversation_id).first()
        if winner is None:
            raise
        raise _answered(winner) from None
    if invitation is not None:
        invitation.status = InvitationStatus.ANSWERED
        invitation.answered_at = response.answered_at
        invitation.save(update_fields=["status", "answered_at", "updated_at"])
    if source == ResponseSource.MANUAL:
        audit_record(
            action=AuditAction.CREATE,
            actor=actor,
            workspace=survey.workspace,
            instance=response,
            changes={
                "score": [None, value],
                "source": [None, source],
                "contact": [None, contact.pk if contact else None],
            },
        )
    return response


def _answered(existing: SurveyResponse) -> Conflict:
    when = timezone.localtime(existing.answered_at).strftime("%d-%m-%Y %H:%M")
    return Conflict(
        _("This survey was already answered (score %(score)s on %(when)s); the first answer is final.")
        % {"score": existing.score, "when": when},
        code="survey_answered",
    )


@transaction.atomic
def survey_response_comment_add(*, response: SurveyResponse, comment: Any) -> SurveyResponse:
    """Add the comment to an answer given without one (a tap in WhatsApp, then the reason on
    the page). A comment already given is final (``Conflict``)."""
    locked = SurveyResponse.objects.select_for_update().get(pk=response.pk)
    text = _comment_check(comment)
    if not text:
        raise ValidationError(
            _("Write your comment first."), fields={"comment": _("Write your comment first.")}
        )
    if locked.comment:
        raise Conflict(_("A comment was already given with this answer."), code="comment_given")
    rules = _rules(feedback_topics_ensure(workspace=locked.workspace))
    locked.comment = text
    locked.topics, locked.topic_keywords = _tags(text, rules)
    locked.save(update_fields=["comment", "topics", "topic_keywords", "updated_at"])
    return locked


@transaction.atomic
def survey_response_follow_up(*, response: SurveyResponse, actor: User, note: Any = "") -> SurveyResponse:
    """Mark an unhappy answer (NPS detractor, unsatisfied CSAT, hard CES) as followed up by
    ``actor``, with what was done. Only those answers are followed up; once is enough
    (``Conflict``)."""
    locked = SurveyResponse.objects.select_for_update().get(pk=response.pk)
    text = str(note or "").strip()
    if len(text) > NOTE_MAX:
        raise fields_invalid({"note": _("Keep it under %(max)s characters.") % {"max": NOTE_MAX}})
    if locked.category not in NEGATIVE_CATEGORIES:
        raise Conflict(
            _("Only unhappy answers (detractors, unsatisfied, hard) are followed up."), code="not_negative"
        )
    if locked.followed_up_at is not None:
        raise Conflict(
            _("This answer was already followed up on %(when)s.")
            % {"when": timezone.localtime(locked.followed_up_at).strftime("%d-%m-%Y %H:%M")},
            code="followed_up",
        )
    locked.followed_up_at = timezone.now()
    locked.followed_up_by = actor
    locked.follow_up_note = text
    locked.save(update_fields=["followed_up_at", "followed_up_by", "follow_up_note", "updated_at"])
    audit_record(
        action=AuditAction.UPDATE,
        actor=actor,
        workspace=locked.workspace,
        instance=locked,
        changes={"followed_up_at": [None, locked.followed_up_at], "follow_up_note": ["", text]},
    )
    return locked


# The inbox's CSAT (called by conversations.csat) --------------------------------------------

# ``conversations.models.CsatSource`` → the channel the rating came through.
_CSAT_SOURCES = {"whatsapp": ResponseSource.WHATSAPP, "agent": ResponseSource.MANUAL}


def _inbox_channel(conversation: Conversation) -> str:
    channel = str(conversation.inbox.channel_type)
    return channel if channel in SurveyChannel.values else SurveyChannel.LINK


@transaction.atomic
def inbox_csat_invitation_record(
    *, conversation: Conversation, message_id: int | None, sent_at: dt.datetime | None = None
) -> SurveyInvitation:
    """The inbox asked the customer of ``conversation`` for a rating: its invitation in the
    workspace's inbox-CSAT survey (once per conversation; a second call returns it)."""
    survey = inbox_csat_survey_get(workspace=conversation.workspace)
    existing = SurveyInvitation.objects.filter(survey=survey, conversation_id=conversation.pk).first()
    if existing is not None:
        return existing
    invitation = survey_invitation_create(
        survey=survey,
        contact=conversation.contact,
        channel=_inbox_channel(conversation),
        conversation=conversation,
        agent=conversation.csat_agent,
        status=InvitationStatus.SENT,
    )
    invitation.message_id = message_id
    invitation.sent_at = sent_at or invitation.sent_at
    invitation.save(update_fields=["message", "sent_at"])
    return invitation


@transaction.atomic
def inbox_csat_response_record(
    *, conversation: Conversation, score: int, comment: str, csat_source: str, actor: User | None
) -> SurveyResponse:
    """The customer's rating of ``conversation`` (already stored on the conversation by
    ``conversations.csat.csat_record``) as a response of the inbox-CSAT survey, linked to the
    contact, the conversation, the agent rated and the request's invitation."""
    survey = inbox_csat_survey_get(workspace=conversation.workspace)
    invitation = SurveyInvitation.objects.filter(survey=survey, conversation_id=conversation.pk).first()
    source = _CSAT_SOURCES.get(csat_source) or _inbox_channel(conversation)
    agent = conversation.csat_agent
    return survey_response_record(
        survey=survey,
        score=score,
        comment=comment,
        source=source,
        invitation=invitation,
        contact=conversation.contact if invitation is None else None,
        conversation=conversation if invitation is None else None,
        agent=agent,
        actor=actor if source == ResponseSource.MANUAL else None,
        answered_at=conversation.csat_answered_at,
    )
