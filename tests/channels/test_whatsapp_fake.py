"""The fake Graph API itself: validation, the control surface, the command."""

from __future__ import annotations

import hashlib
import hmac
import json
import subprocess
import sys
import time

import httpx

from tests.channels.conftest import APP_SECRET, PHONE_NUMBER_ID, TOKEN, FakeGraphHandle

AUTH = {"Authorization": f"Bearer {TOKEN}"}


def _send(fake_graph: FakeGraphHandle, body: dict[str, object]) -> httpx.Response:
    return httpx.post(f"{fake_graph.base_url}/{PHONE_NUMBER_ID}/messages", json=body, headers=AUTH)


def test_messaging_product_is_required(fake_graph: FakeGraphHandle) -> None:
    response = _send(fake_graph, {"to": "628123", "type": "text", "text": {"body": "x"}})
    assert response.status_code == 400
    assert response.json()["error"]["code"] == 100


def test_unknown_phone_number_id_is_refused(fake_graph: FakeGraphHandle) -> None:
    response = httpx.post(
        f"{fake_graph.base_url}/999/messages", json={"messaging_product": "whatsapp"}, headers=AUTH
    )
    assert (response.status_code, response.json()["error"]["code"]) == (400, 100)


def test_template_checks_name_and_parameter_count(fake_graph: FakeGraphHandle) -> None:
    base = {"messaging_product": "whatsapp", "to": "6281234567890", "type": "template"}
    unknown = _send(fake_graph, {**base, "template": {"name": "nope", "language": {"code": "id"}}})
    assert unknown.json()["error"]["code"] == 132001
    pending = _send(
        fake_graph, {**base, "template": {"name": "konfirmasi_pesanan", "language": {"code": "id"}}}
    )
    assert pending.json()["error"]["code"] == 132001
    short = _send(
        fake_graph,
        {**base, "template": {"name": "sapaan_kembali", "language": {"code": "id"}, "components": []}},
    )
    assert short.json()["error"]["code"] == 132000
    ok = _send(
        fake_graph,
        {
            **base,
            "template": {
                "name": "sapaan_kembali",
                "language": {"code": "id"},
                "components": [{"type": "body", "parameters": [{"type": "text", "text": "Budi"}]}],
            },
        },
    )
    assert ok.status_code == 200
    assert ok.json()["messages"][0]["message_status"] == "accepted"
    assert ok.json()["contacts"] == [{"input": "6281234567890", "wa_id": "6281234567890"}]


def test_four_reply_buttons_are_refused(fake_graph: FakeGraphHandle) -> None:
    buttons = [{"type": "reply", "reply": {"id": str(i), "title": str(i)}} for i in range(4)]
    response = _send(
        fake_graph,
        {
            "messaging_product": "whatsapp",
            "to": "6281234567890",
            "type": "interactive",
            "interactive": {"type": "button", "body": {"text": "?"}, "action": {"buttons": buttons}},
        },
    )
    assert (response.status_code, response.json()["error"]["code"]) == (400, 131009)


def test_inbound_posts_a_signed_meta_shaped_webhook_and_opens_the_window(fake_graph: FakeGraphHandle) -> None:
    response = httpx.post(
        f"{fake_graph.url}/_fake/inbound",
        json={"from": "+62 812-3456-7890", "text": "Halo kak", "name": "Budi"},
    )
    wamid = response.json()["id"]
    fake_graph.fake.wait_webhooks(1)
    headers, body = fake_graph.capture.requests[0]
    assert (
        headers["X-Hub-Signature-256"]
        == "sha256=" + hmac.new(APP_SECRET.encode(), body, hashlib.sha256).hexdigest()
    )
    envelope = json.loads(body)
    assert envelope["object"] == "whatsapp_business_account"
    value = envelope["entry"][0]["changes"][0]["value"]
    assert value["contacts"] == [{"profile": {"name": "Budi"}, "wa_id": "6281234567890"}]
    message = value["messages"][0]
    assert (message["id"], message["from"], message["type"], message["text"]) == (
        wamid,
        "6281234567890",
        "text",
        {"body": "Halo kak"},
    )
    assert isinstance(message["timestamp"], str)
    state = httpx.get(f"{fake_graph.url}/_fake/state").json()
    assert f"{PHONE_NUMBER_ID}:6281234567890" in state["windows"]


def test_inbound_media_can_be_downloaded_with_the_token(fake_graph: FakeGraphHandle) -> None:
    import base64

    httpx.post(
        f"{fake_graph.url}/_fake/inbound",
        json={
            "from": "6281234567890",
            "media": {
                "data_base64": base64.b64encode(b"\x89PNG").decode(),
                "mime_type": "image/png",
                "caption": "Ini",
            },
        },
    )
    hooks = fake_graph.fake.wait_webhooks(1)
    image = hooks[0]["body"]["entry"][0]["changes"][0]["value"]["messages"][0]["image"]
    meta = httpx.get(f"{fake_graph.base_url}/{image['id']}", headers=AUTH).json()
    assert httpx.get(meta["url"]).status_code == 401
    assert httpx.get(meta["url"], headers=AUTH).content == b"\x89PNG"


def test_command_serves_the_fake(tmp_path: object) -> None:
    port = 18000 + int(time.time()) % 1000
    process = subprocess.Popen(  # noqa: S603 - our own command
        [sys.executable, "-m", "relasi", "fake_whatsapp", "--port", str(port), "--token", "t1"],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    try:
        for _ in range(100):
            try:
                info = httpx.get(
                    f"http://127.0.0.1:{port}/v21.0/{PHONE_NUMBER_ID}", headers={"Authorization": "Bearer t1"}
                )
                break
            except httpx.ConnectError:
                time.sleep(0.1)
        assert info.json()["display_phone_number"] == "6281100000000"
    finally:
        process.terminate()
        process.wait(timeout=10)
