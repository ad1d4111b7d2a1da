"""Sending a survey to a customer, and a customer's tap on a WhatsApp survey option. The one
module of the surveys app that uses the conversation services (``message_send``): everything
it sends is stored as a message and delivered by the channel after commit.

Channels (``survey_invitation_send``):

* **WhatsApp**, in the customer's latest WhatsApp conversation (or the one given):

  - inside the 24-hour customer-service window, **CSAT** (1–5) and **CES** (1–7) go as an
    interactive **list** to tap — five or seven rows, within Meta's limit of ten rows per
    list. **NPS** has eleven answers (0–10): a list cannot hold them, and cutting the scale
    (0–9 in a list, or two lists) would change the question the customer answers, so NPS
    goes as a text with the survey's link, where the page shows all eleven as buttons;
  - outside the window free text is not allowed (rule R22). The survey then goes **by
    e-mail** when the customer has an address (the invitation notes why); otherwise it is
    refused with the reason (``Conflict``, code ``window_closed``), nothing is written, and
    the link can still be copied (channel ``link``) and shared another way.
* **E-mail**: a short mail with the link to the customer's address (the workspace's mail,
  after commit).
* **Web chat**: a message with the link in the customer's open web-chat conversation.
* **Link**: nothing is sent; the invitation's link is returned to copy.

A tap on a list row (``survey_whatsapp_answer``) is recorded as the answer — the first one is
final — and thanked, with the link to add a comment.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import translation
from django.utils.translation import gettext as _

from relasi.accounts.models import User
from relasi.channels.whatsapp.adapter import window_open
from relasi.contacts.models import Contact, ContactIdentity
from relasi.conversations.enums import ChannelType, ConversationStatus, MessageKind
from relasi.conversations.models import Conversation, Inbox, Message
from relasi.conversations.services_inbound import survey_tap_store
from relasi.conversations.services_outbound import message_send, message_send_quietly
from relasi.core.exceptions import Conflict, ValidationError, fields_invalid
from relasi.core.mail import send_workspace_mail
from relasi.surveys import services, tokens
from relasi.surveys.enums import (
    SCALE_ENDS,
    SCORE_LABELS,
    InvitationStatus,
    ResponseSource,
    SurveyChannel,
    SurveyKind,
)
from relasi.surveys.models import Survey, SurveyInvitation

logger = logging.getLogger(__name__)

LIST_BUTTON = 20  # Meta: the button that opens a list, at most 20 characters
LIST_TITLE = 24  # a row's title
LIST_DESCRIPTION = 72


@dataclass(frozen=True)
class InvitationSent:
    """What ``survey_invitation_send`` did: the invitation, its link, the channel really used
    and, when it differs from the one asked, why (``fallback``)."""

    invitation: SurveyInvitation
    url: str
    channel: str
    fallback: str = ""


def _business(survey: Survey) -> str:
    return survey.workspace.name


def _scale_text(survey: Survey) -> str:
    low, high = survey.scale
    low_label, high_label = SCALE_ENDS[survey.kind]
    return _("from %(low)s (%(low_label)s) to %(high)s (%(high_label)s)") % {
        "low": low,
        "low_label": low_label,
        "high": high,
        "high_label": high_label,
    }


def _link_text(survey: Survey, url: str) -> str:
    """The question, the scale and the link (WhatsApp text, web chat), in the customer's
    language (the installation's)."""
    with translation.override(settings.LANGUAGE_CODE):
        return _link_text_now(survey, url)


def _link_text_now(survey: Survey, url: str) -> str:
    return _("%(question)s\n\nAnswer %(scale)s here (the link works for %(days)s days):\n%(link)s") % {
        "question": survey.question_text(_business(survey)),
        "scale": _scale_text(survey),
        "days": tokens.INVITATION_MAX_AGE.days,
        "link": url,
    }


def _mail(survey: Survey, contact: Contact, url: str) -> tuple[str, str]:
    with translation.override(settings.LANGUAGE_CODE):
        return _mail_now(survey, contact, url)


def _mail_now(survey: Survey, contact: Contact, url: str) -> tuple[str, str]:
    business = _business(survey)
    name = (contact.full_name or "").strip().split(" ")[0] or _("Customer")
    subject = _("%(business)s would like your opinion") % {"business": business}
    body = "\n".join(
        [
            _("Hello %(name)s,") % {"name": name},
            "",
            survey.question_text(business),
            "",
            _("Answer %(scale)s with one click here (the link works for %(days)s days):")
            % {"scale": _scale_text(survey), "days": tokens.INVITATION_MAX_AGE.days},
            url,
            "",
            _("Thank you,"),
            business,
        ]
    )
    return subject, body


def _list_message(survey: Survey, invitation_id: int) -> tuple[str, dict[str, Any]]:
    """The text and the rows of a CSAT (5…1) or CES (7…1) list, best first like the inbox's
    CSAT list, in the customer's language."""
    with translation.override(settings.LANGUAGE_CODE):
        body = survey.question_text(_business(survey)) + "\n\n" + _scale_text(survey)
        return body, _list_payload(survey, invitation_id)


def _list_payload(survey: Survey, invitation_id: int) -> dict[str, Any]:
    low, high = survey.scale
    labels = SCORE_LABELS[survey.kind]
    rows = [
        {
            "id": tokens.reply_id(invitation_id=invitation_id, score=score),
            "title": f"{score} – {labels[score]}"[:LIST_TITLE],
        }
        for score in range(high, low - 1, -1)
    ]
    return {"list": {"button": _("Choose a score")[:LIST_BUTTON], "sections": [{"rows": rows}]}}


def _whatsapp_conversation(contact: Contact, given: Conversation | None) -> Conversation | None:
    if given is not None:
        return given
    return (
        Conversation.objects.filter(
            workspace_id=contact.workspace_id,
            contact=contact,
            inbox__channel_type=ChannelType.WHATSAPP,
            identity__isnull=False,
        )
        .select_related("inbox", "identity", "contact", "workspace")
        .order_by("-last_inbound_at", "-id")
        .first()
    )


def _webchat_conversation(contact: Contact, given: Conversation | None) -> Conversation | None:
    if given is not None:
        return given if given.status != ConversationStatus.RESOLVED else None
    return (
        Conversation.objects.filter(
            workspace_id=contact.workspace_id,
            contact=contact,
            inbox__channel_type=ChannelType.WEBCHAT,
            identity__isnull=False,
        )
        .exclude(status=ConversationStatus.RESOLVED)
        .select_related("inbox", "identity", "contact", "workspace")
        .order_by("-last_message_at", "-id")
        .first()
    )


def _send_mail(invitation: SurveyInvitation, survey: Survey, contact: Contact) -> str:
    url = tokens.invitation_url(invitation.token)
    subject, body = _mail(survey, contact, url)
    workspace_id, recipient = survey.workspace_id, contact.email
    transaction.on_commit(
        lambda: send_workspace_mail(workspace_id=workspace_id, subject=subject, body=body, to=[recipient])
    )
    return url


def conversation_check(
    *,
    workspace_id: int,
    conversation_id: int | None,
    contact: Contact | None = None,
    field: str = "conversation_id",
) -> Conversation | None:
    """The conversation ``conversation_id`` of the workspace (with ``contact`` when given), or
    a ``ValidationError`` naming ``field``; ``None`` for none."""
    if conversation_id is None:
        return None
    rows = Conversation.objects.select_related("inbox", "identity", "contact", "workspace", "assignee")
    conversation = rows.filter(workspace_id=workspace_id, pk=conversation_id).first()
    if conversation is None or (contact is not None and conversation.contact_id != contact.pk):
        raise fields_invalid({field: _("Choose a conversation with this customer.")})
    return conversation


def _has_email(contact: Contact) -> bool:
    return "@" in (contact.email or "")


@transaction.atomic
def survey_invitation_send(
    *,
    survey: Survey,
    contact: Contact,
    channel: str,
    actor: User | None,
    conversation: Conversation | None = None,
    agent: User | None = None,
) -> InvitationSent:
    """Ask ``contact`` the survey over ``channel`` (module docstring for each channel and the
    WhatsApp window). The invitation remembers the conversation (asked once per survey: a
    second time is ``Conflict``) and the agent (by default the conversation's assignee).
    Nothing is sent before the commit; errors name the field and write nothing."""
    if channel not in SurveyChannel.values:
        raise fields_invalid(
            {"channel": _("Use one of: %(values)s.") % {"values": ", ".join(SurveyChannel.values)}}
        )
    if contact.workspace_id != survey.workspace_id or contact.merged_into_id is not None:
        raise fields_invalid({"contact_id": _("Choose a customer of this workspace.")})
    if survey.is_inbox_csat:
        raise fields_invalid(
            {"survey": _("The inbox's rating is sent by the inbox itself when a conversation is resolved.")}
        )
    if not survey.is_active:
        raise Conflict(
            _("The survey %(name)s is switched off; switch it on before sending it.") % {"name": survey.name},
            code="survey_closed",
        )
    if conversation is not None and (
        conversation.workspace_id != survey.workspace_id or conversation.contact_id != contact.pk
    ):
        raise fields_invalid({"conversation_id": _("Choose a conversation with this customer.")})
    if (
        conversation is not None
        and conversation.inbox.channel_type != channel
        and channel != SurveyChannel.LINK
    ):
        raise fields_invalid(
            {
                "conversation_id": _("This conversation is not a %(channel)s conversation.")
                % {"channel": channel}
            }
        )
    if channel == SurveyChannel.LINK:
        return _by_link(survey, contact, conversation, agent, actor)
    if channel == SurveyChannel.EMAIL:
        return _by_email(survey, contact, agent, actor, note="")
    if channel == SurveyChannel.WEBCHAT:
        return _by_webchat(survey, contact, conversation, agent, actor)
    return _by_whatsapp(survey, contact, conversation, agent, actor)


def _by_link(
    survey: Survey,
    contact: Contact,
    conversation: Conversation | None,
    agent: User | None,
    actor: User | None,
) -> InvitationSent:
    invitation = services.survey_invitation_create(
        survey=survey,
        contact=contact,
        channel=SurveyChannel.LINK,
        conversation=conversation,
        agent=agent or (conversation.assignee if conversation is not None else None),
        actor=actor,
    )
    return InvitationSent(invitation, tokens.invitation_url(invitation.token), SurveyChannel.LINK)


def _by_email(
    survey: Survey, contact: Contact, agent: User | None, actor: User | None, *, note: str
) -> InvitationSent:
    if not _has_email(contact):
        raise fields_invalid(
            {
                "channel": _("%(name)s has no e-mail address. Add one to the customer or copy the link.")
                % {"name": contact.full_name}
            }
        )
    invitation = services.survey_invitation_create(
        survey=survey,
        contact=contact,
        channel=SurveyChannel.EMAIL,
        agent=agent,
        actor=actor,
        status=InvitationStatus.SENT,
        sent_to=contact.email,
        note=note,
    )
    url = _send_mail(invitation, survey, contact)
    return InvitationSent(invitation, url, SurveyChannel.EMAIL, note)


def _in_conversation(
    survey: Survey,
    contact: Contact,
    conversation: Conversation,
    agent: User | None,
    actor: User | None,
    send: Callable[[SurveyInvitation, str], Message],
) -> InvitationSent:
    invitation = services.survey_invitation_create(
        survey=survey,
        contact=contact,
        channel=conversation.inbox.channel_type,
        conversation=conversation,
        agent=agent or conversation.assignee,
        actor=actor,
        status=InvitationStatus.SENT,
    )
    url = tokens.invitation_url(invitation.token)
    message = send(invitation, url)
    invitation.message = message
    invitation.save(update_fields=["message", "updated_at"])
    return InvitationSent(invitation, url, invitation.channel)


def _by_webchat(
    survey: Survey,
    contact: Contact,
    conversation: Conversation | None,
    agent: User | None,
    actor: User | None,
) -> InvitationSent:
    found = _webchat_conversation(contact, conversation)
    if found is None:
        raise fields_invalid(
            {
                "channel": _(
                    "%(name)s has no open web-chat conversation. Send it by e-mail or copy the link."
                )
                % {"name": contact.full_name}
            }
        )
    return _in_conversation(
        survey,
        contact,
        found,
        agent,
        actor,
        lambda invitation, url: message_send(
            conversation=found,
            actor=None,
            kind=MessageKind.TEXT,
            body=_link_text(survey, url),
            idempotency_key=f"survey:{invitation.pk}",
        ),
    )


def _by_whatsapp(
    survey: Survey,
    contact: Contact,
    conversation: Conversation | None,
    agent: User | None,
    actor: User | None,
) -> InvitationSent:
    found = _whatsapp_conversation(contact, conversation)
    if found is not None and window_open(found):

        def send(invitation: SurveyInvitation, url: str) -> Message:
            key = f"survey:{invitation.pk}"
            if survey.kind == SurveyKind.NPS:  # 11 answers: more than a list holds (docstring)
                return message_send(
                    conversation=found,
                    actor=None,
                    kind=MessageKind.TEXT,
                    body=_link_text(survey, url),
                    idempotency_key=key,
                )
            body, payload = _list_message(survey, invitation.pk)
            return message_send(
                conversation=found,
                actor=None,
                kind=MessageKind.INTERACTIVE,
                body=body,
                payload=payload,
                idempotency_key=key,
            )

        return _in_conversation(survey, contact, found, agent, actor, send)
    if found is None:
        reason = _("%(name)s has not written to us on WhatsApp") % {"name": contact.full_name}
    else:
        reason = _("the WhatsApp 24-hour window with %(name)s has closed") % {"name": contact.full_name}
    if _has_email(contact):
        note = _("Sent by e-mail: %(reason)s.") % {"reason": reason}
        return _by_email(survey, contact, agent or (found.assignee if found else None), actor, note=note)
    message = _(
        "Not sent: %(reason)s, so only an approved template may be sent there, and the customer has "
        "no e-mail address. Copy the survey link (channel “link”) and share it another way."
    ) % {"reason": reason}
    raise Conflict(message, code="window_closed", fields={"channel": message})


# A customer's tap on a survey option in WhatsApp -----------------------------------------------


@transaction.atomic
def survey_whatsapp_answer(
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
    """A customer's tap on a survey list row (called through ``conversations.csat`` by the
    WhatsApp inbound worker). ``None`` when ``reply_id`` is not an option of an invitation
    sent in a conversation of this customer in this inbox: the caller stores the message as
    usual. Otherwise the tap is stored once (per ``external_id``) in the invitation's
    conversation, which keeps its status; the first tap is the answer (later ones change
    nothing) and is thanked, with the link to add a comment."""
    parsed = tokens.reply_parse(reply_id)
    if parsed is None:
        return None
    invitation_id, score = parsed
    invitation = (
        SurveyInvitation.objects.select_related("survey", "survey__workspace")
        .filter(
            pk=invitation_id,
            survey__is_inbox_csat=False,
            conversation__inbox=inbox,
            conversation__identity=identity,
        )
        .first()
    )
    if invitation is None or invitation.conversation_id is None:
        return None
    conversation = (
        Conversation.objects.select_for_update(of=("self",))
        .select_related("workspace", "inbox", "contact", "identity")
        .get(pk=invitation.conversation_id)
    )
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
    survey = invitation.survey
    try:
        with transaction.atomic():
            services.survey_response_record(
                survey=survey, score=score, source=ResponseSource.WHATSAPP, invitation=invitation
            )
    except (Conflict, ValidationError) as error:
        logger.info("survey tap %s in conversation %s not recorded: %s", external_id, conversation.pk, error)
        return message
    url = tokens.invitation_url(invitation.token)
    message_send_quietly(
        conversation,
        lambda: message_send(
            conversation=conversation,
            actor=None,
            kind=MessageKind.TEXT,
            body=_("Thank you for your answer! %(question)s Tell us here: %(link)s")
            % {"question": survey.comment_question_text(), "link": url},
            idempotency_key=f"survey-thanks:{invitation.pk}",
        ),
        what="survey thank-you",
    )  # in the customer's language
    return message
