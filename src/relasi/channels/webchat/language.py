"""The visitor's language: the widget's ``?lang=`` (the embedding page's language, or the
script tag's ``data-lang``), else the browser's ``Accept-Language``, else Bahasa Indonesia."""

from __future__ import annotations

from django.conf import settings
from django.utils.translation.trans_real import parse_accept_lang_header


def language_pick(requested: str = "", accept_language: str = "") -> str:
    supported = [code for code, _name in settings.LANGUAGES]
    wanted = (requested or "").strip().lower()[:2]
    if wanted in supported:
        return wanted
    for code, _quality in parse_accept_lang_header(accept_language or "")[:10]:
        base = code.lower()[:2]
        if base in supported:
            return base
    return str(settings.LANGUAGE_CODE)
