"""Reading one raw RFC 5322 mail (stdlib ``email``, ``policy.default``) into what the inbox
stores: sender, recipients, subject, the threading ids, the plain text and HTML bodies (charset
and transfer encoding decoded), attachments and inline images, and whether it is an automatic
mail (auto-reply, bounce) that must not start a conversation.

Pure: no database, no Django. Every header is read defensively: a broken header never loses the
mail, it only loses that header's value."""

from __future__ import annotations

import codecs
import datetime as dt
import hashlib
import mimetypes
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from email import policy
from email.message import EmailMessage, Message
from email.parser import BytesParser
from email.utils import getaddresses, parseaddr, parsedate_to_datetime

MAX_MESSAGE_ID = 200  # Message.external_id
MAX_REFERENCES = 100
SYNTHETIC_DOMAIN = "relasi.invalid"  # Message-IDs we make up for mails that came without one
_ANGLE_ID = re.compile(r"<([^<>\s]+)>")
_AUTO_PRECEDENCE = frozenset({"bulk", "junk", "auto_reply", "auto-reply"})
_BOUNCE_SENDERS = frozenset({"mailer-daemon", "postmaster"})


@dataclass(frozen=True)
class ParsedAttachment:
    file_name: str
    content_type: str
    data: bytes
    content_id: str = ""  # without the angle brackets; how the HTML refers to it (cid:…)
    inline: bool = False


@dataclass(frozen=True)
class Bounce:
    """A delivery status notification (RFC 3464) about a mail we sent."""

    original_message_id: str
    action: str  # failed, delayed, delivered, relayed, expanded
    status: str  # enhanced status code, e.g. 5.1.1
    diagnostic: str


@dataclass
class ParsedEmail:
    message_id: str
    message_id_synthesised: bool
    in_reply_to: list[str]
    references: list[str]
    from_address: str
    from_name: str
    to: list[str]
    cc: list[str]
    reply_to: str
    subject: str
    date: dt.datetime | None
    text: str
    html: str
    attachments: list[ParsedAttachment] = field(default_factory=list)
    auto_reason: str = ""  # why this is an automatic mail (auto-reply, list bulk…), else ""
    bounce: Bounce | None = None
    size: int = 0

    @property
    def thread_ids(self) -> list[str]:
        """The ids of earlier mails this one answers: In-Reply-To first, then References
        (newest first), without duplicates."""
        seen: dict[str, None] = {}
        for value in [*self.in_reply_to, *reversed(self.references)]:
            seen.setdefault(value, None)
        return list(seen)


def msgid_normalize(value: str) -> str:
    """The stored form of one Message-ID: without angle brackets and spaces; an id longer than
    the column is replaced by a stable hash of it (so both sides of a lookup agree)."""
    value = value.strip().strip("<>").strip()
    if len(value) > MAX_MESSAGE_ID:
        return f"h.{hashlib.sha256(value.encode()).hexdigest()[:48]}@{SYNTHETIC_DOMAIN}"
    return value


def msgid_is_synthetic(value: str) -> bool:
    """Whether a stored id was made up by us (never put it in a header: nobody else knows it)."""
    return value.endswith("@" + SYNTHETIC_DOMAIN)


def msgid_list(value: str) -> list[str]:
    """The Message-IDs in an In-Reply-To or References header value, in order."""
    ids = _ANGLE_ID.findall(value)
    if not ids:  # some mailers leave out the brackets
        ids = [part for part in value.split() if "@" in part]
    seen: dict[str, None] = {}
    for item in ids:
        normalized = msgid_normalize(item)
        if normalized:
            seen.setdefault(normalized, None)
    return list(seen)[-MAX_REFERENCES:]


def _header(message: Message, name: str) -> str:
    """A header's decoded text (RFC 2047), ``""`` when missing or unreadable."""
    try:
        value = message.get(name)
    except (ValueError, TypeError, IndexError, LookupError, AttributeError):
        return ""
    if value is None:
        return ""
    try:
        text = str(value)
    except (ValueError, TypeError, LookupError):
        return ""
    return " ".join(text.split())


def _addresses(message: Message, name: str) -> list[tuple[str, str]]:
    """``(display name, lower-case address)`` pairs of an address header."""
    pairs: list[tuple[str, str]] = []
    try:
        header = message.get(name)
        for address in getattr(header, "addresses", ()) or ():
            if address.addr_spec and "@" in address.addr_spec:
                pairs.append((str(address.display_name or ""), address.addr_spec.strip().lower()))
    except (ValueError, TypeError, IndexError, LookupError, AttributeError):
        pairs = []
    if not pairs:
        raw = _header(message, name)
        pairs = [(n, a.strip().lower()) for n, a in getaddresses([raw]) if "@" in a]
    return pairs


def _date(message: Message, now: dt.datetime) -> dt.datetime | None:
    """The Date header as an aware datetime; a date in the future (a wrong clock) is ``now``."""
    raw = _header(message, "Date")
    if not raw:
        return None
    try:
        value = parsedate_to_datetime(raw)
    except (TypeError, ValueError, IndexError):
        return None
    if value.tzinfo is None:
        value = value.replace(tzinfo=dt.UTC)
    return min(value, now)


def _decode(data: bytes, charset: str | None) -> str:
    """Bytes of a text part as text. ISO-8859-1 and US-ASCII are read the way mail clients
    do: as Windows-1252 (its superset) and UTF-8 (what mislabelled mail usually is)."""
    name = (charset or "").strip().strip('"').lower()
    if name in ("", "us-ascii", "ascii", "unknown-8bit", "x-unknown"):
        try:
            return data.decode("utf-8")
        except UnicodeDecodeError:
            return data.decode("cp1252", errors="replace")
    if name in ("iso-8859-1", "latin-1", "latin1", "iso8859-1", "iso_8859-1"):
        name = "cp1252"
    try:
        codecs.lookup(name)
    except LookupError:
        name = "utf-8"
    return data.decode(name, errors="replace")


def part_text(part: Message) -> str:
    """A text part's content: transfer encoding (base64, quoted-printable) and charset decoded."""
    payload = part.get_payload(decode=True)
    data = payload if isinstance(payload, bytes) else b""
    return _decode(data, part.get_content_charset()).replace("\r\n", "\n").replace("\r", "\n")


def _leaves(part: Message) -> Iterator[Message]:
    """Every non-multipart part, depth first; an attached mail (message/rfc822) is one leaf."""
    if part.get_content_maintype() == "multipart":
        payload = part.get_payload()
        for sub in payload if isinstance(payload, list) else []:
            if isinstance(sub, Message):
                yield from _leaves(sub)
    else:
        yield part


def _safe_file_name(name: str) -> str:
    name = name.replace("\\", "/").rsplit("/", 1)[-1]
    name = "".join(ch for ch in name if ch >= " " and ch != "\x7f").strip().strip(".")
    return name[:255]


def _file_name(part: Message, index: int, content_type: str) -> str:
    try:
        name = part.get_filename() or ""
    except (ValueError, TypeError, LookupError):
        name = ""
    name = _safe_file_name(" ".join(str(name).split()))
    if name:
        return name
    if content_type == "message/rfc822":
        return f"email-{index}.eml"
    extension = mimetypes.guess_extension(content_type) or ".bin"
    return f"attachment-{index}{extension}"


def _attachment(part: Message, index: int) -> ParsedAttachment:
    content_type = part.get_content_type()
    if content_type == "message/rfc822":
        inner = part.get_payload()
        first = inner[0] if isinstance(inner, list) and inner else None
        data = first.as_bytes() if isinstance(first, Message) else b""
    else:
        payload = part.get_payload(decode=True)
        data = payload if isinstance(payload, bytes) else b""
    disposition = part.get_content_disposition()
    content_id = msgid_normalize(_header(part, "Content-ID")) if part.get("Content-ID") else ""
    return ParsedAttachment(
        file_name=_file_name(part, index, content_type),
        content_type=content_type[:120],
        data=data,
        content_id=content_id,
        inline=disposition == "inline" or (bool(content_id) and disposition != "attachment"),
    )


def _auto_reason(message: Message, from_address: str) -> str:
    """Why a mail was sent by a machine (RFC 3834 and the usual vendor headers), else ``""``.
    Answering those would start mail loops; bounces are handled separately."""
    auto = _header(message, "Auto-Submitted").lower()
    if auto and auto != "no":
        return f"Auto-Submitted: {auto}"
    for name in ("X-Autoreply", "X-Autorespond", "X-Autoresponder"):
        if _header(message, name):
            return name
    precedence = _header(message, "Precedence").lower()
    if precedence in _AUTO_PRECEDENCE:
        return f"Precedence: {precedence}"
    if from_address.split("@", 1)[0] in _BOUNCE_SENDERS:
        return "sent by a mail server"
    return ""


def _bounce(message: Message) -> Bounce | None:
    """The failed delivery a DSN (multipart/report; report-type=delivery-status) reports."""
    if message.get_content_type() != "multipart/report":
        return None
    action = status = diagnostic = original = ""
    for part in _leaves(message):
        kind = part.get_content_type()
        if kind in ("message/delivery-status", "message/global-delivery-status"):
            # The stdlib parses the per-message and per-recipient field blocks into messages.
            blocks = part.get_payload()
            for block in blocks if isinstance(blocks, list) else []:
                if isinstance(block, Message) and block.get("Action"):
                    action = action or _header(block, "Action").lower()
                    status = status or _header(block, "Status")
                    diagnostic = diagnostic or _header(block, "Diagnostic-Code")
        elif kind in ("message/rfc822", "text/rfc822-headers", "message/rfc822-headers"):
            if kind == "message/rfc822":
                inner = part.get_payload()
                headers = inner[0] if isinstance(inner, list) and inner else None
            else:
                headers = BytesParser(policy=policy.default).parsebytes(
                    part_text(part).encode("utf-8", errors="replace"), headersonly=True
                )
            if isinstance(headers, Message):
                ids = msgid_list(_header(headers, "Message-ID"))
                original = original or (ids[0] if ids else "")
    if not original:
        return None
    return Bounce(original_message_id=original, action=action, status=status, diagnostic=diagnostic)


def email_parse(raw: bytes, *, now: dt.datetime | None = None) -> ParsedEmail:
    """Everything the inbox needs from one raw mail. ``now`` caps a Date in the future.

    The body is the first ``text/plain`` and the first ``text/html`` of the body tree
    (``multipart/alternative`` and ``related`` understood); further unnamed ``text/plain``
    parts (a body split around an attachment) are appended to the text. Every other leaf is
    an attachment; an attached mail is kept whole as an ``.eml`` file."""
    now = now or dt.datetime.now(dt.UTC)
    message: EmailMessage = BytesParser(policy=policy.default).parsebytes(raw)  # type: ignore[assignment]
    ids = msgid_list(_header(message, "Message-ID"))
    synthesised = not ids
    message_id = ids[0] if ids else f"sha256.{hashlib.sha256(raw).hexdigest()}@{SYNTHETIC_DOMAIN}"

    senders = _addresses(message, "From") or _addresses(message, "Sender")
    from_name, from_address = senders[0] if senders else ("", "")
    if not from_address:
        from_name, from_address = parseaddr(_header(message, "Return-Path"))
        from_address = from_address.lower() if "@" in from_address else ""
    reply_to = _addresses(message, "Reply-To")

    try:
        text_part = message.get_body(preferencelist=("plain",))
        html_part = message.get_body(preferencelist=("html",))
    except (KeyError, AttributeError, TypeError):  # a malformed tree: walk the leaves alone
        text_part = html_part = None
    text = part_text(text_part) if text_part is not None else ""
    html = part_text(html_part) if html_part is not None else ""

    attachments: list[ParsedAttachment] = []
    extra_text: list[str] = []
    for part in _leaves(message):
        if part is text_part or part is html_part:
            continue
        disposition = part.get_content_disposition()
        try:
            named = bool(part.get_filename())
        except (ValueError, TypeError, LookupError):
            named = False
        if part.get_content_maintype() == "text" and not named and disposition != "attachment":
            if part.get_content_type() == "text/plain":
                extra_text.append(part_text(part))
                continue
            if part.get_content_type() == "text/html" and html:
                continue
            if part.get_content_type() == "text/html":
                html = part_text(part)
                continue
        attachments.append(_attachment(part, len(attachments) + 1))
    if extra_text:
        text = "\n\n".join(t for t in [text, *extra_text] if t.strip())

    return ParsedEmail(
        message_id=message_id,
        message_id_synthesised=synthesised,
        in_reply_to=msgid_list(_header(message, "In-Reply-To")),
        references=msgid_list(_header(message, "References")),
        from_address=from_address,
        from_name=" ".join(from_name.split())[:200],
        to=[a for _n, a in _addresses(message, "To")],
        cc=[a for _n, a in _addresses(message, "Cc")],
        reply_to=reply_to[0][1] if reply_to else "",
        subject=_header(message, "Subject")[:500],
        date=_date(message, now),
        text=text,
        html=html,
        attachments=attachments,
        auto_reason=_auto_reason(message, from_address),
        bounce=_bounce(message),
        size=len(raw),
    )


# Quoted history --------------------------------------------------------------------------

_QUOTE_INTRO = [
    re.compile(r"^\s*On\b.{0,400}\bwrote:\s*$", re.IGNORECASE | re.DOTALL),  # Gmail, Apple Mail
    re.compile(r"^\s*Pada\b.{0,400}\bmenulis:\s*$", re.IGNORECASE | re.DOTALL),  # Gmail (id)
    re.compile(r"^\s*Am\b.{0,400}\bschrieb\b.{0,200}:\s*$", re.IGNORECASE | re.DOTALL),
    re.compile(r"^\s*-{2,}\s*(Original Message|Pesan Asli|Pesan Awal)\s*-{2,}\s*$", re.IGNORECASE),
    re.compile(r"^\s*_{20,}\s*$"),  # Outlook's rule above the quoted header block
]
_OUTLOOK_FROM = re.compile(r"^\s*\*?(From|Dari)\s*:\*?\s+\S", re.IGNORECASE)
_OUTLOOK_NEXT = re.compile(r"^\s*\*?(Sent|Date|Dikirim|Tanggal|To|Kepada|Subject|Perihal)\s*:", re.IGNORECASE)


def reply_strip(text: str) -> str:
    """The new part of a reply: the text above the quoted history ("On … wrote:", "Pada …
    menulis:", Outlook's "From: … Sent: …" block, "-----Original Message-----", or a trailing
    block of "> " lines). The whole text when nothing is left above the quote. Forwarded
    mails are kept whole: their content is what the customer sends."""
    lines = text.replace("\r\n", "\n").split("\n")
    cut = len(lines)
    for index, line in enumerate(lines):
        # Gmail wraps a long "On <date>, <name> <address> wrote:" over two or three lines.
        spans = (1, 2, 3) if line.strip().lower().startswith(("on ", "pada ", "am ")) else (1,)
        if any(
            p.match(" ".join(part.strip() for part in lines[index : index + span]))
            for span in spans
            for p in _QUOTE_INTRO
        ):
            cut = index
            break
        if _OUTLOOK_FROM.match(line) and any(_OUTLOOK_NEXT.match(n) for n in lines[index + 1 : index + 4]):
            cut = index
            break
    if cut == len(lines):
        # A trailing block of quoted lines (and the blank lines around it).
        end = len(lines)
        while end > 0 and not lines[end - 1].strip():
            end -= 1
        start = end
        while start > 0 and (lines[start - 1].startswith(">") or not lines[start - 1].strip()):
            start -= 1
        if start < end and any(line.startswith(">") for line in lines[start:end]):
            cut = start
    kept = "\n".join(lines[:cut]).strip()
    return kept if kept else text.strip()
