"""Feedback topics by transparent keyword rules on Indonesian texts."""

from __future__ import annotations

from relasi.surveys.scoring import TopicRule, topics_match
from relasi.surveys.topic_defaults import DEFAULT_TOPICS

RULES = [TopicRule(key, words) for key, words in DEFAULT_TOPICS]


def _keys(text: str) -> list[str]:
    return [m.key for m in topics_match(text, RULES)]


def test_delivery_and_price_in_one_comment() -> None:
    matches = topics_match("Pengiriman telat 3 hari, tapi harganya murah", RULES)
    assert [(m.key, m.keywords) for m in matches] == [
        ("price", ("harga", "murah")),  # "harganya" = harga + -nya
        ("delivery", ("pengiriman", "telat")),
    ]


def test_a_phrase_matches_with_any_spacing_and_case() -> None:
    matches = topics_match("Barangnya LAMA   SAMPAI ke Medan", RULES)
    assert [(m.key, m.keywords) for m in matches] == [("delivery", ("lama sampai",))]


def test_whole_words_only() -> None:
    # "kirim" is not found inside "pengirimnya"/"dikirimkan", nor "cs" inside "cstore"; "aslinya"
    # is "asli" + the clitic -nya, so it counts
    assert _keys("Pengirimnya siapa ya? dikirimkan kemarin") == []
    assert _keys("beli di cstore") == []
    assert _keys("Produknya aslinya dari Jepara") == ["quality"]


def test_service_stock_and_quality() -> None:
    assert _keys("Admin ramah dan cepat balas, sayang stok warna merah habis") == ["service", "stock"]
    assert _keys("Kualitas jelek, jahitannya rusak") == ["quality"]
    assert _keys("CS-nya jutek") == ["service"]  # "cs" followed by a hyphen is a whole word


def test_nothing_in_an_empty_or_unrelated_text() -> None:
    assert _keys("") == []
    assert _keys("Terima kasih banyak!") == []


def test_the_order_of_topics_is_the_rules_order_and_keywords_are_listed_once() -> None:
    matches = topics_match("mahal, mahal, MAHAL tapi bagus", RULES)
    assert [(m.key, m.keywords) for m in matches] == [("price", ("mahal",)), ("quality", ("bagus",))]


def test_an_owner_keyword_with_odd_spacing_or_case_still_matches() -> None:
    rules = [TopicRule("packaging", ("  Bubble   Wrap ", "kardus"))]
    assert [(m.key, m.keywords) for m in topics_match("tolong tambah bubble wrap", rules)] == [
        ("packaging", ("bubble wrap",))
    ]
