"""Passwords are hashed with Argon2 outside the tests (the tests put a fast MD5 first)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from typing import Any

from django.contrib.auth.hashers import check_password, identify_hasher, make_password

MD5 = "django.contrib.auth.hashers.MD5PasswordHasher"
ARGON2 = "django.contrib.auth.hashers.Argon2PasswordHasher"


def test_argon2_comes_first_once_the_test_only_md5_is_left_out(settings: Any) -> None:
    # given
    configured = [hasher for hasher in settings.PASSWORD_HASHERS if hasher != MD5]
    # then
    assert configured[0] == ARGON2
    assert not any("MD5" in hasher or "SHA1" in hasher or "Unsalted" in hasher for hasher in configured)


def test_make_password_with_argon2_produces_an_argon2_hash() -> None:
    # when
    encoded = make_password("kopi-tubruk-2024", hasher="argon2")
    # then
    assert encoded.startswith("argon2$argon2id$")
    assert identify_hasher(encoded).algorithm == "argon2"
    assert check_password("kopi-tubruk-2024", encoded)
    assert not check_password("kopi-tubruk-2025", encoded)


def test_outside_the_tests_new_passwords_are_hashed_with_argon2(tmp_path: Path) -> None:
    # given: the settings as `relasi` loads them, without pytest in the process
    env = {k: v for k, v in os.environ.items() if k in {"PATH", "HOME", "LANG", "LC_ALL", "TMPDIR"}}
    env.update(RELASI_DATA_DIR=str(tmp_path), DJANGO_SETTINGS_MODULE="relasi.config.settings")
    code = (
        "import django; django.setup();"
        "from django.conf import settings;"
        "from django.contrib.auth.hashers import make_password;"
        "print(settings.PASSWORD_HASHERS[0]); print(make_password('kopi-tubruk-2024')[:16])"
    )
    # when
    result = subprocess.run(  # noqa: S603 - our own interpreter and code
        [sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=120, check=False
    )
    # then
    assert result.returncode == 0, result.stderr
    first, prefix = result.stdout.split()
    assert first == ARGON2
    assert prefix == "argon2$argon2id$"
