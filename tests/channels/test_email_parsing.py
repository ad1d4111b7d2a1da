"""Reading raw mail: charsets and transfer encodings, threading ids, attachments, automatic
mails and bounces, quoted history; HTML sanitising."""

from __future__ import annotations

import base64
import datetime as dt
import hashlib

import pytest

from relasi.channels.email.parsing import email_parse, msgid_list, reply_strip
from relasi.channels.email.sanitize import html_sanitize, html_to_text
from tests.channels.email_servers import mail


def test_plain_mail_fields() -> None:
    raw = mail(
        in_reply_to="<balasan-kami@tokohero.test>",
        references="<awal@pelanggan.test> <balasan-kami@tokohero.test>",
        headers={"Cc": "Siti <siti@pelanggan.test>", "Reply-To": "budi.kantor@pelanggan.test"},
    )
    parsed = email_parse(raw)
    assert parsed.message_id == "pesan-1@pelanggan.test"
    assert not parsed.message_id_synthesised
    assert parsed.in_reply_to == ["balasan-kami@tokohero.test"]
    assert parsed.references == ["awal@pelanggan.test", "balasan-kami@tokohero.test"]
    assert parsed.thread_ids == ["balasan-kami@tokohero.test", "awal@pelanggan.test"]
    assert (parsed.from_name, parsed.from_address) == ("Budi Santoso", "budi@pelanggan.test")
    assert parsed.to == ["cs@tokohero.test"]
    assert parsed.cc == ["siti@pelanggan.test"]
    assert parsed.reply_to == "budi.kantor@pelanggan.test"
    assert parsed.subject == "Pesanan kado ulang tahun"
    assert parsed.date == dt.datetime(2026, 11, 16, 2, 30, tzinfo=dt.UTC)
    assert parsed.text.startswith("Halo, apakah kado boneka masih ada?")
    assert parsed.html == ""
    assert parsed.attachments == []
    assert parsed.auto_reason == ""
    assert parsed.bounce is None


def test_quoted_printable_iso_8859_1() -> None:
    raw = (
        b"From: =?iso-8859-1?q?Jos=E9_Mart=EDnez?= <jose@pelanggan.test>\r\n"
        b"To: cs@tokohero.test\r\n"
        b"Subject: =?iso-8859-1?q?Caf=E9_untuk_acara?=\r\n"
        b"Message-ID: <qp@pelanggan.test>\r\n"
        b"MIME-Version: 1.0\r\n"
        b"Content-Type: text/plain; charset=iso-8859-1\r\n"
        b"Content-Transfer-Encoding: quoted-printable\r\n\r\n"
        b"Saya pesan 3 kue cr=E8me br=FBl=E9e =93spesial=94 untuk ulang tahun, harga=\r\n"
        b" Rp 150.000.\r\n"
    )
    parsed = email_parse(raw)
    assert parsed.from_name == "José Martínez"
    assert parsed.subject == "Café untuk acara"
    # Windows-1252 quotes in a mail labelled ISO-8859-1 are read as mail clients read them.
    assert parsed.text == "Saya pesan 3 kue crème brûlée “spesial” untuk ulang tahun, harga Rp 150.000.\n"


def test_base64_utf8_and_8bit_without_charset() -> None:
    text = "Terima kasih 🙏 — pesanan sudah sampai di Makassar."
    raw = (
        b"From: ani@pelanggan.test\r\nTo: cs@tokohero.test\r\nSubject: =?utf-8?b?"
        + base64.b64encode("Sudah diterima ✓".encode())
        + b"?=\r\nMessage-ID: <b64@pelanggan.test>\r\nMIME-Version: 1.0\r\n"
        b"Content-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: base64\r\n\r\n"
        + base64.encodebytes(text.encode())
    )
    parsed = email_parse(raw)
    assert parsed.subject == "Sudah diterima ✓"
    assert parsed.text.strip() == text

    unlabelled = b"From: a@pelanggan.test\r\nSubject: x\r\n\r\n" + "Harga naik 5% — maaf".encode()
    assert email_parse(unlabelled).text == "Harga naik 5% — maaf"


def test_unknown_charset_does_not_lose_the_mail() -> None:
    raw = (
        b"From: a@pelanggan.test\r\nMessage-ID: <x1@p.test>\r\nSubject: tes\r\n"
        b"Content-Type: text/plain; charset=x-unknown-charset\r\n\r\nHalo kakak\r\n"
    )
    assert email_parse(raw).text.strip() == "Halo kakak"


def test_missing_message_id_is_synthesised_from_the_bytes() -> None:
    raw = mail(message_id=None)
    first, again = email_parse(raw), email_parse(raw)
    assert first.message_id_synthesised
    assert first.message_id == again.message_id
    assert hashlib.sha256(raw).hexdigest() in first.message_id
    assert email_parse(mail(message_id=None, body="lain")).message_id != first.message_id


def test_msgid_list_without_brackets_and_overlong_ids() -> None:
    assert msgid_list("a@b.test c@d.test") == ["a@b.test", "c@d.test"]
    long_id = "x" * 300 + "@p.test"
    (stored,) = msgid_list(f"<{long_id}>")
    assert len(stored) <= 200
    assert msgid_list(f"<{long_id}>") == [stored]  # stable


def test_attachments_and_inline_images() -> None:
    pdf = b"%PDF-1.4 faktur"
    png = b"\x89PNG\r\n\x1a\nfoto"
    raw = (
        b"From: budi@pelanggan.test\r\nTo: cs@tokohero.test\r\nSubject: Foto\r\n"
        b"Message-ID: <att@pelanggan.test>\r\nMIME-Version: 1.0\r\n"
        b'Content-Type: multipart/mixed; boundary="M"\r\n\r\n'
        b"--M\r\n"
        b'Content-Type: multipart/related; boundary="R"\r\n\r\n'
        b"--R\r\n"
        b'Content-Type: multipart/alternative; boundary="A"\r\n\r\n'
        b"--A\r\nContent-Type: text/plain; charset=utf-8\r\n\r\nLihat foto ini\r\n"
        b'--A\r\nContent-Type: text/html; charset=utf-8\r\n\r\n<p>Lihat <img src="cid:foto1@p"></p>\r\n'
        b"--A--\r\n"
        b"--R\r\nContent-Type: image/png\r\nContent-ID: <foto1@p>\r\nContent-Transfer-Encoding: base64\r\n"
        b"Content-Disposition: inline\r\n\r\n" + base64.encodebytes(png) + b"--R--\r\n"
        b"--M\r\nContent-Type: application/pdf\r\nContent-Transfer-Encoding: base64\r\n"
        b"Content-Disposition: attachment; filename*=utf-8''Faktur%20%E2%84%96%2012.pdf\r\n\r\n"
        + base64.encodebytes(pdf)
        + b"--M--\r\n"
    )
    parsed = email_parse(raw)
    assert parsed.text.strip() == "Lihat foto ini"
    assert '<img src="cid:foto1@p">' in parsed.html
    image, document = parsed.attachments
    assert (image.content_type, image.data, image.content_id, image.inline) == (
        "image/png",
        png,
        "foto1@p",
        True,
    )
    assert image.file_name == "attachment-1.png"
    assert (document.file_name, document.content_type, document.data) == (
        "Faktur № 12.pdf",
        "application/pdf",
        pdf,
    )
    assert not document.inline


def test_attached_mail_is_kept_whole_and_split_text_joined() -> None:
    inner = mail(subject="Pesan asli", message_id="<inner@p.test>")
    raw = (
        b"From: budi@pelanggan.test\r\nSubject: Fwd\r\nMessage-ID: <fwd@p.test>\r\n"
        b'MIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary="B"\r\n\r\n'
        b"--B\r\nContent-Type: text/plain\r\n\r\nBagian satu\r\n"
        b"--B\r\nContent-Type: message/rfc822\r\n\r\n" + inner + b"\r\n"
        b"--B\r\nContent-Type: text/plain\r\n\r\nBagian dua\r\n--B--\r\n"
    )
    parsed = email_parse(raw)
    assert parsed.text == "Bagian satu\n\nBagian dua"
    (attached,) = parsed.attachments
    assert attached.content_type == "message/rfc822"
    assert attached.file_name.endswith(".eml")
    assert email_parse(attached.data).message_id == "inner@p.test"


@pytest.mark.parametrize(
    ("headers", "reason"),
    [
        ({"Auto-Submitted": "auto-replied"}, "Auto-Submitted: auto-replied"),
        ({"Auto-Submitted": "auto-generated"}, "Auto-Submitted: auto-generated"),
        ({"Precedence": "bulk"}, "Precedence: bulk"),
        ({"X-Autoreply": "yes"}, "X-Autoreply"),
        ({"Auto-Submitted": "no"}, ""),
        ({"Precedence": "list"}, ""),
    ],
)
def test_automatic_mail(headers: dict[str, str], reason: str) -> None:
    assert email_parse(mail(headers=headers)).auto_reason == reason


def test_bounce_names_the_original_message() -> None:
    raw = (
        b"From: Mail Delivery System <MAILER-DAEMON@mx.tokohero.test>\r\nTo: cs@tokohero.test\r\n"
        b"Subject: Undelivered Mail Returned to Sender\r\nMessage-ID: <dsn-1@mx.tokohero.test>\r\n"
        b"Auto-Submitted: auto-replied\r\nMIME-Version: 1.0\r\n"
        b'Content-Type: multipart/report; report-type=delivery-status; boundary="D"\r\n\r\n'
        b"--D\r\nContent-Type: text/plain\r\n\r\nYour message could not be delivered.\r\n"
        b"--D\r\nContent-Type: message/delivery-status\r\n\r\n"
        b"Reporting-MTA: dns; mx.tokohero.test\r\n\r\n"
        b"Final-Recipient: rfc822; salah@pelanggan.test\r\nAction: failed\r\nStatus: 5.1.1\r\n"
        b"Diagnostic-Code: smtp; 550 5.1.1 <salah@pelanggan.test>: Recipient address rejected\r\n\r\n"
        b"--D\r\nContent-Type: text/rfc822-headers\r\n\r\n"
        b"From: cs@tokohero.test\r\nTo: salah@pelanggan.test\r\nMessage-ID: <kami-1@tokohero.test>\r\n"
        b"--D--\r\n"
    )
    parsed = email_parse(raw)
    assert parsed.bounce is not None
    assert parsed.bounce.original_message_id == "kami-1@tokohero.test"
    assert parsed.bounce.action == "failed"
    assert parsed.bounce.status == "5.1.1"
    assert "Recipient address rejected" in parsed.bounce.diagnostic


def test_future_date_is_capped() -> None:
    now = dt.datetime(2026, 11, 16, tzinfo=dt.UTC)
    parsed = email_parse(mail(date="Fri, 01 Jan 2038 00:00:00 +0000"), now=now)
    assert parsed.date == now


@pytest.mark.parametrize(
    ("text", "kept"),
    [
        (
            "Baik, saya ambil yang merah.\n\n"
            "On Mon, 16 Nov 2026 at 09:30, Toko Hero <cs@tokohero.test> wrote:\n"
            "> Warna merah dan biru ada.\n",
            "Baik, saya ambil yang merah.",
        ),
        (
            "Siap kak.\n\nPada tanggal Sen, 16 Nov 2026 pukul 09.30 Toko Hero <cs@tokohero.test>\nmenulis:\n"
            "> Sudah kami kirim.\n",
            "Siap kak.",
        ),
        (
            "Oke terima kasih\n\n-----Original Message-----\nFrom: Toko Hero\nSent: Monday\n\nIsi lama",
            "Oke terima kasih",
        ),
        (
            "Sudah transfer ya\n\nFrom: Toko Hero <cs@tokohero.test>\nSent: Monday, November 16, 2026\n"
            "To: Budi\nSubject: Invoice\n\nIsi lama",
            "Sudah transfer ya",
        ),
        ("Setuju.\n\n> kutipan satu\n> kutipan dua\n", "Setuju."),
        ("> hanya kutipan\n> saja", "> hanya kutipan\n> saja"),
        ("On Monday I will pick it up.\nThanks", "On Monday I will pick it up.\nThanks"),
    ],
)
def test_reply_strip(text: str, kept: str) -> None:
    assert reply_strip(text) == kept


def test_sanitise_removes_active_content_and_remote_images() -> None:
    html = (
        '<html><head><style>p{color:red}</style><script>alert("x")</script></head><body>'
        '<p onclick="steal()" style="color:red" class="x" id="y">Halo <b>kak</b></p>'
        '<img src="https://tracker.example/pixel.gif" onerror="alert(1)" alt="logo">'
        '<img src="cid:foto1@p" alt="foto">'
        '<img src="data:image/png;base64,AAAA">'
        '<a href="javascript:alert(1)">klik</a> <a href="https://tokohero.test/katalog">katalog</a>'
        '<a href="mailto:cs@tokohero.test">mail</a>'
        "<iframe src='https://evil.example'></iframe><form action='https://evil.example'><input></form>"
        '<svg onload="alert(1)"><circle/></svg><table><tr><td colspan="2">Total</td></tr></table>'
        "</body></html>"
    )
    clean, blocked = html_sanitize(html, cid_urls={"foto1@p": "/w/hero/percakapan/lampiran/7/"})
    lowered = clean.lower()
    for bad in ("script", "alert", "onclick", "onerror", "onload", "style", "javascript:", "tracker.example",
                "iframe", "<form", "<input", "data:image", "evil.example", "class=", "id="):  # fmt: skip
        assert bad not in lowered, bad
    assert "<b>kak</b>" in clean
    assert '<img src="/w/hero/percakapan/lampiran/7/" alt="foto">' in clean
    assert '<img alt="logo">' in clean
    assert blocked == 1  # the tracker (a data: image is dropped by the scheme list)
    assert (
        '<a href="https://tokohero.test/katalog" target="_blank" rel="noopener noreferrer nofollow">'
        "katalog</a>" in clean
    )
    assert 'href="mailto:cs@tokohero.test"' in clean
    assert '<td colspan="2">Total</td>' in clean


def test_sanitise_drops_unknown_cid_and_cid_links() -> None:
    clean, blocked = html_sanitize('<img src="cid:tidak-ada"><a href="cid:x">x</a>', cid_urls={})
    assert "cid:" not in clean
    assert blocked == 0


def test_html_to_text() -> None:
    html = "<p>Halo&nbsp;kak,</p><p>Pesanan:<br>1 boneka</p><ul><li>merah</li><li>biru</li></ul>"
    assert html_to_text(html) == "Halo kak,\n\nPesanan:\n1 boneka\n\n• merah\n• biru"
