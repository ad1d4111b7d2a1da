"""Service messages are read in English in these tests; texts for customers (the
installation's language) too, with ``customer_texts_in_english``."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from django.utils import translation


@pytest.fixture(autouse=True)
def _english_messages() -> Iterator[None]:
    with translation.override("en"):
        yield


@pytest.fixture
def customer_texts_in_english(settings: Any) -> None:
    settings.LANGUAGE_CODE = "en"
