"""The Graph API client against the fake Graph API served for real."""

from __future__ import annotations

import hashlib
import hmac
import json
import time

import pytest

from relasi.channels.whatsapp.client import GraphApiError, GraphClient
from tests.channels.conftest import APP_SECRET, PHONE_NUMBER_ID, TOKEN, WABA_ID, FakeGraphHandle

CUSTOMER = "6281234567890"


def _text(body: str = "Halo kak") -> dict[str, object]:
    return {"to": CUSTOMER, "type": "text", "text": {"body": body}}


def test_send_returns_the_wamid_the_fake_recorded(fake_graph: FakeGraphHandle) -> None:
    fake_graph.fake.open_window(PHONE_NUMBER_ID, CUSTOMER)
    wamid = GraphClient(fake_graph.base_url, TOKEN).send_message(PHONE_NUMBER_ID, _text())
    assert wamid.startswith("wamid.")
    sent = fake_graph.fake.state()["sent"]
    assert [(s["wamid"], s["to"], s["payload"]["text"]["body"]) for s in sent] == [
        (wamid, CUSTOMER, "Halo kak")
    ]


def test_unknown_token_is_error_190_not_retryable(fake_graph: FakeGraphHandle) -> None:
    with pytest.raises(GraphApiError) as info:
        GraphClient(fake_graph.base_url, "wrong").send_message(PHONE_NUMBER_ID, _text())
    assert (info.value.code, info.value.http_status, info.value.retryable) == (190, 401, False)
    assert fake_graph.fake.state()["sent"] == []


def test_throughput_limit_is_130429_retryable_with_retry_after(fake_graph: FakeGraphHandle) -> None:
    fake_graph.fake.config.messages_per_second = 2
    fake_graph.fake.clock = lambda: 1767225600.5  # all three sends in the same second
    client = GraphClient(fake_graph.base_url, TOKEN)
    client.send_message(PHONE_NUMBER_ID, _text("1"))
    client.send_message(PHONE_NUMBER_ID, _text("2"))
    with pytest.raises(GraphApiError) as info:
        client.send_message(PHONE_NUMBER_ID, _text("3"))
    assert info.value.code == 130429
    assert info.value.retryable is True
    assert info.value.retry_after is not None
    assert info.value.retry_after > 0
    assert len(fake_graph.fake.state()["sent"]) == 2


def test_pair_rate_when_switched_on_is_131056_retryable(fake_graph: FakeGraphHandle) -> None:
    fake_graph.fake.config.pair_rate_seconds = 6
    client = GraphClient(fake_graph.base_url, TOKEN)
    client.send_message(PHONE_NUMBER_ID, _text("1"))
    with pytest.raises(GraphApiError) as info:
        client.send_message(PHONE_NUMBER_ID, _text("2"))
    assert (info.value.code, info.value.retryable) == (131056, True)


def test_server_error_is_retryable_and_invalid_parameter_is_not(fake_graph: FakeGraphHandle) -> None:
    client = GraphClient(fake_graph.base_url, TOKEN)
    fake_graph.fake.fail_next(500, 1)
    with pytest.raises(GraphApiError) as info:
        client.send_message(PHONE_NUMBER_ID, _text())
    assert (info.value.http_status, info.value.retryable) == (500, True)
    with pytest.raises(GraphApiError) as info:
        client.send_message(PHONE_NUMBER_ID, {"to": CUSTOMER, "type": "text", "text": {"body": ""}})
    assert (info.value.code, info.value.retryable) == (100, False)


def test_network_error_is_retryable() -> None:
    with pytest.raises(GraphApiError) as info:
        GraphClient("http://127.0.0.1:9/v21.0", TOKEN, timeout=1).send_message(PHONE_NUMBER_ID, _text())
    assert (info.value.code, info.value.retryable) == (0, True)


def test_outside_the_window_is_accepted_then_fails_by_signed_webhook_131047(
    fake_graph: FakeGraphHandle,
) -> None:
    """Meta accepts free text to a silent customer, then posts a ``failed`` status."""
    fake_graph.fake.open_window(PHONE_NUMBER_ID, CUSTOMER, at=time.time() - 25 * 3600)
    wamid = GraphClient(fake_graph.base_url, TOKEN).send_message(PHONE_NUMBER_ID, _text())
    fake_graph.fake.wait_webhooks(1)
    assert len(fake_graph.capture.requests) == 1
    headers, body = fake_graph.capture.requests[0]
    expected = "sha256=" + hmac.new(APP_SECRET.encode(), body, hashlib.sha256).hexdigest()
    assert headers["X-Hub-Signature-256"] == expected
    value = json.loads(body)["entry"][0]["changes"][0]["value"]
    status = value["statuses"][0]
    assert (status["id"], status["status"], status["recipient_id"]) == (wamid, "failed", CUSTOMER)
    assert status["errors"][0]["code"] == 131047
    assert value["metadata"]["phone_number_id"] == PHONE_NUMBER_ID


def test_inside_the_window_statuses_sent_delivered_read(fake_graph: FakeGraphHandle) -> None:
    fake_graph.fake.open_window(PHONE_NUMBER_ID, CUSTOMER)
    wamid = GraphClient(fake_graph.base_url, TOKEN).send_message(PHONE_NUMBER_ID, _text())
    hooks = fake_graph.fake.wait_webhooks(3)
    assert [h["body"]["entry"][0]["changes"][0]["value"]["statuses"][0]["status"] for h in hooks] == [
        "sent",
        "delivered",
        "read",
    ]
    assert all(h["body"]["entry"][0]["changes"][0]["value"]["statuses"][0]["id"] == wamid for h in hooks)
    assert [h["response_status"] for h in hooks] == [200, 200, 200]


def test_media_upload_then_download(fake_graph: FakeGraphHandle) -> None:
    client = GraphClient(fake_graph.base_url, TOKEN)
    pdf = b"%PDF-1.4 invoice"
    media_id = client.media_upload(PHONE_NUMBER_ID, pdf, "application/pdf", "INV-2026-0042.pdf")
    assert client.media_download(media_id) == (pdf, "application/pdf")


def test_templates_list_follows_paging(fake_graph: FakeGraphHandle) -> None:
    fake_graph.fake.config.templates_page_size = 2
    templates = GraphClient(fake_graph.base_url, TOKEN).templates_list(WABA_ID)
    assert len(templates) == len(fake_graph.fake.config.templates) == 5
    assert {(t["name"], t["language"]) for t in templates} >= {
        ("pengingat_invoice", "id"),
        ("pengingat_invoice", "en"),
    }


def test_phone_number_info(fake_graph: FakeGraphHandle) -> None:
    info = GraphClient(fake_graph.base_url, TOKEN).phone_number_info(PHONE_NUMBER_ID)
    assert info["display_phone_number"] == "6281100000000"
    assert info["quality_rating"] == "GREEN"
