"""Charts as inline SVG, built on the server: no JavaScript library, no CDN, nothing the
Content-Security-Policy (``style-src 'self'``) would block — sizes and colours are SVG
attributes and classes of ``analytics.css``, never ``style=""``.

Each bar or column can be a link (``<a href>``) to the customers behind it, carries a
``<title>`` (the tooltip a mouse shows) and an ``aria-label`` (what a screen reader says), so
the picture is never the only way to read a figure.

Lengths are proportional to the values: a bar's width is ``value / largest × plot width``.
Negative values are drawn as zero (counts and rupiah here are never negative) and an all-zero
chart draws no bar at all instead of dividing by zero.
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

Number = int | float | Decimal

_ids = itertools.count(1)


@dataclass(frozen=True)
class Bar:
    """One bar or column: ``value`` sets its length, ``display`` is the text shown next to it
    (the value formatted for the reader), ``href`` the page of the customers behind it."""

    label: str
    value: Number
    display: str = ""
    href: str = ""
    key: str = ""  # a stable name for tests and styling (``data-key``)

    @property
    def text(self) -> str:
        return self.display or str(self.value)


def _amount(value: Number) -> float:
    number = float(value)
    return number if number > 0 else 0.0


def bar_lengths(values: Sequence[Number], full: float) -> list[float]:
    """Each value's length on a scale where the largest value is ``full`` long (rounded to a
    tenth of a unit, enough for the screen). All zero (or empty): every length is zero."""
    amounts = [_amount(v) for v in values]
    top = max(amounts, default=0.0)
    if top <= 0:
        return [0.0 for _ in amounts]
    return [round(a / top * full, 1) for a in amounts]


def _fmt(number: float) -> str:
    """A coordinate for SVG: at most one decimal, no trailing ``.0``."""
    text = f"{number:.1f}"
    return text[:-2] if text.endswith(".0") else text


def _item(bar: Bar, inner: str) -> str:
    """Wrap one bar's shapes in a link when it has somewhere to go."""
    label = escape(f"{bar.label}: {bar.text}")
    key = f' data-key="{escape(bar.key)}"' if bar.key else ""
    body = f"<title>{label}</title>{inner}"
    if bar.href:
        return f'<a href="{escape(bar.href)}" aria-label="{label}"{key}>{body}</a>'
    return f'<g role="img" aria-label="{label}"{key}>{body}</g>'


def bar_chart(
    bars: Sequence[Bar],
    *,
    title: str,
    width: int = 520,
    label_width: int = 150,
    value_width: int = 110,
    bar_height: int = 22,
    gap: int = 8,
    centered: bool = False,
    css_class: str = "",
) -> SafeString:
    """A horizontal bar chart: the label on the left, the bar, its value on the right.

    ``centered``: each bar is centred on the plot's middle line — the shape of a funnel, for
    stages that customers move through."""
    uid = next(_ids)
    plot = max(width - label_width - value_width, 10)
    lengths = bar_lengths([b.value for b in bars], plot)
    height = max(len(bars), 1) * (bar_height + gap) + gap
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="chart chart-bars {escape(css_class)}" '
        f'viewBox="0 0 {width} {height}" width="{width}" height="{height}" '
        f'role="group" aria-labelledby="chart-{uid}-title" preserveAspectRatio="xMinYMin meet">',
        f'<title id="chart-{uid}-title">{escape(title)}</title>',
    ]
    for index, (bar, length) in enumerate(zip(bars, lengths, strict=True)):
        y = gap + index * (bar_height + gap)
        middle = y + bar_height / 2
        x = label_width + (plot - length) / 2 if centered else label_width
        shapes = (
            f'<text class="chart-label" x="{label_width - 8}" y="{_fmt(middle)}" '
            f'text-anchor="end" dominant-baseline="middle">{escape(bar.label)}</text>'
            f'<rect class="chart-bar" x="{_fmt(x)}" y="{y}" width="{_fmt(length)}" '
            f'height="{bar_height}" rx="3" fill="#1f7a5c"/>'
            f'<text class="chart-value" x="{width - value_width + 8}" y="{_fmt(middle)}" '
            f'dominant-baseline="middle">{escape(bar.text)}</text>'
        )
        parts.append(_item(bar, shapes))
    if not bars:
        parts.append(f'<text class="chart-empty" x="8" y="{_fmt(height / 2)}">–</text>')
    parts.append("</svg>")
    return mark_safe("".join(parts))


def column_chart(
    columns: Sequence[Bar],
    *,
    title: str,
    width: int = 520,
    height: int = 200,
    label_height: int = 34,
    value_height: int = 18,
    gap: int = 6,
    line: bool = False,
    css_class: str = "",
) -> SafeString:
    """Vertical columns over a shared baseline, labels below and values on top; ``line``
    also joins the column tops with a line (a trend over time)."""
    uid = next(_ids)
    count = max(len(columns), 1)
    slot = width / count
    plot = max(height - label_height - value_height, 10)
    lengths = bar_lengths([c.value for c in columns], plot)
    base = value_height + plot
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="chart chart-columns {escape(css_class)}" '
        f'viewBox="0 0 {width} {height}" width="{width}" height="{height}" '
        f'role="group" aria-labelledby="chart-{uid}-title" preserveAspectRatio="xMinYMin meet">',
        f'<title id="chart-{uid}-title">{escape(title)}</title>',
        f'<line class="chart-axis" x1="0" y1="{base}" x2="{width}" y2="{base}" stroke="#8c959f"/>',
    ]
    tops: list[tuple[float, float]] = []
    for index, (column, length) in enumerate(zip(columns, lengths, strict=True)):
        x = index * slot + gap / 2
        column_width = max(slot - gap, 1)
        centre = x + column_width / 2
        top = base - length
        tops.append((centre, top))
        shapes = (
            f'<rect class="chart-bar" x="{_fmt(x)}" y="{_fmt(top)}" width="{_fmt(column_width)}" '
            f'height="{_fmt(length)}" rx="2" fill="#1f7a5c"/>'
            f'<text class="chart-value" x="{_fmt(centre)}" y="{_fmt(top - 4)}" '
            f'text-anchor="middle">{escape(column.text)}</text>'
            f'<text class="chart-label" x="{_fmt(centre)}" y="{_fmt(base + 14)}" '
            f'text-anchor="middle">{escape(column.label)}</text>'
        )
        parts.append(_item(column, shapes))
    if line and len(tops) > 1:
        points = " ".join(f"{_fmt(cx)},{_fmt(cy)}" for cx, cy in tops)
        parts.append(
            f'<polyline class="chart-line" points="{points}" fill="none" stroke="#0b5cad" '
            f'stroke-width="2" aria-hidden="true"/>'
        )
    parts.append("</svg>")
    return mark_safe("".join(parts))
