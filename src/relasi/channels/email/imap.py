"""Polling an inbox's IMAP folder (stdlib ``imaplib``).

Each poll opens the folder read-only (``EXAMINE``: flags stay as they are, the business can
keep using the mailbox in its own mail client), fetches the mails whose UID is above the
account's resume point with ``BODY.PEEK[]``, hands each raw mail to the same inbound service as
the webhook, and moves the resume point after each mail. A crash between fetching and saving
the resume point only fetches that mail again: the raw bytes and the Message-ID are stored once.

UIDVALIDITY: when the server renumbers the folder (a restored or re-created mailbox), the old
resume point means nothing; polling restarts with the mails since shortly before the last poll
(``SEARCH SINCE``), and what was already stored is recognised by its Message-ID. The first poll
of a new account takes the mails of the last ``INITIAL_LOOKBACK`` days."""

from __future__ import annotations

import base64
import contextlib
import datetime as dt
import imaplib
import logging
import re
import socket
import ssl
from dataclasses import dataclass

from django.utils import timezone

from relasi.channels.email.inbound import MAX_RAW_BYTES, inbound_email_process, inbound_email_store
from relasi.channels.email.models import EmailAccount, InboundSource

logger = logging.getLogger(__name__)

TIMEOUT_SECONDS = 30.0
BATCH_SIZE = 200  # mails per poll; the rest come with the next poll
INITIAL_LOOKBACK = dt.timedelta(days=3)
RESTART_LOOKBACK = dt.timedelta(days=1)
MAX_PROCESS_ATTEMPTS = 6
_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
_UID = re.compile(rb"\bUID (\d+)")
_SIZE = re.compile(rb"\bRFC822\.SIZE (\d+)")


class ImapFailure(Exception):
    """The IMAP server refused or could not be reached; the text is for the settings page."""


@dataclass(frozen=True)
class ImapSettings:
    host: str
    port: int
    use_ssl: bool
    username: str
    password: str
    folder: str
    timeout: float = TIMEOUT_SECONDS


def imap_settings(account: EmailAccount) -> ImapSettings:
    return ImapSettings(
        host=account.imap_host,
        port=account.imap_port,
        use_ssl=account.imap_ssl,
        username=account.imap_username or account.address,
        password=account.imap_password,
        folder=account.imap_folder or "INBOX",
    )


def _error_text(error: BaseException) -> str:
    if isinstance(error, ssl.SSLCertVerificationError):
        return f"TLS certificate not trusted: {error.verify_message}"
    if isinstance(error, socket.timeout | TimeoutError):
        return "The server did not answer in time."
    parts = [a.decode("utf-8", errors="replace") if isinstance(a, bytes) else str(a) for a in error.args]
    text = " ".join(p for p in parts if p) or error.__class__.__name__
    if isinstance(error, imaplib.IMAP4.error | ImapFailure):
        return text
    return f"{error.__class__.__name__}: {text}"


def imap_open(settings: ImapSettings) -> imaplib.IMAP4:
    """A logged-in IMAP session: implicit TLS, or STARTTLS when the server offers it. Raises
    ``ImapFailure``."""
    context = ssl.create_default_context()
    try:
        if settings.use_ssl:
            conn: imaplib.IMAP4 = imaplib.IMAP4_SSL(
                settings.host, settings.port, ssl_context=context, timeout=settings.timeout
            )
        else:
            conn = imaplib.IMAP4(settings.host, settings.port, timeout=settings.timeout)
            if "STARTTLS" in conn.capabilities:
                conn.starttls(context)
        try:
            if (settings.username + settings.password).isascii():
                conn.login(settings.username, settings.password)
            else:  # LOGIN is ASCII-only in imaplib; SASL PLAIN carries UTF-8
                credentials = f"\0{settings.username}\0{settings.password}".encode()
                conn.authenticate("PLAIN", lambda _challenge: credentials)
        except BaseException:
            conn.shutdown()
            raise
    except (imaplib.IMAP4.error, OSError) as error:
        raise ImapFailure(_error_text(error)) from error
    return conn


def imap_close(conn: imaplib.IMAP4) -> None:
    with contextlib.suppress(imaplib.IMAP4.error, OSError):
        conn.logout()


def folder_encode(name: str) -> str:
    """A mailbox name in IMAP's modified UTF-7 (RFC 3501 §5.1.3): ``Pesanan Baru`` stays,
    ``Pelanggan/Ã…`` becomes ``Pelanggan/&AMU-``, ``&`` becomes ``&-``."""
    out: list[str] = []
    pending: list[str] = []

    def flush() -> None:
        if pending:
            encoded = base64.b64encode("".join(pending).encode("utf-16-be")).decode()
            out.append("&" + encoded.rstrip("=").replace("/", ",") + "-")
            pending.clear()

    for char in name:
        if " " <= char <= "~":
            flush()
            out.append("&-" if char == "&" else char)
        else:
            pending.append(char)
    flush()
    return "".join(out)


def folder_quote(name: str) -> str:
    """A mailbox name as an IMAP quoted string (modified UTF-7 inside)."""
    return '"' + folder_encode(name).replace("\\", "\\\\").replace('"', '\\"') + '"'


def imap_select(conn: imaplib.IMAP4, folder: str) -> tuple[int, int]:
    """Open ``folder`` read-only; its ``(UIDVALIDITY, number of messages)``."""
    status, data = conn.select(folder_quote(folder), readonly=True)
    if status != "OK":
        detail = b" ".join(d for d in data if isinstance(d, bytes)).decode("utf-8", errors="replace")
        raise ImapFailure(f"Folder {folder!r} cannot be opened: {detail}")
    _code, values = conn.response("UIDVALIDITY")
    validity = next((int(v) for v in values if isinstance(v, bytes) and v.strip().isdigit()), 0)
    count = next((int(d) for d in data if isinstance(d, bytes) and d.strip().isdigit()), 0)
    return validity, count


def imap_date(value: dt.datetime) -> str:
    """An IMAP search date (``22-Nov-2026``), whatever the process's locale."""
    value = timezone.localtime(value)
    return f"{value.day}-{_MONTHS[value.month - 1]}-{value.year}"


def uids_search(conn: imaplib.IMAP4, *criteria: str) -> list[int]:
    status, data = conn.uid("SEARCH", *criteria)
    if status != "OK":
        raise ImapFailure(f"SEARCH failed: {data!r}")
    return sorted(
        {int(x) for chunk in data if isinstance(chunk, bytes) for x in chunk.split() if x.isdigit()}
    )


def uid_sizes(conn: imaplib.IMAP4, uids: list[int]) -> dict[int, int]:
    """``RFC822.SIZE`` of each UID (one command)."""
    status, data = conn.uid("FETCH", ",".join(str(u) for u in uids), "(UID RFC822.SIZE)")
    if status != "OK":
        raise ImapFailure(f"FETCH failed: {data!r}")
    sizes: dict[int, int] = {}
    for item in data:
        line = item[0] if isinstance(item, tuple) else item
        if isinstance(line, bytes):
            uid, size = _UID.search(line), _SIZE.search(line)
            if uid and size:
                sizes[int(uid.group(1))] = int(size.group(1))
    return sizes


def uid_fetch(conn: imaplib.IMAP4, uid: int) -> bytes | None:
    """The raw bytes of one mail, without setting ``\\Seen``; ``None`` when it is gone."""
    status, data = conn.uid("FETCH", str(uid), "(BODY.PEEK[])")
    if status != "OK":
        raise ImapFailure(f"FETCH {uid} failed: {data!r}")
    for item in data:
        if isinstance(item, tuple) and len(item) == 2 and isinstance(item[1], bytes):
            return item[1]
    return None


@dataclass
class PollResult:
    fetched: int = 0  # mails read from the server
    stored: int = 0  # of them, new raw mails
    skipped: int = 0  # too large
    restarted: bool = False  # UIDVALIDITY changed
    error: str = ""


def _process_now(inbound_id: int) -> None:
    from relasi.channels.email.models import InboundEmail

    inbound = InboundEmail.objects.filter(pk=inbound_id, processed_at__isnull=True).first()
    if inbound is None or inbound.attempts >= MAX_PROCESS_ATTEMPTS:
        return
    try:
        inbound_email_process(inbound=inbound)
    except Exception:  # recorded on the row; the sweep of email.poll_mailboxes tries again
        logger.exception("e-mail %s could not be processed", inbound_id)


def _poll_record(account: EmailAccount, at: dt.datetime, error: str) -> None:
    EmailAccount.objects.filter(pk=account.pk).update(last_polled_at=at, last_poll_error=error[:2000])
    account.last_polled_at, account.last_poll_error = at, error[:2000]
    if error:
        logger.warning("IMAP poll of e-mail account %s failed: %s", account.pk, error)


def mailbox_poll(*, account: EmailAccount, limit: int = BATCH_SIZE) -> PollResult:
    """Fetch and store the new mails of the account's IMAP folder (see the module docstring).
    Never raises for the server's failures: they are returned and kept on the account
    (``last_poll_error``) for the settings page."""
    result = PollResult()
    started = timezone.now()
    try:
        conn = imap_open(imap_settings(account))
    except ImapFailure as error:
        result.error = str(error)
        _poll_record(account, started, result.error)
        return result
    try:
        validity, _count = imap_select(conn, account.imap_folder or "INBOX")
        if account.imap_uid_validity != validity:
            result.restarted = account.imap_uid_validity is not None
            if result.restarted:
                logger.warning(
                    "UIDVALIDITY of e-mail account %s changed (%s → %s): polling restarts",
                    account.pk,
                    account.imap_uid_validity,
                    validity,
                )
                since = (account.last_polled_at or account.created_at) - RESTART_LOOKBACK
            else:
                since = account.created_at - INITIAL_LOOKBACK
            uids = uids_search(conn, "SINCE", imap_date(since))
            account.imap_uid_validity, account.imap_last_uid = validity, 0
            EmailAccount.objects.filter(pk=account.pk).update(imap_uid_validity=validity, imap_last_uid=0)
        else:
            # "n:*" always matches the newest mail, even below n: filtered again below.
            uids = uids_search(conn, "UID", f"{account.imap_last_uid + 1}:*")
        uids = [uid for uid in uids if uid > account.imap_last_uid][:limit]
        sizes = uid_sizes(conn, uids) if uids else {}
        for uid in uids:
            raw = None
            if sizes.get(uid, 0) > MAX_RAW_BYTES:
                logger.warning(
                    "e-mail account %s: mail UID %s skipped, %s bytes is over the %s-byte limit",
                    account.pk,
                    uid,
                    sizes[uid],
                    MAX_RAW_BYTES,
                )
                result.skipped += 1
            else:
                raw = uid_fetch(conn, uid)
            if raw is not None and len(raw) <= MAX_RAW_BYTES:
                result.fetched += 1
                inbound, created = inbound_email_store(
                    account=account, raw=raw, source=InboundSource.IMAP, imap_uid=uid, queue=False
                )
                result.stored += int(created)
                _process_now(inbound.pk)
            EmailAccount.objects.filter(pk=account.pk, imap_last_uid__lt=uid).update(imap_last_uid=uid)
            account.imap_last_uid = uid
    except (ImapFailure, imaplib.IMAP4.error, OSError) as error:
        result.error = _error_text(error)
    except Exception as error:  # kept for the settings page; the next poll tries again
        logger.exception("IMAP poll of e-mail account %s failed", account.pk)
        result.error = f"{error.__class__.__name__}: {error}"
    finally:
        imap_close(conn)
    _poll_record(account, started, result.error)
    return result


def imap_check(settings: ImapSettings) -> tuple[int, int]:
    """Log in and open the folder: its ``(UIDVALIDITY, number of messages)``. Raises
    ``ImapFailure``."""
    conn = imap_open(settings)
    try:
        return imap_select(conn, settings.folder)
    except (imaplib.IMAP4.error, OSError) as error:
        raise ImapFailure(_error_text(error)) from error
    finally:
        imap_close(conn)
