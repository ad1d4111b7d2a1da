"""The inbox's own SMTP server (not Django's global e-mail backend): connect with the account's
security (implicit TLS, STARTTLS or plain), log in, send, and turn every failure into one
``SmtpFailure`` with the server's reply code and text and whether a retry may help.

No database work here (the delivery service in ``sending`` holds the rules)."""

from __future__ import annotations

import smtplib
import socket
import ssl
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from email.message import EmailMessage

from relasi.channels.email.models import SmtpSecurity

TIMEOUT_SECONDS = 30.0


@dataclass(frozen=True)
class SmtpSettings:
    host: str
    port: int
    security: str
    username: str
    password: str
    timeout: float = TIMEOUT_SECONDS


class SmtpFailure(Exception):
    """An SMTP conversation that did not end in 250. ``code`` is the server's reply code (None
    for a network or TLS failure); 4xx and network failures are temporary (retry), 5xx final."""

    def __init__(self, code: int | None, text: str, *, retryable: bool | None = None) -> None:
        super().__init__(f"{code} {text}" if code else text)
        self.code = code
        self.text = text
        self.retryable = (code is None or 400 <= code < 500) if retryable is None else retryable


def _text(value: bytes | str) -> str:
    return (value.decode("utf-8", errors="replace") if isinstance(value, bytes) else str(value)).strip()


def _failure(error: Exception) -> SmtpFailure:
    if isinstance(error, smtplib.SMTPRecipientsRefused):
        code, text = next(iter(error.recipients.values()), (550, b"recipient refused"))
        return SmtpFailure(int(code), _text(text))
    if isinstance(error, smtplib.SMTPResponseException):
        return SmtpFailure(int(error.smtp_code), _text(error.smtp_error))
    if isinstance(error, smtplib.SMTPNotSupportedError):
        return SmtpFailure(None, f"The server does not support this: {error}", retryable=False)
    if isinstance(error, ssl.SSLCertVerificationError):
        return SmtpFailure(None, f"TLS certificate not trusted: {error.verify_message}", retryable=False)
    if isinstance(error, smtplib.SMTPServerDisconnected):
        return SmtpFailure(None, f"The server closed the connection: {error}")
    if isinstance(error, socket.timeout | TimeoutError):
        return SmtpFailure(None, "The server did not answer in time.")
    return SmtpFailure(None, f"{error.__class__.__name__}: {error}")


def smtp_open(settings: SmtpSettings) -> smtplib.SMTP:
    """A connected, logged-in SMTP session (TLS as the account asks). Raises ``SmtpFailure``."""
    context = ssl.create_default_context()
    try:
        if settings.security == SmtpSecurity.SSL:
            client: smtplib.SMTP = smtplib.SMTP_SSL(
                settings.host, settings.port, timeout=settings.timeout, context=context
            )
        else:
            client = smtplib.SMTP(settings.host, settings.port, timeout=settings.timeout)
        try:
            client.ehlo()
            if settings.security == SmtpSecurity.STARTTLS:
                client.starttls(context=context)
                client.ehlo()
            if settings.username:
                client.login(settings.username, settings.password)
        except BaseException:
            client.close()
            raise
    except UnicodeError as error:  # smtplib logs in with ASCII only
        raise SmtpFailure(None, "The user name or password has characters SMTP login cannot send.") from error
    except (smtplib.SMTPException, OSError) as error:
        raise _failure(error) from error
    return client


@contextmanager
def smtp_session(settings: SmtpSettings) -> Iterator[smtplib.SMTP]:
    """A connected, logged-in session (``smtp_open``) for the ``with`` block: an SMTP or network
    error in it becomes ``SmtpFailure``; at the end the session says goodbye (or is dropped)."""
    client = smtp_open(settings)
    try:
        yield client
    except (smtplib.SMTPException, OSError) as error:
        raise _failure(error) from error
    finally:
        try:
            client.quit()
        except (smtplib.SMTPException, OSError):
            client.close()


def smtp_send(settings: SmtpSettings, mail: EmailMessage, *, sender: str, recipients: list[str]) -> None:
    """Send ``mail`` (envelope from ``sender`` to ``recipients``); every recipient accepted or
    ``SmtpFailure``."""
    with smtp_session(settings) as client:
        refused = client.send_message(mail, from_addr=sender, to_addrs=recipients)
    if refused:
        code, text = next(iter(refused.values()))
        raise SmtpFailure(int(code), _text(text))


def smtp_check(settings: SmtpSettings) -> str:
    """Connect and log in, then say goodbye; the server's greeting name. Raises ``SmtpFailure``."""
    with smtp_session(settings) as client:
        name = _text(client.ehlo_resp or b"").split("\n", 1)[0]
        client.noop()
    return name
