"""Backfill: the inbox's CSAT requests and ratings made before the surveys app existed become
invitations and responses of each workspace's inbox-CSAT survey (as ``conversations.csat``
writes them from now on). Safe to run twice: conversations already copied are skipped."""

from __future__ import annotations

import secrets
from typing import Any

from django.core import signing
from django.db import migrations
from django.utils import timezone

from relasi.surveys import scoring

# Frozen copy of ``topic_defaults.DEFAULT_TOPICS`` at the time of this migration.
DEFAULT_TOPICS = (
    ("price", ["harga", "mahal", "murah", "diskon", "ongkos"]),
    ("delivery", ["kirim", "pengiriman", "kurir", "telat", "terlambat", "paket", "ongkir", "lama sampai"]),
    ("quality", ["kualitas", "rusak", "cacat", "bagus", "awet", "jelek", "asli"]),
    ("service", ["pelayanan", "layanan", "admin", "ramah", "respon", "balas", "cs", "sopan", "jutek"]),
    ("stock", ["stok", "habis", "kosong", "tersedia", "ready"]),
)
INVITATION_SALT = "relasi.surveys.invitation"  # tokens._INVITATION_SALT
CHUNK = 500


def _survey(apps: Any, workspace_id: int) -> Any:
    survey_model = apps.get_model("surveys", "Survey")
    survey = survey_model.objects.filter(workspace_id=workspace_id, is_inbox_csat=True).first()
    if survey is None:
        survey = survey_model.objects.create(
            workspace_id=workspace_id,
            kind="csat",
            name="Penilaian percakapan (CSAT kotak masuk)",
            is_inbox_csat=True,
            public_link_enabled=False,
            public_token=secrets.token_urlsafe(24),
        )
    return survey


def _rules(apps: Any, workspace_id: int) -> list[scoring.TopicRule]:
    settings_model = apps.get_model("surveys", "SurveySettings")
    topic_model = apps.get_model("surveys", "FeedbackTopic")
    state, _created = settings_model.objects.get_or_create(workspace_id=workspace_id)
    if state.topics_seeded_at is None:
        existing = set(topic_model.objects.filter(workspace_id=workspace_id).values_list("key", flat=True))
        topic_model.objects.bulk_create(
            [
                topic_model(workspace_id=workspace_id, key=key, keywords=words, position=index)
                for index, (key, words) in enumerate(DEFAULT_TOPICS)
                if key not in existing
            ]
        )
        state.topics_seeded_at = timezone.now()
        state.save(update_fields=["topics_seeded_at"])
    return [
        scoring.TopicRule(t.key, tuple(t.keywords or ()))
        for t in topic_model.objects.filter(workspace_id=workspace_id).order_by("position", "id")
    ]


def backfill(apps: Any, schema_editor: Any) -> None:
    conversation_model = apps.get_model("conversations", "Conversation")
    invitation_model = apps.get_model("surveys", "SurveyInvitation")
    response_model = apps.get_model("surveys", "SurveyResponse")
    surveys: dict[int, Any] = {}
    rules: dict[int, list[scoring.TopicRule]] = {}
    rows = (
        conversation_model.objects.filter(csat_requested_at__isnull=False)
        .select_related("inbox")
        .order_by("id")
    )
    last_id = 0
    while chunk := list(rows.filter(id__gt=last_id)[:CHUNK]):
        last_id = chunk[-1].pk
        for conversation in chunk:
            workspace_id = conversation.workspace_id
            if workspace_id not in surveys:
                surveys[workspace_id] = _survey(apps, workspace_id)
            survey = surveys[workspace_id]
            if invitation_model.objects.filter(survey=survey, conversation=conversation).exists():
                continue
            channel = conversation.inbox.channel_type
            answered = conversation.csat_answered_at is not None and conversation.csat_score in range(1, 6)
            invitation = invitation_model.objects.create(
                workspace_id=workspace_id,
                survey=survey,
                contact_id=conversation.contact_id,
                conversation=conversation,
                agent_id=conversation.csat_agent_id,
                channel=channel if channel in ("whatsapp", "email", "webchat") else "link",
                token=f"pending-{secrets.token_urlsafe(24)}",
                status="answered" if answered else "sent",
                sent_at=conversation.csat_requested_at,
                answered_at=conversation.csat_answered_at if answered else None,
            )
            invitation.token = signing.dumps(invitation.pk, salt=INVITATION_SALT)
            invitation.save(update_fields=["token"])
            if not answered or response_model.objects.filter(survey=survey, conversation=conversation).exists():
                continue
            if workspace_id not in rules:
                rules[workspace_id] = _rules(apps, workspace_id)
            matches = scoring.topics_match(conversation.csat_comment, rules[workspace_id])
            source = {"whatsapp": "whatsapp", "agent": "manual"}.get(conversation.csat_source, invitation.channel)
            response_model.objects.create(
                workspace_id=workspace_id,
                survey=survey,
                invitation=invitation,
                contact_id=conversation.contact_id,
                conversation=conversation,
                agent_id=conversation.csat_agent_id,
                kind="csat",
                score=conversation.csat_score,
                comment=conversation.csat_comment,
                topics=[m.key for m in matches],
                topic_keywords={m.key: list(m.keywords) for m in matches},
                category=scoring.category("csat", conversation.csat_score),
                source=source,
                answered_at=conversation.csat_answered_at,
            )


class Migration(migrations.Migration):
    dependencies = [
        ("surveys", "0001_initial"),
        ("conversations", "0005_conversation_open_counts_index"),
    ]

    operations = [migrations.RunPython(backfill, migrations.RunPython.noop)]
