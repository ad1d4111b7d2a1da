"""Parsing Meta's webhook JSON into typed items (reference/whatsapp-cloud-api.md §3–§5)."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from relasi.channels.whatsapp.payloads import webhook_parse

FIXTURES = Path(__file__).parent / "fixtures" / "whatsapp"


def load(name: str) -> dict[str, Any]:
    data: dict[str, Any] = json.loads((FIXTURES / f"{name}.json").read_text())
    return data


def only_message(name: str) -> Any:
    batch = webhook_parse(load(name))
    assert len(batch.messages) == 1, batch.skipped
    return batch.messages[0]


def test_text_message() -> None:
    message = only_message("text")
    assert message.wamid == "wamid.TEST1"
    assert message.from_ == "6281234567890"
    assert message.phone_number_id == "100000000000001"
    assert message.profile_name == "Budi Santoso"
    assert message.type == "text"
    assert message.text == "Halo kak, kemeja ukuran L masih ready?"
    # "1767225601" is Unix seconds: 2026-01-01 00:00:01 UTC (07:00:01 WIB).
    assert message.timestamp == datetime(2026, 1, 1, 0, 0, 1, tzinfo=UTC)


@pytest.mark.parametrize(
    ("name", "mime", "filename", "caption"),
    [
        ("image", "image/jpeg", "", "Yang ini kak"),
        ("audio", "audio/ogg; codecs=opus", "", ""),
        ("video", "video/mp4", "", "Videonya"),
        ("document", "application/pdf", "bukti-transfer.pdf", "Bukti transfer"),
        ("sticker", "image/webp", "", ""),
    ],
)
def test_media_messages(name: str, mime: str, filename: str, caption: str) -> None:
    message = only_message(name)
    assert message.type == name
    assert message.media is not None
    assert message.media.id.startswith("9000000000000")
    assert message.media.mime_type == mime
    assert message.media.filename == filename
    assert message.media.caption == caption
    assert message.text == caption
    assert message.media.sha256


def test_location() -> None:
    message = only_message("location")
    assert message.location is not None
    assert message.location.latitude == pytest.approx(-6.2087634)
    assert message.location.longitude == pytest.approx(106.845599)
    assert message.location.name == "Toko Hero"


def test_contacts_card() -> None:
    message = only_message("contacts")
    assert message.type == "contacts"
    assert message.contacts[0]["name"]["formatted_name"] == "Siti Aminah"


def test_interactive_replies() -> None:
    button = only_message("interactive_button")
    assert button.interactive is not None
    assert (button.interactive.type, button.interactive.id, button.interactive.title) == (
        "button_reply",
        "csat_5",
        "Sangat puas",
    )
    assert button.context is not None
    assert button.context.id == "wamid.OUT1"
    listed = only_message("interactive_list")
    assert listed.interactive is not None
    assert listed.interactive.description == "Lingkar dada 104 cm"
    flow = only_message("interactive_nfm")
    assert flow.interactive is not None
    assert flow.interactive.type == "nfm_reply"
    assert flow.raw["interactive"]["nfm_reply"]["response_json"] == '{"flow_token":"abc"}'


def test_template_button_reaction_referral() -> None:
    button = only_message("button")
    assert button.button is not None
    assert button.button.payload == "STOP_PROMO"
    reaction = only_message("reaction")
    assert reaction.reaction is not None
    assert (reaction.reaction.message_id, reaction.reaction.emoji) == ("wamid.TEST1", "\U0001f44d")
    referral = only_message("referral").referral
    assert referral is not None
    assert referral.source_type == "ad"
    assert referral.ctwa_clid == "ARAkLkA8rmlFeiCktEJQ"
    assert referral.raw["image_url"] == "https://example.test/ad.jpg"


@pytest.mark.parametrize("name", ["unsupported", "unknown_type", "order", "system"])
def test_unknown_types_become_unsupported_with_raw_kept(name: str) -> None:
    message = only_message(name)
    assert message.type == "unsupported"
    assert message.raw["type"] != ""
    assert message.raw["id"] == message.wamid


def test_unsupported_keeps_errors_and_unknown_fields() -> None:
    assert only_message("unsupported").errors[0].code == "131051"
    unknown = only_message("unknown_type")
    assert unknown.raw["new_field_2027"] == {"a": 1}


def test_malformed_items_are_skipped_and_the_rest_kept() -> None:
    batch = webhook_parse(load("malformed"))
    assert [m.wamid for m in batch.messages] == ["wamid.TEST20"]
    assert len(batch.skipped) == 3


def test_statuses() -> None:
    batch = webhook_parse(load("statuses_read_delivered_sent"))
    assert [s.status for s in batch.statuses] == ["read", "delivered", "sent"]
    assert batch.statuses[1].pricing == {"billable": True, "pricing_model": "PMP", "category": "service"}
    assert batch.statuses[2].biz_opaque_callback_data == "invoice:INV-2026-0042"
    failed = webhook_parse(load("status_failed_131047")).statuses[0]
    assert failed.errors[0].code == "131047"
    assert failed.errors[0].title == "Re-engagement message"
    assert "24 hours" in failed.errors[0].details


def test_batch_of_entries_and_changes() -> None:
    batch = webhook_parse(load("batch"))
    assert [m.wamid for m in batch.messages] == [f"wamid.BATCH{i}" for i in range(1, 6)]
    assert [m.profile_name for m in batch.messages] == [
        "Budi Santoso",
        "Budi Santoso",
        "Siti Aminah",
        "Siti Aminah",
        "Budi Santoso",
    ]
    assert [(s.wamid, s.status) for s in batch.statuses] == [
        ("wamid.OUT20", "delivered"),
        ("wamid.OUT20", "read"),
        ("wamid.OUT21", "sent"),
    ]


def test_template_and_quality_updates() -> None:
    update = webhook_parse(load("template_status_update")).template_updates[0]
    assert (update.field, update.event, update.template_name, update.template_id) == (
        "message_template_status_update",
        "APPROVED",
        "invoice_reminder",
        "400000000000001",
    )
    quality = webhook_parse(load("quality_update")).template_updates[0]
    assert (quality.field, quality.event) == ("phone_number_quality_update", "FLAGGED")


@pytest.mark.parametrize("data", [None, [], "x", {"entry": "nope"}, {"entry": [{"changes": [1, {}]}]}])
def test_garbage_never_crashes(data: Any) -> None:
    batch = webhook_parse(data)
    assert batch.messages == ()
    assert batch.statuses == ()
