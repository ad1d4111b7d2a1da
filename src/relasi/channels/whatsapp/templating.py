"""The ``{{1}}``, ``{{2}}``… placeholders of WhatsApp message templates (pure; shared by the
sending adapter and the fake Graph API)."""

from __future__ import annotations

import re
from typing import Any

PLACEHOLDER = re.compile(r"\{\{\s*(\d+)\s*\}\}")


def template_fill(text: str, variables: list[str]) -> str:
    """``{{1}}``, ``{{2}}``… of a template text replaced by the variables (1-based); a
    placeholder without a value stays as it is."""

    def value(match: re.Match[str]) -> str:
        index = int(match.group(1)) - 1
        return variables[index] if 0 <= index < len(variables) else match.group(0)

    return PLACEHOLDER.sub(value, text)


def template_placeholder_count(components: list[dict[str, Any]], kind: str) -> int:
    """How many distinct ``{{n}}`` the template's HEADER or BODY text holds."""
    for component in components:
        if str(component.get("type", "")).upper() == kind:
            return len(set(PLACEHOLDER.findall(str(component.get("text") or ""))))
    return 0
