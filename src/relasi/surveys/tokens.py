"""The keys in survey links and WhatsApp options, and the addresses they make.

* An invitation's page ``/d/survei-pelanggan/<token>/``: ``token`` is Django's signed,
  timestamped value of the invitation id (``signing.dumps``), stored on the invitation too. It
  cannot be guessed or moved to another invitation; it expires ``INVITATION_MAX_AGE`` after it
  was made (an answered invitation still shows its answer).
* The survey's open link ``/d/survei-pelanggan/umum/<public_token>/``: a random 192-bit key
  of the survey; ``?c=<contact token>`` (signed contact id, ``CONTACT_MAX_AGE``) ties the
  answer to a customer without a login.
* A WhatsApp list option: ``csat:survey:<invitation>:<score>:<mac>``, ``mac`` an HMAC of the
  invitation id with the secret key. It begins with ``csat:`` because the WhatsApp inbound
  worker hands every option id with that prefix to ``conversations.csat``, which passes survey
  options on to ``surveys.sending.survey_whatsapp_answer``.
"""

from __future__ import annotations

import datetime as dt
import re
import secrets

from django.conf import settings
from django.core import signing
from django.urls import reverse
from django.utils.crypto import constant_time_compare, salted_hmac

INVITATION_MAX_AGE = dt.timedelta(days=30)
CONTACT_MAX_AGE = dt.timedelta(days=90)
REPLY_PREFIX = "csat:survey:"
_INVITATION_SALT = "relasi.surveys.invitation"
_CONTACT_SALT = "relasi.surveys.contact"
_REPLY_SALT = "relasi.surveys.reply"
_REPLY_ID = re.compile(r"^csat:survey:(\d{1,18}):(\d{1,2}):([0-9a-f]{20})$")


def public_token_new() -> str:
    """A fresh key for a survey's open link (32 URL-safe characters, 192 bits)."""
    return secrets.token_urlsafe(24)


def invitation_token(invitation_id: int) -> str:
    return signing.dumps(invitation_id, salt=_INVITATION_SALT)


def invitation_token_read(token: str) -> tuple[int, bool] | None:
    """``(invitation id, expired)`` of a token we made, ``None`` for anything else."""
    try:
        value = signing.loads(token, salt=_INVITATION_SALT, max_age=INVITATION_MAX_AGE)
        expired = False
    except signing.SignatureExpired:
        value = signing.loads(token, salt=_INVITATION_SALT)
        expired = True
    except signing.BadSignature:
        return None
    if not isinstance(value, int) or isinstance(value, bool):
        return None
    return value, expired


def contact_token(contact_id: int) -> str:
    return signing.dumps(contact_id, salt=_CONTACT_SALT)


def contact_token_read(token: str) -> int | None:
    """The contact id of a ``?c=`` token we made in the last ``CONTACT_MAX_AGE``."""
    try:
        value = signing.loads(token, salt=_CONTACT_SALT, max_age=CONTACT_MAX_AGE)
    except signing.BadSignature:
        return None
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def _reply_mac(invitation_id: int) -> str:
    return salted_hmac(_REPLY_SALT, str(invitation_id)).hexdigest()[:20]


def reply_id(*, invitation_id: int, score: int) -> str:
    """The id of one WhatsApp list option of an invitation."""
    return f"{REPLY_PREFIX}{invitation_id}:{score}:{_reply_mac(invitation_id)}"


def reply_parse(value: str) -> tuple[int, int] | None:
    """``(invitation id, score)`` of an option id we made, ``None`` for anything else or a
    forged id (the score is checked against the survey's scale by the caller)."""
    match = _REPLY_ID.match(value or "")
    if match is None:
        return None
    invitation_id = int(match.group(1))
    if not constant_time_compare(match.group(3), _reply_mac(invitation_id)):
        return None
    return invitation_id, int(match.group(2))


def _absolute(path: str) -> str:
    return str(settings.RELASI_BASE_URL).rstrip("/") + path


def invitation_url(token: str) -> str:
    return _absolute(reverse("surveys:answer", args=[token]))


def public_url(public_token: str, *, contact_id: int | None = None) -> str:
    url = _absolute(reverse("surveys:public", args=[public_token]))
    return f"{url}?c={contact_token(contact_id)}" if contact_id is not None else url
