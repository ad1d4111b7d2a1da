"""The inbox's main flow, in a browser, as in the demo: a customer writes from the customer
simulator (the fake WhatsApp Cloud API posts the signed webhook), the agent sees it arrive
without reloading, answers with a quick reply, sends the invoice PDF and resolves; the
customer taps a rating in the CSAT list and the agent sees it — all through the real webhook
view, a real Celery worker and the websocket served by uvicorn (the database watch of the
embedded mode)."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator
from typing import Any

import pytest
from django.db import connection
from django.urls import reverse

from relasi.accounts.enums import Role
from relasi.accounts.models import User, Workspace
from relasi.channels.whatsapp.fake import FakeConfig, FakeGraph, serve_in_thread
from relasi.channels.whatsapp.models import WhatsAppAccount
from relasi.contacts.enums import Channel
from relasi.contacts.models import Contact, ContactIdentity
from relasi.conversations import realtime
from relasi.conversations.enums import ChannelType
from relasi.conversations.models import Conversation, Inbox, QuickReply
from relasi.sales.models import Invoice
from relasi.sales.profile import sales_profile_get
from relasi.sales.services_invoices import invoice_create, invoice_issue
from tests.factories import MembershipFactory, UserFactory, WorkspaceFactory

# Four threads write here at once (live server, worker, websocket, the fake's webhooks). The
# SQLite *test* database is a shared-cache in-memory file whose table locks fail at once instead
# of waiting; the embedded mode's real file (WAL, busy timeout) has no such limit.
pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(
        connection.vendor != "postgresql",
        reason="the shared in-memory SQLite test database cannot take four writer threads",
    ),
]

PASSWORD = "rahasia-sekali-123"
PHONE_NUMBER_ID = "100000000000001"
APP_SECRET = "fake-app-secret"
SOON = 15_000  # ms: a worker, a webhook and a websocket between each step, on a loaded machine


@pytest.fixture
def fake_graph() -> Iterator[tuple[FakeGraph, str]]:
    fake = FakeGraph(FakeConfig(status_delay=0.05, app_secret=APP_SECRET))
    server, url = serve_in_thread(fake)
    try:
        yield fake, url
    finally:
        fake.close()
        server.shutdown()
        server.server_close()


@pytest.fixture
def embedded_realtime(settings: Any, asgi_server: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """As ``relasi run`` without Redis: the page's websocket on its own port; what the worker
    writes reaches it only through the database watch."""
    settings.CHANNEL_LAYERS = {"default": {"BACKEND": "channels.layers.InMemoryChannelLayer"}}
    settings.RELASI_REALTIME_URL = asgi_server
    settings.RELASI_REALTIME_DB_WATCH = "on"
    settings.RELASI_REALTIME_WATCH_SECONDS = 0.3
    settings.RELASI_SIMULATOR = True
    monkeypatch.setattr(realtime, "_send", lambda groups, message: None)


@pytest.fixture
def shop(transactional_db: None, live_server: Any, fake_graph: tuple[FakeGraph, str]) -> dict[str, Any]:
    fake, fake_url = fake_graph
    workspace: Workspace = WorkspaceFactory(name="Toko Hadiah Hero", slug="hero")
    owner: User = UserFactory(email="pemilik@hero.test", full_name="Pemilik Hero")
    MembershipFactory(user=owner, workspace=workspace, role=Role.OWNER)
    inbox = Inbox.objects.create(
        workspace=workspace, name="WhatsApp Toko", channel_type=ChannelType.WHATSAPP, auto_assign=True
    )
    inbox.members.set([owner])
    WhatsAppAccount.objects.create(
        inbox=inbox,
        phone_number_id=PHONE_NUMBER_ID,
        business_account_id="200000000000001",
        access_token="fake-token",
        app_secret=APP_SECRET,
        verify_token="v",
        api_base_url=f"{fake_url}/v21.0",
        recipient_spacing_seconds=0,
    )
    fake.config.webhook_url = live_server.url + reverse("conversations:whatsapp_webhook", args=[inbox.pk])
    QuickReply.objects.create(
        workspace=workspace,
        shortcut="salam",
        body="Halo {{first_name}}, terima kasih sudah menghubungi kami.",
    )
    budi = Contact.objects.create(workspace=workspace, full_name="Budi Santoso", phone="+6281234567890")
    ContactIdentity.objects.create(
        workspace=workspace, contact=budi, channel=Channel.WHATSAPP, address="6281234567890"
    )
    profile = sales_profile_get(workspace=workspace)
    profile.is_pkp = False
    profile.save()
    invoice: Invoice = invoice_issue(
        invoice=invoice_create(
            workspace=workspace,
            actor=None,
            values={"contact": budi.pk, "issue_date": dt.date(2026, 11, 20)},
            lines=[{"description": "Parsel Lebaran", "quantity": "2", "unit_price": "500.000"}],
        ),
        actor=None,
    )
    return {"workspace": workspace, "owner": owner, "inbox": inbox, "invoice": invoice, "fake": fake}


def _sign_in(page: Any, base: str, next_path: str) -> None:
    page.goto(f"{base}{reverse('accounts:login')}?next={next_path}")
    page.get_by_label("Email").fill("pemilik@hero.test")
    page.get_by_label(re.compile("Kata sandi|Password")).fill(PASSWORD)
    page.get_by_role("button", name=re.compile("Masuk|Sign in")).click()
    page.wait_for_url(re.compile(re.escape(next_path.split("?")[0])))


def test_customer_writes_agent_answers_sends_the_invoice_resolves_and_sees_the_rating(
    browser: Any,
    live_server: Any,
    shop: dict[str, Any],
    embedded_realtime: None,
    celery_worker_thread: Any,
) -> None:
    base = live_server.url
    inbox: Inbox = shop["inbox"]
    invoice: Invoice = shop["invoice"]

    agent = browser.new_context(locale="id-ID", viewport={"width": 1400, "height": 900}).new_page()
    agent.set_default_timeout(SOON)
    script_errors: list[str] = []
    agent.on("pageerror", lambda error: script_errors.append(str(error)))
    _sign_in(agent, base, "/w/hero/percakapan/")

    customer = browser.new_context(locale="id-ID").new_page()
    customer.set_default_timeout(SOON)
    simulator = f"/w/hero/percakapan/simulator/?start=1&inbox={inbox.pk}&number=0812-3456-7890&name=Budi"
    _sign_in(customer, base, simulator)

    # 1. The customer writes; the agent's list shows the conversation without a reload.
    customer.locator("#sim-text").fill("Halo kak, parsel lebaran masih ada?")
    customer.get_by_role("button", name=re.compile("^(Kirim|Send)$")).click()
    agent.locator(".conv-list").get_by_text("Budi Santoso").wait_for()
    conversation = Conversation.objects.get(inbox=inbox)
    agent.locator(".conv-list").get_by_text("Budi Santoso").click()
    agent.locator(".inbox-thread").get_by_text("Halo kak, parsel lebaran masih ada?").wait_for()

    # 2. A quick reply with the customer's first name filled in.
    composer = agent.locator("#composer-body")
    composer.fill("/sal")
    agent.locator("#qr-picker [data-shortcut=salam]").click()
    assert composer.input_value().startswith("Halo Budi, terima kasih")
    agent.locator("#composer").get_by_role("button", name=re.compile("^(Kirim|Send)$")).click()
    customer.locator("#sim-chat").get_by_text("Halo Budi, terima kasih sudah menghubungi kami.").wait_for()

    # 3. The invoice PDF from the contact panel arrives as a document.
    agent.locator(f"[data-testid=send-invoice-{invoice.pk}]").click()
    file_name = invoice.number.replace("/", "-") + ".pdf"
    customer.locator("#sim-chat").get_by_text(file_name).wait_for()

    # 4. Resolve: the CSAT list goes out inside the 24-hour window; the customer taps 5.
    agent.get_by_role("button", name=re.compile("^(Selesaikan|Resolve)$")).click()
    best = customer.locator("#sim-chat .sim-options button", has_text=re.compile(r"^\s*5"))
    best.click()

    # 5. The agent sees the rating arrive in the thread without reloading …
    agent.locator(".msg-activity", has_text="5/5").wait_for()
    conversation.refresh_from_db()
    assert conversation.status == "resolved"
    assert conversation.csat_score == 5
    assert conversation.csat_agent_id == shop["owner"].pk
    # … and on the conversation's panel.
    agent.reload()
    assert "5/5" in agent.locator("[data-testid=csat-score]").inner_text()
    assert script_errors == []
