"""The SVG charts: well-formed SVG, bar lengths proportional to the values (hand-computed),
safe with zeros and empty data, links and tooltips on every bar, text escaped, no inline
style (the CSP would block it)."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from decimal import Decimal

from relasi.analytics.charts import Bar, bar_chart, bar_lengths, column_chart

SVG = "{http://www.w3.org/2000/svg}"


def _parse(markup: str) -> ET.Element:
    return ET.fromstring(markup)  # raises on malformed XML  # noqa: S314 - our own markup


def _rects(root: ET.Element) -> list[ET.Element]:
    return [r for r in root.iter(f"{SVG}rect") if "chart-bar" in r.get("class", "")]


def test_bar_widths_are_proportional_to_the_values() -> None:
    # width 520 − labels 150 − values 110 = a plot of 260: the largest bar is 260 long
    markup = bar_chart(
        [Bar("Champions", 9, href="/a"), Bar("Loyal", 3, href="/b"), Bar("New", 6, href="/c")],
        title="Buyers per segment",
    )
    root = _parse(markup)
    assert root.tag == f"{SVG}svg"
    widths = [float(r.get("width", "")) for r in _rects(root)]
    assert widths == [260.0, 86.7, 173.3]  # 260 × 3/9 = 86,67; 260 × 6/9 = 173,33


def test_decimal_rupiah_values_scale_too() -> None:
    lengths = bar_lengths([Decimal("19800000"), Decimal("4950000"), Decimal("0")], 200)
    assert lengths == [200.0, 50.0, 0.0]


def test_all_zero_and_empty_charts_draw_nothing_and_do_not_divide_by_zero() -> None:
    root = _parse(bar_chart([Bar("A", 0), Bar("B", 0)], title="Nobody"))
    assert [float(r.get("width", "")) for r in _rects(root)] == [0.0, 0.0]
    empty = _parse(bar_chart([], title="Empty"))
    assert _rects(empty) == []
    assert _parse(column_chart([], title="Empty")).tag == f"{SVG}svg"
    assert bar_lengths([-5, 0], 100) == [0.0, 0.0]  # negatives drawn as zero


def test_each_bar_links_to_its_customers_with_a_tooltip_and_an_accessible_name() -> None:
    markup = bar_chart(
        [
            Bar(
                "At risk",
                8,
                display="8",
                href="/w/hero/analitik/pelanggan/?rfm_segment=at_risk",
                key="at_risk",
            )
        ],
        title="Segments",
    )
    root = _parse(markup)
    assert root.get("role") == "group"
    title_id = root.get("aria-labelledby")
    assert root.find(f"{SVG}title").get("id") == title_id
    link = root.find(f"{SVG}a")
    assert link is not None
    assert link.get("href") == "/w/hero/analitik/pelanggan/?rfm_segment=at_risk"
    assert link.get("aria-label") == "At risk: 8"
    assert link.get("data-key") == "at_risk"
    assert link.find(f"{SVG}title").text == "At risk: 8"
    assert [t.text for t in link.iter(f"{SVG}text")] == ["At risk", "8"]


def test_a_bar_without_customers_is_not_a_link() -> None:
    root = _parse(bar_chart([Bar("Lost", 0)], title="Segments"))
    assert root.find(f"{SVG}a") is None
    item = root.find(f"{SVG}g")
    assert item is not None
    assert item.get("aria-label") == "Lost: 0"


def test_labels_are_escaped_and_no_inline_style_is_used() -> None:
    markup = bar_chart([Bar('<script>"x"</script> & co', 1, href="/?a=1&b=2")], title="T & <b>")
    root = _parse(markup)  # still well-formed
    assert "<script>" not in markup
    assert root.find(f"{SVG}a").get("href") == "/?a=1&b=2"
    assert "style=" not in markup
    assert "style=" not in column_chart([Bar("x", 1)], title="t", line=True)


def test_centred_bars_form_a_funnel() -> None:
    root = _parse(bar_chart([Bar("Reach", 10), Bar("Loyalty", 5)], title="Stages", centered=True))
    first, second = _rects(root)
    # plot 260 from x = 150: the full bar starts at 150, the half bar at 150 + 65
    assert (float(first.get("x", "")), float(first.get("width", ""))) == (150.0, 260.0)
    assert (float(second.get("x", "")), float(second.get("width", ""))) == (215.0, 130.0)


def test_columns_rise_in_proportion_from_a_shared_baseline() -> None:
    # height 200 − labels 34 − values 18 = 148 of plot; the baseline at y = 18 + 148 = 166
    root = _parse(column_chart([Bar("W1", 4), Bar("W2", 2), Bar("W3", 0)], title="Moves", line=True))
    rects = _rects(root)
    heights = [float(r.get("height", "")) for r in rects]
    assert heights == [148.0, 74.0, 0.0]
    assert [float(r.get("y", "")) + h for r, h in zip(rects, heights, strict=True)] == [166.0] * 3
    line = root.find(f"{SVG}polyline")
    assert line is not None
    assert len(line.get("points", "").split()) == 3
