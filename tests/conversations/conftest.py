"""Service messages are read in English in these tests (pages follow the user's language);
fixtures of the satisfaction-survey tests."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from django.utils import translation

from relasi.conversations.tasks_csat import csat_request_task


@pytest.fixture(autouse=True)
def _english_messages() -> Iterator[None]:
    with translation.override("en"):
        yield


@pytest.fixture
def customer_texts_in_english(settings: Any) -> None:
    """Texts for customers are in the installation's language; read them in English."""
    settings.LANGUAGE_CODE = "en"


@pytest.fixture
def csat_queued(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """The conversation ids ``csat_request_task.delay`` was called with (no broker in tests)."""
    calls: list[int] = []
    monkeypatch.setattr(csat_request_task, "delay", lambda conversation_id: calls.append(conversation_id))
    return calls
