"""Bahasa Indonesia is the default language: every user-facing text has a translation, the
compiled catalogue matches the source, and placeholders survive translation."""

from __future__ import annotations

import re
from pathlib import Path

from babel.messages.mofile import read_mo
from babel.messages.pofile import read_po

LOCALE = Path(__file__).resolve().parents[2] / "src" / "relasi" / "locale"
PLACEHOLDER = re.compile(r"%\(\w+\)[sd]|%[sd]")


def _catalog(language: str):  # type: ignore[no-untyped-def]
    with (LOCALE / language / "LC_MESSAGES" / "django.po").open("rb") as handle:
        return read_po(handle, locale=language)


def _texts(message) -> list[str]:  # type: ignore[no-untyped-def]
    return list(message.string) if isinstance(message.string, tuple | list) else [message.string]


def test_every_indonesian_message_is_translated_and_not_fuzzy() -> None:
    catalog = _catalog("id")
    missing = [m.id for m in catalog if m.id and not all(_texts(m))]
    fuzzy = [m.id for m in catalog if m.id and m.fuzzy]
    assert missing == [], f"{len(missing)} untranslated, e.g. {missing[:5]}"
    assert fuzzy == [], f"{len(fuzzy)} fuzzy, e.g. {fuzzy[:5]}"


def test_placeholders_are_kept_in_indonesian() -> None:
    catalog = _catalog("id")
    broken = []
    for message in catalog:
        if not message.id:
            continue
        source = message.id[0] if isinstance(message.id, tuple | list) else message.id
        wanted = sorted(set(PLACEHOLDER.findall(source)))
        for text in _texts(message):
            if sorted(set(PLACEHOLDER.findall(text))) != wanted:
                broken.append(source)
    assert broken == []


def _text(context: str | bytes | None) -> str | None:
    return context.decode() if isinstance(context, bytes) else context


def test_compiled_catalogue_matches_the_source() -> None:
    catalog = _catalog("id")
    with (LOCALE / "id" / "LC_MESSAGES" / "django.mo").open("rb") as handle:
        compiled = read_mo(handle)

    def key(value):  # type: ignore[no-untyped-def]
        return tuple(value) if isinstance(value, tuple | list) else value

    # The context is part of the key: "Service" (navigation) and "Service" (product kind).
    source = {(m.context, key(m.id)): key(m.string) for m in catalog if m.id and not m.fuzzy}
    built = {(_text(m.context), key(m.id)): key(m.string) for m in compiled if m.id}
    assert source == built, "run `make messages` (or compilemessages) after editing django.po"
