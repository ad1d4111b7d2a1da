"""Indonesian phone numbers (reference/indonesia.md §3, R20).

Input such as ``0812-3456-7890``, ``+62 812 3456 7890``, ``62 812-3456-7890`` or
``0062 812…`` is normalised to E.164 (``+6281234567890``); a WhatsApp id is E.164 without
the ``+``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import phonenumbers
from phonenumbers import PhoneNumberType

DEFAULT_REGION = "ID"
_WHATSAPP_TYPES = {PhoneNumberType.MOBILE, PhoneNumberType.FIXED_LINE_OR_MOBILE}


@dataclass(frozen=True)
class PhoneNumber:
    e164: str
    is_mobile: bool

    @property
    def whatsapp_id(self) -> str:
        return self.e164.lstrip("+")


def normalize_phone(raw: str, *, region: str = DEFAULT_REGION) -> PhoneNumber | None:
    """Return the E.164 form of ``raw``, or ``None`` when it is not a valid number."""
    text = raw.strip()
    if not text:
        return None
    if text.startswith("00"):
        text = "+" + text[2:]
    try:
        parsed = phonenumbers.parse(text, region)
    except phonenumbers.NumberParseException:
        return None
    if not phonenumbers.is_valid_number(parsed):
        return None
    e164 = phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164)
    return PhoneNumber(e164=e164, is_mobile=phonenumbers.number_type(parsed) in _WHATSAPP_TYPES)


def phone_search_prefix(typed: str) -> str | None:
    """Turn a partly typed number into an E.164 prefix for ``LIKE 'prefix%'`` search.

    ``0812`` → ``+62812``; ``62812`` → ``+62812``; ``+62 812`` → ``+62812``; ``812`` → ``+62812``.
    Returns ``None`` when the text is not a phone number at all.
    """
    text = typed.strip()
    if not text or not re.fullmatch(r"[+\d\s().-]+", text):
        return None
    digits = re.sub(r"\D", "", text)
    if len(digits) < 3:
        return None
    if text.startswith("+"):
        return "+" + digits
    if digits.startswith("00"):
        return "+" + digits[2:]
    if digits.startswith("0"):
        return "+62" + digits[1:]
    if digits.startswith("62"):
        return "+" + digits
    if digits.startswith("8"):
        return "+62" + digits
    return "+" + digits


def format_phone_national(e164: str) -> str:
    """``+6281234567890`` → ``0812-3456-7890`` for display.

    Indonesian mobile numbers take a string-only fast path (lists show 50 per page and
    ``phonenumbers.parse`` costs ~0.1 ms each); anything else goes through the library.
    """
    if e164.startswith("+628") and e164[1:].isdigit() and 12 <= len(e164) <= 15:
        body = "0" + e164[3:]
        return f"{body[:4]}-{body[4:8]}-{body[8:]}"
    try:
        parsed = phonenumbers.parse(e164, None)
    except phonenumbers.NumberParseException:
        return e164
    if parsed.country_code != 62:
        return phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.INTERNATIONAL)
    national = str(parsed.national_number)
    if national.startswith("8") and 9 <= len(national) <= 12:
        body = "0" + national
        return f"{body[:4]}-{body[4:8]}-{body[8:]}"
    return phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.NATIONAL)
