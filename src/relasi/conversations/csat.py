"""Customer satisfaction (CSAT, 1–5) after a conversation is resolved.

Flow:

1. ``conversation_resolve`` calls ``csat_request_schedule`` in its transaction: the agent who is
   rated is the assignee *at resolve time* (``csat_agent``), and ``csat_request_send`` is queued
   after commit (a failure to queue never fails the resolve).
2. ``csat_request_send`` (the worker) asks the customer in the conversation's channel:

   * WhatsApp, 24-hour window open → an interactive **list** of five rows ("5 – Sangat puas" …
     "1 – Sangat tidak puas"; reply buttons stop at three);
   * WhatsApp, window closed → the inbox's approved **UTILITY template** (``inbox.csat_template_name``,
     by default ``csat_request``): body ``{{1}}`` = the customer's first name, ``{{2}}`` = the survey
     link; each quick-reply button whose text holds a digit 1–5 gives that score, any other
     quick-reply button ("Beri nilai") opens the list; a URL button ending in ``{{1}}`` gets the
     link's token (``https://…/d/survei/{{1}}/``). Without such a template nothing is sent and
     the thread says why;
   * e-mail and web chat → a text with the public link ``/d/survei/<token>/``.

   Texts are in the customer's language (the installation's default, Bahasa Indonesia).
3. The answer — a tap on a list row or template button (``csat_whatsapp_answer``, called by the
   WhatsApp inbound worker), the public page, or an admin recording a rating given by phone —
   goes through ``csat_record``.
4. The request and the rating are also written to the surveys app, as an invitation and a
   response of the workspace's inbox-CSAT survey (``surveys.services.inbox_csat_*``), linked
   to the contact, the conversation and the agent rated. The ``csat_*`` fields of the
   conversation stay (the reports read them). WhatsApp options of other surveys share the
   ``csat:`` prefix (``csat:survey:…``) and are passed on to ``surveys.sending``.

Rules:

* **One request per conversation.** A conversation is asked once: after a manual reopen and a
  second resolve the customer is not asked again (``csat_requested_at`` is set). Nothing is
  sent when the inbox has CSAT switched off or the customer never wrote in the conversation.
  The task is safe to run twice (row lock + ``csat_requested_at`` + the message's idempotency key).
* **One answer per conversation.** The first answer is kept; a later one is refused
  (``Conflict``) — the survey page shows the recorded answer, a second tap in WhatsApp is kept
  as a message but changes nothing. This keeps reports stable and the score free of
  "could you change it to 5?".
* **Unforgeable answers.** A WhatsApp option id is ``csat:<conversation>:<score>:<mac>`` where
  ``mac`` is an HMAC of the conversation id with the secret key, and it is only accepted from the
  conversation's own customer in its own inbox. The link token is Django's signed, timestamped
  value of the conversation id: it cannot be guessed or moved to another conversation, and it
  expires ``LINK_MAX_AGE`` (7 days) after it was sent. (A tap in WhatsApp is taken whenever
  it comes: the list stays in the customer's chat, and only its own customer can send it.)
* A tap on a survey option is stored in the rated conversation, which stays resolved: it does
  not start a new conversation, does not count as unread and triggers no greeting or away
  message. A thank-you follows in WhatsApp (the customer just wrote, so the window is open).
"""

from __future__ import annotations

import datetime as dt
import logging
import re
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.core import signing
from django.db import transaction
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.crypto import constant_time_compare, salted_hmac
from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from relasi.accounts.models import User
from relasi.channels.whatsapp.adapter import window_open
from relasi.channels.whatsapp.models import WhatsAppTemplate
from relasi.channels.whatsapp.templating import template_placeholder_count
from relasi.contacts.models import ContactIdentity
from relasi.conversations.enums import (
    ChannelType,
    ConversationStatus,
    MessageDirection,
    MessageKind,
)
from relasi.conversations.inbox_settings import inbox_audit
from relasi.conversations.models import Conversation, CsatSource, Inbox, Message
from relasi.conversations.services import _activity
from relasi.conversations.services_inbound import survey_tap_store
from relasi.conversations.services_outbound import message_send, message_send_quietly
from relasi.core.audit import audit_record, diff, snapshot
from relasi.core.exceptions import ApplicationError, Conflict, ValidationError
from relasi.core.models import AuditAction
from relasi.surveys import services as survey_services
from relasi.surveys.tokens import REPLY_PREFIX as SURVEY_REPLY_PREFIX

logger = logging.getLogger(__name__)

SCORES = (5, 4, 3, 2, 1)  # the order the options are shown in
SCORE_LABELS: dict[int, str | Promise] = {
    5: gettext_lazy("Very satisfied"),
    4: gettext_lazy("Satisfied"),
    3: gettext_lazy("Neutral"),
    2: gettext_lazy("Dissatisfied"),
    1: gettext_lazy("Very dissatisfied"),
}
OPEN_LIST = 0  # a template button without a score: the customer asks for the list of options
COMMENT_MAX = 1000
LINK_MAX_AGE = dt.timedelta(days=7)
DEFAULT_TEMPLATE_NAME = "csat_request"
REPLY_PREFIX = "csat:"
_LINK_SALT = "relasi.conversations.csat.link"
_REPLY_SALT = "relasi.conversations.csat.reply"
_REPLY_ID = re.compile(r"^csat:(\d{1,18}):([0-5]):([0-9a-f]{20})$")
_SCORE_IN_TEXT = re.compile(r"(?<!\d)([1-5])(?!\d)")


def score_label(score: int) -> str:
    """ "Very satisfied" … "Very dissatisfied" in the active language."""
    return str(SCORE_LABELS.get(score, ""))


# Tokens ----------------------------------------------------------------------------------


def _reply_mac(conversation_id: int) -> str:
    return salted_hmac(_REPLY_SALT, str(conversation_id)).hexdigest()[:20]


def csat_reply_id(*, conversation_id: int, score: int) -> str:
    """The id of one survey option (list row or template quick reply) of a conversation."""
    return f"{REPLY_PREFIX}{conversation_id}:{score}:{_reply_mac(conversation_id)}"


def csat_reply_parse(reply_id: str) -> tuple[int, int] | None:
    """``(conversation_id, score)`` of a survey option id we made (score 0 = "show the
    options"), ``None`` for anything else or a forged id."""
    match = _REPLY_ID.match(reply_id or "")
    if match is None:
        return None
    conversation_id = int(match.group(1))
    if not constant_time_compare(match.group(3), _reply_mac(conversation_id)):
        return None
    return conversation_id, int(match.group(2))


def csat_link_token(*, conversation_id: int) -> str:
    """The token of the public survey page: signed and timestamped now."""
    return signing.dumps(conversation_id, salt=_LINK_SALT)


def csat_link_url(*, token: str) -> str:
    """The absolute address of the public survey page for ``token``."""
    path = reverse("conversations:csat_survey", args=[token])
    return str(settings.RELASI_BASE_URL).rstrip("/") + path


@dataclass(frozen=True)
class SurveyLink:
    """What a survey token points at. ``expired``: older than ``LINK_MAX_AGE``."""

    conversation: Conversation
    expired: bool


def csat_link_resolve(*, token: str) -> SurveyLink | None:
    """The conversation of a survey token, ``None`` when the token is forged or names a
    conversation that was never surveyed (or no longer exists)."""
    try:
        conversation_id = signing.loads(token, salt=_LINK_SALT, max_age=LINK_MAX_AGE)
        expired = False
    except signing.SignatureExpired:
        conversation_id = signing.loads(token, salt=_LINK_SALT)
        expired = True
    except signing.BadSignature:
        return None
    if not isinstance(conversation_id, int):
        return None
    conversation = (
        Conversation.objects.select_related("workspace", "inbox", "contact")
        .filter(pk=conversation_id, csat_requested_at__isnull=False)
        .first()
    )
    if conversation is None:
        return None
    return SurveyLink(conversation=conversation, expired=expired)


# Asking ----------------------------------------------------------------------------------


def csat_request_schedule(*, conversation: Conversation) -> None:
    """Called by ``conversation_resolve`` inside its transaction: remember who is rated (the
    assignee now) and queue ``csat_request_send`` after commit. Nothing is queued when the
    inbox does not ask or the conversation was asked before."""
    if conversation.csat_requested_at is not None:
        return
    if not Inbox.objects.filter(pk=conversation.inbox_id, csat_enabled=True).exists():
        return
    Conversation.objects.filter(pk=conversation.pk).update(csat_agent_id=conversation.assignee_id)
    conversation.csat_agent_id = conversation.assignee_id
    from relasi.conversations.tasks_csat import csat_request_task

    conversation_id = conversation.pk
    # robust: a broker that is down is logged, the conversation stays resolved.
    transaction.on_commit(lambda: csat_request_task.delay(conversation_id), robust=True)


@dataclass(frozen=True)
class CsatRequestOutcome:
    """``sent`` (``message_id`` is the survey), ``skipped`` (nothing to do) or ``not_sent`` (the
    thread says why)."""

    status: str
    reason: str = ""
    message_id: int | None = None


def _not_sent(conversation: Conversation, reason: str) -> CsatRequestOutcome:
    """Say once per resolution in the thread why no survey went out."""
    already = Message.objects.filter(
        conversation=conversation,
        kind=MessageKind.ACTIVITY,
        payload__action="csat_not_sent",
        created_at__gte=conversation.resolved_at or conversation.created_at,
    ).exists()
    if not already:
        _activity(
            conversation=conversation,
            actor=None,
            action="csat_not_sent",
            text=_("Satisfaction survey not sent: %(reason)s") % {"reason": reason},
        )
    logger.info("CSAT for conversation %s not sent: %s", conversation.pk, reason)
    return CsatRequestOutcome("not_sent", reason)


def _first_name(conversation: Conversation) -> str:
    name = (conversation.contact.full_name or "").strip()
    return name.split(" ")[0] if name else _("Customer")


def _question(conversation: Conversation) -> str:
    return _("Thank you for contacting %(business)s. How satisfied are you with our service?") % {
        "business": conversation.workspace.name
    }


def _list_payload(conversation_id: int) -> dict[str, Any]:
    rows = [
        {
            "id": csat_reply_id(conversation_id=conversation_id, score=score),
            "title": f"{score} – {score_label(score)}"[:24],
            "description": "★" * score,
        }
        for score in SCORES
    ]
    return {"list": {"button": _("Rate us")[:20], "sections": [{"rows": rows}]}}


def _send_list(conversation: Conversation, key: str) -> Message:
    return message_send(
        conversation=conversation,
        actor=None,
        kind=MessageKind.INTERACTIVE,
        body=_question(conversation),
        payload=_list_payload(conversation.pk),
        idempotency_key=key,
    )


def csat_template_for(*, inbox: Inbox) -> WhatsAppTemplate | None:
    """The approved UTILITY template the inbox asks with outside the window: the one named in
    ``csat_template_name`` (default ``csat_request``), in the customer's language when Meta
    approved several."""
    account = getattr(inbox, "whatsapp_account", None)
    if account is None:
        return None
    name = inbox.csat_template_name or DEFAULT_TEMPLATE_NAME
    candidates = list(
        WhatsAppTemplate.objects.filter(account=account, name=name, status="APPROVED", category="UTILITY")
    )
    language = settings.LANGUAGE_CODE.lower()

    def preference(template: WhatsAppTemplate) -> tuple[int, str]:
        code = template.language.lower().replace("-", "_")
        return (0 if code == language else 1 if code.split("_")[0] == language else 2, code)

    return min(candidates, key=preference, default=None)


def _template_values(
    template: WhatsAppTemplate, conversation: Conversation, token: str
) -> dict[str, Any] | str:
    """The variables and button values of the CSAT template, or why it cannot be used."""
    if template_placeholder_count(template.components, "HEADER"):
        return _("the template %(name)s has a variable in its header.") % {"name": template.name}
    count = template_placeholder_count(template.components, "BODY")
    if count > 2:
        return _("the template %(name)s has more than 2 variables (name and survey link).") % {
            "name": template.name
        }
    body = [_first_name(conversation), csat_link_url(token=token)][:count]
    buttons: list[dict[str, Any]] = []
    for component in template.components:
        if str(component.get("type", "")).upper() != "BUTTONS":
            continue
        for index, button in enumerate(component.get("buttons") or []):
            kind = str(button.get("type", "")).upper()
            if kind == "QUICK_REPLY":
                found = _SCORE_IN_TEXT.search(str(button.get("text") or ""))
                score = int(found.group(1)) if found else OPEN_LIST
                value = csat_reply_id(conversation_id=conversation.pk, score=score)
                buttons.append({"index": index, "type": "quick_reply", "value": value})
            elif kind == "URL" and "{{" in str(button.get("url") or ""):
                buttons.append({"index": index, "type": "url", "value": token})
    return {"variables": {"body": body}, "buttons": buttons}


def _send_request(conversation: Conversation) -> Message | str:
    """Send the survey in the conversation's channel; the message, or why it was not sent."""
    key = f"csat:{conversation.pk}"
    channel = conversation.inbox.channel_type
    if channel == ChannelType.WHATSAPP and window_open(conversation):
        return _send_list(conversation, key)
    token = csat_link_token(conversation_id=conversation.pk)
    if channel == ChannelType.WHATSAPP:
        template = csat_template_for(inbox=conversation.inbox)
        if template is None:
            return _(
                "the 24-hour window has closed and the inbox has no approved UTILITY template named %(name)s."
            ) % {"name": conversation.inbox.csat_template_name or DEFAULT_TEMPLATE_NAME}
        values = _template_values(template, conversation, token)
        if isinstance(values, str):
            return values
        return message_send(
            conversation=conversation,
            actor=None,
            kind=MessageKind.TEMPLATE,
            payload=values,
            template=template,
            idempotency_key=key,
        )
    body = _(
        "%(question)s\n\nGive us a rating from 1 to 5 here (the link works for %(days)s days):\n%(link)s"
    ) % {
        "question": _question(conversation),
        "days": LINK_MAX_AGE.days,
        "link": csat_link_url(token=token),
    }
    return message_send(
        conversation=conversation, actor=None, kind=MessageKind.TEXT, body=body, idempotency_key=key
    )


def csat_request_send(*, conversation_id: int) -> CsatRequestOutcome:
    """Ask the customer of a resolved conversation for a rating (channel rules in the module
    docstring). Safe to run twice; a conversation reopened before the worker ran, already
    asked, in an inbox without CSAT or without any customer message is skipped. When the
    channel refuses, the thread says why and the conversation stays resolved."""
    with transaction.atomic():
        conversation = (
            Conversation.objects.select_for_update(of=("self",))
            .select_related("workspace", "inbox", "contact", "identity")
            .filter(pk=conversation_id)
            .first()
        )
        if conversation is None:
            return CsatRequestOutcome("skipped", "gone")
        if conversation.status != ConversationStatus.RESOLVED:
            return CsatRequestOutcome("skipped", "not resolved")
        if conversation.csat_requested_at is not None:
            return CsatRequestOutcome("skipped", "already asked")
        if not conversation.inbox.csat_enabled:
            return CsatRequestOutcome("skipped", "CSAT off for the inbox")
        if not Message.objects.filter(conversation=conversation, direction=MessageDirection.INBOUND).exists():
            return CsatRequestOutcome("skipped", "the customer never wrote")
        try:
            with transaction.atomic(), translation.override(settings.LANGUAGE_CODE):
                sent = _send_request(conversation)
        except ApplicationError as error:
            sent = str(error.message)
        if isinstance(sent, str):
            return _not_sent(conversation, sent)
        # message_send announced the survey (message.created); the flag is for reports only.
        conversation.csat_requested_at = timezone.now()
        conversation.save(update_fields=["csat_requested_at", "updated_at"])
        # The same request as an invitation of the workspace's inbox-CSAT survey (surveys app).
        survey_services.inbox_csat_invitation_record(
            conversation=conversation, message_id=sent.pk, sent_at=conversation.csat_requested_at
        )
        return CsatRequestOutcome("sent", message_id=sent.pk)


# Answers ---------------------------------------------------------------------------------


def _score_valid(score: Any) -> int:
    if isinstance(score, bool) or not isinstance(score, int) or score not in SCORE_LABELS:
        try:
            score = int(str(score).strip())
        except (TypeError, ValueError):
            score = 0
    if score not in SCORE_LABELS:
        raise ValidationError(
            _("Choose a rating from 1 to 5."), fields={"score": _("Choose a rating from 1 to 5.")}
        )
    return int(score)


@transaction.atomic
def csat_record(
    *,
    conversation: Conversation,
    score: int | str,
    comment: str = "",
    source: str,
    actor: User | None = None,
) -> Conversation:
    """Store the customer's rating (1–5) and optional comment on the conversation and its
    rated agent (``csat_agent``: the assignee when it was resolved, else the assignee now),
    write a line in the thread and push ``conversation.updated``.

    The first answer is final: a second one raises ``Conflict`` (code ``csat_answered``). A
    rating entered by staff (``source=agent``, e.g. given by phone) also counts as asked when
    no survey was sent."""
    value = _score_valid(score)
    text = " ".join((comment or "").split())
    if len(text) > COMMENT_MAX:
        raise ValidationError(
            _("The comment is too long."),
            fields={"comment": _("Keep it under %(max)s characters.") % {"max": COMMENT_MAX}},
        )
    if source not in CsatSource.values:
        raise ValidationError(_("Unknown source of the rating."), fields={"source": _("Choose a source.")})
    conv = Conversation.objects.select_for_update().get(pk=conversation.pk)
    if conv.csat_answered_at is not None:
        raise Conflict(
            _("This conversation was already rated %(score)s/5.") % {"score": conv.csat_score},
            code="csat_answered",
        )
    now = timezone.now()
    conv.csat_score = value
    conv.csat_comment = text
    conv.csat_source = source
    conv.csat_answered_at = now
    conv.csat_requested_at = conv.csat_requested_at or now
    if conv.csat_agent_id is None:
        conv.csat_agent_id = conv.assignee_id
    fields = ["csat_score", "csat_comment", "csat_source", "csat_answered_at", "csat_requested_at"]
    conv.save(update_fields=[*fields, "csat_agent", "updated_at"])
    # The same rating as a response of the workspace's inbox-CSAT survey (surveys app).
    survey_services.inbox_csat_response_record(
        conversation=conv, score=value, comment=text, csat_source=source, actor=actor
    )
    rating = f"{value}/5 ({score_label(value)})"
    if actor is not None:
        line = _("Rating %(rating)s recorded by %(name)s") % {"rating": rating, "name": str(actor)}
    else:
        line = _("The customer rated %(rating)s") % {"rating": rating}
    if text:
        line += f": “{text}”"
    # The thread's line also tells the agents' pages (``conversation.updated``, after commit).
    _activity(
        conversation=conv,
        actor=actor,
        action="csat",
        text=line,
        data={"score": value, "source": source},
    )
    if source == CsatSource.AGENT and actor is not None:
        audit_record(
            action=AuditAction.UPDATE,
            actor=actor,
            workspace=conv.workspace,
            instance=conv,
            changes={"csat_score": [None, value], "csat_source": [None, source]},
        )
    for name in (*fields, "csat_agent_id"):
        setattr(conversation, name, getattr(conv, name))
    return conv


@transaction.atomic
def csat_whatsapp_answer(
    *,
    inbox: Inbox,
    identity: ContactIdentity,
    reply_id: str,
    external_id: str,
    kind: str,
    body: str,
    payload: dict[str, Any],
    sent_at: dt.datetime,
) -> Message | None:
    """A customer's tap on one of our survey options (a list row or a template button),
    called by the WhatsApp inbound worker before it picks a conversation.

    ``None`` when ``reply_id`` is not a survey option of a conversation of this customer in
    this inbox: the caller stores the message as usual. Otherwise the tap is stored once (per
    ``external_id``) in the rated conversation, which stays as it is (see the module
    docstring), the window is open again, and: a score is recorded and thanked for; "show the
    options" (a template button without a score) is answered with the list."""
    if reply_id.startswith(SURVEY_REPLY_PREFIX):  # an option of a survey sent from the surveys app
        from relasi.surveys.sending import survey_whatsapp_answer

        return survey_whatsapp_answer(
            inbox=inbox,
            identity=identity,
            reply_id=reply_id,
            external_id=external_id,
            kind=kind,
            body=body,
            payload=payload,
            sent_at=sent_at,
        )
    parsed = csat_reply_parse(reply_id)
    if parsed is None:
        return None
    conversation_id, score = parsed
    conversation = (
        Conversation.objects.select_for_update(of=("self",))
        .select_related("workspace", "inbox", "contact", "identity")
        .filter(pk=conversation_id, inbox=inbox, identity=identity)
        .first()
    )
    if conversation is None:
        return None
    message, created = survey_tap_store(
        inbox=inbox,
        conversation=conversation,
        external_id=external_id,
        kind=kind,
        body=body,
        payload=payload,
        sent_at=sent_at,
    )
    if not created:
        return message
    if conversation.csat_answered_at is not None:
        return message
    if score == OPEN_LIST:
        message_send_quietly(
            conversation,
            lambda: _send_list(conversation, f"csat-list:{conversation.pk}"),
            what="CSAT follow-up",
        )
        return message
    csat_record(conversation=conversation, score=score, source=CsatSource.WHATSAPP)
    message_send_quietly(
        conversation,
        lambda: message_send(
            conversation=conversation,
            actor=None,
            kind=MessageKind.TEXT,
            body=_("Thank you for your rating! It helps us serve you better."),
            idempotency_key=f"csat-thanks:{conversation.pk}",
        ),
        what="CSAT follow-up",
    )
    return message


# Settings --------------------------------------------------------------------------------


@transaction.atomic
def inbox_csat_configure(
    *,
    inbox: Inbox,
    actor: User,
    enabled: bool,
    template_name: str = "",
    ip_address: str | None = None,
) -> Inbox:
    """Switch the satisfaction survey of an inbox on or off and choose the WhatsApp template
    used outside the 24-hour window (blank: ``csat_request``). A named template must exist on
    the inbox's number (approval may still be pending: it is checked when a survey is sent)."""
    name = (template_name or "").strip()
    if name and name != inbox.csat_template_name:
        account = getattr(inbox, "whatsapp_account", None)
        if account is None:
            raise ValidationError(
                _("Only WhatsApp inboxes use a template."),
                fields={"template_name": _("Leave it blank for this inbox.")},
            )
        if not WhatsAppTemplate.objects.filter(account=account, name=name).exists():
            raise ValidationError(
                _("This number has no template named %(name)s.") % {"name": name},
                fields={"template_name": _("Choose one of the number's templates (sync them first).")},
            )
    after = {"csat_enabled": bool(enabled), "csat_template_name": name}
    changes = diff(snapshot(inbox, after), after)
    if changes:
        inbox.csat_enabled, inbox.csat_template_name = bool(enabled), name
        inbox.save(update_fields=[*after, "updated_at"])
        inbox_audit(
            action=AuditAction.UPDATE, actor=actor, inbox=inbox, changes=changes, ip_address=ip_address
        )
    return inbox
