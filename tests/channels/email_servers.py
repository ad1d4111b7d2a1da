"""Real mail servers for the e-mail channel tests, started on free loopback ports.

* SMTP: ``aiosmtpd`` (the asyncio SMTP server of the Python project), recording what it
  receives; replies can be scripted (``451`` then ``250``, ``550`` for a recipient) and AUTH
  LOGIN/PLAIN required.
* IMAP: Debian's Dovecot (``dovecot-imapd``, installed by ``make mail-deps``), run as a child
  process with a throw-away configuration: Maildir storage in a temporary directory, one static
  password for every user (each test uses its own mailbox user), no TLS. When the binary is
  missing the IMAP tests are skipped with a loud reason; when it is there but does not start,
  they fail.
"""

from __future__ import annotations

import asyncio
import contextlib
import grp
import imaplib
import os
import pwd
import shutil
import signal
import socket
import subprocess
import tempfile
import threading
import time
import uuid
from collections import deque
from collections.abc import Iterator
from dataclasses import dataclass, field
from email import message_from_bytes, policy
from email.message import EmailMessage
from pathlib import Path
from typing import Any

import pytest

DOVECOT = "/usr/sbin/dovecot"
IMAP_PASSWORD = "rahasia-imap"
SMTP_USER = "cs@tokohero.test"
SMTP_PASSWORD = "rahasia-smtp"


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


# SMTP --------------------------------------------------------------------------------------


@dataclass
class ReceivedMail:
    mail_from: str
    rcpt_tos: list[str]
    data: bytes
    login: str | None

    @property
    def message(self) -> EmailMessage:
        return message_from_bytes(self.data, policy=policy.default)  # type: ignore[return-value]


@dataclass
class SmtpHandler:
    """aiosmtpd handler: records accepted mails; ``data_replies`` are answered to DATA in turn
    (a reply other than 250 refuses that mail), ``rcpt_replies`` refuse given recipients."""

    received: list[ReceivedMail] = field(default_factory=list)
    data_replies: deque[str] = field(default_factory=deque)
    rcpt_replies: dict[str, str] = field(default_factory=dict)
    attempts: int = 0
    data_delay: float = 0.0  # seconds before answering DATA (a slow server)
    lock: threading.Lock = field(default_factory=threading.Lock)

    async def handle_RCPT(
        self, server: Any, session: Any, envelope: Any, address: str, rcpt_options: list[str]
    ) -> str:
        reply = self.rcpt_replies.get(address.lower())
        if reply:
            return reply
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        if self.data_delay:
            await asyncio.sleep(self.data_delay)
        with self.lock:
            self.attempts += 1
            reply = self.data_replies.popleft() if self.data_replies else "250 Message accepted"
            if reply.startswith("250"):
                login = getattr(session.auth_data, "login", None)
                self.received.append(
                    ReceivedMail(
                        mail_from=envelope.mail_from,
                        rcpt_tos=list(envelope.rcpt_tos),
                        data=bytes(envelope.original_content or envelope.content),
                        login=login.decode() if isinstance(login, bytes) else login,
                    )
                )
        return reply


@dataclass
class SmtpServer:
    host: str
    port: int
    handler: SmtpHandler

    @property
    def received(self) -> list[ReceivedMail]:
        return self.handler.received


def _authenticator(server: Any, session: Any, envelope: Any, mechanism: str, auth_data: Any) -> Any:
    from aiosmtpd.smtp import AuthResult, LoginPassword

    ok = (
        isinstance(auth_data, LoginPassword)
        and auth_data.login == SMTP_USER.encode()
        and auth_data.password == SMTP_PASSWORD.encode()
    )
    return AuthResult(success=ok, handled=False, auth_data=auth_data if ok else None)


@contextlib.contextmanager
def smtp_server_running(*, require_auth: bool = False) -> Iterator[SmtpServer]:
    from aiosmtpd.controller import Controller

    handler = SmtpHandler()
    port = free_port()
    kwargs: dict[str, Any] = {}
    if require_auth:
        kwargs = {"authenticator": _authenticator, "auth_required": True, "auth_require_tls": False}
    controller = Controller(handler, hostname="127.0.0.1", port=port, ready_timeout=10, **kwargs)
    controller.start()
    try:
        yield SmtpServer(host="127.0.0.1", port=port, handler=handler)
    finally:
        controller.stop()


# IMAP (Dovecot) ----------------------------------------------------------------------------

_DOVECOT_CONF = """\
base_dir = {root}/run
state_dir = {root}/state
instance_name = relasi-test-{port}
log_path = {root}/dovecot.log
protocols = imap
listen = 127.0.0.1
ssl = no
disable_plaintext_auth = no
auth_mechanisms = plain login
auth_failure_delay = 0
login_trusted_networks = 127.0.0.0/8
first_valid_uid = {uid}
last_valid_uid = 0
mail_location = maildir:{root}/mail/%u
{extra}
passdb {{
  driver = static
  args = password={password}
}}
userdb {{
  driver = static
  args = uid={uid} gid={gid} home={root}/mail/%u
}}
service anvil {{
  unix_listener anvil-auth-penalty {{
    mode = 0
  }}
}}
service imap-login {{
  inet_listener imap {{
    address = 127.0.0.1
    port = {port}
  }}
  inet_listener imaps {{
    port = 0
  }}
  {chroot}
}}
"""


@dataclass
class Dovecot:
    host: str
    port: int
    root: Path
    process: subprocess.Popen[bytes]

    def new_user(self) -> str:
        """A fresh mailbox (its own Maildir) for one test."""
        return f"toko-{uuid.uuid4().hex[:10]}@hero.test"

    @contextlib.contextmanager
    def session(self, user: str) -> Iterator[imaplib.IMAP4]:
        conn = imaplib.IMAP4(self.host, self.port, timeout=10)
        conn.login(user, IMAP_PASSWORD)
        try:
            yield conn
        finally:
            conn.logout()

    def append(self, user: str, raw: bytes, folder: str = "INBOX") -> int:
        """Deliver ``raw`` into ``folder``; its UID."""
        with self.session(user) as conn:
            status, data = conn.append(f'"{folder}"', None, None, raw)
            assert status == "OK", data
            code = data[0].decode() if isinstance(data[0], bytes) else str(data[0])
            return int(code.split("APPENDUID ", 1)[1].split()[1].rstrip("]"))

    def recreate(self, user: str, folder: str) -> None:
        """Delete and create ``folder`` again: the server gives it a new UIDVALIDITY."""
        with self.session(user) as conn:
            conn.delete(f'"{folder}"')
            status, data = conn.create(f'"{folder}"')
            assert status == "OK", data

    def create(self, user: str, folder: str) -> None:
        with self.session(user) as conn:
            status, data = conn.create(f'"{folder}"')
            assert status == "OK", data

    def uid_validity(self, user: str, folder: str = "INBOX") -> int:
        with self.session(user) as conn:
            conn.select(f'"{folder}"', readonly=True)
            _code, values = conn.response("UIDVALIDITY")
            return int(values[0])

    def log(self) -> str:
        path = self.root / "dovecot.log"
        return path.read_text(errors="replace") if path.exists() else ""


def _wait_listening(port: int, process: subprocess.Popen[bytes], timeout: float = 15.0) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            return False
        with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
            sock.settimeout(0.5)
            if sock.connect_ex(("127.0.0.1", port)) == 0:
                return True
        time.sleep(0.1)
    return False


@contextlib.contextmanager
def dovecot_running() -> Iterator[Dovecot]:
    binary = DOVECOT if os.path.exists(DOVECOT) else shutil.which("dovecot")
    if not binary:
        pytest.skip(
            f"!! IMAP TESTS SKIPPED: {DOVECOT} not found (make mail-deps: apt-get install dovecot-imapd) !!"
        )
    root = Path(tempfile.mkdtemp(prefix="relasi-dovecot-"))
    root.chmod(0o755)
    for sub in ("run", "state", "mail"):
        (root / sub).mkdir()
    if os.geteuid() == 0:
        # Dovecot never gives mail to root: the mailboxes belong to "nobody".
        user = pwd.getpwnam("nobody")
        uid, gid, extra, chroot = user.pw_uid, user.pw_gid, "", ""
        os.chown(root / "mail", uid, gid)
    else:
        me = pwd.getpwuid(os.geteuid())
        uid, gid = me.pw_uid, me.pw_gid
        group = grp.getgrgid(me.pw_gid).gr_name
        extra = (
            f"default_login_user = {me.pw_name}\ndefault_internal_user = {me.pw_name}\n"
            f"default_internal_group = {group}\n"
        )
        chroot = "chroot ="
    port = free_port()
    conf = root / "dovecot.conf"
    conf.write_text(
        _DOVECOT_CONF.format(
            root=root, port=port, uid=uid, gid=gid, password=IMAP_PASSWORD, extra=extra, chroot=chroot
        )
    )
    process = subprocess.Popen(  # noqa: S603 - our own config, a fixed binary
        [binary, "-F", "-c", str(conf)], stdout=subprocess.PIPE, stderr=subprocess.STDOUT
    )
    server = Dovecot(host="127.0.0.1", port=port, root=root, process=process)
    try:
        if not _wait_listening(port, process):
            output = process.stdout.read(4000).decode(errors="replace") if process.poll() is not None else ""
            pytest.fail(f"Dovecot did not start on port {port}: {output}\n{server.log()}")
        yield server
    finally:
        if process.poll() is None:
            process.send_signal(signal.SIGTERM)
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
        if process.stdout is not None:
            process.stdout.close()
        shutil.rmtree(root, ignore_errors=True)


# Test data ---------------------------------------------------------------------------------

SHOP = "cs@tokohero.test"
CUSTOMER = "budi@pelanggan.test"


def mail(
    *,
    from_: str = f"Budi Santoso <{CUSTOMER}>",
    to: str = f"Toko Hero <{SHOP}>",
    subject: str = "Pesanan kado ulang tahun",
    body: str | None = "Halo, apakah kado boneka masih ada?\n\nSalam,\nBudi",
    html: str | None = None,
    message_id: str | None = "<pesan-1@pelanggan.test>",
    in_reply_to: str | None = None,
    references: str | None = None,
    date: str = "Mon, 16 Nov 2026 09:30:00 +0700",
    headers: dict[str, str] | None = None,
    attachments: tuple[tuple[str, str, bytes], ...] = (),
) -> bytes:
    """A raw mail as a mail client sends it (CRLF lines)."""
    message = EmailMessage(policy=policy.SMTP)
    message["From"] = from_
    message["To"] = to
    message["Subject"] = subject
    message["Date"] = date
    if message_id:
        message["Message-ID"] = message_id
    if in_reply_to:
        message["In-Reply-To"] = in_reply_to
    if references:
        message["References"] = references
    for name, value in (headers or {}).items():
        message[name] = value
    if body is not None:
        message.set_content(body)
    if html is not None:
        if body is None:
            message.set_content(html, subtype="html")
        else:
            message.add_alternative(html, subtype="html")
    for file_name, content_type, data in attachments:
        maintype, subtype = content_type.split("/")
        message.add_attachment(data, maintype=maintype, subtype=subtype, filename=file_name)
    return message.as_bytes()


def make_account(
    workspace: Any,
    *,
    smtp: SmtpServer | None = None,
    dovecot: Dovecot | None = None,
    imap_user: str = "",
    address: str = SHOP,
    name: str = "CS E-mail",
    **fields: Any,
) -> Any:
    """An e-mail inbox of ``workspace`` wired to the test servers."""
    from relasi.channels.email.models import EmailAccount
    from relasi.conversations.enums import ChannelType
    from relasi.conversations.models import Inbox

    inbox = Inbox.objects.create(workspace=workspace, name=name, channel_type=ChannelType.EMAIL)
    values: dict[str, Any] = {
        "inbox": inbox,
        "address": address,
        "display_name": "Toko Hero",
        "smtp_host": smtp.host if smtp else "127.0.0.1",
        "smtp_port": smtp.port if smtp else 1,
        "smtp_security": "none",
        "imap_enabled": dovecot is not None,
        "imap_host": dovecot.host if dovecot else "",
        "imap_port": dovecot.port if dovecot else 993,
        "imap_ssl": False,
        "imap_username": imap_user,
        "imap_password": IMAP_PASSWORD if dovecot else "",
        "webhook_secret": "rahasia-webhook",
    }
    values.update(fields)
    return EmailAccount.objects.create(**values)
