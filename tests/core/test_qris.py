"""QRIS payloads (reference/indonesia.md §6.2–6.3, R34–R35).

The static payloads here are built in the test from the EMVCo MPM rules (TLV + CRC-16/
CCITT-FALSE written out below), not with the code under test.
"""

from __future__ import annotations

from decimal import Decimal

import pytest

from relasi.core.qris import (
    QrisError,
    qris_amount_allowed,
    qris_crc,
    qris_merchant,
    qris_parse,
    qris_svg,
    qris_with_amount,
)


def crc16_ccitt_false(data: bytes) -> int:
    """Textbook CRC-16/CCITT-FALSE: poly 0x1021, init 0xFFFF, no reflection, no xor-out."""
    crc = 0xFFFF
    for byte in data:
        for bit in range(7, -1, -1):
            top = (crc >> 15) & 1
            crc = (crc << 1) & 0xFFFF
            if top ^ ((byte >> bit) & 1):
                crc ^= 0x1021
    return crc


def tlv(tag: str, value: str) -> str:
    return f"{tag}{len(value):02d}{value}"


def with_crc(body: str) -> str:
    body += "6304"
    return body + f"{crc16_ccitt_false(body.encode()):04X}"


def tlv_fields(payload: str) -> dict[str, str]:
    out, pos = {}, 0
    while pos < len(payload):
        tag, length = payload[pos : pos + 2], int(payload[pos + 2 : pos + 4])
        out[tag] = payload[pos + 4 : pos + 4 + length]
        pos += 4 + length
    return out


NMID = "ID1020021181745"


def static_body(*, guid: str = "ID.CO.QRIS.WWW", extra: str = "") -> str:
    return (
        tlv("00", "01")
        + tlv("01", "11")
        + tlv(
            "26",
            tlv("00", "ID.CO.BANKMANDIRI.WWW")
            + tlv("01", "936000080000012345")
            + tlv("02", "71234567890")
            + tlv("03", "UMI"),
        )
        + tlv("51", tlv("00", guid) + tlv("02", NMID) + tlv("03", "UMI"))
        + tlv("52", "5732")
        + tlv("53", "360")
        + extra
        + tlv("58", "ID")
        + tlv("59", "TOKO MAJU JAYA")
        + tlv("60", "JAKARTA PUSAT")
        + tlv("61", "10110")
        + tlv("62", tlv("07", "A01"))
    )


STATIC = with_crc(static_body())


def test_crc_known_vector() -> None:
    assert crc16_ccitt_false(b"123456789") == 0x29B1
    assert qris_crc("123456789") == "29B1"


def test_parse_static_payload() -> None:
    tags = qris_parse(STATIC)
    assert tags["00"] == "01"
    assert tags["01"] == "11"
    assert tags["53"] == "360"
    assert tags["58"] == "ID"
    merchant = qris_merchant(STATIC)
    assert (merchant.name, merchant.city, merchant.nmid) == (
        "TOKO MAJU JAYA",
        "JAKARTA PUSAT",
        NMID,
    )


def test_with_amount_makes_a_dynamic_payload_with_valid_crc() -> None:
    dynamic = qris_with_amount(STATIC, Decimal("19800000"))
    fields = tlv_fields(dynamic)
    assert fields["01"] == "12"
    assert fields["54"] == "19800000"
    assert fields["59"] == "TOKO MAJU JAYA"
    # CRC recomputed by the textbook algorithm over everything up to and including 6304.
    assert dynamic[-8:-4] == "6304"
    assert int(dynamic[-4:], 16) == crc16_ccitt_false(dynamic[:-4].encode())
    # Tag 54 sits in numeric order between 53 and 58, and the payload still parses.
    order = list(fields)
    assert order.index("53") < order.index("54") < order.index("58")
    assert qris_parse(dynamic)["54"] == "19800000"


def test_whole_decimal_amount_is_accepted() -> None:
    assert tlv_fields(qris_with_amount(STATIC, Decimal("150000.00")))["54"] == "150000"


def test_tip_tags_are_removed() -> None:
    tipped = with_crc(static_body(extra=tlv("55", "02") + tlv("56", "2000")))
    dynamic = qris_with_amount(tipped, Decimal("500000"))
    fields = tlv_fields(dynamic)
    assert not {"55", "56", "57"} & set(fields)
    assert fields["54"] == "500000"


def test_amount_replaced_on_an_already_dynamic_payload() -> None:
    once = qris_with_amount(STATIC, Decimal("1000"))
    twice = qris_with_amount(once, Decimal("2500"))
    assert tlv_fields(twice)["54"] == "2500"
    assert twice.count("5404") == 1


@pytest.mark.parametrize("amount", [Decimal("1250500.75"), Decimal("0"), Decimal("-5000")])
def test_bad_amounts_are_refused(amount: Decimal) -> None:
    with pytest.raises(QrisError) as err:
        qris_with_amount(STATIC, amount)
    assert err.value.reason == "amount"


def test_bad_crc_is_rejected() -> None:
    last = STATIC[-1]
    damaged = STATIC[:-1] + ("0" if last != "0" else "1")
    with pytest.raises(QrisError) as err:
        qris_parse(damaged)
    assert err.value.reason == "crc"


def test_changed_content_fails_crc() -> None:
    with pytest.raises(QrisError) as err:
        qris_parse(STATIC.replace("TOKO MAJU JAYA", "TOKO MAJU JAYB"))
    assert err.value.reason == "crc"


def test_merchant_account_without_qris_guid_is_rejected() -> None:
    with pytest.raises(QrisError) as err:
        qris_parse(with_crc(static_body(guid="ID.CO.OTHER.WWW")))
    assert err.value.reason == "merchant_account"


@pytest.mark.parametrize(
    ("payload", "reason"),
    [
        ("", "empty"),
        ("hello world", "format"),
        ("000201", "crc"),
        (with_crc(static_body().replace(tlv("53", "360"), tlv("53", "840"))), "currency"),
        (with_crc(static_body().replace(tlv("58", "ID"), tlv("58", "SG"))), "country"),
    ],
)
def test_invalid_payloads(payload: str, reason: str) -> None:
    with pytest.raises(QrisError) as err:
        qris_parse(payload)
    assert err.value.reason == reason


def test_amount_allowed_respects_the_ten_million_cap() -> None:
    assert qris_amount_allowed(Decimal("10000000"))
    assert not qris_amount_allowed(Decimal("10000001"))
    assert not qris_amount_allowed(Decimal("100.50"))
    assert not qris_amount_allowed(Decimal("5000000"), limit=Decimal("1000000"))


def test_svg_is_inline_markup() -> None:
    svg = qris_svg(qris_with_amount(STATIC, Decimal("19800000")))
    assert svg.startswith("<svg")
    assert "<?xml" not in svg
    assert svg.rstrip().endswith("</svg>")
