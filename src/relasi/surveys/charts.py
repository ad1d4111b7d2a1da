"""The geometry of a survey's score distribution, drawn as inline SVG by the template (no
script, no CDN; colours come from ``surveys/surveys.css`` by class). Each bar links to the
answers with that score."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from fractions import Fraction

from relasi.surveys import scoring
from relasi.surveys.selectors import SatisfactionSummary

BAR_WIDTH = 32
GAP = 8
PLOT_HEIGHT = 120
TOP = 18  # room for the count above the tallest bar
BOTTOM = 22  # room for the score below the bars


@dataclass(frozen=True)
class Bar:
    score: int
    count: int
    percent: Decimal | None
    category: str
    x: int
    y: int
    width: int
    height: int
    center: int
    link: str


@dataclass(frozen=True)
class Chart:
    bars: list[Bar]
    width: int
    height: int
    baseline: int
    count_y_offset: int = 4
    score_y: int = 0


def distribution_chart(summary: SatisfactionSummary, *, link: Callable[[int], str]) -> Chart:
    """One bar per score of the scale, its height proportional to the number of answers (the
    tallest bar is ``PLOT_HEIGHT`` high), classed by category (positive, middle, negative)."""
    highest = max(summary.distribution.values(), default=0)
    bars = []
    baseline = TOP + PLOT_HEIGHT
    for index, (score, count) in enumerate(sorted(summary.distribution.items())):
        height = round(PLOT_HEIGHT * count / highest) if highest else 0
        x = GAP + index * (BAR_WIDTH + GAP)
        percent = scoring.rounded(Fraction(100 * count, summary.total), 1) if summary.total else None
        bars.append(
            Bar(
                score=score,
                count=count,
                percent=percent,
                category=scoring.category(summary.kind, score),
                x=x,
                y=baseline - height,
                width=BAR_WIDTH,
                height=height,
                center=x + BAR_WIDTH // 2,
                link=link(score),
            )
        )
    width = GAP + len(bars) * (BAR_WIDTH + GAP)
    return Chart(bars=bars, width=width, height=baseline + BOTTOM, baseline=baseline, score_y=baseline + 16)
