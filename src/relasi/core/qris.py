"""QRIS payloads: parse and validate a tenant's static QRIS, inject an amount, draw the QR.

Reference: reference/indonesia.md §6.2–6.3, R34–R35. A QRIS payload is EMVCo Merchant-Presented
Mode (MPM) text: a run of TLV fields, each ``ID`` (2 digits) + ``length`` (2 digits) + value.

* tag 00 = ``01`` (payload format); tag 01 = ``11`` static or ``12`` dynamic;
* tags 26–51 = merchant accounts; the one with GUID ``ID.CO.QRIS.WWW`` (sub-tag 00) carries the
  **NMID** in sub-tag 02;
* 52 = MCC; 53 = ``360`` (IDR); 54 = amount; 55–57 = tip/convenience fee; 58 = ``ID``;
  59 = merchant name; 60 = city; 61 = postcode; 62 = additional data;
* 63 = CRC-16/CCITT-FALSE (poly 0x1021, init 0xFFFF, no reflection, no final xor) over the whole
  payload up to and including ``6304``, written as four upper-case hex digits.

"Static to dynamic" (R35): set tag 01 to ``12``, put the amount in tag 54 as **whole rupiah**,
drop the tip tags 55–57 (a QRIS surcharge on the customer is prohibited, PBI 23/6/PBI/2021
Pasal 52) and recompute the CRC. This is not an acquirer-issued dynamic QR: there is no payment
callback, the merchant reconciles by hand (R36).

Pure Python on purpose (no Django import): messages are English; callers translate from
``QrisError.reason``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

QRIS_GUID = "ID.CO.QRIS.WWW"
#: The largest single QRIS payment (Rp10.000.000 since 1 March 2022; reference §6.2).
QRIS_MAX_AMOUNT = Decimal("10000000")

_TIP_TAGS = ("55", "56", "57")
_MERCHANT_ACCOUNT_TAGS = tuple(f"{n:02d}" for n in range(26, 52))
_TAG_ID = re.compile(r"^\d{2}$")
_NMID = re.compile(r"^ID[0-9A-Z]{6,30}$")


class QrisError(ValueError):
    """The payload or amount is not usable. ``reason`` is a stable code for translations:
    ``empty``, ``format``, ``crc``, ``version``, ``merchant_account``, ``nmid``, ``currency``,
    ``country``, ``name``, ``city``, ``amount``."""

    def __init__(self, reason: str, message: str) -> None:
        super().__init__(message)
        self.reason = reason
        self.message = message


@dataclass(frozen=True)
class QrisMerchant:
    """Who a QRIS pays: merchant name (tag 59), city (tag 60) and NMID (tag 26–51, sub 02)."""

    name: str
    city: str
    nmid: str


def qris_crc(data: str) -> str:
    """CRC-16/CCITT-FALSE of ``data`` (UTF-8) as four upper-case hex digits.

    poly 0x1021, init 0xFFFF, MSB first, no final xor: ``qris_crc("123456789") == "29B1"``.
    """
    crc = 0xFFFF
    for byte in data.encode("utf-8"):
        crc ^= byte << 8
        for _ in range(8):
            crc = ((crc << 1) ^ 0x1021) if crc & 0x8000 else (crc << 1)
            crc &= 0xFFFF
    return f"{crc:04X}"


def _tlv_split(text: str) -> list[tuple[str, str]]:
    """``"000201010211"`` → ``[("00", "01"), ("01", "11")]``; malformed text raises."""
    fields: list[tuple[str, str]] = []
    pos = 0
    while pos < len(text):
        head = text[pos : pos + 4]
        if len(head) < 4 or not head.isdigit():
            raise QrisError("format", f"Malformed QRIS field at position {pos}.")
        tag, length = head[:2], int(head[2:])
        value = text[pos + 4 : pos + 4 + length]
        if len(value) != length:
            raise QrisError("format", f"QRIS field {tag} is shorter than its length {length}.")
        fields.append((tag, value))
        pos += 4 + length
    return fields


def _tlv_join(fields: list[tuple[str, str]]) -> str:
    parts = []
    for tag, value in fields:
        if len(value) > 99:
            raise QrisError("format", f"QRIS field {tag} is longer than 99 characters.")
        parts.append(f"{tag}{len(value):02d}{value}")
    return "".join(parts)


def _nmid_of(tags: dict[str, str]) -> str:
    """The NMID from the merchant account whose GUID is ``ID.CO.QRIS.WWW`` (tags 26–51)."""
    for tag in _MERCHANT_ACCOUNT_TAGS:
        if tag not in tags:
            continue
        try:
            sub = dict(_tlv_split(tags[tag]))
        except QrisError:
            continue
        if sub.get("00", "").upper() != QRIS_GUID:
            continue
        nmid = sub.get("02", "").strip().upper()
        if not _NMID.match(nmid):
            raise QrisError("nmid", "The QRIS merchant account has no valid NMID (ID…).")
        return nmid
    raise QrisError("merchant_account", f"The payload has no merchant account with GUID {QRIS_GUID}.")


def _fields_of(payload: str) -> list[tuple[str, str]]:
    """Split and check a payload; return its fields in order (CRC field included)."""
    text = (payload or "").strip()
    if not text:
        raise QrisError("empty", "The QRIS payload is empty.")
    fields = _tlv_split(text)
    if not fields or fields[0] != ("00", "01"):
        raise QrisError("format", "A QRIS payload starts with 000201 (payload format 01).")
    tags_seen = [tag for tag, _ in fields]
    if len(set(tags_seen)) != len(tags_seen):
        raise QrisError("format", "A QRIS field appears twice.")
    last_tag, last_value = fields[-1]
    if last_tag != "63" or len(last_value) != 4:
        raise QrisError("crc", "A QRIS payload ends with its CRC (field 63, 4 characters).")
    if qris_crc(text[:-4]) != last_value.upper():
        raise QrisError("crc", "The QRIS checksum (CRC) does not match; the text is damaged.")
    return fields


def qris_parse(payload: str) -> dict[str, str]:
    """Parse and validate a QRIS payload; return its top-level tags (``{"00": "01", ...}``).

    Checks: TLV structure, payload format 01 first, CRC last and correct, tag 01 is 11 or 12
    when present, a merchant account (26–51) with GUID ``ID.CO.QRIS.WWW`` and an NMID,
    currency 53 = 360, country 58 = ID, merchant name 59 and city 60 present, and tag 54
    (if any) a positive number.
    """
    tags = dict(_fields_of(payload))
    if tags.get("01", "11") not in ("11", "12"):
        raise QrisError("version", "QRIS field 01 must be 11 (static) or 12 (dynamic).")
    _nmid_of(tags)
    if tags.get("53") != "360":
        raise QrisError("currency", "QRIS currency (field 53) must be 360 (rupiah).")
    if tags.get("58") != "ID":
        raise QrisError("country", "QRIS country (field 58) must be ID.")
    if not tags.get("59", "").strip():
        raise QrisError("name", "QRIS merchant name (field 59) is missing.")
    if not tags.get("60", "").strip():
        raise QrisError("city", "QRIS merchant city (field 60) is missing.")
    if "54" in tags and not re.match(r"^\d+(\.\d{1,2})?$", tags["54"]):
        raise QrisError("amount", "QRIS amount (field 54) is not a number.")
    return tags


def qris_merchant(payload: str) -> QrisMerchant:
    """Name, city and NMID of a valid QRIS payload (raises ``QrisError`` otherwise)."""
    tags = qris_parse(payload)
    return QrisMerchant(name=tags["59"].strip(), city=tags["60"].strip(), nmid=_nmid_of(tags))


def qris_amount_allowed(amount: Decimal, *, limit: Decimal = QRIS_MAX_AMOUNT) -> bool:
    """True when one QRIS scan may pay ``amount``: whole rupiah, > 0 and ≤ ``limit`` (R35:
    hide the QR above Rp10.000.000 and show bank transfer instead)."""
    try:
        return amount > 0 and amount == amount.to_integral_value() and amount <= limit
    except InvalidOperation:
        return False


def _whole_rupiah(amount: Decimal) -> str:
    try:
        value = Decimal(amount)
        if not value.is_finite() or value <= 0:
            raise QrisError("amount", "A QRIS amount must be more than zero.")
        if value != value.to_integral_value():
            raise QrisError("amount", "A QRIS amount must be whole rupiah, without cents.")
    except InvalidOperation as exc:
        raise QrisError("amount", "The QRIS amount is not a number.") from exc
    text = str(int(value))
    if len(text) > 13:
        raise QrisError("amount", "The QRIS amount is too large.")
    return text


def qris_with_amount(payload: str, amount: Decimal) -> str:
    """The tenant's QRIS with ``amount`` embedded (static → dynamic, R35).

    Tag 01 becomes ``12``; tag 54 is the amount in whole rupiah (``19800000``); the tip and
    convenience-fee tags 55–57 are removed (never a surcharge); the CRC is recomputed.
    Refuses an invalid payload and a non-whole or non-positive amount (``QrisError``).
    """
    amount_text = _whole_rupiah(amount)
    qris_parse(payload)
    fields = [(tag, value) for tag, value in _fields_of(payload) if tag not in ("54", "63", *_TIP_TAGS)]
    fields = [(tag, "12" if tag == "01" else value) for tag, value in fields]
    if all(tag != "01" for tag, _ in fields):
        fields.insert(1, ("01", "12"))
    position = next((i for i, (tag, _) in enumerate(fields) if tag > "54"), len(fields))
    fields.insert(position, ("54", amount_text))
    body = _tlv_join(fields) + "6304"
    return body + qris_crc(body)


def qris_svg(payload: str, *, scale: int = 4) -> str:
    """The QR code of ``payload`` as an inline ``<svg>`` element (no XML declaration), error
    correction level M, with the 4-module quiet zone and the SVG namespace (so it also works as
    a ``data:`` image); fit for HTML and WeasyPrint. CSS class ``segno``."""
    import io

    import segno

    code = segno.make_qr(payload, error="m", boost_error=False)
    buffer = io.BytesIO()
    code.save(
        buffer,
        kind="svg",
        xmldecl=False,
        svgns=True,
        nl=False,
        scale=scale,
        dark="#000",
        light="#fff",
    )
    return buffer.getvalue().decode("utf-8")
