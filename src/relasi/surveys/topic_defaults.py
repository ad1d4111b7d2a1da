"""The feedback topics every workspace starts with (seeded on first use, then the owner's to
edit): a key, and Indonesian words and phrases customers use about it. Pure data, no Django
(the labels are translated in ``enums.DEFAULT_TOPIC_LABELS``)."""

from __future__ import annotations

DEFAULT_TOPICS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("price", ("harga", "mahal", "murah", "diskon", "ongkos")),
    (
        "delivery",
        ("kirim", "pengiriman", "kurir", "telat", "terlambat", "paket", "ongkir", "lama sampai"),
    ),
    ("quality", ("kualitas", "rusak", "cacat", "bagus", "awet", "jelek", "asli")),
    ("service", ("pelayanan", "layanan", "admin", "ramah", "respon", "balas", "cs", "sopan", "jutek")),
    ("stock", ("stok", "habis", "kosong", "tersedia", "ready")),
)
