"""Secrets at rest (access tokens, app secrets): Fernet (AES-128-CBC + HMAC-SHA256).

The key is ``RELASI_ENCRYPTION_KEY`` (a Fernet key) when set, else derived from
``SECRET_KEY`` with HKDF-SHA256, so a fresh install works and a key rotation is an env change
plus a re-save. ``EncryptedTextField`` stores the token text, never the secret.
"""

from __future__ import annotations

import base64
from functools import cache
from typing import Any

from cryptography.fernet import Fernet, InvalidToken
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from django.conf import settings
from django.db import models


@cache
def _fernet() -> Fernet:
    configured = getattr(settings, "RELASI_ENCRYPTION_KEY", "")
    if configured:
        return Fernet(configured.encode())
    derived = HKDF(algorithm=hashes.SHA256(), length=32, salt=b"relasi-secrets", info=b"fernet").derive(
        settings.SECRET_KEY.encode()
    )
    return Fernet(base64.urlsafe_b64encode(derived))


def encrypt_text(plain: str) -> str:
    return _fernet().encrypt(plain.encode()).decode() if plain else ""


def decrypt_text(token: str) -> str:
    """The plain text; ``""`` for an empty value or one encrypted under another key."""
    if not token:
        return ""
    try:
        return _fernet().decrypt(token.encode()).decode()
    except InvalidToken:
        return ""


class EncryptedTextField(models.TextField):  # type: ignore[type-arg]
    """Text encrypted in the database, plain in Python."""

    def from_db_value(self, value: str | None, expression: Any, connection: Any) -> str:
        return decrypt_text(value or "")

    def get_prep_value(self, value: Any) -> str:
        return encrypt_text(str(value or ""))
